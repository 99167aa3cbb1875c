import { afterEach, describe, expect, it } from 'vitest';
import { adjustment, events, openInventory, type TestInventory } from './testing.ts';

const open: TestInventory[] = [];
afterEach(async () => {
  for (const inv of open.splice(0)) await inv.close();
});

/** An inventory with products `a` (20 on hand) and `b` (10 on hand). */
async function stocked() {
  const inv = await openInventory();
  open.push(inv);
  for (const [id, onHand] of [
    ['a', 20],
    ['b', 10],
  ] as const) {
    expect((await inv.deliver(events.productCreated(id))).status).toBe(202);
    await inv.fn.app.request(`/stock/${id}/adjustments`, adjustment({ delta: onHand, reason: 'count' }));
  }
  return inv;
}

const lines = (...pairs: Array<[string, number]>) =>
  pairs.map(([productId, quantity]) => ({ productId, quantity }));

describe('order.placed', () => {
  it('reserves every line in one transaction and emits stock.reserved', async () => {
    const inv = await stocked();
    const res = await inv.deliver(events.placed('o1', lines(['a', 3], ['b', 2])));
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    expect(await inv.level('a')).toMatchObject({ onHand: 20, reserved: 3, available: 17 });
    expect(await inv.level('b')).toMatchObject({ onHand: 10, reserved: 2, available: 8 });
    const [reserved] = await inv.emitted('io.stockflow.stock.reserved');
    expect(reserved).toMatchObject({
      source: '/inventory',
      subject: 'o1',
      data: { orderId: 'o1', items: lines(['a', 3], ['b', 2]) },
    });
    expect(await inv.audit()).toEqual([]);
  });

  it('reserves nothing when one line is short, unknown or archived, and says why', async () => {
    const inv = await stocked();
    await inv.deliver(events.productArchived('b'));
    await inv.deliver(events.placed('o1', lines(['a', 3], ['b', 1], ['ghost', 1])));
    await inv.deliver(events.placed('o2', lines(['a', 21])));
    expect(await inv.level('a')).toMatchObject({ reserved: 0, available: 20 });
    const rejected = await inv.emitted('io.stockflow.stock.rejected');
    expect(rejected.map((e) => e.data)).toEqual([
      {
        orderId: 'o1',
        shortages: [
          { productId: 'b', requested: 1, available: 0 },
          { productId: 'ghost', requested: 1, available: 0 },
        ],
      },
      { orderId: 'o2', shortages: [{ productId: 'a', requested: 21, available: 20 }] },
    ]);
    expect(await inv.emitted('io.stockflow.stock.reserved')).toEqual([]);
  });

  it('applies a duplicate delivery once, and a second placement of the same order not at all', async () => {
    const inv = await stocked();
    for (let i = 0; i < 3; i++)
      expect((await inv.deliver(events.placed('o1', lines(['a', 4]), 'evt-1'))).status).toBe(202);
    // The same order under another event id (a replay): the first decision stands.
    await inv.deliver(events.placed('o1', lines(['a', 4]), 'evt-2'));
    expect(await inv.level('a')).toMatchObject({ reserved: 4 });
    expect(await inv.emitted('io.stockflow.stock.reserved')).toHaveLength(1);
  });
});

