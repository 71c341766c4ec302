// @vitest-environment happy-dom
// The screening form's composables, against mocked commands: a draft is written only once the
// user changed something, 400 ms after the last change and at most 2 s after the first change
// not yet written, and when the screen is left; changing the form back drops it; a restored
// draft keeps the versions it began from and is brought up to date (rebase_form); the
// assessment runs 200 ms after the last change and an overtaken answer is dropped.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp, defineComponent, nextTick, ref } from 'vue';
import type { ChangedField, HouseholdForm } from '@fangpin/shared/bindings';
import { DRAFT_MAX_WAIT_MS, DRAFT_PAUSE_MS, useDraft } from '../src/composables/useDraft';
import { useLiveAssessment } from '../src/composables/useLiveAssessment';
import { useScreeningForm } from '../src/composables/useScreeningForm';
import { emptyHousehold, type SectionKey } from '../src/lib/form';

const commands = vi.hoisted(() => ({
  loadDraft: vi.fn(),
  saveDraft: vi.fn(),
  discardDraft: vi.fn(),
  rebaseForm: vi.fn(),
  assessForm: vi.fn(),
}));
vi.mock('../src/commands.generated', () => ({ commands }));
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

/** A stored household as the record opens it: with its rows and the versions of its fields. */
function storedForm(): HouseholdForm {
  const f = emptyHousehold('530325101201', '2025-06-30');
  f.household.id = '5303251012010001';
  f.household.address = '和平村1组1号';
  f.members[0].name = '张国华';
  f.income.current.wage_fen = 2_200_777;
  f.row_ids = { household: 'h1', members: ['m1'], income: { current: 'i1' } };
  f.base = { 'income_year/i1/wage_fen': { versions: [{ device: 'a', seq: 1 }], value: 2_200_777 } };
  return f;
}

beforeEach(() => {
  vi.useFakeTimers();
  for (const f of Object.values(commands)) f.mockReset();
  commands.saveDraft.mockResolvedValue(undefined);
  commands.discardDraft.mockResolvedValue(undefined);
  commands.loadDraft.mockResolvedValue(null);
});
afterEach(() => vi.useRealTimers());

