import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OUTBOX_COLLECTION, serviceAccountSubject } from '@stockflow/kit';
import { type CloudEventInit, startFakeSink, TEST_PING_SUBJECT, testIssuer } from '@stockflow/kit/testing';
import { describe, expect, it } from 'vitest';
import type { DeadLetter } from './records.ts';
import {
  ADMIN,
  adminJson,
  afterTest,
  deadLetterRequest,
  type KnativeFailure,
  startLedger,
} from './testing.ts';

type Ledger = ReturnType<typeof startLedger>;
type Page = { items: DeadLetter[]; nextCursor: string | null };

const INVENTORY = 'http://inventory.default.svc.cluster.local/events';
const ORDERS = 'http://orders.default.svc.cluster.local/events';
const placed: CloudEventInit = {
  id: 'e1',
  source: '/orders',
  type: 'io.stockflow.order.placed',
  subject: 'o1',
  data: { orderId: 'o1', items: [{ productId: 'p1', quantity: 2, unitPriceCents: 100 }] },
  extensions: { knativearrivaltime: '2026-03-01T10:00:00Z', partnerref: 'keep-me' },
};
const problem = '{"type":"https://stockflow.dev/problems/bad-request","status":400}';

async function deliver(fn: Ledger, event: CloudEventInit, failure: KnativeFailure) {
  const res = await fn.app.request('/dead-letters', deadLetterRequest(event, failure));
  expect(res.status).toBe(202);
  expect(await res.text()).toBe('');
}

async function deadLetters(fn: Ledger, query = ''): Promise<Page> {
  const res = await fn.app.request(`/dead-letters${query}`, { headers: ADMIN });
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

async function sink() {
  const s = await startFakeSink();
  afterTest(() => s.close());
  return s;
}

describe('keeping dead letters', () => {
  it("keeps the original event with Knative's error extensions, the answer decoded", async () => {
    const fn = startLedger();
    await deliver(fn, placed, { destination: INVENTORY, code: 400, body: problem });
    const { items, nextCursor } = await deadLetters(fn);
    expect(nextCursor).toBeNull();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      status: 'dead',
      destination: INVENTORY,
      errorCode: 400,
      errorData: problem,
      failures: 1,
      replays: 0,
      replayedAt: null,
      event: {
        id: 'e1',
        source: '/orders',
        type: 'io.stockflow.order.placed',
        subject: 'o1',
        data: placed.data,
      },
    });
    expect(items[0]!.event).not.toHaveProperty('knativeerrordest');
    expect(items[0]!.event).not.toHaveProperty('knativeerrordata');
    const one = await fn.app.request(`/dead-letters/${items[0]!.id}`, { headers: ADMIN });
    expect(await one.json()).toEqual(items[0]);
    // Counted for the dashboard's dead-letter panel, by type and the Service it was going to.
    const metrics = await (await fn.app.request('/metrics')).text();
    expect(metrics).toMatch(
      /stockflow_dead_letters_total\{[^}]*type="io\.stockflow\.order\.placed",destination="inventory"[^}]*\} 1/,
    );
    // And what waits to be replayed, counted in Firestore at the scrape.
    expect(metrics).toMatch(/stockflow_unresolved_items\{item="dead-letters"[^}]*\} 1\n/);
  });

  it('keeps a redelivered dead letter once, but one per destination the event failed at', async () => {
    const fn = startLedger();
    await Promise.all([1, 2, 3].map(() => deliver(fn, placed, { destination: INVENTORY, code: 500 })));
    await deliver(fn, placed, { destination: ORDERS, code: 500 });
    const { items } = await deadLetters(fn);
    expect(items.map((d) => d.destination).sort()).toEqual([INVENTORY, ORDERS]);
    expect(items.every((d) => d.failures === 1)).toBe(true);
  });

  it('answers a dead letter that is not a valid CloudEvent with 400 and keeps nothing', async () => {
    const fn = startLedger();
    const request = deadLetterRequest(placed, { destination: INVENTORY });
    delete request.headers['ce-id'];
    expect((await fn.app.request('/dead-letters', request)).status).toBe(400);
    expect((await deadLetters(fn)).items).toEqual([]);
  });
});

