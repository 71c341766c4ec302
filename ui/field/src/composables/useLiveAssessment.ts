// The assessment as the user types: assess_form in Rust 200 ms after the last change. Its field
// errors are the authoritative checks; an answer overtaken by a later request is dropped.

import { ref, type Ref } from 'vue';
import { showToast } from 'vant';
import type { Assessment, FieldErrorView, HouseholdForm } from '@fangpin/shared/bindings';
import { commands } from '../commands.generated';
import { toApiError } from '../ipc';
import { debounce, plain } from '../lib/form';
import { record } from '../perf';

export function useLiveAssessment(doc: Ref<HouseholdForm | null>, serverErrors: Ref<FieldErrorView[]>) {
  const assessment = ref<Assessment | null>(null);
  const assessing = ref(false);

  let seq = 0;
  /** Assesses the form now. */
  async function assess() {
    if (!doc.value) return;
    const mine = ++seq;
    assessing.value = true;
    const t0 = performance.now();
    try {
      const out = await commands.assessForm(plain(doc.value));
      if (mine !== seq) return;
      serverErrors.value = out.errors;
      assessment.value = out.assessment;
      record('assess_form round trip', performance.now() - t0);
    } catch (e) {
      if (mine === seq) showToast(toApiError(e).message_zh);
    } finally {
      if (mine === seq) assessing.value = false;
    }
  }

  /** Assesses the form 200 ms after the last call. */
  const assessSoon = debounce(assess, 200);

  return { assessment, assessing, assess, assessSoon };
}
