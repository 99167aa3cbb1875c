import type { OrderLine } from '@stockflow/contracts';
import type { CloudEventInit } from '@stockflow/kit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { adjustment, events, openInventory, type TestInventory } from './testing.ts';

const open: TestInventory[] = [];
afterEach(async () => {
  for (const inv of open.splice(0)) await inv.close();
});

/** A small deterministic generator (mulberry32): the same orders on every run. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STOCK = { red: 30, green: 20, blue: 10 };

function orders(count: number, seed: number): Array<{ orderId: string; items: OrderLine[] }> {
  const next = random(seed);
  const products = Object.keys(STOCK);
  return Array.from({ length: count }, (_, i) => {
    const lines = products.filter(() => next() < 0.5);
    const chosen = lines.length ? lines : [products[Math.floor(next() * products.length)]!];
    return {
      orderId: `order-${i}`,
      items: chosen.map((productId) => ({ productId, quantity: 1 + Math.floor(next() * 3) })),
    };
  });
}

/** Delivers as a Trigger does: retried on 5xx and 429, with a little backoff. */
async function deliver(inv: TestInventory, event: CloudEventInit): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const res = await inv.deliver(event);
    if (res.status < 500 && res.status !== 429) return res.status;
    if (attempt === 10) return res.status;
    await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
  }
}

async function stock(inv: TestInventory) {
  for (const [productId, onHand] of Object.entries(STOCK)) {
    const res = await inv.fn.app.request(
      `/stock/${productId}/adjustments`,
      adjustment({ delta: onHand, reason: 'count' }),
    );
    expect(res.status).toBe(200);
  }
}

/** Each order decided exactly once: one stock.reserved or one stock.rejected, never both. */
async function decisions(inv: TestInventory) {
  const emitted = await inv.emitted();
  const byOrder = new Map<string, string[]>();
  for (const event of emitted) {
    if (event.type !== 'io.stockflow.stock.reserved' && event.type !== 'io.stockflow.stock.rejected')
      continue;
    byOrder.set(event.subject!, [...(byOrder.get(event.subject!) ?? []), event.type]);
  }
  return byOrder;
}

describe('concurrent orders', () => {
  it('100 concurrent orders over 3 products (each delivered twice): no oversell, each decided once', async () => {
    const inv = await openInventory();
    open.push(inv);
    await stock(inv);
    const placed = orders(100, 7);
    const deliveries = placed.flatMap((order) => [
      events.placed(order.orderId, order.items, `placed-${order.orderId}`),
      events.placed(order.orderId, order.items, `placed-${order.orderId}`),
    ]);
    const statuses = await Promise.all(deliveries.map((event) => deliver(inv, event)));
    expect(new Set(statuses)).toEqual(new Set([202]));

    expect(await inv.audit()).toEqual([]);
    const byOrder = await decisions(inv);
    expect([...byOrder.keys()].sort()).toEqual(placed.map((o) => o.orderId).sort());
    for (const types of byOrder.values()) expect(types).toHaveLength(1);
    let reservedOrders = 0;
    for (const [productId, onHand] of Object.entries(STOCK)) {
      const level = await inv.level(productId);
      expect(level.onHand).toBe(onHand);
      expect(level.available).toBeGreaterThanOrEqual(0);
      reservedOrders += level.reserved;
    }
    // Demand (about 200 units) exceeds the 60 on hand: some orders were turned down, others filled.
    expect(reservedOrders).toBeGreaterThan(40);
    expect(
      [...byOrder.values()].filter(([type]) => type === 'io.stockflow.stock.rejected').length,
    ).toBeGreaterThan(0);

    // Then cancels and shipments, racing each other and their own duplicates.
    const settle = placed.flatMap((order, i) => {
      const event =
        i % 2 ? events.cancelled(order.orderId, `c-${i}`) : events.shipped(order.orderId, `s-${i}`);
      return [event, event];
    });
    expect(new Set(await Promise.all(settle.map((event) => deliver(inv, event))))).toEqual(new Set([202]));
    expect(await inv.audit()).toEqual([]);
    const reserved = await inv.emitted('io.stockflow.stock.reserved');
    const shipped = new Set(placed.filter((_, i) => i % 2 === 0).map((o) => o.orderId));
    for (const [productId, onHand] of Object.entries(STOCK)) {
      const left = reserved
        .filter((e) => shipped.has(e.subject!))
        .flatMap((e) => (e.data as { items: OrderLine[] }).items)
        .filter((line) => line.productId === productId)
        .reduce((sum, line) => sum - line.quantity, onHand);
      expect(await inv.level(productId)).toMatchObject({ reserved: 0, onHand: left, available: left });
    }
  });

  it('two instances on one database never oversell a product between them', async () => {
    const first = await openInventory();
    open.push(first);
    const env = { FIRESTORE_DATABASE: first.fn.rt.config.FIRESTORE_DATABASE! };
    const second = await openInventory(env);
    open.push(second);
    await stock(first);
    const placed = orders(60, 11);
    const statuses = await Promise.all(
      placed.map((order, i) => deliver(i % 2 ? second : first, events.placed(order.orderId, order.items))),
    );
    expect(new Set(statuses)).toEqual(new Set([202]));
    expect(await first.audit()).toEqual([]);
    // One database, one outbox: what both committed.
    const byOrder = await decisions(first);
    expect(byOrder.size).toBe(60);
    for (const types of byOrder.values()) expect(types).toHaveLength(1);
  });
});
