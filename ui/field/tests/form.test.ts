import { describe, expect, it, vi } from 'vitest';
import {
  debounce,
  emptyHousehold,
  emptyMember,
  fenToYuan,
  formatYuan,
  instantIssues,
  isValidPhone,
  issuesByField,
  muToHundredths,
  sectionOf,
  yuanToFen,
} from '../src/lib/form';
import example from '../../../docs/examples/household.json';
import type { HouseholdForm } from '@fangpin/shared/bindings';

const today = '2026-06-30';

describe('money and land', () => {
  it('turns yuan text into integer fen without floating point', () => {
    expect(yuanToFen('1234.5')).toEqual({ ok: true, value: 123450 });
    expect(yuanToFen('0.07')).toEqual({ ok: true, value: 7 });
    expect(yuanToFen('30,000')).toEqual({ ok: true, value: 3000000 });
    expect(yuanToFen('')).toEqual({ ok: true, value: 0 });
    // 0.1 + 0.2 style errors cannot happen: 19.99 is exactly 1999 fen.
    expect(yuanToFen('19.99')).toEqual({ ok: true, value: 1999 });
    expect(yuanToFen('12.345').ok).toBe(false);
    expect(yuanToFen('-5').ok).toBe(false);
    expect(yuanToFen('abc')).toEqual({ ok: false, message_zh: '请输入金额（元），最多两位小数' });
  });

  it('shows fen as yuan', () => {
    expect(fenToYuan(123450)).toBe('1234.50');
    expect(fenToYuan(3000000)).toBe('30000');
    expect(formatYuan(123456789)).toBe('1,234,567.89 元');
    expect(formatYuan(650000)).toBe('6,500 元');
  });

  it('round-trips every amount', () => {
    for (const fen of [0, 1, 99, 100, 101, 650000, 987654321]) {
      expect(yuanToFen(fenToYuan(fen))).toEqual({ ok: true, value: fen });
    }
  });

  it('reads land in mu', () => {
    expect(muToHundredths('4.2')).toEqual({ ok: true, value: 420 });
    expect(muToHundredths('x').ok).toBe(false);
  });
});

describe('phones, as fangpin_domain::record::is_valid_phone', () => {
  it.each([
    ['13987412345', true],
    ['0874-1234567', true],
    ['08741234567', true],
    ['7654321', true],
    ['1234567', false],
    ['1398741234', false],
    ['139-87412345', false],
    ['0874--1234567', false],
    ['abc', false],
  ])('%s → %s', (p, ok) => expect(isValidPhone(p)).toBe(ok));
});

