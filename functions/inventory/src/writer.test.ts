import { Firestore } from '@google-cloud/firestore';
import { logScope } from '@stockflow/kit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { adjustStock, StockBelowReservedError } from './stock.ts';
import { openInventory, type TestInventory } from './testing.ts';
import { type Command, StockWriter, type StockWriterOptions } from './writer.ts';

const open: TestInventory[] = [];
afterEach(async () => {
  for (const inv of open.splice(0)) await inv.close();
});

async function writer(options: Partial<StockWriterOptions> = {}) {
  const inv = await openInventory();
  open.push(inv);
  const w = new StockWriter(inv.fn.rt, { commitIntervalMs: 0, defaultLowStockThreshold: 5, ...options });
  return { inv, w };
}

const adjust = (productId: string, delta: number, event?: Command['event']): Command => ({
  event,
  productIds: [productId],
  orderIds: [],
  decide: (state, ctx) => adjustStock(productId, state.stock(productId), { delta, reason: 'test' }, ctx),
});

describe('StockWriter: group commit', () => {
  it('commits commands that arrive together in one transaction, each seeing the ones before it', async () => {
    const { inv, w } = await writer();
    const changes = await Promise.all(Array.from({ length: 50 }, (_, i) => w.submit(adjust(`p${i % 5}`, 1))));
    expect(w.stats).toEqual({ commits: 1, commands: 50, refused: 0 });
    // Each command decided on the state the ones before it left: p0 went 1, 2, ... 10.
    expect(changes.filter((_, i) => i % 5 === 0).map((c) => c!.items[0]!.onHand)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    expect(await inv.level('p0')).toMatchObject({ onHand: 10 });
    expect(await inv.emitted('io.stockflow.stock.adjusted')).toHaveLength(50);
  });

  it("stages each command's events under the trace of the request that submitted it", async () => {
    const { inv, w } = await writer();
    const traces = ['aa', 'bb', 'cc'].map((c) => c.repeat(16));
    await Promise.all(
      traces.map((traceId, i) =>
        logScope.run({ trace: { traceId, spanId: '1'.repeat(16), sampled: true } }, () =>
          w.submit(adjust(`t${i}`, 1)),
        ),
      ),
    );
    expect(w.stats.commits).toBe(1);
    const emitted = await inv.emitted('io.stockflow.stock.adjusted');
    const traceOf = (productId: string) =>
      String(
        emitted.find((e) => (e.data as { productId: string }).productId === productId)?.traceparent,
      ).split('-')[1];
    expect(traces.map((_, i) => traceOf(`t${i}`))).toEqual(traces);
  });

  it('fails a command whose decision throws, alone: the rest of its group commits', async () => {
    const { inv, w } = await writer();
    const results = await Promise.allSettled([
      w.submit(adjust('a', 5)),
      w.submit(adjust('a', -9)),
      w.submit(adjust('a', -2)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(StockBelowReservedError);
    expect(await inv.level('a')).toMatchObject({ onHand: 3 });
    expect(
      (await inv.emitted('io.stockflow.stock.adjusted'))
        .map((e) => (e.data as { delta: number }).delta)
        .sort(),
    ).toEqual([-2, 5]);
  });

  it('applies an event once when it is delivered twice into the same group', async () => {
    const { inv, w } = await writer();
    const event = { source: '/warehouse', id: 'goods-1', type: 'io.stockflow.goods.received' };
    const [first, second] = await Promise.all([
      w.submit(adjust('a', 4, event)),
      w.submit(adjust('a', 4, event)),
    ]);
    expect(first).toBeDefined();
    expect(second).toBeUndefined();
    expect(await w.submit(adjust('a', 4, event))).toBeUndefined();
    expect(await inv.level('a')).toMatchObject({ onHand: 4 });
  });

  it("reads a group's dedupe records and stock in one round trip before its commit, locking nothing", async () => {
    const { inv, w } = await writer();
    await w.submit(adjust('r0', 10)); // the client loaded and warm
    const reads = vi.spyOn(Firestore.prototype, 'getAll');
    const locking = vi.spyOn(Firestore.prototype, 'runTransaction');
    try {
      const changes = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          w.submit(adjust(`r${i % 4}`, 1, { source: '/warehouse', id: `goods-r${i}`, type: 'goods' })),
        ),
      );
      expect(changes.every(Boolean)).toBe(true);
      expect(w.stats.commits).toBe(2);
      expect(reads).toHaveBeenCalledOnce();
      expect(locking).not.toHaveBeenCalled();
    } finally {
      reads.mockRestore();
      locking.mockRestore();
    }
    expect(await inv.level('r0')).toMatchObject({ onHand: 13 });
  });

  it('splits a queue into groups that fit one transaction', async () => {
    const { inv, w } = await writer({ maxGroupWrites: 20 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => w.submit(adjust(`p${i}`, 1))));
    // A command on a new product is counted as 5 writes (at most, a movement among them): 4 to a group.
    expect(w.stats).toEqual({ commits: 8, commands: 30, refused: 0 });
    expect(await inv.level('p29')).toMatchObject({ onHand: 1 });
  });

  it('refuses commands past its queue limit at once with 503 and Retry-After, changing nothing', async () => {
    const { inv, w } = await writer({ maxQueued: 3 });
    // Submitted in one tick: three wait for the first commit, the fourth finds the queue full.
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => w.submit(adjust('q', 1))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    expect((results[3] as PromiseRejectedResult).reason).toMatchObject({
      status: 503,
      headers: { 'Retry-After': '1' },
      detail: '3 stock changes are waiting for a commit; retry shortly.',
    });
    expect(w.stats).toEqual({ commits: 1, commands: 3, refused: 1 });
    expect(await inv.level('q')).toMatchObject({ onHand: 3 });
    // Once the queue has room again, commands are taken.
    await w.submit(adjust('q', 1));
    expect(await inv.level('q')).toMatchObject({ onHand: 4 });
  });

  it('starts two commits of the same product no closer together than the commit interval', async () => {
    const { w } = await writer({ commitIntervalMs: 400 });
    // The first commit starts after this instant and the second at least 400 ms after the first,
    // so the second answer cannot come sooner, however fast or slow the machine is.
    const before = Date.now();
    await w.submit(adjust('a', 1));
    await w.submit(adjust('a', 1));
    expect(Date.now() - before).toBeGreaterThanOrEqual(400);
    expect(w.stats.commits).toBe(2);
  });

  it('commits a change of other products at once, whatever the interval (a lone order never waits)', async () => {
    const { w } = await writer({ commitIntervalMs: 5_000 });
    await w.submit(adjust('a', 1));
    // Within the 5 s interval of a's commit: b's commit does not wait for it.
    const before = Date.now();
    await w.submit(adjust('b', 1));
    await w.submit(adjust('c', 1));
    expect(Date.now() - before).toBeLessThan(5_000);
    expect(w.stats.commits).toBe(3);
  });

  it('holds a command whose products are known only once read (a cancel) to the interval after any commit', async () => {
    const { w } = await writer({ commitIntervalMs: 400 });
    // As above: the second commit starts at least 400 ms after the first, which starts after this.
    const before = Date.now();
    await w.submit(adjust('a', 1));
    // Through a reservation (none here: it changes nothing), as order.cancelled does.
    await w.submit({ productIds: [], orderIds: ['o-unknown'], decide: () => ({ items: [], events: [] }) });
    expect(Date.now() - before).toBeGreaterThanOrEqual(400);
  });
});
