// 我的任务's campaign header, its overdue procedures and the 回访核查 form's pure parts: the
// result built from what was typed (the JSON shape of fangpin_domain::recheck::RecheckResult),
// the differing fields offered and read back by their Chinese labels, never by their paths.
import { describe, expect, it } from 'vitest';
import type { ProcedureView, RecheckView } from '@fangpin/shared/bindings';
import { fieldLabels } from '@fangpin/shared/labels';
import {
  buildRecheck,
  differingFieldGroups,
  differingFieldLabel,
  emptyRecheckDraft,
  pendingCount,
  putRecheck,
  rankText,
  RECHECK_FIELDS,
  recheckField,
  recheckPlace,
  recheckState,
  summariseRecheck,
  toggleField,
  type RecheckDraft,
} from '../src/components/recheck/recheck';
import { focusText, overdueLines, overdueTitle, phaseText, villagesText } from '../src/components/recheck/campaign';

const today = '2026-05-10';
const draft = (over: Partial<RecheckDraft> = {}): RecheckDraft => ({ ...emptyRecheckDraft(today, '王芳'), ...over });

function view(over: Partial<RecheckView> = {}): RecheckView {
  return {
    id: 'r1',
    household_id: 'h1',
    head_name: '张国华',
    hubianhao: '5303251012010036',
    village_code: '530325101201',
    village_name: '',
    group_name: '3组',
    rank: 1,
    campaign_name: '2026年集中排查',
    result: null,
    may_record: true,
    ...over,
  };
}

describe('the differing fields', () => {
  const groups = differingFieldGroups();
  const all = groups.flatMap((g) => g.fields);

  it('are the screening form\'s fields by section, with their Chinese labels', () => {
    expect(groups.map((g) => g.title)).toEqual(['农户', '家庭成员', '家庭收支']);
    expect(all).toContainEqual({ value: 'phone', text: '联系电话' });
    expect(all).toContainEqual({ value: 'members.health', text: '健康状况' });
    expect(all).toContainEqual({ value: 'income.wage_fen', text: '工资性收入' });
    expect(new Set(all.map((f) => f.value)).size).toBe(all.length);
  });

  it('leave out what a cadre does not type on the form', () => {
    const values = all.map((f) => f.value);
    for (const f of ['$alive', 'screened_on', 'screened_by', 'members.household_id', 'members.position', 'income.period', 'income.year'])
      expect(values).not.toContain(f);
  });

  it('never show a path: every label is Chinese from the catalogue', () => {
    for (const f of all) {
      expect(f.text).not.toMatch(/[a-z_]/);
      expect(differingFieldLabel(f.value)).not.toMatch(/[a-z_[\]]/);
    }
    expect(fieldLabels.household?.phone).toBe('联系电话');
  });

  it('read back in Chinese, a member by its place when the path names one', () => {
    expect(differingFieldLabel('phone')).toBe('联系电话');
    expect(differingFieldLabel('household.house_safety')).toBe('住房安全等级');
    expect(differingFieldLabel('members.health')).toBe('家庭成员·健康状况');
    expect(differingFieldLabel('members[2].health')).toBe('家庭成员第3人·健康状况');
    expect(differingFieldLabel('income.wage_fen')).toBe('工资性收入');
    expect(differingFieldLabel('no_such_field')).toBe('其他项目');
    expect(differingFieldLabel('members[0].no_such')).toBe('其他项目');
  });
});

