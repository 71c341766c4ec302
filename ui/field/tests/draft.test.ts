// A kept draft read back: completed over the stored form (an older app's draft may lack
// fields), with its own versions; and what counts as a change worth keeping.
import { describe, expect, it } from 'vitest';
import type { HouseholdForm } from '@fangpin/shared/bindings';
import { completeForm, contentKey, readDraft } from '../src/lib/draft';
import { emptyHousehold } from '../src/lib/form';

function stored(): HouseholdForm {
  const f = emptyHousehold('530325101201', '2025-06-30');
  f.household.phone = '13987400001';
  f.household.helper = { name: '李红', unit: '县农业局', phone: null, start: '2024-03-01', end: null };
  f.members[0].name = '张国华';
  f.row_ids = { household: 'h-new', members: ['m-new'], income: {} };
  f.base = { 'household/h/phone': { versions: ['new'], value: '13987400001' } };
  return f;
}

describe('completeForm', () => {
  it("keeps the draft's values, fills what it lacks from the stored form, and keeps the draft's own versions", () => {
    const f = completeForm(stored(), {
      household: { address: '和平村2组', phone: null, helper: null },
      members: [{ name: '王芳', relation: 'spouse' }],
      base: { 'household/h/phone': { versions: ['old'], value: '13987400001' } },
      row_ids: { household: 'h', members: ['m'] },
    });
    expect(f.household.address).toBe('和平村2组');
    // A null in the draft is a field the user cleared.
    expect([f.household.phone, f.household.helper]).toEqual([null, null]);
    // What the draft does not mention is the stored form's.
    expect(f.household.area.code).toBe('530325101201');
    expect(f.income.current.year).toBe(2024);
    // Each member is whole.
    expect(f.members).toHaveLength(1);
    expect(f.members[0]).toMatchObject({ name: '王芳', relation: 'spouse', sex: 'male', health: { chronic_illness: false } });
    expect(f.base).toEqual({ 'household/h/phone': { versions: ['old'], value: '13987400001' } });
    expect(f.row_ids).toEqual({ household: 'h', members: ['m'] });
  });

  it('never takes the stored form\'s newer versions for a draft that has none', () => {
    const f = completeForm(stored(), { household: { address: 'x' } });
    expect(f.base).toBeUndefined();
    expect(f.row_ids).toBeUndefined();
  });

  it('ignores a value of the wrong kind', () => {
    const f = completeForm(stored(), { household: { cultivated_land_hundredths_mu: 'abc' as unknown as number, risk_types: null as unknown as [] } });
    expect(f.household.cultivated_land_hundredths_mu).toBe(0);
    expect(f.household.risk_types).toEqual([]);
  });
});

describe('readDraft', () => {
  it('reads what the app wrote, and nothing from what is not a draft', () => {
    expect(readDraft(null)).toBeNull();
    expect(readDraft('x')).toBeNull();
    expect(readDraft({ texts: {} })).toBeNull();
    const d = readDraft({ form: { household: {} }, texts: { a: '1', b: 2 }, photos: ['p', 3], signature: 5, note: 'n', section: 'nowhere', saved_at: 9 });
    expect(d).toEqual({ form: { household: {} }, texts: { a: '1' }, photos: ['p'], signature: null, note: 'n', section: undefined, saved_at: 9 });
  });
});

describe('contentKey', () => {
  it('is the same for the same content whatever the key order, the versions or the rows', () => {
    const a = stored();
    const b: HouseholdForm = JSON.parse(JSON.stringify({ basic_needs: a.basic_needs, income: a.income, members: a.members, household: a.household }));
    b.base = { other: { versions: [], value: null } };
    const blank = { texts: {}, photos: [], signature: null, note: '' };
    expect(contentKey({ form: a, ...blank })).toBe(contentKey({ form: b, ...blank }));
    expect(contentKey({ form: a, ...blank })).not.toBe(contentKey({ form: a, ...blank, note: '入户' }));
    b.household.group = '3组';
    expect(contentKey({ form: a, ...blank })).not.toBe(contentKey({ form: b, ...blank }));
  });
});