describe('order.cancelled', () => {
  it('releases what the order holds, once', async () => {
    const inv = await stocked();
    await inv.deliver(events.placed('o1', lines(['a', 3], ['b', 2])));
    for (let i = 0; i < 2; i++)
      expect((await inv.deliver(events.cancelled('o1', 'cancel-1'))).status).toBe(202);
    expect(await inv.level('a')).toMatchObject({ onHand: 20, reserved: 0 });
    expect(await inv.level('b')).toMatchObject({ onHand: 10, reserved: 0 });
    expect((await inv.emitted('io.stockflow.stock.released')).map((e) => e.data)).toEqual([
      { orderId: 'o1', items: lines(['a', 3], ['b', 2]) },
    ]);
    expect(await inv.audit()).toEqual([]);
  });

  it('that overtakes the placement leaves nothing reserved for the order', async () => {
    const inv = await stocked();
    await inv.deliver(events.cancelled('o1'));
    await inv.deliver(events.placed('o1', lines(['a', 3])));
    expect(await inv.level('a')).toMatchObject({ reserved: 0, available: 20 });
    expect(await inv.emitted('io.stockflow.stock.reserved')).toEqual([]);
    expect(await inv.audit()).toEqual([]);
  });

  it('after a rejection releases nothing', async () => {
    const inv = await stocked();
    await inv.deliver(events.placed('o1', lines(['a', 99])));
    await inv.deliver(events.cancelled('o1'));
    expect(await inv.emitted('io.stockflow.stock.released')).toEqual([]);
    expect(await inv.level('a')).toMatchObject({ reserved: 0, onHand: 20 });
  });

  it('releases an order awaiting payment (reserved, never confirmed) when its payment fails or expires', async () => {
    const inv = await stocked();
    // Reserved and held for payment: orders has not confirmed them, inventory only holds the stock.
    await inv.deliver(events.placed('o1', lines(['a', 3], ['b', 2])));
    await inv.deliver(events.placed('o2', lines(['a', 4])));
    expect(await inv.level('a')).toMatchObject({ onHand: 20, reserved: 7 });
    expect((await inv.deliver(events.cancelled('o1', 'cancel-o1', 'payment-declined'))).status).toBe(202);
    expect((await inv.deliver(events.cancelled('o2', 'cancel-o2', 'payment-expired'))).status).toBe(202);
    expect(await inv.level('a')).toMatchObject({ onHand: 20, reserved: 0, available: 20 });
    expect(await inv.level('b')).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
    expect((await inv.emitted('io.stockflow.stock.released')).map((e) => e.data)).toEqual([
      { orderId: 'o1', items: lines(['a', 3], ['b', 2]) },
      { orderId: 'o2', items: lines(['a', 4]) },
    ]);
    expect(await inv.audit()).toEqual([]);
  });
});

describe('return.inspected', () => {
  const clerk = { subject: 'staff-7', name: 'Robin Clerk' };

  it('puts restocked lines back on hand and records written-off ones as returned then damaged, once', async () => {
    const inv = await stocked();
    await inv.deliver(events.placed('o1', lines(['a', 5], ['b', 3])));
    await inv.deliver(events.shipped('o1'));
    const inspected = events.returnInspected(
      'o1',
      'r-1',
      'default',
      [
        { productId: 'a', quantity: 2, outcome: 'restocked' },
        { productId: 'b', quantity: 1, outcome: 'written-off' },
        { productId: 'a', quantity: 1, outcome: 'written-off' },
      ],
      { id: 'inspect-1', actor: clerk },
    );
    for (let i = 0; i < 2; i++) expect((await inv.deliver(inspected)).status).toBe(202);
    expect(await inv.level('a')).toMatchObject({ onHand: 17, reserved: 0, available: 17 });
    expect(await inv.level('b')).toMatchObject({ onHand: 7, reserved: 0 });

    const { items } = await inv.store.movements({ limit: 100 });
    const ofReturn = items.filter((m) => m.reference === 'return:r-1');
    const summary = ofReturn.map(({ productId, locationId, delta, reason, actor }) => ({
      productId,
      locationId,
      delta,
      reason,
      actor,
    }));
    expect(summary).toHaveLength(5);
    expect(summary).toEqual(
      expect.arrayContaining([
        { productId: 'a', locationId: 'default', delta: 2, reason: 'returned', actor: clerk },
        { productId: 'a', locationId: 'default', delta: 1, reason: 'returned', actor: clerk },
        { productId: 'a', locationId: 'default', delta: -1, reason: 'damaged', actor: clerk },
        { productId: 'b', locationId: 'default', delta: 1, reason: 'returned', actor: clerk },
        { productId: 'b', locationId: 'default', delta: -1, reason: 'damaged', actor: clerk },
      ]),
    );
    // Only `a` changed on hand: one adjustment for it (with the clerk), none for `b` (net 0).
    const adjusted = (await inv.emitted('io.stockflow.stock.adjusted')).filter((e) =>
      (e.data as { reason: string }).reason.includes('return:r-1'),
    );
    expect(adjusted.map((e) => e.data)).toEqual([
      {
        productId: 'a',
        locationId: 'default',
        delta: 2,
        reason: 'returned (return:r-1)',
        onHand: 17,
        reserved: 0,
        available: 17,
        actor: clerk,
      },
    ]);
    expect(await inv.audit()).toEqual([]);
  });

  it('takes goods inspected at an unknown location at the default one, noted, as orders when no one is named', async () => {
    const inv = await stocked();
    await inv.deliver(events.placed('o1', lines(['a', 4])));
    await inv.deliver(events.shipped('o1'));
    const inspected = events.returnInspected('o1', 'r-2', 'nowhere', [
      { productId: 'a', quantity: 3, outcome: 'restocked' },
    ]);
    expect((await inv.deliver(inspected)).status).toBe(202);
    const level = await inv.level('a');
    expect(level).toMatchObject({ onHand: 19 });
    expect(level.locations.map((l) => l.locationId)).toEqual(['default']);
    const { items } = await inv.store.movements({ limit: 100 });
    const [movement] = items.filter((m) => m.reference === 'return:r-2');
    expect(movement).toMatchObject({
      locationId: 'default',
      delta: 3,
      reason: 'returned',
      actor: { system: 'orders' },
    });
    expect(movement!.note).toContain('nowhere');
    const [adjusted] = (await inv.emitted('io.stockflow.stock.adjusted')).filter(
      (e) => (e.data as { reason: string }).reason === 'returned (return:r-2)',
    );
    expect(adjusted!.data).not.toHaveProperty('actor');
    expect(await inv.audit()).toEqual([]);
  });

  it('answers 400 to an inspection that breaks the contract, and changes nothing', async () => {
    const inv = await stocked();
    const bad = events.returnInspected('o1', 'r-3', 'default', [
      { productId: 'a', quantity: 1, outcome: 'restocked' },
    ]);
    bad.data = { ...(bad.data as object), lines: [{ productId: 'a', quantity: 0, outcome: 'restocked' }] };
    expect((await inv.deliver(bad)).status).toBe(400);
    expect(await inv.level('a')).toMatchObject({ onHand: 20 });
  });
});

