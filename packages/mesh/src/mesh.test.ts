/**
 * Conformance of the mesh's data plane over real HTTP on 127.0.0.1. Each test names the Knative rule
 * it checks: the data-plane contract (knative/specs specs/eventing/data-plane.md) or the knative/eventing
 * code that implements it.
 */
import { createLogger } from '@stockflow/kit';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerPlane } from './broker.ts';
import { ManualClock } from './clock.ts';
import { fromObjects, type ManifestObject } from './manifests.ts';
import { type Mesh, type MeshOptions, startMesh } from './mesh.ts';
import { startSubscriber, type TestSubscriber } from './testing.ts';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

const quiet = createLogger({ service: 'mesh', level: 'silent' });

function broker(delivery?: object, name = 'default'): ManifestObject {
  return { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: { name }, spec: { delivery } };
}

function trigger(name: string, spec: object): ManifestObject {
  return {
    apiVersion: 'eventing.knative.dev/v1',
    kind: 'Trigger',
    metadata: { name },
    spec: { broker: 'default', ...spec },
  };
}

async function mesh(objects: ManifestObject[], options: Partial<MeshOptions> = {}): Promise<Mesh> {
  const started = await startMesh({ objects, log: quiet, ...options });
  cleanup.push(() => started.stop(0));
  return started;
}

async function subscriber(...args: Parameters<typeof startSubscriber>): Promise<TestSubscriber> {
  const started = await startSubscriber(...args);
  cleanup.push(() => started.close());
  return started;
}

function binary(
  overrides: Record<string, string | undefined> = {},
  body = '{"productId":"p-1","quantity":3}',
) {
  const headers: Record<string, string> = {};
  const base: Record<string, string | undefined> = {
    'ce-specversion': '1.0',
    'ce-id': 'evt-1',
    'ce-source': '/warehouse',
    'ce-type': 'io.stockflow.goods.received',
    'content-type': 'application/json',
    ...overrides,
  };
  for (const [key, value] of Object.entries(base)) if (value !== undefined) headers[key] = value;
  return { method: 'POST', headers, body };
}

const post = (url: string, init: RequestInit) => fetch(url, init);

describe('broker ingress (pkg/broker/ingress/ingress_handler.go)', () => {
  it('accepts a binary-mode event with 202 and an empty body', async () => {
    const m = await mesh([broker()]);
    const res = await post(m.ingressUrl(), binary());
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
  });

  it('accepts a structured-mode event with 202', async () => {
    const m = await mesh([broker()]);
    const res = await post(m.ingressUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
      body: JSON.stringify({ specversion: '1.0', id: 'e', source: '/s', type: 't', data: { a: 1 } }),
    });
    expect(res.status).toBe(202);
  });

  it.each([
    ['no ce-specversion (not a CloudEvent)', { 'ce-specversion': undefined }],
    ['specversion 2.0', { 'ce-specversion': '2.0' }],
    ['no id', { 'ce-id': undefined }],
    ['an empty source', { 'ce-source': '' }],
    ['no type', { 'ce-type': undefined }],
    ['a time that is not RFC 3339', { 'ce-time': 'yesterday' }],
    ['an extension name with a dash', { 'ce-my-ext': 'x' }],
  ])('answers 400 to an event with %s (event.Validate)', async (_, overrides) => {
    const m = await mesh([broker()]);
    const res = await post(m.ingressUrl(), binary(overrides));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('answers 400 to broken JSON in structured mode, and to batched mode', async () => {
    const m = await mesh([broker()]);
    const broken = await post(m.ingressUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: '{"specversion":"1.0",',
    });
    expect(broken.status).toBe(400);
    const batch = await post(m.ingressUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: '[]',
    });
    expect(batch.status).toBe(400);
  });

  it('answers 404 for a broker it does not serve, but checks the event first (400 wins)', async () => {
    const m = await mesh([broker()]);
    expect((await post(m.ingressUrl('default', 'other'), binary())).status).toBe(404);
    expect((await post(m.ingressUrl('shop', 'default'), binary())).status).toBe(404);
    expect((await post(m.ingressUrl('default', 'other'), binary({ 'ce-id': undefined }))).status).toBe(400);
    expect((await post(`${m.url}/default`, binary())).status).toBe(404);
  });

  it('answers 405 with Allow to other methods, and OPTIONS with Allow: POST (data-plane.md, HTTP Verbs)', async () => {
    const m = await mesh([broker()]);
    const get = await fetch(m.ingressUrl());
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
    expect((await fetch(m.ingressUrl(), { method: 'PUT', body: 'x' })).status).toBe(405);
    const options = await fetch(m.ingressUrl(), { method: 'OPTIONS' });
    expect(options.status).toBe(200);
    expect(options.headers.get('allow')).toContain('POST');
  });

  it('answers 413 to a body over the limit', async () => {
    const m = await mesh([broker()], { maxBodyBytes: 1024 });
    const res = await post(m.ingressUrl(), binary({}, JSON.stringify({ pad: 'x'.repeat(2048) })));
    expect(res.status).toBe(413);
  });

  it('serves a broker whose manifest names no namespace at /default/<name>', async () => {
    const m = await mesh([broker(undefined, 'orders-broker')]);
    expect((await post(`${m.url}/default/orders-broker`, binary())).status).toBe(202);
  });
});