describe('instant checks of the screening form', () => {
  it('finds nothing in the valid example of docs/examples/household.json', () => {
    expect(instantIssues(example as unknown as HouseholdForm, today)).toEqual([]);
  });

  it('names the member and field of a bad identity number, with the reason in Chinese', () => {
    const doc = structuredClone(example) as unknown as HouseholdForm;
    doc.members.push({ ...emptyMember('son'), name: '张三', id_number: '530325201009010158' });
    const issues = instantIssues(doc, today);
    expect(issues).toContainEqual({
      field: 'members[5].id_number',
      code: 'check_digit',
      message_zh: '身份证号码校验码错误（应为9，实为8）',
    });
  });

  it('finds duplicates, sex mismatches, missing heads and empty names', () => {
    const doc = structuredClone(example) as unknown as HouseholdForm;
    doc.members[1].id_number = doc.members[0].id_number;
    doc.members[2].sex = 'male';
    doc.members[0].relation = 'spouse';
    doc.members[3].name = ' ';
    const fields = instantIssues(doc, today).map((i) => `${i.field}:${i.code}`);
    expect(fields).toEqual(
      expect.arrayContaining([
        'members:inconsistent',
        'members[1].id_number:duplicate',
        'members[1].sex:inconsistent',
        'members[2].sex:inconsistent',
        'members[3].name:required',
      ]),
    );
  });

  it('checks the monitoring type against the household type', () => {
    const doc = emptyHousehold('530325101201', today);
    doc.household.household_type = 'monitored';
    expect(instantIssues(doc, today).map((i) => i.field)).toContain('household.monitoring_type');
    doc.household.monitoring_type = 'marginal_at_risk';
    expect(instantIssues(doc, today).map((i) => i.field)).not.toContain('household.monitoring_type');
  });

  it('starts a new household with one head and last year income', () => {
    const doc = emptyHousehold('530325101201', today);
    expect(doc.members.map((m) => m.relation)).toEqual(['head']);
    expect(doc.income.current.year).toBe(2025);
    expect(instantIssues(doc, today).map((i) => i.field)).toEqual([
      'household.id',
      'household.address',
      'members[0].name',
      'members[0].id_number',
    ]);
  });

  it('prefers the instant answer for a field, and keeps the server answer elsewhere', () => {
    const merged = issuesByField(
      [{ field: 'a', code: 'x', message_zh: '即时' }],
      [
        { field: 'a', code: 'y', message_zh: '服务' },
        { field: 'b', code: 'z', message_zh: '服务b' },
      ],
    );
    expect(merged.a.message_zh).toBe('即时');
    expect(merged.b.message_zh).toBe('服务b');
  });

  it('maps fields to form sections', () => {
    expect(sectionOf('members[1].id_number')).toBe('members');
    expect(sectionOf('income.current.wage_fen')).toBe('income');
    expect(sectionOf('household.drinking_water.quality')).toBe('needs');
    expect(sectionOf('household.risk_types')).toBe('risk');
    expect(sectionOf('household.phone')).toBe('basic');
  });
});

describe('debounce', () => {
  it('calls once after the last call, and flush runs it now', () => {
    vi.useFakeTimers();
    const f = vi.fn();
    const d = debounce(f, 300);
    d(1);
    d(2);
    vi.advanceTimersByTime(299);
    expect(f).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(f).toHaveBeenCalledWith(2);
    d(3);
    d.flush();
    expect(f).toHaveBeenCalledTimes(2);
    expect(f).toHaveBeenLastCalledWith(3);
    vi.useRealTimers();
  });

  it('with maxWait, calls that keep coming run it at least every maxWait', () => {
    vi.useFakeTimers();
    const f = vi.fn();
    const d = debounce(f, 400, { maxWait: 2000 });
    // A call every 100 ms for 5 s: never a 400 ms pause.
    const at: number[] = [];
    f.mockImplementation(() => at.push(Date.now() - start));
    const start = Date.now();
    for (let t = 0; t < 5000; t += 100) {
      d(t);
      vi.advanceTimersByTime(100);
    }
    expect(at).toEqual([2000, 4000]);
    // The last call came at 4900: the pause after it ends at 5300.
    vi.advanceTimersByTime(299);
    expect(f).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(1);
    expect(at).toEqual([2000, 4000, 5300]);
    expect(f).toHaveBeenLastCalledWith(4900);
    expect(d.pending()).toBe(false);
    vi.useRealTimers();
  });

  it('cancel drops a pending call and starts the next wait afresh', () => {
    vi.useFakeTimers();
    const f = vi.fn();
    const d = debounce(f, 400, { maxWait: 1000 });
    d(1);
    vi.advanceTimersByTime(300);
    d.cancel();
    vi.advanceTimersByTime(2000);
    expect(f).not.toHaveBeenCalled();
    d(2);
    vi.advanceTimersByTime(399);
    expect(f).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(f).toHaveBeenCalledWith(2);
    vi.useRealTimers();
  });
});

describe('members and their stored rows', () => {
  it('removing a member keeps the other members on their own row ids', async () => {
    const { removeMemberAt } = await import('../src/lib/form');
    const doc = structuredClone(example) as unknown as HouseholdForm;
    doc.row_ids = { household: 'h', members: ['m0', 'm1', 'm2', 'm3', 'm4'], income: {} };
    removeMemberAt(doc, 1);
    expect(doc.members.map((m) => m.name)).toEqual(['张国华', '张丽', '张磊', '王桂芬']);
    expect(doc.row_ids.members).toEqual(['m0', 'm2', 'm3', 'm4']);
  });
});
