// @vitest-environment happy-dom
// The screening form's composables, against a mocked app API: the draft is kept 400 ms after the
// last change and when the screen is left, restored, dropped; the assessment runs 200 ms after the
// last change and an overtaken answer is dropped.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp, defineComponent, nextTick, ref } from 'vue';
import { useDraft } from '../src/composables/useDraft';
import { useLiveAssessment } from '../src/composables/useLiveAssessment';
import { useScreeningForm } from '../src/composables/useScreeningForm';
import { emptyHousehold, type SectionKey } from '../src/lib/form';

const api = vi.hoisted(() => ({
  loadDraft: vi.fn(),
  saveDraft: vi.fn(),
  discardDraft: vi.fn(),
  assessForm: vi.fn(),
}));
vi.mock('../src/api', () => ({ api }));
vi.mock('vant', () => ({ showToast: vi.fn() }));

/** Runs `setup` inside a mounted component; `unmount` ends it. */
function host<T>(setup: () => T): { value: T; unmount: () => void } {
  let value!: T;
  const app = createApp(
    defineComponent({
      setup() {
        value = setup();
        return () => null;
      },
    }),
  );
  app.mount(document.createElement('div'));
  return { value, unmount: () => app.unmount() };
}

beforeEach(() => {
  vi.useFakeTimers();
  for (const f of Object.values(api)) f.mockReset();
  api.saveDraft.mockResolvedValue(undefined);
  api.discardDraft.mockResolvedValue(undefined);
});
afterEach(() => vi.useRealTimers());

describe('useDraft', () => {
  function setup() {
    return host(() => {
      const form = useScreeningForm();
      const section = ref<SectionKey>('basic');
      const draft = useDraft('household:h1', form, section);
      return { form, section, draft };
    });
  }

  it('keeps the draft 400 ms after the last change, with what was typed', async () => {
    const { value: t } = setup();
    t.form.doc.value = emptyHousehold('530325101201', '2025-06-30');
    t.form.fields.onAmount('income.current.wage_fen', '12.345');
    t.form.note.value = '入户';
    t.draft.saveSoon();
    await vi.advanceTimersByTimeAsync(300);
    t.draft.saveSoon();
    await vi.advanceTimersByTimeAsync(399);
    expect(api.saveDraft).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(api.saveDraft).toHaveBeenCalledTimes(1);
    const [formId, body] = api.saveDraft.mock.calls[0];
    expect(formId).toBe('household:h1');
    expect(body).toMatchObject({ texts: { 'income.current.wage_fen': '12.345' }, note: '入户', section: 'basic', photos: [], signature: null });
    expect(body.form.household.area.code).toBe('530325101201');
    expect(t.draft.draftAt.value).toBe(body.saved_at);
  });

  it('keeps a pending draft when the screen is left', async () => {
    const { value: t, unmount } = setup();
    t.form.doc.value = emptyHousehold('530325101201', '2025-06-30');
    t.draft.saveSoon();
    unmount();
    expect(api.saveDraft).toHaveBeenCalledTimes(1);
  });

  it('restores a kept draft: the form, what was typed, the visit and the section', async () => {
    const kept = {
      form: emptyHousehold('530325101202', '2025-06-30'),
      texts: { 'income.current.wage_fen': 'abc' },
      photos: ['p1'],
      signature: 's1',
      note: '上次',
      section: 'income',
      saved_at: 1_700_000_000_000,
    };
    api.loadDraft.mockResolvedValueOnce(kept);
    const { value: t } = setup();
    const form = await t.draft.restore();
    expect(api.loadDraft).toHaveBeenCalledWith('household:h1');
    expect(form).toEqual(kept.form);
    expect(t.form.texts).toEqual(kept.texts);
    expect([t.form.photos.value, t.form.signature.value, t.form.note.value, t.section.value]).toEqual([['p1'], 's1', '上次', 'income']);
    expect([t.draft.draftAt.value, t.draft.restored.value]).toEqual([kept.saved_at, true]);
    // What was typed and is not an amount is reported, not dropped.
    t.form.doc.value = form;
    expect(t.form.fields.err('income.current.wage_fen')).not.toBe('');
  });

  it('restores nothing when there is no draft', async () => {
    api.loadDraft.mockResolvedValueOnce(null);
    const { value: t } = setup();
    expect(await t.draft.restore()).toBeNull();
    expect(t.draft.restored.value).toBe(false);
  });

  it('discarding drops a pending save; a saved form drops the draft', async () => {
    const { value: t } = setup();
    t.form.doc.value = emptyHousehold('530325101201', '2025-06-30');
    t.draft.saveSoon();
    await t.draft.discard();
    await vi.advanceTimersByTimeAsync(1000);
    expect(api.saveDraft).not.toHaveBeenCalled();
    expect(api.discardDraft).toHaveBeenCalledWith('household:h1');
    t.draft.draftAt.value = 1;
    t.draft.restored.value = true;
    await t.draft.saved();
    expect([t.draft.draftAt.value, t.draft.restored.value]).toEqual([null, false]);
  });
});

describe('useLiveAssessment', () => {
  it('assesses 200 ms after the last change and takes the errors and the assessment', async () => {
    api.assessForm.mockResolvedValue({ errors: [{ field: 'household.phone', code: 'invalid_phone', message_zh: '电话' }], assessment: { ok: 1 } });
    const { value: t } = host(() => {
      const form = useScreeningForm();
      return { form, live: useLiveAssessment(form.doc, form.serverErrors) };
    });
    t.form.doc.value = emptyHousehold('530325101201', '2025-06-30');
    t.live.assessSoon();
    await vi.advanceTimersByTimeAsync(150);
    t.live.assessSoon();
    await vi.advanceTimersByTimeAsync(199);
    expect(api.assessForm).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(api.assessForm).toHaveBeenCalledTimes(1);
    await nextTick();
    expect(t.live.assessment.value).toEqual({ ok: 1 });
    expect(t.form.fields.err('household.phone')).toBe('电话');
    expect(t.live.assessing.value).toBe(false);
  });

  it('drops an answer overtaken by a later request', async () => {
    const answers: ((v: unknown) => void)[] = [];
    api.assessForm.mockImplementation(() => new Promise((resolve) => answers.push(resolve)));
    const { value: t } = host(() => {
      const form = useScreeningForm();
      return { form, live: useLiveAssessment(form.doc, form.serverErrors) };
    });
    t.form.doc.value = emptyHousehold('530325101201', '2025-06-30');
    const first = t.live.assess();
    const second = t.live.assess();
    answers[1]({ errors: [], assessment: { n: 2 } });
    await second;
    answers[0]({ errors: [], assessment: { n: 1 } });
    await first;
    expect(t.live.assessment.value).toEqual({ n: 2 });
    expect(t.live.assessing.value).toBe(false);
  });
});
