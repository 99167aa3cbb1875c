import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { defineFunction } from './app.ts';
import { ConfigError } from './config.ts';
import { ANY_TYPE, applyOnce, handleEachDelivery, PING_TYPE } from './events.ts';
import { getJson } from './get-json.ts';
import { createLogger } from './log.ts';
import { OUTBOX_COLLECTION } from './outbox.ts';
import { INBOX_COLLECTION } from './runtime.ts';
import { podNamespace, senderKind, serviceAccountSubject } from './sender.ts';
import { serveFunction } from './serve.ts';
import {
  cloudEventRequest,
  startTestIssuer,
  TEST_PING_SUBJECT,
  TEST_TRIGGER_SUBJECT,
  type TestIssuer,
  testEnv,
  testIssuer,
} from './testing/index.ts';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/**
 * A function that keeps, per event, the sender its handler saw (one transaction with the dedupe
 * record), emits one event for it, and logs the catch-all's events in memory.
 */
const witness = defineFunction({
  name: 'witness',
  events: {
    'test.note': applyOnce(z.object({ n: z.number() }), async ({ event, work, sender }) => {
      work.tx.set(work.db.collection('notes').doc(event.id), { sender: sender ?? null });
      work.emit({ type: 'test.noted', data: { id: event.id } });
    }),
    'io.stockflow.order.shipped': applyOnce(z.object({ orderId: z.string() }), async ({ event, work }) => {
      work.tx.set(work.db.collection('notes').doc(event.id), { shipped: true });
    }),
    [PING_TYPE]: handleEachDelivery(z.unknown(), async () => true),
  },
});

function start(
  env: Record<string, string | undefined> = {},
  options: Parameters<typeof witness.create>[0] = {},
) {
  const fn = witness.create({ env: testEnv('sender', env), ...options });
  cleanup.push(async () => {
    await fn.rt.outbox.drain(1_000);
    await fn.rt.close();
  });
  return fn;
}

type Witness = ReturnType<typeof start>;

const note = (id: string, token?: string | false) =>
  cloudEventRequest({ id, type: 'test.note', data: { n: 1 } }, token === undefined ? {} : { token });

async function stored(fn: Witness) {
  const db = await fn.rt.db();
  const [notes, inbox, outbox] = await Promise.all(
    ['notes', INBOX_COLLECTION, OUTBOX_COLLECTION].map((name) => db.collection(name).get()),
  );
  return { notes: notes!.docs.map((doc) => doc.data()), inbox: inbox!.size, outbox: outbox!.size };
}

async function metrics(fn: Witness) {
  return (await fn.app.request('/metrics')).text();
}