describe('order.shipped', () => {
  it('commits the reservation: onHand and reserved drop, once', async () => {
    const inv = await stocked();
    await inv.deliver(events.placed('o1', lines(['a', 3])));
    for (let i = 0; i < 2; i++) await inv.deliver(events.shipped('o1', 'ship-1'));
    await inv.deliver(events.shipped('o1'));
    expect(await inv.level('a')).toMatchObject({ onHand: 17, reserved: 0, available: 17 });
    expect(await inv.emitted('io.stockflow.stock.committed')).toHaveLength(1);
    // A cancel after shipping changes nothing.
    await inv.deliver(events.cancelled('o1'));
    expect(await inv.level('a')).toMatchObject({ onHand: 17, reserved: 0 });
    expect(await inv.audit()).toEqual([]);
  });

  it('that arrives before any reservation moves no stock, and the late placement reserves nothing', async () => {
    const inv = await stocked();
    expect((await inv.deliver(events.shipped('o1'))).status).toBe(202);
    expect(await inv.level('a')).toMatchObject({ onHand: 20, reserved: 0 });
    await inv.deliver(events.placed('o1', lines(['a', 3])));
    expect(await inv.level('a')).toMatchObject({ onHand: 20, reserved: 0 });
    expect(await inv.emitted('io.stockflow.stock.committed')).toEqual([]);
    expect(await inv.audit()).toEqual([]);
  });
});