describe('useDraft', () => {
  /** The form opened from `stored` (and the kept draft the mock returns), as the view does. */
  async function opened(stored: HouseholdForm = storedForm()) {
    const h = host(() => {
      const form = useScreeningForm();
      const section = ref<SectionKey>('basic');
      const draft = useDraft('household:h1', form, section);
      return { form, section, draft };
    });
    h.value.form.doc.value = await h.value.draft.restore(stored);
    return h;
  }

  it('writes nothing when the form is opened and nothing is changed, whatever the section', async () => {
    const { value: t, unmount } = await opened();
    t.draft.saveSoon();
    t.section.value = 'income';
    t.draft.saveSoon();
    await vi.advanceTimersByTimeAsync(5_000);
    unmount();
    await vi.advanceTimersByTimeAsync(0);
    expect(commands.saveDraft).not.toHaveBeenCalled();
    expect(commands.discardDraft).not.toHaveBeenCalled();
    expect(t.draft.draftAt.value).toBeNull();
  });

  it('keeps the draft 400 ms after the last change, with what was typed and the versions it began from', async () => {
    const { value: t } = await opened();
    t.form.fields.onAmount('income.current.wage_fen', '12.345');
    t.form.note.value = '入户';
    t.draft.saveSoon();
    await vi.advanceTimersByTimeAsync(300);
    t.draft.saveSoon();
    await vi.advanceTimersByTimeAsync(DRAFT_PAUSE_MS - 1);
    expect(commands.saveDraft).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(commands.saveDraft).toHaveBeenCalledTimes(1);
    const [formId, body] = commands.saveDraft.mock.calls[0];
    expect(formId).toBe('household:h1');
    expect(body).toMatchObject({ texts: { 'income.current.wage_fen': '12.345' }, note: '入户', section: 'basic', photos: [], signature: null });
    expect(body.form.base).toEqual(storedForm().base);
    expect(body.form.row_ids).toEqual(storedForm().row_ids);
    expect(t.draft.draftAt.value).toBe(body.saved_at);
  });

  it('while typing steadily, writes the draft at least every 2 s', async () => {
    const { value: t } = await opened();
    const written: number[] = [];
    const start = Date.now();
    commands.saveDraft.mockImplementation(async () => void written.push(Date.now() - start));
    // A keystroke every 150 ms for 5 s.
    for (let ms = 0; ms < 5_000; ms += 150) {
      t.form.doc.value!.household.address = `和平村1组${ms}号`;
      t.draft.saveSoon();
      await vi.advanceTimersByTimeAsync(150);
    }
    // 2 s after the first keystroke; 2 s after the first keystroke after that (at 2100).
    expect(written).toEqual([DRAFT_MAX_WAIT_MS, 2100 + DRAFT_MAX_WAIT_MS]);
    // The last keystroke came at 4950; the pause after it ends 400 ms later.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(written).toEqual([2000, 4100, 4950 + DRAFT_PAUSE_MS]);
  });

  it('keeps a pending draft when the screen is left', async () => {
    const { value: t, unmount } = await opened();
    t.form.doc.value!.household.phone = '13987400001';
    t.draft.saveSoon();
    unmount();
    await vi.advanceTimersByTimeAsync(0);
    expect(commands.saveDraft).toHaveBeenCalledTimes(1);
  });

  it('a form changed back to what it opened with drops the kept draft', async () => {
    const { value: t } = await opened();
    t.form.doc.value!.household.natural_village = '上营';
    t.draft.saveSoon();
    await vi.advanceTimersByTimeAsync(DRAFT_PAUSE_MS);
    expect(commands.saveDraft).toHaveBeenCalledTimes(1);
    t.form.doc.value!.household.natural_village = null;
    t.draft.saveSoon();
    await vi.advanceTimersByTimeAsync(DRAFT_PAUSE_MS);
    expect(commands.saveDraft).toHaveBeenCalledTimes(1);
    expect(commands.discardDraft).toHaveBeenCalledWith('household:h1');
    expect(t.draft.draftAt.value).toBeNull();
  });

  it('restores a kept draft over the stored form: its values, its versions, what was typed, the visit, the section', async () => {
    const stored = storedForm();
    // The stored form moved on (another device's wage, synced): newer versions.
    stored.income.current.wage_fen = 2_978_500;
    stored.base = { 'income_year/i1/wage_fen': { versions: [{ device: 'b', seq: 7 }], value: 2_978_500 } };
    // A draft from before, partly filled (an older app did not keep every field).
    const kept = {
      form: {
        household: { phone: '13900000002', natural_village: null },
        members: [{ name: '张国华', id_number: '530325195806120013', relation: 'head' }],
        income: { current: { wage_fen: 2_200_777 } },
        row_ids: storedForm().row_ids,
        base: storedForm().base,
      },
      texts: { 'income.current.wage_fen': 'abc' },
      photos: ['p1'],
      signature: 's1',
      note: '上次',
      section: 'income',
      saved_at: 1_700_000_000_000,
    };
    commands.loadDraft.mockResolvedValueOnce(kept);
    const changed: ChangedField[] = [
      { table: 'income_year', field: 'wage_fen', table_zh: '家庭收支', label_zh: '工资性收入', value: 2_978_500, edited: false },
    ];
    commands.rebaseForm.mockImplementation(async (f: HouseholdForm) => ({
      form: { ...f, income: { ...f.income, current: { ...f.income.current, wage_fen: 2_978_500 } } },
      changed,
    }));
    const { value: t } = await opened(stored);
    expect(commands.loadDraft).toHaveBeenCalledWith('household:h1');
    // Rebased from the draft's own versions, not the stored form's newer ones.
    const sent: HouseholdForm = commands.rebaseForm.mock.calls[0][0];
    expect(sent.base).toEqual(storedForm().base);
    expect(sent.household.phone).toBe('13900000002');
    expect(sent.household.address).toBe('和平村1组1号');
    expect(sent.members[0]).toMatchObject({ name: '张国华', sex: 'male', education: 'junior_secondary' });
    const doc = t.form.doc.value!;
    expect(doc.income.current.wage_fen).toBe(2_978_500);
    expect(doc.household.phone).toBe('13900000002');
    expect(t.draft.changed.value).toEqual(changed);
    expect(t.form.texts).toEqual(kept.texts);
    expect([t.form.photos.value, t.form.signature.value, t.form.note.value, t.section.value]).toEqual([['p1'], 's1', '上次', 'income']);
    expect([t.draft.draftAt.value, t.draft.restored.value]).toEqual([kept.saved_at, true]);
    // What was typed and is not an amount is reported, not dropped.
    expect(t.form.fields.err('income.current.wage_fen')).not.toBe('');
  });

  it('opens the stored form when there is no draft', async () => {
    const stored = storedForm();
    const { value: t } = await opened(stored);
    expect(t.form.doc.value).toEqual(stored);
    expect(t.draft.restored.value).toBe(false);
    expect(commands.rebaseForm).not.toHaveBeenCalled();
  });

  it('discarding drops a pending save; a saved form drops the draft and starts afresh', async () => {
    const { value: t } = await opened();
    t.form.doc.value!.household.phone = '13987400001';
    t.draft.saveSoon();
    await t.draft.discard();
    await vi.advanceTimersByTimeAsync(1000);
    expect(commands.saveDraft).not.toHaveBeenCalled();
    expect(commands.discardDraft).toHaveBeenCalledWith('household:h1');
    t.draft.draftAt.value = 1;
    t.draft.restored.value = true;
    await t.draft.saved();
    expect([t.draft.draftAt.value, t.draft.restored.value]).toEqual([null, false]);
    // What was saved is the new start: no draft for it.
    t.draft.saveSoon();
    await vi.advanceTimersByTimeAsync(DRAFT_PAUSE_MS);
    expect(commands.saveDraft).not.toHaveBeenCalled();
  });
});

