// The assessment as the user types: assess_form in Rust 200 ms after the last change. Its field
// errors are the authoritative checks; an answer overtaken by a later request is dropped.

import { ref, type Ref } from 'vue';
import { showToast } from 'vant';
import type { FieldErrorView } from '@fangpin/shared/bindings';
import { api, type ApiError } from '../api';
import { debounce, plain, type HouseholdDoc } from '../lib/form';
import { record } from '../perf';

export function useLiveAssessment(doc: Ref<HouseholdDoc | null>, serverErrors: Ref<FieldErrorView[]>) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const assessment = ref<any | null>(null);
  const assessing = ref(false);

  let seq = 0;
  /** Assesses the form now. */
  async function assess() {
    if (!doc.value) return;
    const mine = ++seq;
    assessing.value = true;
    const t0 = performance.now();
    try {
      const out = await api.assessForm(plain(doc.value));
      if (mine !== seq) return;
      serverErrors.value = out.errors;
      assessment.value = out.assessment;
      record('assess_form round trip', performance.now() - t0);
    } catch (e) {
      if (mine === seq) showToast((e as ApiError).message_zh);
    } finally {
      if (mine === seq) assessing.value = false;
    }
  }

  /** Assesses the form 200 ms after the last call. */
  const assessSoon = debounce(assess, 200);

  return { assessment, assessing, assess, assessSoon };
}