describe('goods.received and product events', () => {
  it('adds goods to onHand once per event id, even before the product exists', async () => {
    const inv = await openInventory();
    open.push(inv);
    for (let i = 0; i < 2; i++) {
      expect((await inv.deliver(events.goodsReceived('new', 12, 'PO-1', 'goods-1'))).status).toBe(202);
    }
    await inv.deliver(events.goodsReceived('new', 3, 'PO-2'));
    expect(await inv.level('new')).toMatchObject({ onHand: 15, available: 15 });
    expect((await inv.emitted('io.stockflow.stock.adjusted')).map((e) => e.data)).toMatchObject([
      { productId: 'new', delta: 12, reason: 'goods received (PO-1)', onHand: 12 },
      { productId: 'new', delta: 3, onHand: 15 },
    ]);
    // The product's creation arrives later: the stock counted so far stays.
    await inv.deliver(events.productCreated('new'));
    expect(await inv.level('new')).toMatchObject({ onHand: 15 });
  });

  it('adds goods once per (source, reference): a new id for the same goods changes nothing', async () => {
    const inv = await openInventory();
    open.push(inv);
    expect((await inv.deliver(events.goodsReceived('g', 5, 'PO-9', 'goods-a'))).status).toBe(202);
    // A second event for the same goods, new id: later, and two at once (one group commit).
    expect((await inv.deliver(events.goodsReceived('g', 5, 'PO-9', 'goods-b'))).status).toBe(202);
    const together = await Promise.all(
      ['goods-c', 'goods-d'].map((id) => inv.deliver(events.goodsReceived('g', 5, 'PO-9', id))),
    );
    expect(together.map((res) => res.status)).toEqual([202, 202]);
    expect(await inv.level('g')).toMatchObject({ onHand: 5 });
    expect(await inv.emitted('io.stockflow.stock.adjusted')).toHaveLength(1);
    // The same reference from another of the partner's sources is other goods.
    const berlin = {
      ...events.goodsReceived('g', 2, 'PO-9', 'goods-e'),
      source: '/partners/warehouse/berlin',
    };
    expect((await inv.deliver(berlin)).status).toBe(202);
    expect(await inv.level('g')).toMatchObject({ onHand: 7 });
    // Goods from a source that is not the partner's are refused (defence in depth), changing nothing.
    const forged = { ...events.goodsReceived('g', 100, 'PO-10', 'goods-f'), source: '/orders' };
    expect((await inv.deliver(forged)).status).toBe(400);
    expect(await inv.level('g')).toMatchObject({ onHand: 7 });
    expect(await inv.audit()).toEqual([]);
  });

  it('lets an archived product release and ship what it holds, but reserve nothing new', async () => {
    const inv = await stocked();
    await inv.deliver(events.placed('o1', lines(['a', 2])));
    await inv.deliver(events.placed('o2', lines(['a', 2])));
    await inv.deliver(events.productArchived('a'));
    await inv.deliver(events.placed('o3', lines(['a', 1])));
    await inv.deliver(events.cancelled('o1'));
    await inv.deliver(events.shipped('o2'));
    expect(await inv.level('a')).toMatchObject({ onHand: 18, reserved: 0 });
    expect((await inv.emitted('io.stockflow.stock.rejected')).map((e) => e.subject)).toEqual(['o3']);
    // A late, older version does not bring it back.
    await inv.deliver(events.productCreated('a'));
    await inv.deliver(events.placed('o4', lines(['a', 1])));
    expect((await inv.emitted('io.stockflow.stock.rejected')).map((e) => e.subject)).toEqual(['o3', 'o4']);
  });

  it('announces stock.low once, when available crosses the threshold downwards', async () => {
    const inv = await stocked();
    await inv.deliver(events.placed('o1', lines(['b', 4])));
    await inv.deliver(events.placed('o2', lines(['b', 1])));
    await inv.deliver(events.placed('o3', lines(['b', 1])));
    expect((await inv.emitted('io.stockflow.stock.low')).map((e) => e.data)).toEqual([
      { productId: 'b', available: 5, threshold: 5 },
    ]);
  });
});

describe('bad events', () => {
  it('answers 400 to data that breaks the contract, and changes nothing', async () => {
    const inv = await stocked();
    const bad = events.placed('o1', lines(['a', 1]));
    bad.data = { orderId: 'o1', items: [] };
    expect((await inv.deliver(bad)).status).toBe(400);
    const badGoods = events.goodsReceived('a/b', 1, 'x');
    expect((await inv.deliver(badGoods)).status).toBe(400);
    expect(
      (await inv.deliver({ type: 'io.stockflow.order.confirmed', data: { orderId: 'o1' } })).status,
    ).toBe(400);
    expect(await inv.level('a')).toMatchObject({ onHand: 20, reserved: 0 });
    expect(await inv.emitted('io.stockflow.stock.rejected')).toEqual([]);
  });
});

describe('overload', () => {
  it('answers 503 with Retry-After when its queue of stock changes is full, and applies the retry', async () => {
    // Commits at least 1.5 s apart and one change allowed to wait: the second placement waits for
    // the next commit, the third finds the queue full.
    const inv = await openInventory({ STOCK_COMMIT_INTERVAL_MS: '1500', STOCK_QUEUE_LIMIT: '1' });
    open.push(inv);
    expect((await inv.deliver(events.goodsReceived('a', 10, 'r1'))).status).toBe(202);
    const waiting = inv.deliver(events.placed('o1', lines(['a', 1])));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const third = events.placed('o2', lines(['a', 2]), 'evt-o2');
    const refused = await inv.deliver(third);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect((await waiting).status).toBe(202);
    expect(await inv.level('a')).toMatchObject({ onHand: 10, reserved: 1 });
    // Knative's retry of the refused delivery (same event id) is applied once.
    expect((await inv.deliver(third)).status).toBe(202);
    expect(await inv.level('a')).toMatchObject({ onHand: 10, reserved: 3 });
    expect(await inv.emitted('io.stockflow.stock.reserved')).toHaveLength(2);
  });
});
