// The screening form's helpers: the household form (HouseholdForm, generated from the Rust
// types: fangpin_domain::HouseholdRecord with the rows behind it) edited in place, with instant
// checks while typing. The authoritative validation and the assessment come from assess_form
// in Rust; these checks only give feedback before that answer arrives, and they use the same
// codes and Chinese messages as fangpin_domain.

import type { HouseholdForm, Member, YearIncome } from '@fangpin/shared/bindings';
import { parseIdNumber, todayIso } from '@fangpin/shared/idnumber';
import type { Option } from '@fangpin/shared/labels';

/**
 * Whether `v` is a code of the catalogue vocabulary `list`; the vocabulary of a field has the
 * codes of the field's generated type `T` (both come from the Rust types, and are checked
 * against each other there), so such a code is a `T`.
 */
export function inVocabulary<T extends string>(list: readonly Option[], v: string): v is T {
  return list.some((o) => o.value === v);
}

/** The amounts of a year's income and spending, with their Chinese names, in form order. */
export const MONEY_FIELDS = [
  ['wage_fen', '工资性收入'],
  ['business_fen', '生产经营性收入'],
  ['property_fen', '财产性收入'],
  ['transfer_fen', '转移性收入'],
  ['business_spending_fen', '生产经营性支出'],
  ['medical_out_of_pocket_fen', '合规自付医疗支出'],
] as const satisfies readonly (readonly [keyof YearIncome, string])[];

export type MoneyField = (typeof MONEY_FIELDS)[number][0];

export function emptyMember(relation: Member['relation'] = 'head'): Member {
  return {
    name: '',
    sex: 'male',
    id_number: '',
    relation,
    ethnicity: '汉族',
    education: 'junior_secondary',
    student_status: 'not_student',
    health: { chronic_illness: false, serious_illness: false, disability: null },
    labour_capacity: 'ordinary',
    skill: null,
    work: null,
    medical_insurance: 'resident',
    serious_illness_insurance: true,
    pension_insurance: 'resident',
    family_doctor_signed: false,
    dibao: false,
    tekun: false,
    relocated: false,
    public_welfare_job: false,
  };
}

export function emptyYear(year: number): YearIncome {
  return {
    year,
    wage_fen: 0,
    business_fen: 0,
    property_fen: 0,
    transfer_fen: 0,
    business_spending_fen: 0,
    medical_out_of_pocket_fen: 0,
  };
}

/** A new household in `villageCode`, with income for the year before `today`. */
export function emptyHousehold(villageCode: string, today: string = todayIso()): HouseholdForm {
  const year = Number(today.slice(0, 4)) - 1;
  return {
    household: {
      id: '',
      area: { code: villageCode, version_year: Math.min(year, 2024) },
      group: null,
      natural_village: null,
      address: '',
      household_type: 'ordinary',
      monitoring_type: null,
      phone: null,
      house_safety: 'A',
      cultivated_land_hundredths_mu: 0,
      road_access: 'hardened_to_door',
      drinking_water: { quantity: 'met', convenience: 'met', reliability: 'met', quality: 'met' },
      helper: null,
      risk_types: [],
    },
    members: [emptyMember('head')],
    income: { current: emptyYear(year), previous: null },
    basic_needs: { food_secure: true, clothing_secure: true },
  };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message_zh: string };

/** "1234.5" yuan → 123450 fen; integers only, no floating point; empty is 0. */
export function yuanToFen(text: string): Parsed<number> {
  const t = text.trim().replace(/[，,\s]/g, '');
  if (t === '') return { ok: true, value: 0 };
  const m = /^(\d{1,11})(?:\.(\d{0,2}))?$/.exec(t);
  if (!m) return { ok: false, message_zh: '请输入金额（元），最多两位小数' };
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return { ok: true, value: fen };
}

/** 123450 fen → "1234.50"; whole yuan are shown without decimals. */
export function fenToYuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return '';
  const neg = fen < 0;
  const a = Math.abs(Math.trunc(fen));
  const y = Math.floor(a / 100);
  const f = a % 100;
  const s = f === 0 ? String(y) : `${y}.${String(f).padStart(2, '0')}`;
  return neg ? `-${s}` : s;
}

