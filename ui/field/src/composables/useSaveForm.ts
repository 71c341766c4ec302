// 保存: stores a newly drawn signature, then writes the form with save_form, with the visit (note,
// photos, signature) once per visit. Without errors the draft is dropped and a new household
// opens its record; with errors nothing is written, the draft is kept and the fields are shown.

import { ref, type Ref } from 'vue';
import { useRouter } from 'vue-router';
import { showToast } from 'vant';
import { api, dataUrlBase64, type ApiError } from '../api';
import { plain } from '../lib/form';
import { measureToPaint } from '../perf';
import { refreshStatus } from '../store';
import type { Draft } from './useDraft';
import type { ScreeningForm } from './useScreeningForm';

export interface SaveOptions {
  /** The household being edited; null for a new one until its first save. */
  householdId: Ref<string | null>;
  form: ScreeningForm;
  draft: Draft;
  /** The signature drawn since it was last stored, as a PNG data URL, or null. */
  drawnSignature: () => string | null;
  /** Called once the drawn signature is stored. */
  signatureStored: () => void;
}

export function useSaveForm({ householdId, form, draft, drawnSignature, signatureStored }: SaveOptions) {
  const router = useRouter();
  const saving = ref(false);
  /** The visit last saved with the form, so a second save does not record it again. */
  let savedVisit = '';

  async function save() {
    if (!form.doc.value || saving.value) return;
    const t0 = performance.now();
    saving.value = true;
    draft.saveSoon.flush();
    try {
      const png = drawnSignature();
      if (png) {
        form.signature.value = await api.addAttachment(dataUrlBase64(png), 'image/png');
        signatureStored();
      }
      // The visit (note, photos, signature) is saved with the form, in the same transaction,
      // once: saving again without changing it records no second visit.
      const visit = { note: form.note.value, photos: [...form.photos.value], signature: form.signature.value };
      const visitKey = JSON.stringify(visit);
      const out = await api.saveForm(householdId.value, plain(form.doc.value), visitKey === savedVisit ? null : visit);
      if (out.errors.length === 0) savedVisit = visitKey;
      form.serverErrors.value = out.errors;
      const wasNew = !householdId.value;
      householdId.value = out.household_id;
      if (out.errors.length === 0) {
        await draft.saved();
        showToast({ message: `已保存（${out.saved_fields} 项修改）`, className: 'fp-toast-saved' });
      } else {
        draft.saveSoon();
        showToast({ message: `已保存草稿，还有 ${out.errors.length} 处需要修改`, className: 'fp-toast-saved' });
      }
      await measureToPaint('save form (click to saved)', t0);
      refreshStatus().catch(() => undefined);
      if (wasNew && out.errors.length === 0) router.replace(`/household/${out.household_id}`);
    } catch (e) {
      showToast((e as ApiError).message_zh);
    } finally {
      saving.value = false;
    }
  }

  return { saving, save };
}
