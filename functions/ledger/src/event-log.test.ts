import { Query, WriteBatch } from '@google-cloud/firestore';
import { PING_TYPE } from '@stockflow/kit';
import { asStaff, cloudEventRequest } from '@stockflow/kit/testing';
import { describe, expect, it, vi } from 'vitest';
import type { LedgerEvent } from './records.ts';
import { EVENTS, LedgerStore } from './store.ts';
import { ADMIN, afterTest, startLedger } from './testing.ts';

type Ledger = ReturnType<typeof startLedger>;
type Page = { items: LedgerEvent[]; nextCursor: string | null };

const placed = (id: string, orderId: string, source = '/orders') =>
  cloudEventRequest({ id, source, type: 'io.stockflow.order.placed', subject: orderId, data: { orderId } });
const reserved = (id: string, orderId: string) =>
  cloudEventRequest({
    id,
    source: '/inventory',
    type: 'io.stockflow.stock.reserved',
    subject: orderId,
    data: { orderId },
  });

/** Watches every event recorded from now on (stopped after the test); the ids, in arrival order. */
async function watchAll(store: LedgerStore): Promise<string[]> {
  const received: string[] = [];
  const watch = await store.watchEvents(
    {},
    new Date(),
    (e) => received.push(e.event.id),
    (error) => {
      throw error;
    },
  );
  afterTest(async () => watch.stop());
  return received;
}

async function send(fn: Ledger, request: RequestInit) {
  const res = await fn.app.request('/events', request);
  expect(res.status).toBe(202);
  expect(await res.text()).toBe('');
}