describe('delivery to subscribers (pkg/broker/filter, pkg/kncloudevents)', () => {
  it('sends binary mode with Prefer: reply and knativearrivaltime, the data bytes unchanged, no TTL', async () => {
    const sub = await subscriber();
    const m = await mesh([broker(), trigger('all', { subscriber: { uri: `${sub.url}/events` } })]);
    const body = '{"productId":"p-1",  "quantity":3}';
    await post(m.ingressUrl(), binary({ 'ce-subject': 'p-1', 'ce-tenant': 'eu' }, body));
    const [request] = await sub.waitFor(1);
    expect(request!.path).toBe('/events');
    expect(request!.headers).toMatchObject({
      'ce-specversion': '1.0',
      'ce-id': 'evt-1',
      'ce-source': '/warehouse',
      'ce-type': 'io.stockflow.goods.received',
      'ce-subject': 'p-1',
      'ce-tenant': 'eu',
      'content-type': 'application/json',
      prefer: 'reply',
    });
    expect(request!.headers['ce-knativearrivaltime']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
    expect(request!.headers['ce-knativebrokerttl']).toBeUndefined();
    expect(request!.body.toString()).toBe(body);
  });

  it('turns a structured event into binary mode, data_base64 into raw bytes', async () => {
    const sub = await subscriber();
    const m = await mesh([broker(), trigger('all', { subscriber: { uri: sub.url } })]);
    await post(m.ingressUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ specversion: '1.0', id: 'a', source: '/s', type: 't', data: { n: 1 } }),
    });
    await post(m.ingressUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({
        specversion: '1.0',
        id: 'b',
        source: '/s',
        type: 't',
        datacontenttype: 'application/octet-stream',
        data_base64: Buffer.from([0, 1, 2, 255]).toString('base64'),
      }),
    });
    const requests = await sub.waitFor(2);
    const byId = Object.fromEntries(requests.map((r) => [r.headers['ce-id'], r]));
    expect(byId.a!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(byId.a!.body.toString())).toEqual({ n: 1 });
    expect(byId.b!.headers['content-type']).toBe('application/octet-stream');
    expect([...byId.b!.body]).toEqual([0, 1, 2, 255]);
  });

  it('delivers only to the Triggers whose filters pass', async () => {
    const reserved = await subscriber();
    const other = await subscriber();
    const m = await mesh([
      broker(),
      trigger('reserved', {
        filter: { attributes: { type: 'io.stockflow.stock.reserved' } },
        subscriber: { uri: reserved.url },
      }),
      trigger('goods', {
        filters: [{ prefix: { type: 'io.stockflow.goods.' } }],
        subscriber: { uri: other.url },
      }),
    ]);
    await post(m.ingressUrl(), binary());
    await post(m.ingressUrl(), binary({ 'ce-id': 'evt-2', 'ce-type': 'io.stockflow.stock.reserved' }));
    expect((await reserved.waitFor(1))[0]!.headers['ce-id']).toBe('evt-2');
    expect((await other.waitFor(1))[0]!.headers['ce-id']).toBe('evt-1');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reserved.requests).toHaveLength(1);
    expect(other.requests).toHaveLength(1);
  });

  it('resolves a subscriber ref to the Service and its uri as a path under it', async () => {
    const sub = await subscriber();
    const m = await mesh(
      [
        broker(),
        trigger('t', {
          subscriber: {
            ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'inventory' },
            uri: '/events',
          },
        }),
      ],
      { resolve: (ref) => (ref.kind === 'Service' && ref.name === 'inventory' ? sub.url : undefined) },
    );
    await post(m.ingressUrl(), binary());
    expect((await sub.waitFor(1))[0]!.path).toBe('/events');
  });
});