describe('replaying dead letters', () => {
  it('re-sends the original event (id, source, attributes) with a replay marker, through the outbox', async () => {
    const broker = await sink();
    const fn = startLedger({ K_SINK: broker.url });
    await deliver(fn, placed, { destination: INVENTORY, code: 500 });
    const [dead] = (await deadLetters(fn)).items;

    const res = await fn.app.request(`/dead-letters/${dead!.id}/replay`, adminJson('POST'));
    expect(res.status).toBe(202);
    const replayed = (await res.json()) as DeadLetter;
    expect(replayed).toMatchObject({ id: dead!.id, status: 'replayed', replays: 1 });

    const [sent] = await broker.waitFor(1);
    expect(sent).toMatchObject({
      id: 'e1',
      source: '/orders',
      type: 'io.stockflow.order.placed',
      subject: 'o1',
      partnerref: 'keep-me',
      data: placed.data,
    });
    expect(sent!.stockflowreplay).toBe(replayed.replayedAt);
    // What the broker stamps, and Knative's error extensions, are not sent back.
    for (const name of ['knativearrivaltime', 'knativeerrordest', 'knativeerrorcode', 'knativeerrordata'])
      expect(sent).not.toHaveProperty(name);
    expect((await deadLetters(fn, '?status=replayed')).items.map((d) => d.id)).toEqual([dead!.id]);
    expect((await deadLetters(fn, '?status=dead')).items).toEqual([]);
  });

  it('stages the replay even while the broker is down, and sends it once the broker is back', async () => {
    const broker = await sink();
    broker.answer(503);
    const fn = startLedger({ K_SINK: broker.url });
    await deliver(fn, placed, { destination: INVENTORY, code: 500 });
    const [dead] = (await deadLetters(fn)).items;
    expect((await fn.app.request(`/dead-letters/${dead!.id}/replay`, adminJson('POST'))).status).toBe(202);
    await expect.poll(() => broker.attempts).toBeGreaterThanOrEqual(2);
    broker.answer(202);
    expect((await broker.waitFor(1)).map((e) => e.id)).toEqual(['e1']);
    const db = await fn.rt.db();
    await expect
      .poll(async () => (await db.collection(OUTBOX_COLLECTION).where('status', '==', 'sent').get()).size)
      .toBe(1);
  });

  it('reopens a dead letter whose replay failed again, and replays it again with a later marker', async () => {
    const broker = await sink();
    const fn = startLedger({ K_SINK: broker.url });
    await deliver(fn, placed, { destination: INVENTORY, code: 500 });
    const [dead] = (await deadLetters(fn)).items;
    await fn.app.request(`/dead-letters/${dead!.id}/replay`, adminJson('POST'));
    const [first] = await broker.waitFor(1);

    // The replay (with its marker) is dead-lettered at the same destination: twice, as Knative may.
    const failedReplay = {
      ...placed,
      extensions: { ...placed.extensions, stockflowreplay: String(first!.stockflowreplay) },
    };
    await deliver(fn, failedReplay, { destination: INVENTORY, code: 503, body: 'still down' });
    await deliver(fn, failedReplay, { destination: INVENTORY, code: 503, body: 'still down' });
    const [reopened] = (await deadLetters(fn)).items;
    expect(reopened).toMatchObject({
      id: dead!.id,
      status: 'dead',
      failures: 2,
      errorCode: 503,
      errorData: 'still down',
    });

    await fn.app.request(`/dead-letters/${dead!.id}/replay`, adminJson('POST'));
    const [, second] = await broker.waitFor(2);
    expect(second!.id).toBe('e1');
    expect(String(second!.stockflowreplay) > String(first!.stockflowreplay)).toBe(true);
  });

  it('replays several at once and says which ids it did not find', async () => {
    const broker = await sink();
    const fn = startLedger({ K_SINK: broker.url });
    await deliver(fn, placed, { destination: INVENTORY, code: 500 });
    await deliver(fn, { ...placed, id: 'e2' }, { destination: INVENTORY, code: 500 });
    // The same event dead-lettered at two destinations: two dead letters, two replays of one id.
    await deliver(fn, placed, { destination: ORDERS, code: 500 });
    const ids = (await deadLetters(fn)).items.map((d) => d.id);
    const missing = 'f'.repeat(64);

    const res = await fn.app.request('/dead-letters/replay', adminJson('POST', { ids: [...ids, missing] }));
    expect(res.status).toBe(202);
    const body = (await res.json()) as { replayed: string[]; notFound: string[] };
    expect(body.replayed.sort()).toEqual([...ids].sort());
    expect(body.notFound).toEqual([missing]);
    expect((await broker.waitFor(3)).map((e) => e.id).sort()).toEqual(['e1', 'e1', 'e2']);
  });

  it('refuses a bulk replay without ids, or with too many, and replays nothing', async () => {
    const broker = await sink();
    const fn = startLedger({ K_SINK: broker.url });
    await deliver(fn, placed, { destination: INVENTORY, code: 500 });
    const [dead] = (await deadLetters(fn)).items;
    for (const body of [{}, { ids: [] }, { ids: Array(101).fill(dead!.id) }, { ids: ['../x'] }]) {
      expect((await fn.app.request('/dead-letters/replay', adminJson('POST', body))).status).toBe(400);
    }
    expect((await deadLetters(fn)).items[0]!.status).toBe('dead');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(broker.attempts).toBe(0);
  });
});