describe('useLiveAssessment', () => {
  it('assesses 200 ms after the last change and takes the errors and the assessment', async () => {
    const assessment = { year: 2025 };
    commands.assessForm.mockResolvedValue({ errors: [{ field: 'household.phone', code: 'invalid_phone', message_zh: '电话' }], assessment });
    const { value: t } = host(() => {
      const form = useScreeningForm();
      return { form, live: useLiveAssessment(form.doc, form.serverErrors) };
    });
    t.form.doc.value = emptyHousehold('530325101201', '2025-06-30');
    t.live.assessSoon();
    await vi.advanceTimersByTimeAsync(150);
    t.live.assessSoon();
    await vi.advanceTimersByTimeAsync(199);
    expect(commands.assessForm).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(commands.assessForm).toHaveBeenCalledTimes(1);
    await nextTick();
    expect(t.live.assessment.value).toEqual(assessment);
    expect(t.form.fields.err('household.phone')).toBe('电话');
    expect(t.live.assessing.value).toBe(false);
  });

  it('drops an answer overtaken by a later request', async () => {
    const answers: ((v: unknown) => void)[] = [];
    commands.assessForm.mockImplementation(() => new Promise((resolve) => answers.push(resolve)));
    const { value: t } = host(() => {
      const form = useScreeningForm();
      return { form, live: useLiveAssessment(form.doc, form.serverErrors) };
    });
    t.form.doc.value = emptyHousehold('530325101201', '2025-06-30');
    const first = t.live.assess();
    const second = t.live.assess();
    answers[1]({ errors: [], assessment: { year: 2 } });
    await second;
    answers[0]({ errors: [], assessment: { year: 1 } });
    await first;
    expect(t.live.assessment.value).toEqual({ year: 2 });
    expect(t.live.assessing.value).toBe(false);
  });
});