describe('retries (retries.go SelectiveRetry; retry: N is N+1 calls)', () => {
  async function attemptsFor(status: number) {
    const clock = new ManualClock({ auto: true });
    const sub = await subscriber(() => ({ status }));
    const dls = await subscriber();
    const m = await mesh(
      [
        broker({ retry: 2, deadLetterSink: { uri: dls.url } }),
        trigger('t', { subscriber: { uri: sub.url } }),
      ],
      { clock },
    );
    await post(m.ingressUrl(), binary());
    await dls.waitFor(1);
    return sub.requests.length;
  }

  it.each([404, 408, 409, 429, 500, 502, 503])('retries %i: 3 calls for retry: 2', async (status) => {
    expect(await attemptsFor(status)).toBe(3);
  });

  it.each([400, 401, 403, 410, 422])('does not retry %i: 1 call', async (status) => {
    expect(await attemptsFor(status)).toBe(1);
  });

  it('retries when the subscriber does not answer at all (connection refused)', async () => {
    const clock = new ManualClock({ auto: true });
    const gone = await subscriber();
    const url = gone.url;
    await gone.close();
    const dls = await subscriber();
    const m = await mesh(
      [broker({ retry: 2, deadLetterSink: { uri: dls.url } }), trigger('t', { subscriber: { uri: url } })],
      { clock },
    );
    await post(m.ingressUrl(), binary());
    const [dead] = await dls.waitFor(1);
    expect(clock.sleeps).toHaveLength(2);
    expect(dead!.headers['ce-knativeerrorcode']).toBe('500');
    expect(Buffer.from(String(dead!.headers['ce-knativeerrordata']), 'base64').toString()).toMatch(
      /^dispatch error:/,
    );
  });

  it('stops retrying once the subscriber accepts', async () => {
    const clock = new ManualClock({ auto: true });
    const sub = await subscriber((_, index) => ({ status: index < 2 ? 500 : 202 }));
    const dls = await subscriber();
    const m = await mesh(
      [
        broker({ retry: 5, deadLetterSink: { uri: dls.url } }),
        trigger('t', { subscriber: { uri: sub.url } }),
      ],
      { clock },
    );
    await post(m.ingressUrl(), binary());
    await sub.waitFor(3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sub.requests).toHaveLength(3);
    expect(dls.requests).toHaveLength(0);
    await expect.poll(() => m.stats()).toMatchObject({ delivered: 1, deadLettered: 0, dropped: 0 });
  });

  it('a timed-out attempt counts as no response and is retried (delivery.timeout)', async () => {
    const sub = await subscriber(async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      return { status: 202 };
    });
    const dls = await subscriber();
    const m = await mesh([
      broker({ retry: 1, timeout: 'PT0.1S', deadLetterSink: { uri: dls.url } }),
      trigger('t', { subscriber: { uri: sub.url } }),
    ]);
    await post(m.ingressUrl(), binary());
    const [dead] = await dls.waitFor(1);
    expect(sub.requests).toHaveLength(2);
    expect(dead!.headers['ce-knativeerrorcode']).toBe('500');
    await expect.poll(() => m.stats()).toMatchObject({ retries: 1, unanswered: 2, deadLettered: 1 });
  });

  it('many deliveries backing off at once are not taken for a listener leak', async () => {
    // Each waiting retry listens for the mesh's stop; 30 at once used to print Node's
    // MaxListenersExceededWarning (the limit is 10 listeners per AbortSignal).
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const sub = await subscriber((request) =>
        sub.requests.filter((r) => r.headers['ce-id'] === request.headers['ce-id']).length > 1
          ? { status: 202 }
          : { status: 503 },
      );
      const m = await mesh([
        broker({ retry: 2, backoffPolicy: 'exponential', backoffDelay: 'PT0.2S' }),
        trigger('t', { subscriber: { uri: sub.url } }),
      ]);
      for (let i = 0; i < 30; i++) await post(m.ingressUrl(), binary({ 'ce-id': `evt-${i}` }));
      await expect.poll(() => m.stats().delivered, { timeout: 5_000 }).toBe(30);
      expect(m.stats().retries).toBeGreaterThanOrEqual(30);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });
});