async function list(fn: Ledger, query = ''): Promise<Page> {
  const res = await fn.app.request(`/events${query}`, { headers: ADMIN });
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

describe('recording events', () => {
  it('records any event with its attributes, data and arrival time', async () => {
    const fn = startLedger();
    const before = Date.now();
    await send(
      fn,
      cloudEventRequest({
        id: 'x1',
        source: '/warehouse',
        type: 'com.example.anything',
        subject: 'crate-7',
        data: { nested: [[1, 2]], empty: {} },
        extensions: { partnerref: 'abc' },
      }),
    );
    const { items, nextCursor } = await list(fn);
    expect(nextCursor).toBeNull();
    expect(items).toHaveLength(1);
    expect(items[0]!.event).toMatchObject({
      specversion: '1.0',
      id: 'x1',
      source: '/warehouse',
      type: 'com.example.anything',
      subject: 'crate-7',
      partnerref: 'abc',
      // Kept exactly, although Firestore itself cannot hold nested arrays.
      data: { nested: [[1, 2]], empty: {} },
    });
    expect(Date.parse(items[0]!.recordedAt)).toBeGreaterThanOrEqual(before);
    expect(items[0]!.id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('records an event once however often it is delivered, concurrently too', async () => {
    const fn = startLedger();
    await Promise.all(Array.from({ length: 6 }, () => send(fn, placed('dup', 'o1'))));
    await send(fn, placed('dup', 'o1'));
    // The same id from another source is another event.
    await send(fn, placed('dup', 'o1', '/elsewhere'));
    const { items } = await list(fn);
    expect(items.map((i) => i.event.source).sort()).toEqual(['/elsewhere', '/orders']);
  });

  it('records deliveries that arrive together in a few commits, a kept one among them too', async () => {
    const fn = startLedger();
    await send(fn, placed('kept', 'o0'));
    // The same new event twice in the batch too: recorded once.
    const commits = vi.spyOn(WriteBatch.prototype, 'commit');
    await Promise.all([
      send(fn, placed('kept', 'o0')),
      send(fn, placed('e7', 'o7')),
      ...Array.from({ length: 30 }, (_, i) => send(fn, placed(`e${i}`, `o${i}`))),
    ]);
    // The batch that held the kept event failed, was read once and committed again without it: a
    // handful of commits, where one each made 31 and splitting the batch in halves about 11.
    expect(commits.mock.calls.length).toBeGreaterThan(0);
    expect(commits.mock.calls.length).toBeLessThan(8);
    commits.mockRestore();
    const { items } = await list(fn, '?limit=100');
    expect(items.map((i) => i.event.id).sort()).toEqual(
      ['kept', ...Array.from({ length: 30 }, (_, i) => `e${i}`)].sort(),
    );
  });

  it('answers an invalid CloudEvent with 400 and records nothing', async () => {
    const fn = startLedger();
    const request = placed('bad', 'o1');
    delete request.headers['ce-source'];
    expect((await fn.app.request('/events', request)).status).toBe(400);
    expect((await list(fn)).items).toEqual([]);
  });

  it('does not record pings: they sweep the outbox and apply retention', async () => {
    const fn = startLedger();
    await send(fn, placed('e1', 'o1'));
    await send(fn, placed('e2', 'o2'));
    // e1 is past retention (as if recorded long ago).
    const db = await fn.rt.db();
    const [first] = (await list(fn, '?subject=o1')).items;
    await db
      .collection(EVENTS)
      .doc(first!.id)
      .update({ expireAt: new Date(Date.now() - 1000) });

    await send(fn, cloudEventRequest({ id: 'tick', source: '/pingsources/ledger', type: PING_TYPE }));
    const { items } = await list(fn);
    expect(items.map((i) => i.event.id)).toEqual(['e2']);
  });

  it('keeps each event for LEDGER_RETENTION_DAYS (its expireAt, for a Firestore TTL policy)', async () => {
    const fn = startLedger({ LEDGER_RETENTION_DAYS: '7' });
    await send(fn, placed('e1', 'o1'));
    const db = await fn.rt.db();
    const [doc] = (await db.collection(EVENTS).get()).docs;
    const days = (doc!.get('expireAt').toMillis() - doc!.get('recordedAt').toMillis()) / (24 * 3600 * 1000);
    expect(days).toBe(7);
  });
});

describe('searching the log', () => {
  async function saga(fn: Ledger) {
    // Two orders' events, interleaved, in a known order of arrival.
    await send(fn, placed('p1', 'o1'));
    await send(fn, placed('p2', 'o2'));
    await send(fn, reserved('r1', 'o1'));
    await send(fn, reserved('r2', 'o2'));
  }

  it("follows one entity's history by subject, newest first, and filters by type and source", async () => {
    const fn = startLedger();
    await saga(fn);
    const ids = (page: Page) => page.items.map((i) => i.event.id);
    expect(ids(await list(fn))).toEqual(['r2', 'r1', 'p2', 'p1']);
    expect(ids(await list(fn, '?subject=o1'))).toEqual(['r1', 'p1']);
    expect(ids(await list(fn, '?type=io.stockflow.order.placed'))).toEqual(['p2', 'p1']);
    expect(ids(await list(fn, '?source=%2Finventory&subject=o2'))).toEqual(['r2']);
    expect(ids(await list(fn, '?subject=nobody'))).toEqual([]);
  });

  it('lists what was recorded since a time', async () => {
    const fn = startLedger();
    await send(fn, placed('p1', 'o1'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const since = new Date().toISOString();
    await send(fn, placed('p2', 'o2'));
    expect((await list(fn, `?since=${encodeURIComponent(since)}`)).items.map((i) => i.event.id)).toEqual([
      'p2',
    ]);
  });

  it('pages through everything with cursors, without gaps or repeats', async () => {
    const fn = startLedger();
    // Concurrent deliveries: several events may share a millisecond (the cursor holds the id too).
    await Promise.all(Array.from({ length: 7 }, (_, i) => send(fn, placed(`e${i}`, 'o1'))));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await list(fn, `?subject=o1&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((i) => i.event.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
  });

  it.each([
    ['?limit=0'],
    ['?limit=101'],
    ['?since=yesterday'],
    ['?cursor=not-a-cursor'],
    [`?cursor=${Buffer.from('[1,"../x"]').toString('base64url')}`],
  ])('refuses %s with a 400 problem', async (query) => {
    const fn = startLedger();
    const res = await fn.app.request(`/events${query}`, { headers: ADMIN });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('is for admins only', async () => {
    const fn = startLedger();
    expect((await fn.app.request('/events')).status).toBe(401);
    const wrong = { authorization: 'Bearer not-the-admin-token-at-all' };
    expect((await fn.app.request('/events', { headers: wrong })).status).toBe(401);
    expect((await fn.app.request('/events/stream')).status).toBe(401);
    expect((await fn.app.request('/events/stream?token=not-the-admin-token-at-all')).status).toBe(401);
  });
});

/** Reads Server-Sent Events messages from a streaming response. */
function sseReader(res: Response) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  afterTest(async () => {
    await reader.cancel();
    // The cancel reaches the server side asynchronously: let it stop its listener before the client closes.
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
  let buffer = '';
  return async function next(): Promise<{ event?: string; id?: string; data?: string }> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.startsWith(':')) continue;
        const message: Record<string, string> = {};
        for (const line of block.split('\n')) {
          const colon = line.indexOf(':');
          message[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
        }
        return message;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += value;
    }
  };
}

describe('the live stream', () => {
  it('delivers events recorded after connecting, matching its filter, to staff', async () => {
    const fn = startLedger();
    await send(fn, placed('old', 'o1'));
    const res = await fn.app.request('/events/stream?subject=o1', {
      headers: await asStaff('ledger', 'viewer'),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const next = sseReader(res);
    // At once: what is recorded from the connection on is delivered, even before the listener attaches.
    await send(fn, placed('other', 'o2'));
    await send(fn, reserved('new', 'o1'));
    const message = await next();
    expect(message.event).toBe('ledger-event');
    const event = JSON.parse(message.data!) as LedgerEvent;
    expect(event.event).toMatchObject({ id: 'new', subject: 'o1', type: 'io.stockflow.stock.reserved' });
    expect(message.id).toBe(event.id);
  });

  it('resumes after the Last-Event-ID a reconnecting EventSource sends', async () => {
    const fn = startLedger();
    await send(fn, placed('seen', 'o1'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await send(fn, placed('missed', 'o1'));
    const [missed, seen] = (await list(fn)).items;
    const res = await fn.app.request('/events/stream', { headers: { ...ADMIN, 'last-event-id': seen!.id } });
    const next = sseReader(res);
    expect((await next()).id).toBe(missed!.id);
  });

  it('finds what a silent listener never reported, by querying on its own every few seconds', async () => {
    const fn = startLedger();
    const store = new LedgerStore(fn.rt, { retentionDays: 30, watchPollMs: 100 });
    // A listener that attaches and never calls back (as one did on the emulator after a race).
    const listen = vi.spyOn(Query.prototype, 'onSnapshot').mockImplementation(() => () => undefined);
    afterTest(async () => listen.mockRestore());
    const received: string[] = [];
    const watch = await store.watchEvents(
      { subject: 'o1' },
      new Date(),
      (e) => received.push(e.event.id),
      (error) => {
        throw error;
      },
    );
    afterTest(async () => watch.stop());
    await send(fn, placed('p1', 'o1'));
    await send(fn, placed('elsewhere', 'o2'));
    await send(fn, reserved('p2', 'o1'));
    await expect.poll(() => received, { timeout: 5_000 }).toEqual(['p1', 'p2']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toEqual(['p1', 'p2']); // each once, though every poll finds them again
  });

  it('restarts its listener past a window of events without losing or repeating any', async () => {
    const fn = startLedger();
    const store = new LedgerStore(fn.rt, { retentionDays: 30, watchWindow: 3 });
    const listeners = vi.spyOn(Query.prototype, 'onSnapshot');
    afterTest(async () => listeners.mockRestore());
    const received = await watchAll(store);
    const ids = Array.from({ length: 10 }, (_, i) => `w${i}`);
    for (const id of ids.slice(0, 5)) await send(fn, placed(id, 'o1'));
    await Promise.all(ids.slice(5).map((id) => send(fn, placed(id, 'o1'))));
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(10);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect([...received].sort()).toEqual(ids);
    // Those recorded one after another arrive in that order.
    expect(received.slice(0, 5)).toEqual(ids.slice(0, 5));
    // A restarted listener's first snapshot holds the overlap (all ten here, more than the window):
    // the window counts from there, so it does not restart again at once, and again.
    expect(listeners.mock.calls.length).toBeLessThanOrEqual(5);
  });

  it('replaces a listener that falls silent after a restart, finding everything past its window', async () => {
    const fn = startLedger();
    const store = new LedgerStore(fn.rt, { retentionDays: 30, watchWindow: 3, watchPollMs: 100 });
    // The first listener works; the ones after it attach and never call back (seen on the emulator).
    const onSnapshot = Query.prototype.onSnapshot;
    let listening = 0;
    const listeners = vi.spyOn(Query.prototype, 'onSnapshot').mockImplementation(function (
      this: Query,
      ...args: Parameters<Query['onSnapshot']>
    ) {
      return ++listening === 1 ? onSnapshot.apply(this, args) : () => undefined;
    });
    afterTest(async () => listeners.mockRestore());
    const received = await watchAll(store);
    const ids = Array.from({ length: 10 }, (_, i) => `s${i}`);
    for (const id of ids) await send(fn, placed(id, 'o1'));
    await expect.poll(() => received.length, { timeout: 5_000 }).toBe(10);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toEqual(ids);
    // The poll found what the silent one missed, and put a new listener in its place.
    expect(listening).toBeGreaterThan(2);
  });
});
