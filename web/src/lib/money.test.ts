import { describe, expect, it } from 'vitest';
import { formatMoney, minorDigits, moneyInput, parseMoney } from './money.ts';

describe('money', () => {
  it('formats cents in the currency, with its own minor units', () => {
    expect(formatMoney(1250, 'EUR')).toBe('€12.50');
    expect(formatMoney(0, 'USD')).toBe('$0.00');
    expect(formatMoney(1250, 'JPY')).toBe('¥1,250');
    expect(minorDigits('KWD')).toBe(3);
  });

  it('reads what a manager types, or refuses it', () => {
    expect(parseMoney('12.5', 'EUR')).toBe(1250);
    expect(parseMoney('12,50', 'EUR')).toBe(1250);
    expect(parseMoney(' 1 200 ', 'EUR')).toBe(120000);
    expect(parseMoney('7', 'EUR')).toBe(700);
    expect(parseMoney('1250', 'JPY')).toBe(1250);
    for (const bad of ['', 'abc', '1.234', '-3', '1.2.3', '12.5', '1e3']) {
      expect(parseMoney(bad, bad === '12.5' ? 'JPY' : 'EUR'), bad).toBeUndefined();
    }
  });

  it('writes cents back as input text', () => {
    expect(moneyInput(1250, 'EUR')).toBe('12.50');
    expect(moneyInput(1250, 'JPY')).toBe('1250');
  });
});