describe('backoff timing with an injected clock (retries.go backoff, attemptNum from 0)', () => {
  async function waits(
    delivery: object,
    respond: Parameters<typeof startSubscriber>[0] = () => ({ status: 503 }),
  ) {
    const clock = new ManualClock({ auto: true });
    const sub = await subscriber(respond, clock);
    const dls = await subscriber();
    const m = await mesh(
      [
        broker({ ...delivery, deadLetterSink: { uri: dls.url } }),
        trigger('t', { subscriber: { uri: sub.url } }),
      ],
      { clock },
    );
    const start = clock.now();
    await post(m.ingressUrl(), binary());
    await dls.waitFor(1);
    return { sleeps: clock.sleeps, attemptsAt: sub.requests.map((r) => r.at - start) };
  }

  it('exponential PT0.1S, retry 3: waits 100, 200, 400 ms; attempts at 0, 100, 300, 700 ms', async () => {
    const { sleeps, attemptsAt } = await waits({
      retry: 3,
      backoffPolicy: 'exponential',
      backoffDelay: 'PT0.1S',
    });
    expect(sleeps).toEqual([100, 200, 400]);
    expect(attemptsAt).toEqual([0, 100, 300, 700]);
  });

  it('linear PT0.1S, retry 3: waits 0, 100, 200 ms; attempts at 0, 0, 100, 300 ms', async () => {
    const { sleeps, attemptsAt } = await waits({ retry: 3, backoffPolicy: 'linear', backoffDelay: 'PT0.1S' });
    expect(sleeps).toEqual([0, 100, 200]);
    expect(attemptsAt).toEqual([0, 0, 100, 300]);
  });

  it('Retry-After on 429 is honoured with retryAfterMax, capped by it', async () => {
    const tooMany = () => ({ status: 429, headers: { 'retry-after': '3' } });
    const honoured = await waits(
      { retry: 2, backoffPolicy: 'exponential', backoffDelay: 'PT0.1S', retryAfterMax: 'PT2S' },
      tooMany,
    );
    expect(honoured.sleeps).toEqual([2000, 2000]);
    const ignored = await waits({ retry: 2, backoffPolicy: 'exponential', backoffDelay: 'PT0.1S' }, tooMany);
    expect(ignored.sleeps).toEqual([100, 200]);
  });
});