describe('delivery tokens on /events', () => {
  const refusals: Array<[string, () => Promise<string | false>, number]> = [
    ['no token', async () => false, 401],
    ['a malformed token', async () => 'not-a-jwt', 401],
    ['a token signed with another key', () => testIssuer.token({ foreignKey: true }), 401],
    ['a token of another issuer', () => testIssuer.token({ issuer: 'http://127.0.0.1:9/' }), 401],
    ['a token for another audience', () => testIssuer.token({ audience: 'inventory' }), 401],
    ['an expired token', () => testIssuer.token({ expiresIn: -120 }), 401],
    [
      'a Trigger of another namespace',
      () =>
        testIssuer.token({ subject: serviceAccountSubject('t-oidc-eventing.knative.dev-trigger', 'other') }),
      403,
    ],
    [
      "a function's own SinkBinding identity (not a Trigger)",
      () =>
        testIssuer.token({ subject: serviceAccountSubject('orders-oidc-sources.knative.dev-sinkbinding') }),
      403,
    ],
    ['a partner identity', () => testIssuer.token({ subject: serviceAccountSubject('warehouse') }), 403],
    [
      'a PingSource, for an event that is no ping',
      () => testIssuer.token({ subject: TEST_PING_SUBJECT }),
      403,
    ],
  ];

  it.each(refusals)('refuses %s, changing nothing', async (_name, token, status) => {
    const fn = start();
    const res = await fn.app.request('/events', note('refused', await token()));
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    if (status === 401) expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await stored(fn)).toEqual({ notes: [], inbox: 0, outbox: 0 });
    const outcome = status === 401 ? 'unauthorized' : 'forbidden';
    expect(await metrics(fn)).toMatch(
      new RegExp(`stockflow_events_handled_total\\{[^}]*type="test.note",outcome="${outcome}"[^}]*\\} 1`),
    );
    expect(await metrics(fn)).toMatch(/stockflow_sender_refusals_total\{[^}]*route="\/events"[^}]*\} 1/);
  });

  it('refuses before reading the body: a broken body with no token is 401, not 400', async () => {
    const fn = start();
    const res = await fn.app.request('/events', { method: 'POST', headers: { 'ce-id': 'x' }, body: '{' });
    expect(res.status).toBe(401);
  });

  it("accepts a Trigger's token and shows its subject to the handler", async () => {
    const fn = start();
    expect((await fn.app.request('/events', note('ok'))).status).toBe(202);
    expect(await stored(fn)).toEqual({ notes: [{ sender: TEST_TRIGGER_SUBJECT }], inbox: 1, outbox: 1 });
  });

  it("takes pings from a PingSource's identity or a Trigger's", async () => {
    const fn = start();
    const ping = (id: string, token?: string) => cloudEventRequest({ id, type: PING_TYPE }, { token });
    expect((await fn.app.request('/events', ping('p1'))).status).toBe(202);
    expect((await fn.app.request('/events', ping('p2', await testIssuer.token()))).status).toBe(202);
  });

  it('verifies the audience the function is given: EVENTS_AUDIENCE, else K_SERVICE, else its name', async () => {
    const service = start({ EVENTS_AUDIENCE: undefined, K_SERVICE: 'witness-svc' });
    const named = start({ EVENTS_AUDIENCE: undefined });
    const tokenFor = (audience: string) => testIssuer.token({ audience });
    expect((await service.app.request('/events', note('a', await tokenFor('witness-svc')))).status).toBe(202);
    expect((await service.app.request('/events', note('b', await tokenFor('witness')))).status).toBe(401);
    expect((await named.app.request('/events', note('c', await tokenFor('witness')))).status).toBe(202);
    expect((await named.app.request('/events', note('d'))).status).toBe(401);
  });

  it('takes Triggers of its own namespace only (POD_NAMESPACE without the ServiceAccount file)', async () => {
    const fn = start({ POD_NAMESPACE: 'shop' });
    const shop = await testIssuer.token({
      subject: serviceAccountSubject('t-oidc-eventing.knative.dev-trigger', 'shop'),
    });
    expect((await fn.app.request('/events', note('default-ns'))).status).toBe(403);
    expect((await fn.app.request('/events', note('shop-ns', shop))).status).toBe(202);
  });

  it('answers 503 (retried) while the issuer cannot be reached, and stays ready', async () => {
    const fn = start({ OIDC_ISSUER: 'http://127.0.0.1:9' }, { senders: { timeoutMs: 500 } });
    const res = await fn.app.request('/events', note('later'));
    expect(res.status).toBe(503);
    expect((await fn.app.request('/readyz')).status).toBe(200);
    expect(await stored(fn)).toEqual({ notes: [], inbox: 0, outbox: 0 });
  });
});

