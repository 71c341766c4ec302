// Stored values as people read them: never an internal name or code where a name exists.
import { describe, expect, it } from 'vitest';
import { fieldValueText, typedValue } from '../src/lib/values';

describe('fieldValueText', () => {
  it.each([
    ['income_year', 'wage_fen', 2_978_500, '29,785 元'],
    ['income_year', 'wage_fen', null, '（空）'],
    ['household', 'household_type', 'monitored', '监测户'],
    ['household', 'risk_types', ['01', '0201'], '因病、洪涝'],
    ['household', 'cultivated_land_hundredths_mu', 350, '3.50 亩'],
    ['household', 'drinking_water', { quantity: 'met', convenience: 'not_met', reliability: 'met', quality: 'basically_met' }, '水量达标、用水方便程度不达标、供水保证率达标、水质基本达标'],
    ['household', 'helper', { name: '李红', unit: '县农业局', phone: null, start: '2024-03-01', end: null }, '李红 （县农业局）'],
    ['member', 'health', { chronic_illness: true, serious_illness: false, disability: { kind: 'physical', grade: 2 } }, '长期慢性病、肢体残疾2级'],
    ['member', 'work', { place: 'outside_province', months: 8 }, '省外务工8个月'],
    ['member', 'dibao', true, '是'],
    ['household', '$alive', false, '删除'],
    ['ledger_item', 'status', { round: 2, state: 'closed' }, '已销号（第2轮）'],
    ['household', 'basic_needs', { food_secure: true, clothing_secure: false }, '不愁吃、穿存在问题'],
  ])('%s.%s %j → %s', (table, field, value, text) => {
    const shown = fieldValueText(table, field, value);
    expect(shown).toBe(text);
    expect(shown).not.toMatch(/[a-z]+_[a-z]+/);
  });
});

describe('typedValue', () => {
  it('turns yuan into fen exactly and refuses what is not an amount', () => {
    expect(typedValue('wage_fen', '297.85')).toBe(29_785);
    expect(typedValue('wage_fen', '1.005')).toBeNull();
    expect(typedValue('wage_fen', '')).toBeNull();
    expect(typedValue('phone', '13900000001')).toBe('13900000001');
  });
});
