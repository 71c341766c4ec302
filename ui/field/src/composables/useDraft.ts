// The draft of the screening form: everything on it, with what was typed, kept on the device
// (save_draft) 400 ms after the last change and when the screen is left, restored when the form
// is opened again (after a crash too), dropped once the form is saved without errors or when the
// user discards it.

import { onUnmounted, ref, type Ref } from 'vue';
import { showToast } from 'vant';
import { api, type ApiError } from '../api';
import { debounce, plain, type HouseholdDoc, type SectionKey } from '../lib/form';
import type { ScreeningForm } from './useScreeningForm';

/** What a draft holds (the `body` of save_draft). */
export interface DraftBody {
  form: HouseholdDoc;
  texts: Record<string, string>;
  photos: string[];
  signature: string | null;
  note: string;
  section: SectionKey;
  saved_at: number;
}

export function useDraft(
  formId: string,
  form: Pick<ScreeningForm, 'doc' | 'texts' | 'photos' | 'signature' | 'note'>,
  section: Ref<SectionKey>,
) {
  /** When the draft was last kept (ms since the epoch), null when there is none. */
  const draftAt = ref<number | null>(null);
  /** The form was opened from a draft. */
  const restored = ref(false);

  /**
   * Reads the kept draft. When there is one, restores what was typed, the visit and the section,
   * and returns its form (which the caller shows instead of the stored one); else null.
   */
  async function restore(): Promise<HouseholdDoc | null> {
    const draft = (await api.loadDraft(formId)) as DraftBody | null;
    if (!draft?.form) return null;
    Object.assign(form.texts, draft.texts ?? {});
    form.photos.value = draft.photos ?? [];
    form.signature.value = draft.signature ?? null;
    form.note.value = draft.note ?? '';
    section.value = draft.section ?? 'basic';
    draftAt.value = draft.saved_at ?? null;
    restored.value = true;
    return draft.form;
  }

  function body(): DraftBody {
    return {
      form: plain(form.doc.value!),
      texts: { ...form.texts },
      photos: [...form.photos.value],
      signature: form.signature.value,
      note: form.note.value,
      section: section.value,
      saved_at: Date.now(),
    };
  }

  /** Keeps the draft 400 ms after the last call (`.flush()` now, `.cancel()` not at all). */
  const saveSoon = debounce(async () => {
    if (!form.doc.value) return;
    const b = body();
    try {
      await api.saveDraft(formId, b);
      draftAt.value = b.saved_at;
    } catch (e) {
      showToast((e as ApiError).message_zh);
    }
  }, 400);

  /** The form is saved: the draft is not needed any more. */
  async function saved() {
    await api.discardDraft(formId);
    draftAt.value = null;
    restored.value = false;
  }

  /** Drops the draft, including a pending save of it. */
  async function discard() {
    saveSoon.cancel();
    await api.discardDraft(formId);
  }

  // Leaving the screen keeps what was typed last.
  onUnmounted(() => saveSoon.flush());

  return { draftAt, restored, restore, saveSoon, saved, discard };
}

export type Draft = ReturnType<typeof useDraft>;