describe('discarding and finding dead letters', () => {
  it('discards a dead letter (204), then it is gone (404)', async () => {
    const fn = startLedger();
    await deliver(fn, placed, { destination: INVENTORY, code: 500 });
    const [dead] = (await deadLetters(fn)).items;
    expect((await fn.app.request(`/dead-letters/${dead!.id}`, adminJson('DELETE'))).status).toBe(204);
    expect((await fn.app.request(`/dead-letters/${dead!.id}`, adminJson('DELETE'))).status).toBe(404);
    expect((await fn.app.request(`/dead-letters/${dead!.id}`, { headers: ADMIN })).status).toBe(404);
    expect((await fn.app.request(`/dead-letters/${dead!.id}/replay`, adminJson('POST'))).status).toBe(404);
    expect((await deadLetters(fn)).items).toEqual([]);
  });

  it('pages newest first', async () => {
    const fn = startLedger();
    for (const id of ['a', 'b', 'c']) await deliver(fn, { ...placed, id }, { destination: INVENTORY });
    const first = await deadLetters(fn, '?limit=2');
    expect(first.items.map((d) => d.event.id)).toEqual(['c', 'b']);
    const second = await deadLetters(fn, `?limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((d) => d.event.id)).toEqual(['a']);
    expect(second.nextCursor).toBeNull();
  });

  it('is for admins only, except the dead-letter sink itself', async () => {
    const fn = startLedger();
    const id = 'a'.repeat(64);
    const anonymous = [
      fn.app.request('/dead-letters'),
      fn.app.request(`/dead-letters/${id}`),
      fn.app.request(`/dead-letters/${id}/replay`, { method: 'POST' }),
      fn.app.request('/dead-letters/replay', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ids: [id] }),
      }),
      fn.app.request(`/dead-letters/${id}`, { method: 'DELETE' }),
    ];
    for (const res of await Promise.all(anonymous)) {
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});

describe('who may send dead letters', () => {
  const refusals: Array<[string, () => Promise<string | false>, number]> = [
    ['no token', async () => false, 401],
    ['an expired token', () => testIssuer.token({ expiresIn: -60 }), 401],
    ['a PingSource', () => testIssuer.token({ subject: TEST_PING_SUBJECT }), 403],
    ['a partner', () => testIssuer.token({ subject: serviceAccountSubject('warehouse') }), 403],
    [
      "a function's own identity",
      () =>
        testIssuer.token({ subject: serviceAccountSubject('orders-oidc-sources.knative.dev-sinkbinding') }),
      403,
    ],
  ];

  it.each(refusals)('refuses %s and keeps nothing', async (_name, token, status) => {
    const fn = startLedger();
    const res = await fn.app.request(
      '/dead-letters',
      deadLetterRequest(placed, { destination: INVENTORY, code: 500 }, await token()),
    );
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect((await deadLetters(fn)).items).toEqual([]);
    const metrics = await (await fn.app.request('/metrics')).text();
    expect(metrics).toMatch(/stockflow_sender_refusals_total\{[^}]*route="\/dead-letters"[^}]*\} 1/);
  });
});

describe('replays under the ledger identity and the dedupe retention', () => {
  it("sends a replay with the ledger's own token, marked stockflowreplay", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oidc-'));
    afterTest(() => rm(dir, { recursive: true }));
    await writeFile(join(dir, 'token'), 'ledger-sinkbinding-token');
    const broker = await sink();
    const fn = startLedger({ K_SINK: broker.url, OIDC_TOKEN_FILE: join(dir, 'token') });
    await deliver(fn, placed, { destination: INVENTORY, code: 500 });
    const [dead] = (await deadLetters(fn)).items;
    expect((await fn.app.request(`/dead-letters/${dead!.id}/replay`, adminJson('POST'))).status).toBe(202);
    const [sent] = await broker.waitFor(1);
    expect(sent!.stockflowreplay).toEqual(expect.any(String));
    expect(broker.authorizations).toEqual(['Bearer ledger-sinkbinding-token']);
  });

  it('refuses (409, saying why) to replay an event older than the dedupe retention, and replays nothing', async () => {
    const fn = startLedger();
    const old = {
      ...placed,
      id: 'old',
      extensions: { time: new Date(Date.now() - 31 * 86_400_000).toISOString() },
    };
    await deliver(fn, old, { destination: INVENTORY, code: 500 });
    await deliver(fn, { ...placed, id: 'fresh' }, { destination: INVENTORY, code: 500 });
    const items = (await deadLetters(fn)).items;
    const oldId = items.find((d) => d.event.id === 'old')!.id;
    const freshId = items.find((d) => d.event.id === 'fresh')!.id;

    const single = await fn.app.request(`/dead-letters/${oldId}/replay`, adminJson('POST'));
    const problem = await single.json();
    expect(single.status).toBe(409);
    expect(single.headers.get('content-type')).toBe('application/problem+json');
    expect(problem.detail).toMatch(/older than the 30 days consumers remember/);
    expect(problem).toMatchObject({ dedupeRetentionDays: 30, tooLate: [{ id: oldId }] });

    const bulk = await fn.app.request('/dead-letters/replay', adminJson('POST', { ids: [freshId, oldId] }));
    expect(bulk.status).toBe(409);
    expect((await deadLetters(fn, '?status=dead')).items).toHaveLength(2);
    const db = await fn.rt.db();
    expect((await db.collection(OUTBOX_COLLECTION).get()).size).toBe(0);
    // The fresh one alone is replayed.
    expect((await fn.app.request(`/dead-letters/${freshId}/replay`, adminJson('POST'))).status).toBe(202);
  });
});