describe('dead-letter sink (pkg/kncloudevents dispatchExecutionInfoTransformers)', () => {
  it('gets the original event with knativeerrordest, knativeerrorcode and knativeerrordata', async () => {
    const sub = await subscriber(() => ({ status: 422, body: 'unknown product p-1' }));
    const dls = await subscriber();
    const m = await mesh([
      broker({ retry: 3, deadLetterSink: { uri: `${dls.url}/dead-letters` } }),
      trigger('t', { subscriber: { uri: `${sub.url}/events` } }),
    ]);
    await post(m.ingressUrl(), binary({ 'ce-subject': 'p-1' }));
    const [dead] = await dls.waitFor(1);
    expect(dead!.path).toBe('/dead-letters');
    expect(dead!.headers).toMatchObject({
      'ce-id': 'evt-1',
      'ce-type': 'io.stockflow.goods.received',
      'ce-subject': 'p-1',
      'ce-knativeerrordest': `${sub.url}/events`,
      'ce-knativeerrorcode': '422',
    });
    expect(Buffer.from(String(dead!.headers['ce-knativeerrordata']), 'base64').toString()).toBe(
      'unknown product p-1',
    );
    expect(JSON.parse(dead!.body.toString())).toEqual({ productId: 'p-1', quantity: 3 });
    expect(dead!.headers.prefer).toBeUndefined();
    await expect.poll(() => m.stats()).toMatchObject({ deadLettered: 1, dropped: 0 });
  });

  it('cuts knativeerrordata to 1024 base64 characters (KnativeErrorDataExtensionMaxLength)', async () => {
    const sub = await subscriber(() => ({ status: 400, body: 'x'.repeat(5000) }));
    const dls = await subscriber();
    const m = await mesh([
      broker({ deadLetterSink: { uri: dls.url } }),
      trigger('t', { subscriber: { uri: sub.url } }),
    ]);
    await post(m.ingressUrl(), binary());
    const [dead] = await dls.waitFor(1);
    expect(String(dead!.headers['ce-knativeerrordata'])).toHaveLength(1024);
  });

  it("uses the Trigger's own dead-letter sink over the Broker's", async () => {
    const sub = await subscriber(() => ({ status: 400 }));
    const brokerDls = await subscriber();
    const triggerDls = await subscriber();
    const m = await mesh([
      broker({ deadLetterSink: { uri: brokerDls.url } }),
      trigger('t', { subscriber: { uri: sub.url }, delivery: { deadLetterSink: { uri: triggerDls.url } } }),
    ]);
    await post(m.ingressUrl(), binary());
    await triggerDls.waitFor(1);
    expect(brokerDls.requests).toHaveLength(0);
  });

  it('drops (and counts) an event that fails with no dead-letter sink', async () => {
    const sub = await subscriber(() => ({ status: 400 }));
    const m = await mesh([broker(), trigger('t', { subscriber: { uri: sub.url } })]);
    await post(m.ingressUrl(), binary());
    await sub.waitFor(1);
    await expect.poll(() => m.stats().dropped).toBe(1);
  });

  it('names a running Service ref by its cluster-local URL in knativeerrordest, as Knative resolves it', async () => {
    const sub = await subscriber(() => ({ status: 400 }));
    const dls = await subscriber();
    const m = await mesh(
      [
        broker({ deadLetterSink: { uri: dls.url } }),
        trigger('t', { subscriber: { ref: { kind: 'Service', name: 'inventory' }, uri: '/events' } }),
      ],
      { resolve: (ref) => (ref.kind === 'Service' && ref.name === 'inventory' ? sub.url : undefined) },
    );
    await post(m.ingressUrl(), binary());
    const [dead] = await dls.waitFor(1);
    expect(sub.requests).toHaveLength(1);
    expect(dead!.headers['ce-knativeerrordest']).toBe('http://inventory.default.svc.cluster.local/events');
  });

  it('fails a Service ref that is not running at once, without retries, to the dead-letter sink', async () => {
    const clock = new ManualClock({ auto: true });
    const dls = await subscriber();
    const m = await mesh(
      [
        broker({ retry: 5, deadLetterSink: { uri: dls.url } }),
        trigger('t', { subscriber: { ref: { kind: 'Service', name: 'ledger' }, uri: '/events' } }),
      ],
      { clock },
    );
    await post(m.ingressUrl(), binary());
    const [dead] = await dls.waitFor(1);
    expect(clock.sleeps).toHaveLength(0);
    expect(dead!.headers['ce-knativeerrordest']).toBe('http://ledger.default.svc.cluster.local/events');
  });

  it('a 2xx with a non-empty body that is not a CloudEvent fails as 502 and is retried (filter writeResponse)', async () => {
    const clock = new ManualClock({ auto: true });
    const sub = await subscriber(() => ({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: 'ok!',
    }));
    const dls = await subscriber();
    const m = await mesh(
      [
        broker({ retry: 1, deadLetterSink: { uri: dls.url } }),
        trigger('t', { subscriber: { uri: sub.url } }),
      ],
      { clock },
    );
    await post(m.ingressUrl(), binary());
    const [dead] = await dls.waitFor(1);
    expect(sub.requests).toHaveLength(2);
    expect(dead!.headers['ce-knativeerrorcode']).toBe('502');
  });
});

