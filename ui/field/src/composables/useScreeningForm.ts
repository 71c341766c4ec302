// The screening form's state and its checks: the household JSON form being edited, what was
// typed into amount fields (kept even when it is not an amount), the visit (note, photos,
// signature), and the issues per field (instant checks in TypeScript over the last answer of
// assess_form or save_form).

import { computed, reactive, ref } from 'vue';
import type { FieldErrorView, HouseholdForm } from '@fangpin/shared/bindings';
import {
  fenToYuan,
  hundredthsToMu,
  instantIssues,
  issuesByField,
  MONEY_FIELDS,
  muToHundredths,
  sectionOf,
  yuanToFen,
  type FieldIssue,
} from '../lib/form';

/** What a form section needs to show and edit its fields. The same functions for the form's life. */
export interface FormFields {
  /** The Chinese message of the issue at `path`, or ''. */
  err(path: string): string;
  /** The text of an amount field: what was typed, else the stored value in yuan (or mu). */
  amountText(path: string): string;
  /** Takes what was typed into an amount field; a valid amount is stored in fen (or 1/100 mu). */
  onAmount(path: string, text: string): void;
  /** Forgets what was typed into the amount fields under `prefix`. */
  forgetTexts(prefix: string): void;
}

const LAND = 'household.cultivated_land_hundredths_mu';

const AMOUNT_PATH = /^income\.(current|previous)\.(\w+)$/;

/** The number at an amount path of `doc`, with a setter; null for any other path. */
function amountAt(doc: HouseholdForm, path: string): { get: () => number; set: (v: number) => void } | null {
  if (path === LAND) {
    const h = doc.household;
    return { get: () => h.cultivated_land_hundredths_mu, set: (v) => (h.cultivated_land_hundredths_mu = v) };
  }
  const m = AMOUNT_PATH.exec(path);
  if (!m) return null;
  const year = m[1] === 'current' ? doc.income.current : doc.income.previous;
  const field = MONEY_FIELDS.find(([f]) => f === m[2])?.[0];
  if (!year || !field) return null;
  return { get: () => year[field], set: (v) => (year[field] = v) };
}

export function useScreeningForm() {
  const doc = ref<HouseholdForm | null>(null);
  /** What the user typed into amount fields, kept even when it is not a valid amount. */
  const texts = reactive<Record<string, string>>({});
  const photos = ref<string[]>([]);
  const signature = ref<string | null>(null);
  const note = ref('');
  /** The field errors of the last assess_form or save_form answer. */
  const serverErrors = ref<FieldErrorView[]>([]);

  const amountIssues = computed<FieldIssue[]>(() => {
    const out: FieldIssue[] = [];
    for (const [path, text] of Object.entries(texts)) {
      const parsed = path === LAND ? muToHundredths(text) : yuanToFen(text);
      if (!parsed.ok) out.push({ field: path, code: 'not_a_number', message_zh: parsed.message_zh });
    }
    return out;
  });

  const instant = computed(() => (doc.value ? [...instantIssues(doc.value), ...amountIssues.value] : []));
  const issues = computed(() => issuesByField(instant.value, serverErrors.value));
  const issueCount = computed(() => Object.keys(issues.value).length);
  const sectionCounts = computed(() => {
    const c: Record<string, number> = {};
    for (const f of Object.keys(issues.value)) c[sectionOf(f)] = (c[sectionOf(f)] ?? 0) + 1;
    return c;
  });

  /** Each member's issues, keeping the same object while a member's issues do not change. */
  let lastMemberIssues: { key: string; map: Record<string, FieldIssue> }[] = [];
  const memberIssues = computed(() => {
    const n = doc.value?.members.length ?? 0;
    const out: Record<string, FieldIssue>[] = [];
    const next: { key: string; map: Record<string, FieldIssue> }[] = [];
    for (let i = 0; i < n; i++) {
      const prefix = `members[${i}].`;
      const map: Record<string, FieldIssue> = {};
      for (const [f, e] of Object.entries(issues.value)) if (f.startsWith(prefix)) map[f] = e;
      const key = JSON.stringify(map);
      const prev = lastMemberIssues[i];
      const kept = prev && prev.key === key ? prev : { key, map };
      next.push(kept);
      out.push(kept.map);
    }
    lastMemberIssues = next;
    return out;
  });

  function getAt(path: string): number {
    return doc.value ? (amountAt(doc.value, path)?.get() ?? 0) : 0;
  }
  function setAt(path: string, value: number) {
    if (doc.value) amountAt(doc.value, path)?.set(value);
  }

  const fields: FormFields = {
    err: (path) => issues.value[path]?.message_zh ?? '',
    amountText(path) {
      if (path in texts) return texts[path];
      return path === LAND ? hundredthsToMu(getAt(path)) : fenToYuan(getAt(path));
    },
    onAmount(path, text) {
      texts[path] = text;
      const parsed = path === LAND ? muToHundredths(text) : yuanToFen(text);
      if (parsed.ok) setAt(path, parsed.value);
    },
    forgetTexts(prefix) {
      for (const p of Object.keys(texts)) if (p.startsWith(prefix)) delete texts[p];
    },
  };

  return { doc, texts, photos, signature, note, serverErrors, issues, issueCount, sectionCounts, memberIssues, fields };
}

export type ScreeningForm = ReturnType<typeof useScreeningForm>;
