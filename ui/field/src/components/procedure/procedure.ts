// The 纳入监测 / 风险消除 procedures on the household screen: what the forms hold while typed,
// the step records built from them (the JSON shapes of fangpin_domain::procedure: Verification,
// Appraisal, Comparison, Publicity, Review, Decision, GreenChannel), and recorded steps read back
// in Chinese. Whether a step may be recorded is decided by the device's command (the same check
// the service runs); the checks here only make sure the typed text becomes a well-formed record.

import { channels, eliminationMethods, label, monitoringTypes, type Option } from '@fangpin/shared/labels';
import type {
  Appraisal,
  Comparison,
  Decision,
  EliminationMethod,
  GreenChannel,
  MonitoringType,
  Publicity,
  Review,
  Verification,
} from '@fangpin/shared/bindings';
import type { commands } from '../../commands.generated';

/** A procedure as the `procedures` command shows it. */
export type ProcedureView = Awaited<ReturnType<typeof commands.procedures>>[number];
/** One step of a procedure as shown. */
export type StepView = ProcedureView['steps'][number];
/** What `start_procedure` takes. */
export type NewProcedure = Parameters<typeof commands.startProcedure>[1];
/** What `elimination_check` answers. */
export type EliminationCheck = Awaited<ReturnType<typeof commands.eliminationCheck>>;

/** The steps, in their default order; each name is the procedure row's field. */
export const STEPS = ['verification', 'appraisal', 'comparison', 'publicity', 'township_review', 'county_decision'] as const;
export type StepName = (typeof STEPS)[number];
export type ProcedureKind = 'identification' | 'elimination';

export const STEP_LABELS: Record<StepName, string> = {
  verification: '入户核实',
  appraisal: '民主评议',
  comparison: '信息比对',
  publicity: '村级公示',
  township_review: '乡镇审核',
  county_decision: '县级审定',
};

/** The items 信息比对 usually covers, offered as chips; anything else is typed. */
export const COMPARISON_ITEMS = ['车辆', '房产', '工商注册', '财政供养', '殡葬', '医保', '民政', '残联'] as const;

/** The criteria of 风险消除 as the form states them (fangpin_domain::elimination::Criterion). */
export const CRITERION_LABELS: Record<string, string> = {
  income_above_line: '人均纯收入高于监测标准',
  income_stable: '收入持续稳定',
  rigid_spending: '刚性支出已解决',
  basic_needs: '两不愁三保障已保障',
  drinking_water: '饮水安全已保障',
  monitored_long_enough: '纳入监测时间已满',
  measure_in_place: '已落实帮扶措施',
};

/** What a 兜底 household shows instead of being marked eliminated. */
export const SAFETY_NET_TEXT = '家中无劳动能力，纳入兜底保障，继续跟踪，不标注风险消除';

// ---- the records, as the device stores them (generated from fangpin_domain::procedure) -------

export type { Appraisal, Comparison, Decision, GreenChannel, Publicity, Review, Verification };
export type StepRecord = Verification | Appraisal | Comparison | Publicity | Review | Decision;

// ---- dates ----------------------------------------------------------------------------------

