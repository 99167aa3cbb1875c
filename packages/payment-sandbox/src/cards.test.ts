/** The test cards: one source, read as typed, and the README's table says what they do. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formErrors } from './app.ts';
import { cardBehaviour, TEST_CARDS } from './cards.ts';
import { formatAmount } from './pages.ts';

describe('test cards', () => {
  it('are read with spaces or dashes, and nothing else is one', () => {
    expect(cardBehaviour('4242424242424242')).toEqual({ kind: 'approve' });
    expect(cardBehaviour(' 4000-0000-0000-0002 ')).toEqual({ kind: 'decline', code: 'card_declined' });
    expect(cardBehaviour('4242 4242 4242 4241')).toBeUndefined();
    expect(cardBehaviour('')).toBeUndefined();
  });

  it("are the README's table, row for row", () => {
    const readme = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\|\s*(\d{4} \d{4} \d{4} \d{4})\s*\|\s*(.+?)\s*\|$/gm)].map(
      ([, number, outcome]) => ({ number, outcome }),
    );
    expect(rows).toEqual(TEST_CARDS.map(({ number, outcome }) => ({ number, outcome })));
  });
});

describe('the hosted form', () => {
  const now = new Date('2026-12-07T00:00:00Z');

  it('takes any future expiry and any 3 or 4 digit CVC', () => {
    expect(formErrors('4242 4242 4242 4242', '12/26', '123', now)).toEqual({});
    expect(formErrors('4242424242424242', '01 / 30', '1234', now)).toEqual({});
  });

  it('says what is wrong with each field', () => {
    expect(formErrors('', '11/26', '12', now)).toEqual({
      card: expect.any(String),
      expiry: expect.stringMatching(/expired/),
      cvc: expect.any(String),
    });
    expect(formErrors('4242', '2030-01', 'abc', now)).toMatchObject({ expiry: 'Enter the expiry as MM/YY.' });
  });

  it('shows amounts in the currency’s minor unit', () => {
    expect(formatAmount(1250, 'EUR')).toBe('€12.50');
    expect(formatAmount(1250, 'JPY')).toBe('¥1,250');
  });
});