describe("the issuer's keys", () => {
  let issuer: TestIssuer;
  afterEach(async () => issuer?.close());

  it('are fetched at start, in the background, and again for a token with an unknown kid', async () => {
    issuer = await startTestIssuer();
    const fn = start({ OIDC_ISSUER: issuer.url }, { senders: { cooldownMs: 0 } });
    const serving = await serveFunction(fn, { port: 0, hostname: '127.0.0.1', sweepDelayMs: 60_000 });
    cleanup.push(() => serving.shutdown());
    await expect.poll(() => issuer.jwksFetches).toBe(1);
    expect((await fn.app.request('/events', note('k1', await issuer.token()))).status).toBe(202);
    expect(issuer.jwksFetches).toBe(1);
    await issuer.rotateKey();
    expect((await fn.app.request('/events', note('k2', await issuer.token()))).status).toBe(202);
    expect(issuer.jwksFetches).toBe(2);
    // A key no JWKS holds stays refused, after another look.
    expect(
      (await fn.app.request('/events', note('k3', await issuer.token({ foreignKey: true })))).status,
    ).toBe(401);
  });

  it('are asked for once from a slow issuer, while each delivery waits a bounded time (503)', async () => {
    issuer = await startTestIssuer();
    issuer.answerDelayMs = 400;
    const fn = start({ OIDC_ISSUER: issuer.url }, { senders: { waitMs: 100, timeoutMs: 5_000 } });
    const early = await fn.app.request('/events', note('s1', await issuer.token()));
    expect(early.status).toBe(503);
    expect(((await early.json()) as { detail: string }).detail).toMatch(/still asking/);
    // The request the first delivery started goes on (the discovery document, then the JWKS): the
    // deliveries after it wait for it too, and once it is answered they are verified with its keys.
    const token = await issuer.token();
    await expect
      .poll(async () => (await fn.app.request('/events', note('s2', token))).status, { timeout: 5_000 })
      .toBe(202);
    expect([issuer.discoveryFetches, issuer.jwksFetches]).toEqual([1, 1]);
    expect(await stored(fn)).toMatchObject({ inbox: 1 });
  });

  it('wait once for everything: the keys, then their reload for a new kid, within waitMs together', async () => {
    issuer = await startTestIssuer();
    await issuer.rotateKey();
    const token = await issuer.token();
    // The first JWKS holds only the old key (a rotation the issuer had not published yet). The keys
    // take 200 ms (discovery, JWKS), their reload 350: 550 in all against a wait of 400 (each alone
    // is within it; the signature check gets at least 250 of what is left).
    let requests = 0;
    let jwksAnswers = 0;
    const get = async (url: string, init: { signal: AbortSignal }) => {
      await new Promise((resolve) => setTimeout(resolve, ++requests <= 2 ? 100 : 350));
      const res = await getJson(url, init);
      if (!url.endsWith('/jwks') || jwksAnswers++ > 0) return res;
      const { keys } = (await res.json()) as { keys: unknown[] };
      return { ...res, json: async () => ({ keys: keys.slice(0, 1) }) };
    };
    const fn = start({ OIDC_ISSUER: issuer.url }, { senders: { waitMs: 400, cooldownMs: 0, get } });
    const first = await fn.app.request('/events', note('w1', token));
    expect(first.status).toBe(503);
    expect(((await first.json()) as { detail: string }).detail).toMatch(/still asking/);
    // Redelivered, as the broker would, the token is verified once the new key is in.
    await expect
      .poll(async () => (await fn.app.request('/events', note('w2', token))).status, { timeout: 5_000 })
      .toBe(202);
    expect(jwksAnswers).toBe(2);
  });
});

describe('without an issuer', () => {
  it('refuses to start, saying what to set', () => {
    expect(() => witness.create({ env: testEnv('sender', { OIDC_ISSUER: undefined }) })).toThrowError(
      ConfigError,
    );
    expect(() => witness.create({ env: testEnv('sender', { OIDC_ISSUER: undefined }) })).toThrowError(
      /OIDC_ISSUER: required.*STOCKFLOW_INSECURE_EVENTS=1/s,
    );
  });

  it('starts with STOCKFLOW_INSECURE_EVENTS=1, says so loudly, and takes deliveries unverified', async () => {
    const lines: string[] = [];
    const log = createLogger({ service: 'witness', level: 'info', write: (line) => lines.push(line) });
    const fn = start({ OIDC_ISSUER: undefined, STOCKFLOW_INSECURE_EVENTS: '1' }, { log });
    expect(
      lines.some((line) => /"severity":"WARNING"/.test(line) && /STOCKFLOW_INSECURE_EVENTS=1/.test(line)),
    ).toBe(true);
    expect((await fn.app.request('/events', note('open', false))).status).toBe(202);
    expect((await stored(fn)).notes).toEqual([{ sender: null }]);
  });

  it('does not need one when it receives no events', () => {
    const quiet = defineFunction({ name: 'quiet' });
    expect(() => quiet.create({ env: testEnv('sender', { OIDC_ISSUER: undefined }) })).not.toThrow();
  });
});

