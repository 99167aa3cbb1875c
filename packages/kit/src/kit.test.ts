import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from './config.ts';
import { OUTBOX_COLLECTION } from './outbox.ts';
import { INBOX_COLLECTION } from './runtime.ts';
import { counterFunction } from './testing/counter-function.ts';
import {
  asStaff,
  cloudEventRequest,
  deliveryHeaders,
  type FakeSink,
  startFakeSink,
  testEnv,
} from './testing/index.ts';

const ADMIN = await asStaff('counter', 'manager');
const fast = { baseDelayMs: 20, maxDelayMs: 200, sweepGraceMs: 0 };
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

function start(
  env: Record<string, string | undefined>,
  outbox: Partial<typeof fast & { concurrency: number; markGatherMs: number }> = {},
) {
  const fn = counterFunction.create({ env, outbox: { ...fast, ...outbox } });
  cleanup.push(async () => {
    await fn.rt.outbox.drain(1_000);
    await fn.rt.close();
  });
  return fn;
}

async function sink(): Promise<FakeSink> {
  const s = await startFakeSink();
  cleanup.push(() => s.close());
  return s;
}

async function counterValue(fn: ReturnType<typeof start>, id: string) {
  const res = await fn.app.request(`/counters/${id}`);
  return res.status === 200 ? ((await res.json()) as { value: number }).value : undefined;
}

const increment = (id: string, by = 1, source = '/tests') =>
  cloudEventRequest({ id, source, type: 'test.counter.increment', data: { counter: 'c1', by } });

describe('config', () => {
  it('fails fast naming every bad variable', () => {
    expect(() => counterFunction.create({ env: { PORT: 'eighty', K_SINK: 'not a url' } })).toThrowError(
      ConfigError,
    );
    try {
      counterFunction.create({ env: { PORT: 'eighty', K_SINK: 'not a url' } });
    } catch (error) {
      expect((error as Error).message).toMatch(/PORT/);
      expect((error as Error).message).toMatch(/K_SINK/);
    }
  });
});