describe('replies (data-plane.md, Derived (Reply) Events)', () => {
  it('routes a CloudEvent in a 2xx answer back through the broker to the Triggers it matches', async () => {
    const reserve = await subscriber(() => ({
      status: 200,
      headers: {
        'ce-specversion': '1.0',
        'ce-id': 'reply-1',
        'ce-source': '/inventory',
        'ce-type': 'io.stockflow.stock.adjusted',
        'content-type': 'application/json',
      },
      body: '{"productId":"p-1","onHand":3}',
    }));
    const audit = await subscriber();
    const m = await mesh([
      broker(),
      trigger('receive', {
        filter: { attributes: { type: 'io.stockflow.goods.received' } },
        subscriber: { uri: reserve.url },
      }),
      trigger('audit', {
        filter: { attributes: { type: 'io.stockflow.stock.adjusted' } },
        subscriber: { uri: audit.url },
      }),
    ]);
    await post(m.ingressUrl(), binary());
    const [reply] = await audit.waitFor(1);
    expect(reply!.headers).toMatchObject({ 'ce-id': 'reply-1', 'ce-source': '/inventory', prefer: 'reply' });
    expect(reply!.headers['ce-knativearrivaltime']).toBeDefined();
    expect(JSON.parse(reply!.body.toString())).toEqual({ productId: 'p-1', onHand: 3 });
  });

  it('takes a structured-mode reply too', async () => {
    const replier = await subscriber(() => ({
      status: 200,
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({
        specversion: '1.0',
        id: 'r',
        source: '/x',
        type: 'reply.type',
        data: { ok: true },
      }),
    }));
    const sink = await subscriber();
    const m = await mesh([
      broker(),
      trigger('first', {
        filter: { attributes: { type: 'io.stockflow.goods.received' } },
        subscriber: { uri: replier.url },
      }),
      trigger('second', { filter: { attributes: { type: 'reply.type' } }, subscriber: { uri: sink.url } }),
    ]);
    await post(m.ingressUrl(), binary());
    expect((await sink.waitFor(1))[0]!.headers['ce-id']).toBe('r');
  });

  it('stops a reply loop after 255 hops (knativebrokerttl) and dead-letters the last event with 400', async () => {
    const echo = await subscriber((request) => ({
      status: 200,
      headers: { ...ceHeaders(request.headers), 'ce-id': `${request.headers['ce-id']}+` },
      body: request.body,
    }));
    const dls = await subscriber();
    const m = await mesh([
      broker({ deadLetterSink: { uri: dls.url } }),
      trigger('loop', { subscriber: { uri: echo.url } }),
    ]);
    await post(m.ingressUrl(), binary());
    const [dead] = await dls.waitFor(1, 15_000);
    expect(echo.requests).toHaveLength(255);
    expect(dead!.headers['ce-knativeerrorcode']).toBe('400');
    expect(dead!.headers['ce-knativeerrordest']).toBe(m.ingressUrl());
  });
});

function ceHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if ((key.startsWith('ce-') || key === 'content-type') && typeof value === 'string') out[key] = value;
  }
  delete out['ce-knativearrivaltime'];
  return out;
}

describe('PingSource (pkg/adapter/mtping/runner.go makeEvent)', () => {
  it('sends dev.knative.sources.ping with its data to its sink on schedule', async () => {
    const sub = await subscriber();
    await mesh([
      {
        apiVersion: 'sources.knative.dev/v1',
        kind: 'PingSource',
        metadata: { name: 'sweep' },
        spec: {
          schedule: '@every 1s',
          contentType: 'application/json',
          data: '{"reason":"sweep"}',
          sink: { uri: `${sub.url}/events` },
        },
      },
    ]);
    const [tick] = await sub.waitFor(1, 5_000);
    expect(tick!.path).toBe('/events');
    expect(tick!.headers).toMatchObject({
      'ce-type': 'dev.knative.sources.ping',
      'ce-source': '/apis/v1/namespaces/default/pingsources/sweep',
      'content-type': 'application/json',
    });
    expect(JSON.parse(tick!.body.toString())).toEqual({ reason: 'sweep' });
  });

  it('fires a PingSource on demand (ping), whatever its schedule, and refuses an unknown name', async () => {
    const sub = await subscriber();
    const m = await mesh([
      {
        apiVersion: 'sources.knative.dev/v1',
        kind: 'PingSource',
        metadata: { name: 'hourly' },
        spec: { schedule: '0 * * * *', sink: { uri: `${sub.url}/events` } },
      },
    ]);
    expect(await m.ping('hourly')).toBe(true);
    const [tick] = await sub.waitFor(1, 5_000);
    expect(tick!.headers).toMatchObject({
      'ce-type': 'dev.knative.sources.ping',
      'ce-source': '/apis/v1/namespaces/default/pingsources/hourly',
    });
    expect(() => m.ping('daily')).toThrow(/no PingSource default\/daily/);
  });

  it('refuses a schedule robfig/cron would refuse (six fields)', async () => {
    await expect(
      startMesh({
        log: quiet,
        objects: [
          {
            apiVersion: 'sources.knative.dev/v1',
            kind: 'PingSource',
            metadata: { name: 'bad' },
            spec: { schedule: '* * * * * *', sink: { uri: 'http://127.0.0.1:1/' } },
          },
        ],
      }),
    ).rejects.toThrow(/five-field/);
  });
});

describe('stopping', () => {
  it('refuses events with 503 once stopping, so their senders keep them, and delivers none', async () => {
    const sub = await subscriber();
    const plane = new BrokerPlane({
      manifests: fromObjects([broker(), trigger('t', { subscriber: { uri: sub.url } })]),
      log: quiet,
      ingressUrl: (namespace, name) => `http://mesh/${namespace}/${name}`,
    });
    const event = {
      attributes: { specversion: '1.0', id: 'e1', source: '/s', type: 't' },
      data: Buffer.from('{}'),
    };
    expect(await plane.accept('default', 'default', event)).toEqual({ status: 202 });
    await expect.poll(() => plane.stats().delivered).toBe(1);
    await plane.stop(0);
    const late = { ...event, attributes: { ...event.attributes, id: 'e2' } };
    expect(await plane.accept('default', 'default', late)).toEqual({
      status: 503,
      reason: 'the broker is stopping; retry later',
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sub.requests.map((r) => r.headers['ce-id'])).toEqual(['e1']);
    expect(plane.stats()).toMatchObject({ accepted: 1, delivered: 1, inFlight: 0 });
  });
});
