import { describe, expect, it } from 'vitest';
import { issueToken } from './access.ts';
import { IdempotencyKey, keyDigest, openToken, requestDigest, sealToken } from './idempotency.ts';

const address = { line1: '1 Row', city: 'London', postalCode: 'SW1A 1AA', country: 'GB' };
const customer = { name: 'Ada', email: 'ada@example.com', address };

describe('idempotency keys', () => {
  it('seals the token so only the same key and order open it', () => {
    const { token } = issueToken();
    const sealed = sealToken(token, 'key-1', 'o1');
    expect(sealed).not.toContain(token);
    expect(openToken(sealed, 'key-1', 'o1')).toBe(token);
    expect(() => openToken(sealed, 'key-2', 'o1')).toThrow();
    expect(() => openToken(sealed, 'key-1', 'o2')).toThrow();
  });

  it('sees the same request in lines of any order, and another in any other difference', () => {
    const a = { productId: 'a', quantity: 1 };
    const b = { productId: 'b', quantity: 2 };
    const digest = requestDigest({ items: [a, b], customer });
    expect(requestDigest({ items: [b, a], customer })).toBe(digest);
    expect(requestDigest({ items: [a, { ...b, quantity: 3 }], customer })).not.toBe(digest);
    expect(requestDigest({ items: [a], customer })).not.toBe(digest);
    expect(requestDigest({ items: [a, b], customer: { ...customer, email: 'eve@example.com' } })).not.toBe(
      digest,
    );
    const elsewhere = { ...customer, address: { ...address, line2: 'Flat 2' } };
    expect(requestDigest({ items: [a, b], customer: elsewhere })).not.toBe(digest);
  });

  it('accepts 1 to 200 visible ASCII characters and keys documents by digest', () => {
    expect(IdempotencyKey.safeParse('3f1c-…').success).toBe(false);
    expect(IdempotencyKey.safeParse('').success).toBe(false);
    expect(IdempotencyKey.safeParse('a'.repeat(201)).success).toBe(false);
    expect(IdempotencyKey.safeParse('order/2026-01-01#1').success).toBe(true);
    expect(keyDigest('order/2026-01-01#1')).toMatch(/^[0-9a-f]{64}$/);
  });
});
