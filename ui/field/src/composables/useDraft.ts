// The draft of the screening form: everything on it, with what was typed, kept on the device
// (save_draft) once the user has changed something; restored when the form is opened again
// (after a crash too), dropped once the form is saved without errors, when the user discards
// it, or when the form is changed back to what it was.
//
// Timing: a draft is written 400 ms after the last change, and never more than 2 s after the
// first change not yet written, so typing steadily keeps at most 2 s at risk; and when the
// screen is left. Opening the form, or any section of it, writes nothing.
//
// A draft keeps the versions its form began from (the form's `base`): saving it writes the
// edited fields over those versions, so another device's newer value is never silently
// replaced. A restored draft is brought up to date (rebase_form): a field that changed on the
// device since the draft began (another device's edit, synced) takes the new value when the
// draft had not changed it, and keeps the draft's value (a conflict once saved) when it had;
// `changed` lists them for the screen.

import { onUnmounted, ref, shallowRef, type Ref } from 'vue';
import { showToast } from 'vant';
import type { ChangedField, HouseholdForm } from '@fangpin/shared/bindings';
import { commands } from '../commands.generated';
import { toApiError } from '../ipc';
import { completeForm, contentKey, readDraft, type DraftBody, type DraftContent } from '../lib/draft';
import { debounce, plain, type SectionKey } from '../lib/form';
import type { ScreeningForm } from './useScreeningForm';

/** A draft is written this long after the last change… */
export const DRAFT_PAUSE_MS = 400;
/** …and at most this long after the first change not yet written. */
export const DRAFT_MAX_WAIT_MS = 2_000;

export function useDraft(
  formId: string,
  form: Pick<ScreeningForm, 'doc' | 'texts' | 'photos' | 'signature' | 'note'>,
  section: Ref<SectionKey>,
) {
  /** When the draft was last kept (ms since the epoch), null when there is none. */
  const draftAt = ref<number | null>(null);
  /** The form was opened from a draft. */
  const restored = ref(false);
  /** The fields that changed on the device (another device's edit, synced) since the restored draft began. */
  const changed = shallowRef<ChangedField[]>([]);

  /** The content of the form as it opened without a draft: a draft equal to it is no draft. */
  let pristine: string | null = null;

  function content(): DraftContent | null {
    if (!form.doc.value) return null;
    return {
      form: form.doc.value,
      texts: form.texts,
      photos: form.photos.value,
      signature: form.signature.value,
      note: form.note.value,
    };
  }

  /**
   * Reads the kept draft. `stored` is the form as it opens without one. When a draft is kept,
   * restores what was typed, the visit and the section, asks which fields changed underneath
   * it, and returns its form (completed over `stored`); else returns `stored`.
   */
  async function restore(stored: HouseholdForm): Promise<HouseholdForm> {
    pristine = contentKey({ form: stored, texts: {}, photos: [], signature: null, note: '' });
    const draft = readDraft(await commands.loadDraft(formId));
    if (!draft?.form) return stored;
    let f = completeForm(stored, draft.form);
    for (const k of Object.keys(form.texts)) delete form.texts[k];
    Object.assign(form.texts, draft.texts ?? {});
    form.photos.value = draft.photos?.filter((p): p is string => typeof p === 'string') ?? [];
    form.signature.value = draft.signature ?? null;
    form.note.value = draft.note ?? '';
    section.value = draft.section ?? 'basic';
    draftAt.value = draft.saved_at ?? Date.now();
    restored.value = true;
    if (f.base) {
      const rebased = await commands.rebaseForm(plain(f)).catch(() => null);
      if (rebased) {
        f = rebased.form;
        changed.value = rebased.changed;
      }
    }
    return f;
  }

  function body(c: DraftContent): DraftBody {
    return {
      form: plain(c.form),
      texts: { ...c.texts },
      photos: [...c.photos],
      signature: c.signature,
      note: c.note,
      section: section.value,
      saved_at: Date.now(),
    };
  }

  /** Writes the draft when the form differs from what it opened with; drops it when not. */
  async function write() {
    const c = content();
    if (!c) return;
    if (contentKey(c) === pristine) {
      if (draftAt.value !== null) {
        draftAt.value = null;
        await commands.discardDraft(formId).catch(() => undefined);
      }
      return;
    }
    const b = body(c);
    try {
      await commands.saveDraft(formId, b);
      draftAt.value = b.saved_at;
    } catch (e) {
      showToast(toApiError(e).message_zh);
    }
  }

  /** Call on every change: keeps the draft after the pause (`.flush()` now, `.cancel()` not at all). */
  const saveSoon = debounce(() => void write(), DRAFT_PAUSE_MS, { maxWait: DRAFT_MAX_WAIT_MS });

  /** The form is saved as it is now: the draft is not needed any more, and this is the new start. */
  async function saved() {
    saveSoon.cancel();
    const c = content();
    if (c) pristine = contentKey(c);
    await commands.discardDraft(formId);
    draftAt.value = null;
    restored.value = false;
    changed.value = [];
  }

  /** Drops the draft, including a pending save of it. */
  async function discard() {
    saveSoon.cancel();
    await commands.discardDraft(formId);
    draftAt.value = null;
  }

  // Leaving the screen keeps what was typed last.
  onUnmounted(() => saveSoon.flush());

  return { draftAt, restored, changed, restore, saveSoon, saved, discard };
}

export type Draft = ReturnType<typeof useDraft>;
