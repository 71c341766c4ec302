// Resident identity numbers (GB 11643) for instant feedback while typing.
// Mirrors fangpin_domain::identity exactly: the same normalisation, the same order of checks,
// the same codes and Chinese messages. The authoritative check is assess_form in Rust; the
// shared vectors in id-vectors.json are checked against both (Vitest here, cargo test in
// src-tauri), so the two cannot drift apart silently.

/** Weights of the 17 body digits (ISO 7064 MOD 11-2). */
export const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
/** Check character for each remainder 0 to 10. */
export const CHECK_MAP = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'] as const;

export type IdErrorCode =
  | 'required'
  | 'wrong_length'
  | 'not_digit'
  | 'check_digit'
  | 'invalid_birth_date'
  | 'future_date';

export interface IdOk {
  ok: true;
  /** The normalised 18-character number. */
  value: string;
  /** Birth date as YYYY-MM-DD. */
  birth: string;
  sex: 'male' | 'female';
}
export interface IdErr {
  ok: false;
  code: IdErrorCode;
  message_zh: string;
}
export type IdResult = IdOk | IdErr;

/** Drops whitespace (including U+3000) and zero-width marks, folds full-width digits and X. */
export function normalize(raw: string): string {
  let out = '';
  for (const c of raw) {
    if (/\s/u.test(c) || c === '\u200B' || c === '\uFEFF') continue;
    const cp = c.codePointAt(0)!;
    if (cp >= 0xff10 && cp <= 0xff19) out += String.fromCharCode(48 + cp - 0xff10);
    else if (c === 'Ｘ' || c === 'ｘ' || c === 'x') out += 'X';
    else out += c;
  }
  return out;
}

/** The check character for 17 ASCII body digits. */
export function checkChar(body: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (body.charCodeAt(i) - 48) * WEIGHTS[i];
  return CHECK_MAP[sum % 11];
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function err(code: IdErrorCode, message_zh: string): IdErr {
  return { ok: false, code, message_zh };
}

function firstNonDigit(chars: string[], count: number): IdErr | null {
  for (let i = 0; i < Math.min(count, chars.length); i++) {
    if (!isDigit(chars[i])) return err('not_digit', `身份证号码第${i + 1}位“${chars[i]}”不是数字`);
  }
  return null;
}

function realDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  return d <= days;
}

/** Today as YYYY-MM-DD in local time. */
export function todayIso(now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

/** Validates like IdNumber::parse(raw, today): a 15-digit number is upgraded first. */
export function parseIdNumber(raw: string, today: string = todayIso()): IdResult {
  let s = normalize(raw);
  let chars = [...s];
  const n = chars.length;
  if (n === 0) return err('required', '身份证号码为空');
  if (n === 15) {
    const bad = firstNonDigit(chars, 15);
    if (bad) return bad;
    const body = `${s.slice(0, 6)}19${s.slice(6)}`;
    s = body + checkChar(body);
    chars = [...s];
  } else if (n !== 18) {
    return err('wrong_length', `身份证号码为${n}位，应为18位（旧号码15位）`);
  }
  const bad = firstNonDigit(chars, 17);
  if (bad) return bad;
  const found = chars[17];
  if (!(isDigit(found) || found === 'X')) {
    return err('not_digit', `身份证号码第18位“${found}”不是数字`);
  }
  const birthText = s.slice(6, 14);
  const y = Number(birthText.slice(0, 4));
  const m = Number(birthText.slice(4, 6));
  const d = Number(birthText.slice(6, 8));
  if (!realDate(y, m, d)) return err('invalid_birth_date', `出生日期${birthText}不是有效日期`);
  const expected = checkChar(s);
  if (expected !== found) {
    return err('check_digit', `身份证号码校验码错误（应为${expected}，实为${found}）`);
  }
  const birth = `${birthText.slice(0, 4)}-${birthText.slice(4, 6)}-${birthText.slice(6, 8)}`;
  if (birth > today) return err('future_date', `出生日期${birth}晚于今天（${today}）`);
  const seq = Number(s.slice(14, 17));
  return { ok: true, value: s, birth, sex: seq % 2 === 1 ? 'male' : 'female' };
}

/** The public-notice form: first 6 and last 4 characters. */
export function maskId(id: string): string {
  if (id.length !== 18) return id;
  return `${id.slice(0, 6)}********${id.slice(14)}`;
}

/** Age in whole years on `on` (both YYYY-MM-DD); 0 before birth. */
export function ageOn(birth: string, on: string): number {
  if (on < birth) return 0;
  let years = Number(on.slice(0, 4)) - Number(birth.slice(0, 4));
  if (on.slice(5) < birth.slice(5)) years -= 1;
  return Math.max(0, years);
}
