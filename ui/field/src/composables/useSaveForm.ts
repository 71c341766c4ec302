// 保存: stores a newly drawn signature, then writes the form with save_form, with the visit (note,
// photos, signature) once per visit. The form carries the versions it began from, so an edited
// field that another device changed meanwhile becomes a conflict rather than replacing that
// value. Without errors the draft is dropped, the form takes the rows and versions it now stands
// on (so saving again neither duplicates new members nor conflicts with itself), and a new
// household opens its record; with errors nothing is written, the draft is kept and the fields
// are shown.

import { ref, type Ref } from 'vue';
import { useRouter } from 'vue-router';
import { showToast } from 'vant';
import { commands } from '../commands.generated';
import { toApiError } from '../ipc';
import { dataUrlBase64 } from '../lib/dataUrl';
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
        form.signature.value = await commands.addAttachment(dataUrlBase64(png), 'image/png');
        signatureStored();
      }
      // The visit (note, photos, signature) is saved with the form, in the same transaction,
      // once: saving again without changing it records no second visit.
      const visit = { note: form.note.value, photos: [...form.photos.value], signature: form.signature.value };
      const visitKey = JSON.stringify(visit);
      const out = await commands.saveForm(householdId.value, plain(form.doc.value), visitKey === savedVisit ? null : visit);
      if (out.errors.length === 0) savedVisit = visitKey;
      form.serverErrors.value = out.errors;
      const wasNew = !householdId.value;
      householdId.value = out.household_id;
      if (out.errors.length === 0) {
        if (out.household_id) await takeSavedRows(out.household_id);
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
      showToast(toApiError(e).message_zh);
    } finally {
      saving.value = false;
    }
  }

  /** The form now stands on the saved rows: their ids and versions replace the ones it began from. */
  async function takeSavedRows(id: string) {
    const doc = form.doc.value;
    if (!doc) return;
    const stored = await commands.household(id).catch(() => null);
    if (!stored || form.doc.value !== doc) return;
    doc.row_ids = stored.form.row_ids;
    doc.base = stored.form.base;
  }

  return { saving, save };
}