/** Whether `s` is a real day written YYYY-MM-DD. */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** The day `days` after (or before, when negative) the day `iso`. */
export function addDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The days from `from` to `to`, both counted (a notice's length); 0 when `to` is before. */
export function daysInclusive(from: string, to: string): number {
  if (!isIsoDate(from) || !isIsoDate(to)) return 0;
  const n = Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
  return Math.max(0, n);
}

// ---- the forms ------------------------------------------------------------------------------

/**
 * A step's form while it is typed: every field as typed (numbers as text), so nothing is lost
 * when the device refuses it. One shape for all steps; each step uses its own fields.
 */
export interface StepDraft {
  on: string;
  by: string;
  checklist_done: boolean;
  /** The stored consent signature's SHA-256, once drawn and stored. */
  consent_signature: string | null;
  note: string;
  attendance: string;
  in_favour: string;
  /** The step's result: '' until chosen (通过/一致/无异议/同意 is 'yes'). */
  verdict: '' | 'yes' | 'no';
  items: string[];
  /** Further items compared, typed, separated by 、 or commas. */
  items_other: string;
  from: string;
  to: string;
  place: string;
  objections: string;
  objection_notes: string;
  document: string;
  monitoring_type: string | null;
  method: string | null;
}

/** A fresh form for a step: dated today, a notice ending today and lasting 5 days. */
export function emptyDraft(today: string, who = ''): StepDraft {
  return {
    on: today,
    by: who,
    checklist_done: false,
    consent_signature: null,
    note: '',
    attendance: '',
    in_favour: '',
    verdict: '',
    items: [],
    items_other: '',
    from: addDays(today, -4),
    to: today,
    place: '',
    objections: '0',
    objection_notes: '',
    document: '',
    monitoring_type: null,
    method: null,
  };
}

/** The two results a step can have, in Chinese. */
export function verdictOptions(step: StepName, kind: string | null | undefined): Option[] {
  const two = (yes: string, no: string): Option[] => [
    { value: 'yes', text: yes },
    { value: 'no', text: no },
  ];
  switch (step) {
    case 'appraisal':
      return two('通过', '不通过');
    case 'comparison':
      return two('一致', '不一致');
    case 'publicity':
      return two('无异议或异议不成立', '异议成立');
    case 'township_review':
      return two('同意', '退回');
    case 'county_decision':
      return kind === 'elimination' ? two('同意消除', '不予消除') : two('同意纳入', '不予纳入');
    default:
      return [];
  }
}

/** The label of a step's result field. */
export function verdictLabel(step: StepName): string {
  switch (step) {
    case 'appraisal':
      return '评议结果';
    case 'comparison':
      return '比对结果';
    case 'publicity':
      return '公示结果';
    case 'township_review':
      return '审核意见';
    default:
      return '审定结果';
  }
}

/** A problem with a typed form: the form's field and what to show. */
export interface DraftIssue {
  field: string;
  message_zh: string;
}

export type Built = { ok: true; value: StepRecord } | { ok: false; issue: DraftIssue };

/** The items compared: the chips chosen, then the typed ones, each once. */
export function comparisonItems(d: Pick<StepDraft, 'items' | 'items_other'>): string[] {
  const typed = d.items_other
    .split(/[,，、;；\n]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  return [...new Set([...d.items.map((s) => s.trim()).filter(Boolean), ...typed])];
}

/**
 * The step's record from its form, or the first thing that keeps the text from being a record
 * (a date that is not one, a count that is not a whole number, a result not chosen). The rules
 * of the procedure (who, in what order, how long a notice) are the device's to check.
 */
export function buildStep(step: StepName, kind: string | null | undefined, d: StepDraft): Built {
  const fail = (field: string, message_zh: string): Built => ({ ok: false, issue: { field, message_zh } });
  const date = (field: 'on' | 'from' | 'to'): string | null => {
    const v = d[field].trim();
    return isIsoDate(v) ? v : null;
  };
  /** A whole number; null when left empty and required (0 when not), 'bad' when not a number. */
  const count = (field: 'attendance' | 'in_favour' | 'objections', required: boolean): number | null | 'bad' => {
    const v = d[field].trim();
    if (v === '') return required ? null : 0;
    return /^\d{1,6}$/.test(v) ? Number(v) : 'bad';
  };
  const verdict = (): boolean | null => (d.verdict === '' ? null : d.verdict === 'yes');
  const dateMsg = (what: string) => `请填写${what}（格式如 2026-05-01）`;
  const note = d.note.trim();

  if (step === 'publicity') {
    const from = date('from');
    if (!from) return fail('from', dateMsg('公示开始日期'));
    const to = date('to');
    if (!to) return fail('to', dateMsg('公示结束日期'));
    const objections = count('objections', false);
    if (objections === 'bad' || objections === null) return fail('objections', '异议件数须为整数');
    const passed = verdict();
    if (passed === null) return fail('verdict', '请选择公示结果');
    return {
      ok: true,
      value: { from, to, place: d.place.trim(), objections, objection_notes: d.objection_notes.trim(), passed },
    };
  }

  const whatDay: Record<StepName, string> = {
    verification: '核实日期',
    appraisal: '评议日期',
    comparison: '比对日期',
    publicity: '',
    township_review: '审核日期',
    county_decision: '审定日期',
  };
  const on = date('on');
  if (!on) return fail('on', dateMsg(whatDay[step]));

  switch (step) {
    case 'verification': {
      const v: Verification = { on, by: d.by.trim(), checklist_done: d.checklist_done, note };
      if (d.consent_signature) v.consent_signature = d.consent_signature;
      return { ok: true, value: v };
    }
    case 'appraisal': {
      const attendance = count('attendance', true);
      if (attendance === null) return fail('attendance', '请填写参会人数');
      if (attendance === 'bad') return fail('attendance', '参会人数须为整数');
      const in_favour = count('in_favour', true);
      if (in_favour === null) return fail('in_favour', '请填写同意人数');
      if (in_favour === 'bad') return fail('in_favour', '同意人数须为整数');
      const passed = verdict();
      if (passed === null) return fail('verdict', '请选择评议结果');
      return { ok: true, value: { on, attendance, in_favour, passed, note } };
    }
    case 'comparison': {
      const consistent = verdict();
      if (consistent === null) return fail('verdict', '请选择比对结果');
      return { ok: true, value: { on, items: comparisonItems(d), consistent, note } };
    }
    case 'township_review': {
      const approved = verdict();
      if (approved === null) return fail('verdict', '请选择审核意见');
      return { ok: true, value: { on, by: d.by.trim(), approved, note } };
    }
    case 'county_decision': {
      const approved = verdict();
      if (approved === null) return fail('verdict', '请选择审定结果');
      const v: Decision = { on, approved, document: d.document.trim(), note };
      if (kind === 'elimination') {
        if (d.method) v.method = d.method as EliminationMethod;
      } else if (d.monitoring_type) {
        v.monitoring_type = d.monitoring_type as MonitoringType;
      }
      return { ok: true, value: v };
    }
  }
}

/**
 * The form field an error from the device names: its `field` is the key inside the step (or a
 * path ending in it); the result keys (passed, consistent, approved) are the form's one result.
 */
export function draftField(field: string | null | undefined): string | null {
  if (!field) return null;
  const key = field.split('.').pop()!.replace(/\[\d+\]$/, '');
  if (key === 'passed' || key === 'consistent' || key === 'approved') return 'verdict';
  return key;
}

// ---- reading recorded steps -----------------------------------------------------------------

function asObject(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}
const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * A recorded step in Chinese, one line per part (dates, counts, items compared, the notice and
 * its objections, the result, the document number); the remarks last. Never a key or a code.
 */
export function summariseStep(step: StepName, recorded: unknown, kind?: string | null): string[] {
  const r = asObject(recorded);
  if (!r) return [];
  const out: string[] = [];
  const push = (...parts: string[]) => {
    const line = parts.filter(Boolean).join('，');
    if (line) out.push(line);
  };
  const yes = (v: unknown, t: string, f: string) => (v === true ? t : v === false ? f : '');
  switch (step) {
    case 'verification':
      push(
        str(r.on) && `核实日期 ${str(r.on)}`,
        str(r.by) && `核实人 ${str(r.by)}`,
      );
      push(
        yes(r.checklist_done, '核查表已填写', '核查表未填写'),
        str(r.consent_signature) ? '承诺授权书已签字' : '承诺授权书未签字',
      );
      break;
    case 'appraisal':
      push(str(r.on) && `评议日期 ${str(r.on)}`, `参会 ${num(r.attendance)} 人，同意 ${num(r.in_favour)} 人`);
      push(`评议结果：${yes(r.passed, '通过', '不通过')}`);
      break;
    case 'comparison': {
      const items = Array.isArray(r.items) ? r.items.map(str).filter(Boolean) : [];
      push(str(r.on) && `比对日期 ${str(r.on)}`, items.length ? `比对项目：${items.join('、')}` : '');
      push(`比对结果：${yes(r.consistent, '一致', '不一致')}`);
      break;
    }
    case 'publicity': {
      const from = str(r.from);
      const to = str(r.to);
      const days = daysInclusive(from, to);
      push(`公示期 ${from} 至 ${to}${days ? `（${days}天）` : ''}`, str(r.place) && `地点 ${str(r.place)}`);
      push(`异议 ${num(r.objections)} 件`, `公示结果：${yes(r.passed, '无异议或异议不成立', '异议成立')}`);
      if (str(r.objection_notes)) out.push(`异议情况：${str(r.objection_notes)}`);
      break;
    }
    case 'township_review':
      push(str(r.on) && `审核日期 ${str(r.on)}`, str(r.by) && `审核人 ${str(r.by)}`);
      push(`审核意见：${yes(r.approved, '同意', '退回')}`);
      break;
    case 'county_decision': {
      const result = kind === 'elimination' ? yes(r.approved, '同意消除', '不予消除') : yes(r.approved, '同意纳入', '不予纳入');
      push(str(r.on) && `审定日期 ${str(r.on)}`, `审定结果：${result}`);
      push(
        str(r.document) && `文号 ${str(r.document)}`,
        str(r.monitoring_type) && `监测对象类别：${label(monitoringTypes, str(r.monitoring_type))}`,
        str(r.method) && `消除方式：${label(eliminationMethods, str(r.method))}`,
      );
      break;
    }
  }
  const note = str(r.note);
  if (note) out.push(`说明：${note}`);
  return out;
}

/** The 绿色通道 badge (its reason is shown beside it). */
export function greenChannelText(g: { on: string; reason: string } | null | undefined): string {
  if (!g) return '';
  return `绿色通道：先帮扶后认定，${g.on} 起`;
}

/** A criterion of 风险消除 in Chinese (its code is never shown). */
export function criterionName(code: string): string {
  return CRITERION_LABELS[code] ?? '其他条件';
}

/** The criteria not met, in Chinese, for the line under the check. */
export function missingCriteria(check: { criteria: { criterion: string; met: boolean }[] }): string[] {
  return check.criteria.filter((c) => !c.met).map((c) => criterionName(c.criterion));
}

/** Whether a recorded step let the procedure go on (false: it ended it); null when not recorded. */
export function stepPassed(step: StepName, recorded: unknown): boolean | null {
  const r = asObject(recorded);
  if (!r) return null;
  switch (step) {
    case 'verification':
      return true;
    case 'comparison':
      return r.consistent !== false;
    case 'township_review':
    case 'county_decision':
      return r.approved !== false;
    default:
      return r.passed !== false;
  }
}

/** The short word for a recorded step's result (已核实, 通过, 退回 …). */
export function resultText(step: StepName, recorded: unknown, kind?: string | null): string {
  const passed = stepPassed(step, recorded);
  if (passed === null) return '';
  if (step === 'verification') return '已核实';
  const [yes, no] = verdictOptions(step, kind);
  return (passed ? yes : no).text;
}

/** The fields a step's form shows, by the names its errors use. */
export function stepFields(step: StepName, kind: string | null | undefined): string[] {
  switch (step) {
    case 'verification':
      return ['on', 'by', 'checklist_done', 'consent_signature', 'note'];
    case 'appraisal':
      return ['on', 'attendance', 'in_favour', 'verdict', 'note'];
    case 'comparison':
      return ['on', 'items', 'verdict', 'note'];
    case 'publicity':
      return ['from', 'to', 'place', 'objections', 'objection_notes', 'verdict'];
    case 'township_review':
      return ['on', 'by', 'verdict', 'note'];
    case 'county_decision':
      return ['on', 'verdict', 'document', kind === 'elimination' ? 'method' : 'monitoring_type', 'note'];
  }
}

/** The 绿色通道 from its form, or what is missing. */
export function buildGreenChannel(d: GreenChannel): { ok: true; value: GreenChannel } | { ok: false; issue: DraftIssue } {
  const on = d.on.trim();
  if (!isIsoDate(on)) return { ok: false, issue: { field: 'on', message_zh: '请填写开始帮扶的日期（格式如 2026-05-01）' } };
  const reason = d.reason.trim();
  if (!reason) return { ok: false, issue: { field: 'reason', message_zh: '请填写启用绿色通道的原因' } };
  return { ok: true, value: { on, reason } };
}

// ---- starting -------------------------------------------------------------------------------

export interface StartDraft {
  kind: ProcedureKind;
  channel: string;
  started_on: string;
  warning_id: string;
}

export function emptyStart(kind: ProcedureKind, today: string): StartDraft {
  return { kind, channel: '', started_on: today, warning_id: '' };
}

/** The channel options, in Chinese. */
export const channelOptions: Option[] = channels;

/** What start_procedure takes, from its form, or what is missing. */
export function buildStart(d: StartDraft): { ok: true; value: NewProcedure } | { ok: false; issue: DraftIssue } {
  if (!d.channel) return { ok: false, issue: { field: 'channel', message_zh: '请选择发现渠道' } };
  const on = d.started_on.trim();
  if (!isIsoDate(on)) return { ok: false, issue: { field: 'started_on', message_zh: '请填写发现日期（格式如 2026-05-01）' } };
  const warning = d.warning_id.trim();
  return {
    ok: true,
    value: { kind: d.kind, channel: d.channel as NewProcedure['channel'], started_on: on, warning_id: warning || null },
  };
}
