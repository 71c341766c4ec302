// The screening form's draft: what it holds, how a kept draft (which may come from an older
// version of the app, so every part of it may be missing) is completed over the stored form,
// and what counts as a change worth keeping.

import type { FormDraft, HouseholdForm, JsonValue, Member } from '@fangpin/shared/bindings';
import { emptyMember, type SectionKey } from './form';

/** Every part of `T` optional, all the way down: what a kept draft may hold. */
export type DeepPartial<T> = T extends (infer U)[]
  ? DeepPartial<U>[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** What a draft holds (the `body` of save_draft): the generated FormDraft, with its section a form section. */
export type DraftBody = Omit<FormDraft, 'section'> & { section: SectionKey };

/** What the user edits on the form (the visit included), apart from where they are on it. */
export type DraftContent = Omit<DraftBody, 'section' | 'saved_at'>;

const SECTIONS: readonly SectionKey[] = ['basic', 'members', 'income', 'needs', 'risk', 'sign'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `over` laid over `template`: where `over` has a value of the template's kind it wins, where it
 * has nothing (or something of another kind) the template's stays. A null in the template is a
 * field the form may leave empty: `over`'s value is taken as it is. A null in `over` empties a
 * field (the user cleared it). Arrays are taken whole.
 */
function layered<T>(template: T, over: unknown): T {
  if (over === undefined) return template;
  if (template === null || template === undefined) return over as T;
  if (over === null) return (Array.isArray(template) ? template : over) as T;
  if (Array.isArray(template)) return (Array.isArray(over) ? over : template) as T;
  if (isObject(template)) {
    if (!isObject(over)) return template;
    const out: Record<string, unknown> = { ...template };
    for (const [k, v] of Object.entries(over)) out[k] = k in template ? layered(template[k], v) : v;
    return out as T;
  }
  return (typeof over === typeof template ? over : template) as T;
}

/**
 * The form a kept draft stands for: its values over `stored` (the form as it would open without
 * the draft), each member completed over a new member, and the draft's own `base` and
 * `row_ids` (the versions it began from, never the stored form's newer ones).
 */
export function completeForm(stored: HouseholdForm, draft: DeepPartial<HouseholdForm>): HouseholdForm {
  const { members, base, row_ids, ...record } = draft;
  const out = layered<HouseholdForm>({ ...stored, base: undefined, row_ids: undefined }, record);
  if (Array.isArray(members)) out.members = members.map((m) => layered<Member>(emptyMember('son'), m));
  out.base = isObject(base) ? (base as HouseholdForm['base']) : undefined;
  out.row_ids = isObject(row_ids) ? (row_ids as HouseholdForm['row_ids']) : undefined;
  if (out.base === undefined) delete out.base;
  if (out.row_ids === undefined) delete out.row_ids;
  return out;
}

/** A kept draft as the app reads it back: a deep partial of what it wrote, or null. */
export function readDraft(v: JsonValue | null): DeepPartial<DraftBody> | null {
  if (!isObject(v) || !isObject(v.form)) return null;
  const strings = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);
  const texts: Record<string, string> = {};
  if (isObject(v.texts)) for (const [k, t] of Object.entries(v.texts)) if (typeof t === 'string') texts[k] = t;
  const section = SECTIONS.find((s) => s === v.section);
  return {
    form: v.form as DeepPartial<HouseholdForm>,
    texts,
    photos: strings(v.photos),
    signature: typeof v.signature === 'string' ? v.signature : null,
    note: typeof v.note === 'string' ? v.note : '',
    section,
    saved_at: typeof v.saved_at === 'number' ? v.saved_at : undefined,
  };
}

/** JSON with the keys of every object sorted, so that equal content gives equal text. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stable(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * The content a draft keeps, as comparable text: the record and the visit, without the form's
 * bookkeeping (`base`, `row_ids`) or the section shown. Equal text means nothing was changed.
 */
export function contentKey(c: DraftContent): string {
  const { base: _base, row_ids: _rows, ...record } = c.form;
  return stable({ record, texts: c.texts, photos: c.photos, signature: c.signature, note: c.note });
}
