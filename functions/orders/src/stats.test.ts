import type { OrderStats } from '@stockflow/contracts';
import { staffToken, testEnv } from '@stockflow/kit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { orders } from './app.ts';
import { bucketOrders } from './stats.ts';

const VIEWER = { authorization: `Bearer ${await staffToken('orders', 'viewer')}` };
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function start() {
  const fn = orders.create({ env: testEnv('orders') });
  cleanup.push(() => fn.rt.close());
  return fn;
}

/** An order document as the store keeps it, with only what the figures read filled in. */
const stored = (id: string, createdAt: string, status: string, totalCents: number, currency = 'EUR') => ({
  id,
  createdAt,
  updatedAt: createdAt,
  status,
  totalCents,
  currency,
  items: [],
  timeline: [],
  tokenHash: 'x',
});

describe('GET /stats', () => {
  it('counts orders per hour and sums paid orders per currency, oldest hour first', async () => {
    const fn = await start();
    const db = await fn.rt.db();
    const now = new Date();
    const thisHour = new Date(Math.floor(now.getTime() / 3600_000) * 3600_000);
    const at = (hoursBack: number) =>
      new Date(thisHour.getTime() - hoursBack * 3600_000 + 60_000).toISOString();
    await Promise.all([
      db
        .collection('orders')
        .doc('a')
        .set(stored('a', at(0), 'confirmed', 1000)),
      db
        .collection('orders')
        .doc('b')
        .set(stored('b', at(0), 'shipped', 250, 'GBP')),
      db
        .collection('orders')
        .doc('c')
        .set(stored('c', at(0), 'cancelled', 9999)),
      db
        .collection('orders')
        .doc('d')
        .set(stored('d', at(2), 'delivered', 500)),
      db
        .collection('orders')
        .doc('e')
        .set(stored('e', at(2), 'awaiting-payment', 700)),
      // Outside a 3-hour window.
      db
        .collection('orders')
        .doc('f')
        .set(stored('f', at(3), 'confirmed', 123)),
    ]);

    const res = await fn.app.request('/stats?hours=3', { headers: VIEWER });
    expect(res.status).toBe(200);
    const stats = (await res.json()) as OrderStats;
    expect(stats.truncated).toBe(false);
    expect(stats.hours.map((h) => h.start)).toEqual([
      new Date(thisHour.getTime() - 2 * 3600_000).toISOString(),
      new Date(thisHour.getTime() - 3600_000).toISOString(),
      thisHour.toISOString(),
    ]);
    expect(stats.hours.map((h) => h.orders)).toEqual([2, 0, 3]);
    expect(stats.hours.map((h) => h.revenueCents)).toEqual([{ EUR: 500 }, {}, { EUR: 1000, GBP: 250 }]);
  });

  it('answers 24 empty hours by default', async () => {
    const fn = await start();
    const stats = (await (await fn.app.request('/stats', { headers: VIEWER })).json()) as OrderStats;
    expect(stats.hours).toHaveLength(24);
    expect(stats.hours.every((h) => h.orders === 0)).toBe(true);
  });

  it('is for staff only, and refuses a window it would not read', async () => {
    const fn = await start();
    expect((await fn.app.request('/stats')).status).toBe(401);
    for (const hours of ['0', '169', 'x', '1.5']) {
      const res = await fn.app.request(`/stats?hours=${hours}`, { headers: VIEWER });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });
});

describe('bucketOrders', () => {
  it('ignores orders before the window and after now', () => {
    const now = new Date('2026-03-01T10:30:00.000Z');
    const hours = bucketOrders(
      [
        { createdAt: '2026-03-01T11:00:00.000Z', status: 'confirmed', totalCents: 1, currency: 'EUR' },
        { createdAt: '2026-03-01T09:59:59.999Z', status: 'confirmed', totalCents: 5, currency: 'EUR' },
        { createdAt: '2026-03-01T10:00:00.000Z', status: 'confirmed', totalCents: 7, currency: 'EUR' },
        { createdAt: '2026-03-01T08:59:59.999Z', status: 'confirmed', totalCents: 9, currency: 'EUR' },
      ],
      2,
      now,
    );
    expect(hours).toEqual([
      { start: '2026-03-01T09:00:00.000Z', orders: 1, revenueCents: { EUR: 5 } },
      { start: '2026-03-01T10:00:00.000Z', orders: 1, revenueCents: { EUR: 7 } },
    ]);
  });
});
