import type { LedgerStats } from '@stockflow/contracts';
import { asStaff, cloudEventRequest } from '@stockflow/kit/testing';
import { describe, expect, it } from 'vitest';
import { bucketEvents, STATS_MINUTES } from './stats.ts';
import { EVENTS } from './store.ts';
import { deadLetterRequest, startLedger } from './testing.ts';

const VIEWER = await asStaff('ledger', 'viewer');
const INVENTORY = 'http://inventory.default.svc.cluster.local/events';

const event = (id: string, type: string) => cloudEventRequest({ id, source: '/test', type, subject: id });

async function stats(fn: ReturnType<typeof startLedger>): Promise<LedgerStats> {
  const res = await fn.app.request('/stats', { headers: VIEWER });
  expect(res.status).toBe(200);
  return (await res.json()) as LedgerStats;
}

describe('GET /stats', () => {
  it("counts the last hour's events per minute by type, ignoring older ones", async () => {
    const fn = startLedger();
    for (const [id, type] of [
      ['a', 'io.stockflow.order.placed'],
      ['b', 'io.stockflow.order.placed'],
      ['c', 'io.stockflow.stock.reserved'],
      ['old', 'io.stockflow.stock.reserved'],
    ]) {
      expect((await fn.app.request('/events', event(id!, type!))).status).toBe(202);
    }
    // One recorded two hours ago: outside the window.
    const db = await fn.rt.db();
    const old = await db.collection(EVENTS).where('eventId', '==', 'old').get();
    await old.docs[0]!.ref.update({ recordedAt: new Date(Date.now() - 2 * 3600_000) });

    const { minutes, truncated, deadLetters } = await stats(fn);
    expect(truncated).toBe(false);
    expect(minutes).toHaveLength(STATS_MINUTES);
    const total = (type: string) => minutes.reduce((sum, m) => sum + (m.byType[type] ?? 0), 0);
    expect(total('io.stockflow.order.placed')).toBe(2);
    expect(total('io.stockflow.stock.reserved')).toBe(1);
    // Recorded just now: in the last minute or two.
    expect(minutes.slice(-2).reduce((n, m) => n + Object.keys(m.byType).length, 0)).toBeGreaterThan(0);
    expect(deadLetters).toEqual({ count: 0, newest: null });
  });

  it('counts the dead letters waiting and names the newest; a replayed one no longer waits', async () => {
    const fn = startLedger();
    const failure = { destination: INVENTORY, code: 500, body: 'boom' };
    for (const [id, type] of [
      ['d1', 'io.stockflow.order.placed'],
      ['d2', 'io.stockflow.stock.reserved'],
    ]) {
      const res = await fn.app.request(
        '/dead-letters',
        deadLetterRequest({ id: id!, source: '/orders', type: type! }, failure),
      );
      expect(res.status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const { deadLetters } = await stats(fn);
    expect(deadLetters.count).toBe(2);
    expect(deadLetters.newest).toMatchObject({ type: 'io.stockflow.stock.reserved' });
    expect(deadLetters.newest?.id).toMatch(/^[0-9a-f]{64}$/);

    const discarded = await fn.app.request(`/dead-letters/${deadLetters.newest!.id}`, {
      method: 'DELETE',
      headers: await asStaff('ledger', 'manager'),
    });
    expect(discarded.status).toBe(204);
    expect((await stats(fn)).deadLetters).toMatchObject({
      count: 1,
      newest: { type: 'io.stockflow.order.placed' },
    });
  });

  it('is for staff only', async () => {
    const fn = startLedger();
    expect((await fn.app.request('/stats')).status).toBe(401);
  });
});

describe('bucketEvents', () => {
  it('puts each event in its minute, the current minute last', () => {
    const now = new Date('2026-03-01T10:30:30.000Z');
    const minutes = bucketEvents(
      [
        { type: 'a', recordedAt: new Date('2026-03-01T10:30:01.000Z') },
        { type: 'a', recordedAt: new Date('2026-03-01T10:30:29.000Z') },
        { type: 'b', recordedAt: new Date('2026-03-01T09:31:00.000Z') },
        { type: 'b', recordedAt: new Date('2026-03-01T09:30:59.999Z') },
      ],
      now,
    );
    expect(minutes[0]).toEqual({ start: '2026-03-01T09:31:00.000Z', byType: { b: 1 } });
    expect(minutes.at(-1)).toEqual({ start: '2026-03-01T10:30:00.000Z', byType: { a: 2 } });
  });
});
