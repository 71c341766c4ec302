// The 纳入监测 / 风险消除 screens' pure parts: the step records built from what was typed (the
// JSON shapes of fangpin_domain::procedure), and recorded steps read back in Chinese.
import { describe, expect, it } from 'vitest';
import {
  addDays,
  buildGreenChannel,
  buildStart,
  buildStep,
  comparisonItems,
  daysInclusive,
  draftField,
  emptyDraft,
  greenChannelText,
  isIsoDate,
  missingCriteria,
  resultText,
  STEPS,
  stepFields,
  stepPassed,
  summariseStep,
  verdictOptions,
  type StepDraft,
} from '../src/components/procedure/procedure';

const today = '2026-05-10';
const draft = (over: Partial<StepDraft> = {}): StepDraft => ({ ...emptyDraft(today, '王芳'), ...over });

describe('dates', () => {
  it('accepts only real days written YYYY-MM-DD', () => {
    expect(isIsoDate('2026-02-28')).toBe(true);
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2026-5-1')).toBe(false);
    expect(isIsoDate('')).toBe(false);
  });
  it('counts a notice with both ends, across months', () => {
    expect(daysInclusive('2026-05-01', '2026-05-05')).toBe(5);
    expect(daysInclusive('2026-04-28', '2026-05-02')).toBe(5);
    expect(daysInclusive('2026-05-05', '2026-05-01')).toBe(0);
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
  it('starts a form dated today with a 5-day notice ending today', () => {
    const d = emptyDraft(today, '王芳');
    expect(d.on).toBe(today);
    expect(d.by).toBe('王芳');
    expect(daysInclusive(d.from, d.to)).toBe(5);
    expect(d.verdict).toBe('');
  });
});

describe('buildStep', () => {
  it('入户核实 carries the consent signature only once signed', () => {
    const unsigned = buildStep('verification', 'identification', draft({ checklist_done: true, note: ' 因病 ' }));
    expect(unsigned).toEqual({ ok: true, value: { on: today, by: '王芳', checklist_done: true, note: '因病' } });
    const signed = buildStep('verification', 'identification', draft({ consent_signature: 'ab'.repeat(32) }));
    expect(signed.ok && signed.value).toEqual({ on: today, by: '王芳', checklist_done: false, consent_signature: 'ab'.repeat(32), note: '' });
  });

  it('民主评议 turns the counts into numbers and needs its result', () => {
    expect(buildStep('appraisal', 'identification', draft({ attendance: '23', in_favour: '21', verdict: 'yes', note: '一致同意' }))).toEqual({
      ok: true,
      value: { on: today, attendance: 23, in_favour: 21, passed: true, note: '一致同意' },
    });
    expect(buildStep('appraisal', null, draft({ attendance: '', verdict: 'yes' }))).toEqual({
      ok: false,
      issue: { field: 'attendance', message_zh: '请填写参会人数' },
    });
    expect(buildStep('appraisal', null, draft({ attendance: '2.5', in_favour: '1', verdict: 'yes' }))).toMatchObject({ ok: false, issue: { field: 'attendance' } });
    expect(buildStep('appraisal', null, draft({ attendance: '12', in_favour: '10' }))).toEqual({
      ok: false,
      issue: { field: 'verdict', message_zh: '请选择评议结果' },
    });
  });

  it('信息比对 lists the chips then the typed items, each once', () => {
    const b = buildStep('comparison', null, draft({ items: ['车辆', '房产'], items_other: '公积金、 车辆，社保', verdict: 'no', note: '有车' }));
    expect(b).toEqual({ ok: true, value: { on: today, items: ['车辆', '房产', '公积金', '社保'], consistent: false, note: '有车' } });
    expect(comparisonItems({ items: [], items_other: ' ' })).toEqual([]);
  });

  it('村级公示 keeps from/to as typed and counts objections (empty is none)', () => {
    const b = buildStep('publicity', null, draft({ from: '2026-05-01', to: '2026-05-05', place: '村委会公示栏', objections: '', verdict: 'yes' }));
    expect(b).toEqual({
      ok: true,
      value: { from: '2026-05-01', to: '2026-05-05', place: '村委会公示栏', objections: 0, objection_notes: '', passed: true },
    });
    expect(buildStep('publicity', null, draft({ to: '2026-5-5', verdict: 'yes' }))).toMatchObject({ ok: false, issue: { field: 'to' } });
    expect(buildStep('publicity', null, draft({ objections: '一件', verdict: 'yes' }))).toMatchObject({ ok: false, issue: { field: 'objections' } });
  });

  it('乡镇审核 and 县级审定: the category for an identification, the method for an elimination', () => {
    expect(buildStep('township_review', null, draft({ verdict: 'no', note: '材料不全' }))).toEqual({
      ok: true,
      value: { on: today, by: '王芳', approved: false, note: '材料不全' },
    });
    const both = { verdict: 'yes' as const, document: ' 某防返贫〔2026〕3号 ', monitoring_type: 'sudden_hardship', method: 'natural' };
    expect(buildStep('county_decision', 'identification', draft(both))).toEqual({
      ok: true,
      value: { on: today, approved: true, document: '某防返贫〔2026〕3号', monitoring_type: 'sudden_hardship', note: '' },
    });
    expect(buildStep('county_decision', 'elimination', draft(both))).toEqual({
      ok: true,
      value: { on: today, approved: true, document: '某防返贫〔2026〕3号', method: 'natural', note: '' },
    });
  });

  it('refuses a date that is not one, naming the form field', () => {
    for (const step of STEPS.filter((s) => s !== 'publicity')) {
      const b = buildStep(step, 'identification', draft({ on: '5月1日', verdict: 'yes', attendance: '1', in_favour: '1' }));
      expect(b.ok).toBe(false);
      if (!b.ok) {
        expect(b.issue.field).toBe('on');
        expect(stepFields(step, 'identification')).toContain('on');
        expect(b.issue.message_zh).toMatch(/^请填写.+日期/);
      }
    }
  });
});

describe('errors from the device', () => {
  it('name the form field, the results being one field', () => {
    expect(draftField('by')).toBe('by');
    expect(draftField('verification.consent_signature')).toBe('consent_signature');
    expect(draftField('passed')).toBe('verdict');
    expect(draftField('approved')).toBe('verdict');
    expect(draftField('items[0]')).toBe('items');
    expect(draftField(null)).toBeNull();
  });
  it('every field a step can be refused on is on its form', () => {
    expect(stepFields('verification', 'identification')).toEqual(expect.arrayContaining(['by', 'checklist_done', 'consent_signature']));
    expect(stepFields('appraisal', null)).toEqual(expect.arrayContaining(['attendance', 'in_favour']));
    expect(stepFields('comparison', null)).toContain('items');
    expect(stepFields('publicity', null)).toContain('to');
    expect(stepFields('county_decision', 'identification')).toEqual(expect.arrayContaining(['document', 'monitoring_type']));
    expect(stepFields('county_decision', 'elimination')).toEqual(expect.arrayContaining(['document', 'method']));
  });
});

describe('summariseStep', () => {
  const noCode = (lines: string[]) => {
    for (const l of lines) expect(l).not.toMatch(/[a-z]+_[a-z]+|true|false|null|undefined/);
  };

  it('入户核实', () => {
    const lines = summariseStep('verification', { on: '2026-05-02', by: '王芳、李强', checklist_done: true, consent_signature: 'ab'.repeat(32), note: '因病支出大' });
    expect(lines).toEqual(['核实日期 2026-05-02，核实人 王芳、李强', '核查表已填写，承诺授权书已签字', '说明：因病支出大']);
    noCode(lines);
  });

  it('民主评议 with attendance and votes', () => {
    const lines = summariseStep('appraisal', { on: '2026-05-03', attendance: 23, in_favour: 21, passed: true, note: '' });
    expect(lines).toEqual(['评议日期 2026-05-03，参会 23 人，同意 21 人', '评议结果：通过']);
  });

  it('信息比对 with its items', () => {
    expect(summariseStep('comparison', { on: '2026-05-03', items: ['车辆', '房产'], consistent: false, note: '名下有车' })).toEqual([
      '比对日期 2026-05-03，比对项目：车辆、房产',
      '比对结果：不一致',
      '说明：名下有车',
    ]);
  });

  it('村级公示 with its days and objections', () => {
    const lines = summariseStep('publicity', { from: '2026-05-04', to: '2026-05-08', place: '村委会', objections: 1, objection_notes: '经核实不成立', passed: true });
    expect(lines).toEqual(['公示期 2026-05-04 至 2026-05-08（5天），地点 村委会', '异议 1 件，公示结果：无异议或异议不成立', '异议情况：经核实不成立']);
    noCode(lines);
  });

  it('乡镇审核 and 县级审定 with the document number', () => {
    expect(summariseStep('township_review', { on: '2026-05-09', by: '张镇长', approved: false, note: '' })).toEqual([
      '审核日期 2026-05-09，审核人 张镇长',
      '审核意见：退回',
    ]);
    const decided = summariseStep('county_decision', { on: '2026-05-12', approved: true, document: '某防返贫〔2026〕3号', monitoring_type: 'marginal_at_risk', note: '' }, 'identification');
    expect(decided).toEqual(['审定日期 2026-05-12，审定结果：同意纳入', '文号 某防返贫〔2026〕3号，监测对象类别：边缘易致贫户']);
    noCode(decided);
  });

  it('nothing for a step not recorded or of another shape', () => {
    expect(summariseStep('appraisal', null)).toEqual([]);
    expect(summariseStep('appraisal', 'x')).toEqual([]);
  });
});

describe('results', () => {
  it('a step that did not pass ended the procedure', () => {
    expect(stepPassed('verification', { on: today })).toBe(true);
    expect(stepPassed('appraisal', { passed: false })).toBe(false);
    expect(stepPassed('comparison', { consistent: false })).toBe(false);
    expect(stepPassed('township_review', { approved: true })).toBe(true);
    expect(stepPassed('county_decision', null)).toBeNull();
    expect(resultText('publicity', { passed: false })).toBe('异议成立');
    expect(resultText('county_decision', { approved: true }, 'elimination')).toBe('同意消除');
    expect(verdictOptions('township_review', null).map((o) => o.text)).toEqual(['同意', '退回']);
  });
});

describe('starting and 绿色通道', () => {
  it('needs a channel and a day; an empty warning is none', () => {
    expect(buildStart({ kind: 'identification', channel: '', started_on: today, warning_id: '' })).toEqual({
      ok: false,
      issue: { field: 'channel', message_zh: '请选择发现渠道' },
    });
    expect(buildStart({ kind: 'elimination', channel: 'cadre_visit', started_on: today, warning_id: ' ' })).toEqual({
      ok: true,
      value: { kind: 'elimination', channel: 'cadre_visit', started_on: today, warning_id: null },
    });
    expect(buildStart({ kind: 'identification', channel: 'department_warning', started_on: '2026-13-01', warning_id: 'W1' })).toMatchObject({
      ok: false,
      issue: { field: 'started_on' },
    });
  });

  it('绿色通道 needs its day and reason, and reads as help first', () => {
    expect(buildGreenChannel({ on: today, reason: ' 火灾 ' })).toEqual({ ok: true, value: { on: today, reason: '火灾' } });
    expect(buildGreenChannel({ on: today, reason: '' })).toMatchObject({ ok: false, issue: { field: 'reason' } });
    expect(greenChannelText({ on: '2026-05-02', reason: '火灾' })).toBe('绿色通道：先帮扶后认定，2026-05-02 起');
    expect(greenChannelText(null)).toBe('');
  });

  it('names the elimination criteria not met in Chinese', () => {
    const check = {
      criteria: [
        { criterion: 'income_above_line', met: true, detail_zh: '人均纯收入9,000元' },
        { criterion: 'monitored_long_enough', met: false, detail_zh: '纳入监测5个月，不足6个月' },
        { criterion: 'measure_in_place', met: false, detail_zh: '未落实帮扶措施' },
      ],
    };
    expect(missingCriteria(check)).toEqual(['纳入监测时间已满', '已落实帮扶措施']);
  });
});
