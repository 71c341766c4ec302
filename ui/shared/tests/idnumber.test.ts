import { describe, expect, it } from 'vitest';
import vectors from '../src/id-vectors.json';
import { ageOn, checkChar, maskId, normalize, parseIdNumber } from '../src/idnumber';

describe('identity number (GB 11643, ISO 7064 MOD 11-2)', () => {
  it('accepts the standard example 11010519491231002X', () => {
    const r = parseIdNumber('11010519491231002X', '2025-01-01');
    expect(r).toEqual({ ok: true, value: '11010519491231002X', birth: '1949-12-31', sex: 'female' });
  });

  it('computes the check character with the weights and the map', () => {
    expect(checkChar('11010519491231002')).toBe('X');
    expect(checkChar('53032519780312031')).toBe('3');
    // Every remainder maps as 1 0 X 9 8 7 6 5 4 3 2: find a body for each remainder.
    const map = '10X98765432';
    for (let r = 0; r <= 10; r++) {
      for (let seq = 0; seq < 1000; seq++) {
        const body = `1101051949123${String(seq).padStart(4, '0')}`;
        const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i], 0);
        if (sum % 11 === r) {
          expect(checkChar(body)).toBe(map[r]);
          break;
        }
      }
    }
  });

  it('agrees with the shared vectors that the Rust test also checks', () => {
    for (const v of vectors.vectors) {
      const r = parseIdNumber(v.input, vectors.today);
      if (v.code === null) {
        expect(r, v.input).toMatchObject({ ok: true, value: v.value, sex: v.sex });
      } else {
        expect(r, v.input).toMatchObject({ ok: false, code: v.code });
      }
    }
  });

  it('gives the reason in Chinese, as the Rust messages do', () => {
    expect(parseIdNumber('110105194912310021', '2025-01-01')).toMatchObject({
      message_zh: '身份证号码校验码错误（应为X，实为1）',
    });
    expect(parseIdNumber('1101051949', '2025-01-01')).toMatchObject({
      message_zh: '身份证号码为10位，应为18位（旧号码15位）',
    });
    expect(parseIdNumber('11010519491231A02X', '2025-01-01')).toMatchObject({
      message_zh: '身份证号码第15位“A”不是数字',
    });
    expect(parseIdNumber('', '2025-01-01')).toMatchObject({ message_zh: '身份证号码为空' });
  });

  it('catches every single-digit typo of a valid number', () => {
    const good = '530325197803120313';
    for (let i = 0; i < 17; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === good[i]) continue;
        const typo = good.slice(0, i) + d + good.slice(i + 1);
        expect(parseIdNumber(typo, '2025-01-01').ok, typo).toBe(false);
      }
    }
  });

  it('normalises full-width digits, spaces and lower-case x', () => {
    expect(normalize('１１０１０５ 19491231\u3000002ｘ')).toBe('11010519491231002X');
  });

  it('masks for public notices and computes ages', () => {
    expect(maskId('11010519491231002X')).toBe('110105********002X');
    expect(ageOn('1949-12-31', '2025-12-30')).toBe(75);
    expect(ageOn('1949-12-31', '2025-12-31')).toBe(76);
  });
});
