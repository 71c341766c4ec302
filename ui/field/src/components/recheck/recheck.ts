// 回访核查 on 我的任务: the households the township drew for a second visit, and the form that
// records what one re-check found (the JSON shape of fangpin_domain::recheck::RecheckResult).
// Whether the user may record it, and the result's own checks, are the device's (the same as
// the service's); the checks here only make sure the typed text becomes a well-formed result.
// The fields that differ are chosen from the screening form's Chinese labels (generated from
// the catalogue); the screen never shows a field's path.

import { fieldLabels, tableLabels } from '@fangpin/shared/labels';
import type { RecheckResult, RecheckView } from '@fangpin/shared/bindings';

export type { RecheckResult, RecheckView };

/** Whether `s` is a real day written YYYY-MM-DD. */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

// ---- the fields a re-check may find different -------------------------------------------------

/** One field of the screening form a re-check may find different: its name and its label. */
export interface FieldChoice {
  value: string;
  text: string;
}

/** The form's sections, each with its fields, as the chips offer them. */
export interface FieldGroup {
  title: string;
  fields: FieldChoice[];
}

/** The synced table behind each section of the form, and how its fields are named. */
const SECTIONS: { table: string; prefix: string }[] = [
  { table: 'household', prefix: '' },
  { table: 'member', prefix: 'members.' },
  { table: 'income_year', prefix: 'income.' },
];

/** Fields a cadre does not type on the screening form (bookkeeping, procedure results). */
const NOT_ON_THE_FORM = new Set([
  '$alive',
  'household_id',
  'position',
  'period',
  'year',
  'area_version_year',
  'screened_on',
  'screened_by',
  'visit_notes',
  'monitoring_since',
  'risk_eliminated_on',
  'elimination_method',
]);

/**
 * The fields of the screening form by section (农户, 家庭成员, 家庭收支), with their Chinese
 * labels: a household's field by its name (`phone`), a member's as `members.<field>`, an income
 * figure's as `income.<field>`.
 */
export function differingFieldGroups(): FieldGroup[] {
  return SECTIONS.map(({ table, prefix }) => ({
    title: tableLabels[table] ?? '',
    fields: Object.entries(fieldLabels[table] ?? {})
      .filter(([f]) => !NOT_ON_THE_FORM.has(f))
      .map(([f, text]) => ({ value: `${prefix}${f}`, text })),
  }));
}

/**
 * A differing field in Chinese: its label, with its section for a member's or an income
 * figure's (`家庭成员·健康状况`, `家庭成员第3人·健康状况` for `members[2].health`); a name the
 * form does not have reads 其他项目.
 */
export function differingFieldLabel(value: string): string {
  const m = /^(members|income)(?:\[(\d+)\])?\.([^.[\]]+)/.exec(value);
  if (m) {
    const table = m[1] === 'members' ? 'member' : 'income_year';
    const label = fieldLabels[table]?.[m[3]!];
    if (!label) return '其他项目';
    if (table === 'income_year') return label;
    const who = m[2] !== undefined ? `家庭成员第${Number(m[2]) + 1}人` : '家庭成员';
    return `${who}·${label}`;
  }
  const field = value.replace(/^household\./, '');
  return fieldLabels.household?.[field] ?? '其他项目';
}

// ---- the form -----------------------------------------------------------------------------------

/** The re-check's form while it is typed; nothing typed is lost when the device refuses it. */
export interface RecheckDraft {
  checked_on: string;
  checked_by: string;
  agrees: boolean;
  differing_fields: string[];
  note: string;
}

/** A fresh form dated today with the signed-in name, or the recorded result to correct. */
export function emptyRecheckDraft(today: string, who: string, recorded?: RecheckResult | null): RecheckDraft {
  if (recorded) {
    return {
      checked_on: recorded.checked_on,
      checked_by: recorded.checked_by,
      agrees: recorded.agrees,
      differing_fields: [...recorded.differing_fields],
      note: recorded.note,
    };
  }
  return { checked_on: today, checked_by: who, agrees: true, differing_fields: [], note: '' };
}

/** Chooses a differing field, or unchooses it. */
export function toggleField(d: RecheckDraft, value: string): void {
  const i = d.differing_fields.indexOf(value);
  if (i >= 0) d.differing_fields.splice(i, 1);
  else d.differing_fields.push(value);
}

/** A problem with the typed form: the form's field and what to show. */
export interface RecheckIssue {
  field: string;
  message_zh: string;
}

/** The fields of the form, by the names its errors use. */
export const RECHECK_FIELDS = ['checked_on', 'checked_by', 'agrees', 'differing_fields', 'note'] as const;

/**
 * The result from its form, or the first thing that keeps the text from being one: the day,
 * the re-checker, and the differing fields when it does not agree (dropped when it does).
 */
export function buildRecheck(
  d: RecheckDraft,
): { ok: true; value: RecheckResult } | { ok: false; issue: RecheckIssue } {
  const fail = (field: string, message_zh: string) => ({ ok: false as const, issue: { field, message_zh } });
  const checked_on = d.checked_on.trim();
  if (!isIsoDate(checked_on)) return fail('checked_on', '请填写核查日期（格式如 2026-05-01）');
  const checked_by = d.checked_by.trim();
  if (!checked_by) return fail('checked_by', '请填写核查人');
  const differing_fields = d.agrees ? [] : [...new Set(d.differing_fields)];
  if (!d.agrees && differing_fields.length === 0) return fail('differing_fields', '请选择与排查结果不一致的项目');
  return { ok: true, value: { checked_on, checked_by, agrees: d.agrees, differing_fields, note: d.note.trim() } };
}

/** The form field an error from the device names (`differing_fields[1]` is the chips'). */
export function recheckField(field: string | null | undefined): string | null {
  if (!field) return null;
  const key = field.split('.').pop()!.replace(/\[\d+\]$/, '');
  return key;
}

// ---- the list -----------------------------------------------------------------------------------

/** 已核查 ✓ once a result is recorded, else 待核查. */
export function recheckState(r: Pick<RecheckView, 'result'>): string {
  return r.result ? '已核查 ✓' : '待核查';
}

/** The household's place: its village's name (or what `areaName` makes of the code) and 组. */
export function recheckPlace(
  r: Pick<RecheckView, 'village_name' | 'village_code' | 'group_name'>,
  areaName: (code: string) => string = (c) => c,
): string {
  return [r.village_name || areaName(r.village_code), r.group_name].filter(Boolean).join(' ');
}

/** 第n位 in the draw, or empty when the rank is not known. */
export function rankText(rank: number | null | undefined): string {
  return typeof rank === 'number' ? `第${rank}位` : '';
}

/** How many households are still to re-check. */
export function pendingCount(list: Pick<RecheckView, 'result'>[]): number {
  return list.filter((r) => !r.result).length;
}

/** A recorded result in Chinese, one line per part; never a field's path. */
export function summariseRecheck(r: RecheckResult | null | undefined): string[] {
  if (!r) return [];
  const out = [`核查日期 ${r.checked_on}，核查人 ${r.checked_by}`];
  if (r.agrees) out.push('与排查结果一致');
  else out.push(`与排查结果不一致：${r.differing_fields.map(differingFieldLabel).join('、') || '—'}`);
  if (r.note.trim()) out.push(`说明：${r.note.trim()}`);
  return out;
}

/** Puts a re-check as the device now shows it into the list (in place). */
export function putRecheck(list: RecheckView[], v: RecheckView): RecheckView[] {
  const i = list.findIndex((r) => r.id === v.id);
  if (i < 0) return [...list, v];
  const out = [...list];
  out.splice(i, 1, v);
  return out;
}
