import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { defineFunction } from './app.ts';
import { ANY_TYPE, applyOnce, handleEachDelivery, PING_TYPE } from './events.ts';
import { OUTBOX_COLLECTION } from './outbox.ts';
import { INBOX_COLLECTION } from './runtime.ts';
import { cloudEventRequest, startFakeSink, testEnv } from './testing/index.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** A function that notes what each handler saw, in memory, to show which one the kit chose. */
function start(env: Record<string, string | undefined> = {}) {
  const seen: Array<{ handler: string; type: string; id: string }> = [];
  const keptOnce = new Set<string>();
  const fn = defineFunction({
    name: 'dispatch',
    events: {
      'test.known': applyOnce(z.object({ n: z.number() }), async ({ event }) => {
        seen.push({ handler: 'known', type: event.type, id: event.id });
      }),
      [ANY_TYPE]: handleEachDelivery(z.unknown(), async ({ event }) => {
        seen.push({ handler: 'any', type: event.type, id: event.id });
        // Idempotent by itself: the second delivery of an id is a duplicate.
        if (keptOnce.has(event.id)) return false;
        keptOnce.add(event.id);
        return true;
      }),
      [PING_TYPE]: handleEachDelivery(z.unknown(), async ({ event }) => {
        seen.push({ handler: 'tick', type: event.type, id: event.id });
        return true;
      }),
    },
  }).create({ env: testEnv('events', env), outbox: { sweepGraceMs: 0 } });
  cleanup.push(async () => {
    await fn.rt.outbox.drain(1_000);
    await fn.rt.close();
  });
  return { fn, seen };
}

const ping = (id: string) =>
  cloudEventRequest({ id, source: '/apis/v1/namespaces/default/pingsources/p', type: PING_TYPE });

describe('dispatching events to handlers', () => {
  it('gives a type its own handler, and every other type to the catch-all', async () => {
    const { fn, seen } = start();
    const known = cloudEventRequest({ id: 'k1', type: 'test.known', data: { n: 1 } });
    expect((await fn.app.request('/events', known)).status).toBe(202);
    const other = cloudEventRequest({ id: 'o1', type: 'test.other', data: 'anything' });
    expect((await fn.app.request('/events', other)).status).toBe(202);
    expect(seen).toEqual([
      { handler: 'known', type: 'test.known', id: 'k1' },
      { handler: 'any', type: 'test.other', id: 'o1' },
    ]);
    // The type's own handler still validates its data: the catch-all does not take what it refuses.
    const invalid = cloudEventRequest({ id: 'k2', type: 'test.known', data: { n: 'one' } });
    expect((await fn.app.request('/events', invalid)).status).toBe(400);
    expect(seen).toHaveLength(2);
  });

  it('runs a handleEachDelivery handler on every delivery, without a transaction or a dedupe record', async () => {
    const { fn, seen } = start();
    const other = cloudEventRequest({ id: 'o1', type: 'test.other', data: 1 });
    for (let i = 0; i < 2; i++) expect((await fn.app.request('/events', other)).status).toBe(202);
    expect(seen.filter((s) => s.id === 'o1')).toHaveLength(2);
    const db = await fn.rt.db();
    expect((await db.collection(INBOX_COLLECTION).get()).size).toBe(0);
  });

  it('sweeps the outbox on a ping, then runs the ping handler; the catch-all never sees pings', async () => {
    const sink = await startFakeSink();
    cleanup.push(() => sink.close());
    const { fn, seen } = start({ K_SINK: sink.url });
    // An event left pending in the outbox (as after a crash) is what the sweep sends.
    const db = await fn.rt.db();
    await db
      .collection(OUTBOX_COLLECTION)
      .doc('left-over')
      .create({
        record: {
          specversion: '1.0',
          id: 'left-over',
          source: '/dispatch',
          type: 'test.out',
          time: new Date().toISOString(),
        },
        status: 'pending',
        createdAt: Date.now() - 60_000,
      });
    expect((await fn.app.request('/events', ping('tick-1'))).status).toBe(202);
    expect(seen).toEqual([{ handler: 'tick', type: PING_TYPE, id: 'tick-1' }]);
    expect((await sink.waitFor(1)).map((e) => e.id)).toEqual(['left-over']);
  });
});

describe('a function without a catch-all', () => {
  it('still refuses types it does not consume with 400, and answers pings', async () => {
    const fn = defineFunction({
      name: 'strict',
      events: { 'test.known': applyOnce(z.unknown(), async () => undefined) },
    }).create({ env: testEnv('events') });
    cleanup.push(() => fn.rt.close());
    const other = cloudEventRequest({ id: 'o1', type: 'test.other', data: 1 });
    expect((await fn.app.request('/events', other)).status).toBe(400);
    expect((await fn.app.request('/events', ping('tick-1'))).status).toBe(202);
  });
});

describe('a function with services', () => {
  it('builds them once per instance, hands them to routes and handlers, and closes them with it', async () => {
    let built = 0;
    const closed: string[] = [];
    const counting = defineFunction({
      name: 'counting',
      env: { GREETING: z._default(z.string(), 'hello') },
      services: (rt) => {
        const instance = ++built;
        const counter = { n: 0, greeting: rt.config.GREETING };
        rt.onClose(() => closed.push(`counter ${instance}`));
        return counter;
      },
      events: {
        'test.count': applyOnce(z.unknown(), async ({ services }) => {
          services.n++;
        }),
        [PING_TYPE]: handleEachDelivery(z.unknown(), async ({ services }) => services.n > 0),
      },
      routes(app, _rt, services) {
        app.get('/count', (c) => c.json(services));
      },
    });
    const fn = counting.create({ env: testEnv('events') });
    const other = counting.create({ env: testEnv('events') });
    cleanup.push(() => other.rt.close());
    expect(built).toBe(2);
    for (const id of ['c1', 'c2', 'c1']) {
      const count = cloudEventRequest({ id, type: 'test.count', data: null });
      expect((await fn.app.request('/events', count)).status).toBe(202);
    }
    expect(await (await fn.app.request('/count')).json()).toEqual({ n: 2, greeting: 'hello' });
    expect(await (await other.app.request('/count')).json()).toEqual({ n: 0, greeting: 'hello' });
    expect(built).toBe(2);
    await fn.rt.close();
    expect(closed).toEqual(['counter 1']);
  });
});