describe('HTTP errors are problem+json', () => {
  it('answers unknown routes with a 404 problem', async () => {
    const fn = start(testEnv('kit'));
    const res = await fn.app.request('/nope');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 404, title: 'Not Found', instance: '/nope' });
  });

  it('refuses admin routes without the token, and bodies that are not JSON or invalid', async () => {
    const fn = start(testEnv('kit'));
    const body = JSON.stringify({ counter: 'c1', by: 1 });
    const noToken = await fn.app.request('/counters', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await fn.app.request('/counters', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', authorization: 'Bearer wrong-token-wrong-token' },
    });
    expect(wrong.status).toBe(401);
    const text = await fn.app.request('/counters', {
      method: 'POST',
      body,
      headers: { ...ADMIN, 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const bad = await fn.app.request('/counters', {
      method: 'POST',
      body: JSON.stringify({ counter: '', by: 0 }),
      headers: { ...ADMIN, 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as { errors: Array<{ path: string }> };
    expect(problem.errors.map((e) => e.path).sort()).toEqual(['by', 'counter']);
    expect(await counterValue(fn, 'c1')).toBeUndefined();
  });

  it('answers an oversized body with 413', async () => {
    const fn = start(testEnv('kit', { BODY_LIMIT_BYTES: '100' }));
    const res = await fn.app.request('/counters', {
      method: 'POST',
      body: JSON.stringify({ counter: 'x'.repeat(500), by: 1 }),
      headers: { ...ADMIN, 'content-type': 'application/json', 'content-length': '520' },
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('counts a body of unknown length as it streams, and answers 413 past the limit', async () => {
    const fn = start(testEnv('kit', { BODY_LIMIT_BYTES: '100' }));
    const chunked = (text: string) =>
      fn.app.request('/counters', {
        method: 'POST',
        body: new Blob([text]).stream(),
        headers: { ...ADMIN, 'content-type': 'application/json' },
        duplex: 'half',
      } as RequestInit);
    expect((await chunked(JSON.stringify({ counter: 'x'.repeat(500), by: 1 }))).status).toBe(413);
    expect((await chunked(JSON.stringify({ counter: 'c2', by: 1 }))).status).toBe(201);
    expect(await counterValue(fn, 'c2')).toBe(1);
  });

  it('answers transient storage trouble (a gRPC code such as DEADLINE_EXCEEDED) with a 503 to retry, other errors with a 500', async () => {
    const fn = start(testEnv('kit'));
    fn.app.get('/transient', () => {
      throw Object.assign(new Error('deadline exceeded'), { code: 4 });
    });
    fn.app.get('/broken', () => {
      throw new Error('a bug');
    });
    const transient = await fn.app.request('/transient');
    expect(transient.status).toBe(503);
    expect(transient.headers.get('content-type')).toBe('application/problem+json');
    expect(transient.headers.get('retry-after')).toBeTruthy();
    const broken = await fn.app.request('/broken');
    expect(broken.status).toBe(500);
    expect(await broken.json()).toMatchObject({ detail: 'An unexpected error occurred.' });
  });

  it('serves health and readiness', async () => {
    const fn = start(testEnv('kit'));
    expect((await fn.app.request('/healthz')).status).toBe(200);
    expect((await fn.app.request('/readyz')).status).toBe(200);
    fn.state.ready = false;
    expect((await fn.app.request('/readyz')).status).toBe(503);
  });
});

describe('CloudEvents in', () => {
  it('applies a binary-mode event and answers 202 with an empty body', async () => {
    const fn = start(testEnv('kit'));
    const res = await fn.app.request('/events', increment('e1', 3));
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    expect(await counterValue(fn, 'c1')).toBe(3);
  });

  it('applies a structured-mode event, and JSON with a charset parameter', async () => {
    const fn = start(testEnv('kit'));
    const structured = cloudEventRequest(
      { id: 's1', type: 'test.counter.increment', data: { counter: 'c1', by: 2 } },
      'structured',
    );
    structured.headers['content-type'] = 'application/cloudevents+json;charset=UTF-8';
    expect((await fn.app.request('/events', structured)).status).toBe(202);
    const binary = increment('b1', 5);
    binary.headers['content-type'] = 'application/json;charset=utf-8';
    expect((await fn.app.request('/events', binary)).status).toBe(202);
    expect(await counterValue(fn, 'c1')).toBe(7);
  });

  it('applies a duplicate (same source and id) once and answers it 2xx', async () => {
    const fn = start(testEnv('kit'));
    for (let i = 0; i < 3; i++)
      expect((await fn.app.request('/events', increment('dup', 4))).status).toBe(202);
    expect(await counterValue(fn, 'c1')).toBe(4);
    // The same id from another source is another event.
    expect((await fn.app.request('/events', increment('dup', 4, '/elsewhere'))).status).toBe(202);
    expect(await counterValue(fn, 'c1')).toBe(8);
    const db = await fn.rt.db();
    expect((await db.collection(INBOX_COLLECTION).get()).size).toBe(2);
  });

  it('applies concurrent deliveries of one event once', async () => {
    const fn = start(testEnv('kit'));
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => fn.app.request('/events', increment('race', 1))),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(202));
    expect(await counterValue(fn, 'c1')).toBe(1);
  });

  it.each([
    ['no id', (r: ReturnType<typeof increment>) => delete r.headers['ce-id']],
    ['bad specversion', (r: ReturnType<typeof increment>) => (r.headers['ce-specversion'] = '0.1')],
    ['no source', (r: ReturnType<typeof increment>) => delete r.headers['ce-source']],
    ['no type', (r: ReturnType<typeof increment>) => delete r.headers['ce-type']],
    ['unknown type', (r: ReturnType<typeof increment>) => (r.headers['ce-type'] = 'test.other')],
    [
      'invalid data',
      (r: ReturnType<typeof increment>) => (r.body = JSON.stringify({ counter: 'c1', by: -1 })),
    ],
    ['broken JSON', (r: ReturnType<typeof increment>) => (r.body = '{"counter":')],
    [
      'batched mode',
      (r: ReturnType<typeof increment>) => (r.headers['content-type'] = 'application/cloudevents-batch+json'),
    ],
  ])('answers 400 problem+json to %s and changes nothing', async (_name, spoil) => {
    const fn = start(testEnv('kit'));
    const request = increment('bad', 1);
    spoil(request);
    const res = await fn.app.request('/events', request);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await counterValue(fn, 'c1')).toBeUndefined();
    const db = await fn.rt.db();
    expect((await db.collection(INBOX_COLLECTION).get()).size).toBe(0);
  });

  it('refuses a structured event without an id instead of inventing one', async () => {
    const fn = start(testEnv('kit'));
    const res = await fn.app.request('/events', {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', ...deliveryHeaders() },
      body: JSON.stringify({
        specversion: '1.0',
        source: '/t',
        type: 'test.counter.increment',
        data: { counter: 'c1', by: 1 },
      }),
    });
    expect(res.status).toBe(400);
    expect(await counterValue(fn, 'c1')).toBeUndefined();
  });
});

describe('CloudEvents out: the transactional outbox', () => {
  it('commits the event with the state change and sends it in binary mode to K_SINK', async () => {
    const s = await sink();
    const fn = start(testEnv('kit', { K_SINK: s.url }));
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fn.app.request('/counters', {
      method: 'POST',
      body: JSON.stringify({ counter: 'c1', by: 2 }),
      headers: {
        ...ADMIN,
        'content-type': 'application/json',
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
    });
    expect(res.status).toBe(201);
    const [event] = await s.waitFor(1);
    expect(event).toMatchObject({
      specversion: '1.0',
      type: 'test.counter.incremented',
      source: '/counter',
      subject: 'c1',
      data: { counter: 'c1', value: 2 },
    });
    // The trace that started at the request continues in the event and in the hop's header.
    expect(event!.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(event!.traceparentHeader).toBe(event!.traceparent);
    const db = await fn.rt.db();
    await expect
      .poll(async () => (await db.collection(OUTBOX_COLLECTION).doc(event!.id).get()).data()?.status)
      .toBe('sent');
  });

  it('delivers every event exactly once per id across a sink outage and a restart', async () => {
    const s = await sink();
    s.answer(503);
    const env = testEnv('kit', { K_SINK: s.url });
    const first = start(env);
    for (let i = 0; i < 5; i++) {
      expect((await first.app.request('/events', increment(`out-${i}`, 1))).status).toBe(202);
    }
    // The sink refuses everything for a while: the relay keeps retrying.
    await expect.poll(() => s.attempts, { timeout: 10_000 }).toBeGreaterThanOrEqual(10);
    expect(s.events).toHaveLength(0);
    // The process stops while the events are still pending.
    await first.rt.outbox.drain(1_000);
    await first.rt.close();
    const db = await start(env).rt.db();
    const pending = await db.collection(OUTBOX_COLLECTION).where('status', '==', 'pending').get();
    expect(pending.size).toBe(5);

    // A new process on the same database, the sink back up: its sweep sends what was pending.
    s.answer(202);
    const second = start(env);
    // The first process's last planned retry (at most maxDelayMs ahead) has passed: nobody retries them.
    await new Promise((resolve) => setTimeout(resolve, fast.maxDelayMs + 50));
    expect(await second.rt.outbox.sweep()).toBe(5);
    const events = await s.waitFor(5);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events).toHaveLength(5);
    expect(new Set(events.map((e) => e.id)).size).toBe(5);
    expect(events.map((e) => e.id).sort()).toEqual(pending.docs.map((d) => d.id).sort());
    await expect
      .poll(async () => (await db.collection(OUTBOX_COLLECTION).where('status', '==', 'pending').get()).size)
      .toBe(0);
    // A later sweep finds nothing to send again.
    expect(await second.rt.outbox.sweep()).toBe(0);
  });

  it("leaves to an instance the events it keeps retrying: another instance's sweep skips them", async () => {
    const s = await sink();
    s.answer(503);
    const env = testEnv('kit', { K_SINK: s.url });
    const retrying = start(env, { baseDelayMs: 2_000, maxDelayMs: 2_000 });
    expect((await retrying.app.request('/events', increment('claimed', 1))).status).toBe(202);
    const db = await retrying.rt.db();
    await expect
      .poll(async () => {
        const docs = (await db.collection(OUTBOX_COLLECTION).where('status', '==', 'pending').get()).docs;
        return docs.some((d) => typeof d.get('retryAt') === 'number');
      })
      .toBe(true);
    const other = start(env);
    expect(await other.rt.outbox.sweep()).toBe(0);
  });

  it('sends a raw record as it was staged, keeping its id and source, each time it is staged', async () => {
    const s = await sink();
    const fn = start(testEnv('kit', { K_SINK: s.url }));
    const record = {
      specversion: '1.0' as const,
      id: 'original-id',
      source: '/elsewhere',
      type: 'test.replayed',
      time: '2026-01-02T03:04:05.000Z',
      subject: 's1',
      datacontenttype: 'application/json',
      data: { a: 1 },
      stockflowreplay: '1',
    };
    await fn.rt.transact(async (work) => work.emitRecord(record));
    await fn.rt.transact(async (work) => work.emitRecord({ ...record, stockflowreplay: '2' }));
    const events = await s.waitFor(2);
    // The fake sink keeps the ce- attributes and the data (the content type is an HTTP header).
    const { datacontenttype: _type, ...attributes } = record;
    expect(
      events
        .map(({ traceparentHeader: _t, ...e }) => e)
        .sort((a, b) => String(a.stockflowreplay).localeCompare(String(b.stockflowreplay))),
    ).toEqual([attributes, { ...attributes, stockflowreplay: '2' }]);
    const db = await fn.rt.db();
    await expect
      .poll(async () => (await db.collection(OUTBOX_COLLECTION).where('status', '==', 'sent').get()).size)
      .toBe(2);
  });

  it('marks events sent in batches: many sent together cost a few writes, not one each', async () => {
    const s = await sink();
    const fn = start(testEnv('kit', { K_SINK: s.url }));
    const db = await fn.rt.db();
    const batches = vi.spyOn(db, 'batch');
    const record = (i: number) => ({
      specversion: '1.0' as const,
      id: `many-${i}`,
      source: '/elsewhere',
      type: 'test.many',
      time: '2026-01-02T03:04:05.000Z',
      data: { i },
    });
    await fn.rt.transact(async (work) => {
      for (let i = 0; i < 60; i++) work.emitRecord(record(i));
    });
    await s.waitFor(60);
    await expect
      .poll(async () => (await db.collection(OUTBOX_COLLECTION).where('status', '==', 'sent').get()).size)
      .toBe(60);
    expect(batches.mock.calls.length).toBeGreaterThan(0);
    expect(batches.mock.calls.length).toBeLessThan(30);
  });

  it('gathers the marks of events sent one after another into one write', async () => {
    const s = await sink();
    const fn = start(testEnv('kit', { K_SINK: s.url }), { markGatherMs: 3_000 });
    const db = await fn.rt.db();
    // The batches that mark events sent (a transaction holds a batch of its own too).
    let markBatches = 0;
    const batch = db.batch.bind(db);
    vi.spyOn(db, 'batch').mockImplementation(() => {
      const made = batch();
      const update = made.update.bind(made) as (...args: unknown[]) => typeof made;
      let marks = false;
      made.update = ((...args: unknown[]) => {
        if (!marks) markBatches++;
        marks = true;
        return update(...args);
      }) as typeof made.update;
      return made;
    });
    for (let i = 1; i <= 5; i++) {
      await fn.rt.transact(async (work) => work.emit({ type: 'test.one', data: { i } }));
      await s.waitFor(i);
    }
    await expect
      .poll(async () => (await db.collection(OUTBOX_COLLECTION).where('status', '==', 'sent').get()).size, {
        timeout: 6_000,
      })
      .toBe(5);
    expect(markBatches).toBe(1);
  });

  it('frees a send for the next event once the sink answered, while the sent mark is still written', async () => {
    const s = await sink();
    const fn = start(testEnv('kit', { K_SINK: s.url }), { concurrency: 1 });
    const db = await fn.rt.db();
    // Every batch of sent marks waits until the test lets it commit.
    let release!: () => void;
    const marksHeld = new Promise<void>((resolve) => {
      release = resolve;
    });
    const batch = db.batch.bind(db);
    vi.spyOn(db, 'batch').mockImplementation(() => {
      const held = batch();
      const commit = held.commit.bind(held);
      held.commit = async () => {
        await marksHeld;
        return commit();
      };
      return held;
    });
    await fn.rt.transact(async (work) => work.emit({ type: 'test.first', data: {} }));
    await s.waitFor(1);
    await fn.rt.transact(async (work) => work.emit({ type: 'test.second', data: {} }));
    // One send at a time, and the first event's mark not written: the second goes out all the same.
    expect((await s.waitFor(2)).map((e) => e.type)).toEqual(['test.first', 'test.second']);
    expect((await db.collection(OUTBOX_COLLECTION).where('status', '==', 'sent').get()).size).toBe(0);
    release();
    await expect
      .poll(async () => (await db.collection(OUTBOX_COLLECTION).where('status', '==', 'sent').get()).size)
      .toBe(2);
  });

  it('writes no event when the transaction fails', async () => {
    const s = await sink();
    const fn = start(testEnv('kit', { K_SINK: s.url }));
    await expect(
      fn.rt.transact(async (work) => {
        work.emit({ type: 'test.never', data: {} });
        throw new Error('domain failure');
      }),
    ).rejects.toThrow('domain failure');
    const db = await fn.rt.db();
    expect((await db.collection(OUTBOX_COLLECTION).get()).size).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(s.attempts).toBe(0);
  });
});