/** Shows a fen amount as yuan with thousands separators: 1234567 → "12,345.67 元". */
export function formatYuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return '—';
  const s = fenToYuan(fen);
  const [int, dec] = s.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${dec ? `${grouped}.${dec}` : grouped} 元`;
}

/** "4.2" 亩 → 420 hundredths. */
export function muToHundredths(text: string): Parsed<number> {
  const t = text.trim();
  if (t === '') return { ok: true, value: 0 };
  const m = /^(\d{1,7})(?:\.(\d{0,2}))?$/.exec(t);
  if (!m) return { ok: false, message_zh: '请输入面积（亩），最多两位小数' };
  return { ok: true, value: Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) };
}

export function hundredthsToMu(h: number | null | undefined): string {
  return fenToYuan(h ?? 0);
}

/** Same rule as fangpin_domain::record::is_valid_phone. */
export function isValidPhone(phone: string): boolean {
  const digits = phone.replace(/-/g, '');
  const dashes = phone.length - digits.length;
  if (digits === '' || !/^\d+$/.test(digits) || dashes > 1) return false;
  if (digits[0] === '1') return dashes === 0 && digits.length === 11;
  if (digits[0] === '0') {
    const i = phone.indexOf('-');
    return digits.length >= 10 && digits.length <= 12 && (i === -1 || i === 3 || i === 4);
  }
  return dashes === 0 && digits.length >= 7 && digits.length <= 8;
}

export interface FieldIssue {
  field: string;
  code: string;
  message_zh: string;
}

function required(value: string | null | undefined, field: string, what: string, out: FieldIssue[]) {
  if (!value || value.trim() === '') out.push({ field, code: 'required', message_zh: `${what}不能为空` });
}

/** Instant checks while typing; the same paths, codes and messages as the Rust validation. */
export function instantIssues(doc: HouseholdForm, today: string = todayIso()): FieldIssue[] {
  const out: FieldIssue[] = [];
  const h = doc.household;
  required(h.id, 'household.id', '户编号', out);
  required(h.address, 'household.address', '家庭住址', out);
  if (h.household_type === 'monitored' && !h.monitoring_type) {
    out.push({ field: 'household.monitoring_type', code: 'required', message_zh: '监测户须填写监测对象类型' });
  }
  if (h.household_type !== 'monitored' && h.monitoring_type) {
    out.push({ field: 'household.monitoring_type', code: 'inconsistent', message_zh: '只有监测户才有监测对象类型' });
  }
  if (h.phone && !isValidPhone(h.phone)) {
    out.push({ field: 'household.phone', code: 'invalid_phone', message_zh: `“${h.phone}”不是有效的手机或固定电话号码` });
  }
  if (h.helper) {
    required(h.helper.name, 'household.helper.name', '帮扶责任人姓名', out);
    required(h.helper.unit, 'household.helper.unit', '帮扶责任人单位', out);
    if (h.helper.phone && !isValidPhone(h.helper.phone)) {
      out.push({
        field: 'household.helper.phone',
        code: 'invalid_phone',
        message_zh: `“${h.helper.phone}”不是有效的手机或固定电话号码`,
      });
    }
  }
  if (h.risk_types.length > 5) {
    out.push({ field: 'household.risk_types', code: 'too_many', message_zh: `风险类型有${h.risk_types.length}项，最多5项` });
  }
  if (doc.members.length === 0) {
    out.push({ field: 'members', code: 'required', message_zh: '家庭成员至少一人' });
  }
  const heads = doc.members.filter((m) => m.relation === 'head').length;
  if (doc.members.length > 0 && heads !== 1) {
    out.push({ field: 'members', code: 'inconsistent', message_zh: `须有且只有一名户主，实有${heads}名` });
  }
  const seen: string[] = [];
  doc.members.forEach((m, i) => {
    const p = (f: string) => `members[${i}].${f}`;
    required(m.name, p('name'), '姓名', out);
    required(m.ethnicity, p('ethnicity'), '民族', out);
    const id = parseIdNumber(m.id_number, today);
    if (!id.ok) {
      out.push({ field: p('id_number'), code: id.code, message_zh: id.message_zh });
      seen.push('');
      return;
    }
    if (id.sex !== m.sex) {
      const zh = (s: string) => (s === 'male' ? '男' : '女');
      out.push({ field: p('sex'), code: 'inconsistent', message_zh: `性别为${zh(m.sex)}，但身份证号码显示为${zh(id.sex)}` });
    }
    const j = seen.indexOf(id.value);
    if (j >= 0) out.push({ field: p('id_number'), code: 'duplicate', message_zh: `与第${j + 1}名成员的身份证号码重复` });
    seen.push(id.value);
  });
  return out;
}

/**
 * What to show beside each field: the instant check where it finds something (it reflects the
 * latest keystroke), else the authoritative answer from Rust.
 */
export function issuesByField(instant: FieldIssue[], server: FieldIssue[]): Record<string, FieldIssue> {
  const out: Record<string, FieldIssue> = {};
  for (const e of server) if (!out[e.field]) out[e.field] = e;
  const fromInstant: Record<string, FieldIssue> = {};
  for (const e of instant) if (!fromInstant[e.field]) fromInstant[e.field] = e;
  return { ...out, ...fromInstant };
}

/** The DOM id of the input of a field path (`household.phone` → `f-household-phone`). */
export function fieldId(path: string): string {
  return `f-${path.replace(/[^A-Za-z0-9_]+/g, '-')}`;
}

/** The form section a field path belongs to, for the section badges. */
export function sectionOf(field: string): SectionKey {
  if (field.startsWith('members')) return 'members';
  if (field.startsWith('income')) return 'income';
  if (field.startsWith('basic_needs') || /drinking_water|house_safety/.test(field)) return 'needs';
  if (/risk_types|helper/.test(field)) return 'risk';
  return 'basic';
}

export type SectionKey = 'basic' | 'members' | 'income' | 'needs' | 'risk' | 'sign';

export const SECTIONS: { key: SectionKey; title: string }[] = [
  { key: 'basic', title: '基本情况' },
  { key: 'members', title: '家庭成员' },
  { key: 'income', title: '收入支出' },
  { key: 'needs', title: '两不愁三保障及饮水安全' },
  { key: 'risk', title: '风险与帮扶' },
  { key: 'sign', title: '签字确认' },
];

/** Removes member `i`, keeping the row ids of the others aligned with their positions. */
export function removeMemberAt(doc: HouseholdForm, i: number): void {
  doc.members.splice(i, 1);
  doc.row_ids?.members?.splice(i, 1);
}

/** A deep copy that is plain JSON (no Vue proxies), for invoke and drafts. */
export function plain<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/**
 * Calls `fn` once `ms` after the last call (with the last call's arguments). With `maxWait`,
 * calls that keep coming never hold it back longer than `maxWait` after the first call not yet
 * run: typing steadily still runs it every `maxWait`. `flush` runs a pending call now, `cancel`
 * drops it, `pending` says whether one waits.
 */
export function debounce<A extends unknown[]>(fn: (...a: A) => void, ms: number, { maxWait }: { maxWait?: number } = {}) {
  let t: ReturnType<typeof setTimeout> | null = null;
  let last: A | null = null;
  /** When the first call not yet run came (Date.now()). */
  let since: number | null = null;
  const run = () => {
    if (t) clearTimeout(t);
    t = null;
    since = null;
    const args = last;
    last = null;
    if (args) fn(...args);
  };
  const call = (...a: A) => {
    last = a;
    const now = Date.now();
    since ??= now;
    if (t) clearTimeout(t);
    const wait = maxWait === undefined ? ms : Math.min(ms, since + maxWait - now);
    t = setTimeout(run, Math.max(0, wait));
  };
  call.flush = () => {
    if (t) run();
  };
  call.cancel = () => {
    if (t) clearTimeout(t);
    t = null;
    since = null;
    last = null;
  };
  call.pending = () => t !== null;
  return call;
}