describe('sources of Stockflow types (defence in depth)', () => {
  it("refuses a type whose source is not its producer's (400, counted), and applies the producer's", async () => {
    const fn = start();
    const shipped = (id: string, source?: string) =>
      cloudEventRequest({ id, source, type: 'io.stockflow.order.shipped', data: { orderId: 'o1' } });
    const res = await fn.app.request('/events', shipped('forged', '/catalog'));
    expect(res.status).toBe(400);
    expect(await stored(fn)).toEqual({ notes: [], inbox: 0, outbox: 0 });
    expect(await metrics(fn)).toMatch(
      /stockflow_events_handled_total\{[^}]*type="io.stockflow.order.shipped",outcome="rejected_source"[^}]*\} 1/,
    );
    expect((await fn.app.request('/events', shipped('real'))).status).toBe(202);
    expect((await stored(fn)).notes).toEqual([{ shipped: true }]);
  });

  it('lets a catch-all record any source, and labels types it does not know as one', async () => {
    const kept: string[] = [];
    const fn = defineFunction({
      name: 'log',
      events: {
        [ANY_TYPE]: handleEachDelivery(z.unknown(), async ({ event }) => kept.push(event.source) > 0),
      },
    }).create({ env: testEnv('sender') });
    cleanup.push(() => fn.rt.close());
    const forged = cloudEventRequest({ source: '/forged', type: 'io.stockflow.order.shipped', data: {} });
    expect((await fn.app.request('/events', forged)).status).toBe(202);
    for (const type of ['io.stockflow.made.up', 'com.example.x']) {
      expect((await fn.app.request('/events', cloudEventRequest({ type, data: {} }))).status).toBe(202);
    }
    expect(kept).toEqual(['/forged', '/tests', '/tests']);
    const text = await (await fn.app.request('/metrics')).text();
    expect(text).toMatch(/stockflow_events_handled_total\{[^}]*type="other",outcome="applied"[^}]*\} 2/);
    expect(text).not.toContain('made.up');
  });
});

describe('senderKind', () => {
  it("names Triggers' and PingSources' identities of the namespace, and nothing else", () => {
    expect(senderKind('system:serviceaccount:default:a-oidc-eventing.knative.dev-trigger', 'default')).toBe(
      'trigger',
    );
    expect(senderKind('system:serviceaccount:default:a-oidc-sources.knative.dev-pingsource', 'default')).toBe(
      'pingsource',
    );
    for (const subject of [
      'system:serviceaccount:other:a-oidc-eventing.knative.dev-trigger',
      'system:serviceaccount:default:-oidc-eventing.knative.dev-trigger',
      'system:serviceaccount:default:a-oidc-eventing.knative.dev-trigger-x',
      'system:serviceaccount:default:x:a-oidc-eventing.knative.dev-trigger',
      'user:default:a-oidc-eventing.knative.dev-trigger',
    ]) {
      expect(senderKind(subject, 'default'), subject).toBeUndefined();
    }
  });
});

describe('podNamespace', () => {
  it("reads the ServiceAccount's namespace file, else POD_NAMESPACE, else default", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sa-'));
    cleanup.push(() => rm(dir, { recursive: true }));
    const file = join(dir, 'namespace');
    expect(podNamespace({ POD_NAMESPACE: 'shop' }, file)).toBe('shop');
    expect(podNamespace({}, file)).toBe('default');
    await writeFile(file, 'stockflow\n');
    expect(podNamespace({ POD_NAMESPACE: 'shop' }, file)).toBe('stockflow');
  });
});