describe('the re-check form', () => {
  it('starts dated today with the signed-in name and agreeing, or from the recorded result', () => {
    expect(emptyRecheckDraft(today, '王芳')).toEqual({
      checked_on: today,
      checked_by: '王芳',
      agrees: true,
      differing_fields: [],
      note: '',
    });
    const recorded = { checked_on: '2026-05-01', checked_by: '李四', agrees: false, differing_fields: ['phone'], note: '电话已换' };
    const d = emptyRecheckDraft(today, '王芳', recorded);
    expect(d).toEqual(recorded);
    d.differing_fields.push('group');
    expect(recorded.differing_fields).toEqual(['phone']);
  });

  it('toggles a chip on and off', () => {
    const d = draft();
    toggleField(d, 'phone');
    toggleField(d, 'members.health');
    toggleField(d, 'phone');
    expect(d.differing_fields).toEqual(['members.health']);
  });

  it('builds the result, dropping the chips when it agrees', () => {
    expect(buildRecheck(draft({ differing_fields: ['phone'], note: ' 无误 ' }))).toEqual({
      ok: true,
      value: { checked_on: today, checked_by: '王芳', agrees: true, differing_fields: [], note: '无误' },
    });
    expect(buildRecheck(draft({ agrees: false, differing_fields: ['phone', 'phone', 'members.health'] }))).toEqual({
      ok: true,
      value: { checked_on: today, checked_by: '王芳', agrees: false, differing_fields: ['phone', 'members.health'], note: '' },
    });
  });

  it('names the field that keeps the text from being a result', () => {
    const issue = (d: RecheckDraft) => {
      const b = buildRecheck(d);
      return b.ok ? null : b.issue.field;
    };
    expect(issue(draft({ checked_on: '2026-02-30' }))).toBe('checked_on');
    expect(issue(draft({ checked_by: '  ' }))).toBe('checked_by');
    expect(issue(draft({ agrees: false }))).toBe('differing_fields');
    const b = buildRecheck(draft({ agrees: false }));
    expect(b.ok ? '' : b.issue.message_zh).toMatch(/不一致的项目/);
  });

  it('puts a refusal from the device at the field it names', () => {
    expect(recheckField('differing_fields[1]')).toBe('differing_fields');
    expect(recheckField('checked_by')).toBe('checked_by');
    expect(recheckField('result.note')).toBe('note');
    expect(recheckField(null)).toBeNull();
    for (const f of ['checked_on', 'checked_by', 'differing_fields', 'note']) expect(RECHECK_FIELDS).toContain(f);
  });
});

describe('the re-check list', () => {
  it('shows 已核查 ✓ or 待核查, the draw\'s order, and the place by name', () => {
    const done = view({
      id: 'r2',
      rank: 2,
      result: { checked_on: today, checked_by: '王芳', agrees: false, differing_fields: ['phone', 'members[1].health'], note: '电话已换' },
    });
    expect(recheckState(view())).toBe('待核查');
    expect(recheckState(done)).toBe('已核查 ✓');
    expect(rankText(2)).toBe('第2位');
    expect(rankText(null)).toBe('');
    expect(recheckPlace(view({ village_name: '示例村' }))).toBe('示例村 3组');
    expect(recheckPlace(view(), () => '下营村')).toBe('下营村 3组');
    expect(pendingCount([view(), done])).toBe(1);
    expect(summariseRecheck(done.result)).toEqual([
      `核查日期 ${today}，核查人 王芳`,
      '与排查结果不一致：联系电话、家庭成员第2人·健康状况',
      '说明：电话已换',
    ]);
    expect(summariseRecheck(null)).toEqual([]);
  });

  it('puts a recorded re-check in its place', () => {
    const list = [view(), view({ id: 'r2', rank: 2 })];
    const recorded = view({ id: 'r2', rank: 2, result: { checked_on: today, checked_by: '王芳', agrees: true, differing_fields: [], note: '' } });
    const out = putRecheck(list, recorded);
    expect(out.map((r) => r.id)).toEqual(['r1', 'r2']);
    expect(out[1]!.result?.agrees).toBe(true);
    expect(list[1]!.result).toBeNull();
  });
});

describe('the campaign header and overdue procedures', () => {
  it('shows the phase with its dates, the villages and the focus groups', () => {
    expect(phaseText({ phase_label: '全面排查', phase_from: '2026-03-06', phase_to: '2026-04-30' })).toBe('全面排查（2026-03-06 至 2026-04-30）');
    expect(phaseText({ phase_label: '', phase_from: null, phase_to: null })).toBe('未设置阶段');
    expect(villagesText(['示例村', '530325101202'], (c) => (c === '530325101202' ? '上营村' : c))).toBe('示例村、上营村');
    expect(villagesText([])).toBe('—');
    expect(focusText({ focus_labels: ['脱贫户', '监测户'] })).toBe('重点排查对象：脱贫户、监测户（优先走访）');
    expect(focusText({ focus_labels: [] })).toBe('');
  });

  it('names the household and what is late', () => {
    const p = {
      household_id: 'h1',
      kind_label: '纳入监测',
      started_on: '2026-03-01',
      due: '2026-03-16',
      overdue: true,
      steps: [
        { label: '入户核实', overdue: true, due: '2026-03-03' },
        { label: '民主评议', overdue: false, due: null },
      ],
    } as unknown as ProcedureView;
    expect(overdueTitle(p, { h1: '张国华' })).toBe('张国华户：纳入监测');
    expect(overdueTitle(p, {})).toBe('农户：纳入监测');
    expect(overdueLines(p)).toEqual(['发现日期 2026-03-01', '入户核实逾期（时限 2026-03-03）', '超过办结时限 2026-03-16']);
  });
});
