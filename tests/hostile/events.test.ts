/**
 * Hostile CloudEvents: at every function's `POST /events` (in process, each on a database of its
 * own) and at the broker ingress of a real mesh on 127.0.0.1. Missing or malformed attributes,
 * broken JSON, wrong data for a consumed type: always 400 (not retried), never 5xx, nothing stored
 * and nothing delivered.
 */
import { createLogger } from '@stockflow/kit';
import { cloudEventRequest, deliveryHeaders } from '@stockflow/kit/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../functions/catalog/src/app.ts';
import { inventory } from '../../functions/inventory/src/app.ts';
import { ledger } from '../../functions/ledger/src/app.ts';
import { orders } from '../../functions/orders/src/app.ts';
import { type Mesh, startMesh } from '../../packages/mesh/src/index.ts';
import { startSubscriber, type TestSubscriber } from '../../packages/mesh/src/testing.ts';
import {
  ADMIN,
  contentTypes,
  expectProblem,
  headerValue,
  holds,
  holdsWithoutStateChange,
  hostileBodyText,
  hostileFunction,
  hostileJson,
  nastyString,
} from './harness.ts';

const valid = {
  'ce-specversion': '1.0',
  'ce-id': 'evt-1',
  'ce-source': '/hostile',
  'ce-type': 'io.stockflow.goods.received',
  'content-type': 'application/json',
};

/** Binary-mode headers with at least one attribute missing or malformed. */
const brokenBinary = fc
  .record({
    mutation: fc.constantFrom(
      'no-specversion',
      'specversion',
      'no-id',
      'empty-id',
      'no-source',
      'empty-source',
      'no-type',
      'empty-type',
      'time',
      'extension-name',
    ),
    value: headerValue,
    contentType: contentTypes,
    body: hostileBodyText,
  })
  .map(({ mutation, value, contentType, body }) => {
    const headers: Record<string, string> = { ...valid };
    if (contentType) headers['content-type'] = contentType;
    else delete headers['content-type'];
    const [verb, name] = mutation.startsWith('no-') ? ['delete', mutation.slice(3)] : ['set', mutation];
    if (verb === 'delete') delete headers[`ce-${name}`];
    else if (name === 'specversion')
      headers['ce-specversion'] = value.trim() === '1.0' ? '0.3' : value || '2.0';
    else if (name === 'time') headers['ce-time'] = `x${value}`;
    else if (name === 'extension-name') headers['ce-not_valid-name'] = 'x';
    else headers[`ce-${name.replace('empty-', '')}`] = '';
    return { method: 'POST', headers, body };
  });

/** Structured-mode bodies that are not a valid CloudEvent (broken JSON, or an object missing attributes). */
const brokenStructured = fc
  .oneof(
    hostileBodyText,
    fc
      .record({
        specversion: fc.oneof(fc.constant('1.0'), nastyString),
        id: fc.oneof(nastyString, fc.integer()),
        source: fc.oneof(nastyString, fc.constant(null)),
        type: fc.oneof(nastyString, fc.boolean()),
        data: hostileJson,
      })
      .map((event) => {
        const { specversion, id, source, type } = event;
        const complete =
          specversion === '1.0' &&
          typeof id === 'string' &&
          id !== '' &&
          typeof source === 'string' &&
          source !== '' &&
          typeof type === 'string' &&
          type !== '';
        // Break the event when the generator happened to make a valid one.
        return JSON.stringify(complete ? { ...event, specversion: undefined } : event);
      }),
  )
  .map((body) => ({
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
    body,
  }));

const brokenEvent = fc.oneof(brokenBinary, brokenStructured);

const functions = [
  { fn: hostileFunction(catalog, 'hostile-ev-catalog') },
  { fn: hostileFunction(inventory, 'hostile-ev-inventory') },
  { fn: hostileFunction(orders, 'hostile-ev-orders') },
  { fn: hostileFunction(ledger, 'hostile-ev-ledger') },
].map(({ fn }) => ({ name: fn.rt.name, fn }));

/** The types a function consumes, with their data schemas. */
function consumed(name: string) {
  const spec = [catalog, inventory, orders, ledger].find((f) => f.name === name)!.spec;
  return Object.entries(spec.events ?? {}).filter(([type]) => type.startsWith('io.stockflow.'));
}

beforeAll(async () => {
  // Something in every database, so "unchanged" compares real state.
  const goods = { productId: 'p-seed', quantity: 3, reference: 'seed' };
  for (const { fn } of functions) {
    const seed =
      fn.rt.name === 'catalog'
        ? await fn.app.request('/products', {
            method: 'POST',
            headers: { ...ADMIN.catalog, 'content-type': 'application/json' },
            body: JSON.stringify({ sku: 'SEED', name: 'Seed', priceCents: 1, currency: 'EUR' }),
          })
        : fn.rt.name === 'orders'
          ? await fn.app.request(
              '/events',
              cloudEventRequest({
                type: 'io.stockflow.stock.rejected',
                data: { orderId: 'o-1', shortages: [] },
              }),
            )
          : await fn.app.request(
              '/events',
              cloudEventRequest({ type: 'io.stockflow.goods.received', data: goods }),
            );
    expect(seed.status).toBeLessThan(300);
  }
});

describe.each(functions)("$name's POST /events under hostile CloudEvents", ({ fn }) => {
  it('answers missing or malformed attributes and broken JSON with 400, storing nothing', async () => {
    await holdsWithoutStateChange(fn, brokenEvent, async (init) => {
      // Sent with a valid delivery token: what is refused is the event, not its sender.
      const delivery = { ...init, headers: { ...init.headers, ...deliveryHeaders() } };
      await expectProblem(await fn.app.request('/events', delivery), [400]);
    });
  });
});

const consumers = functions.filter(({ name }) => consumed(name).length > 0);

describe.each(consumers)("$name's POST /events under events with wrong data", ({ name, fn }) => {
  it('answers wrong data for every consumed type with 400, storing nothing', async () => {
    const types = consumed(name);
    await holdsWithoutStateChange(
      fn,

      fc.constantFrom(...types),
      hostileJson,
      fc.boolean(),
      async ([type, handler], data, structured) => {
        fc.pre(!handler.data.safeParse(data).success);
        const init = cloudEventRequest({ type, data }, structured ? 'structured' : 'binary');
        await expectProblem(await fn.app.request('/events', init), [400]);
      },
    );
  });
});

describe('the broker ingress under hostile CloudEvents', () => {
  let mesh: Mesh;
  let subscriber: TestSubscriber;
  beforeAll(async () => {
    subscriber = await startSubscriber();
    mesh = await startMesh({
      log: createLogger({ service: 'mesh', level: 'silent' }),
      objects: [
        { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: { name: 'default' }, spec: {} },
        {
          apiVersion: 'eventing.knative.dev/v1',
          kind: 'Trigger',
          metadata: { name: 'everything' },
          spec: { broker: 'default', subscriber: { uri: subscriber.url } },
        },
      ],
    });
  });
  afterAll(async () => {
    await mesh?.stop(0);
    await subscriber?.close();
  });

  it('answers every broken event with 400 problem+json and delivers nothing', async () => {
    await holds(brokenEvent, async (init) => {
      await expectProblem(await fetch(mesh.ingressUrl(), init), [400]);
    });
    // A valid event afterwards is the only delivery: nothing broken got through before it.
    const ok = await fetch(mesh.ingressUrl(), { method: 'POST', headers: valid, body: '{}' });
    expect(ok.status).toBe(202);
    await subscriber.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(subscriber.requests.map((r) => r.headers['ce-id'])).toEqual(['evt-1']);
  });

  it('refuses events over 1 MiB with 413', async () => {
    const res = await fetch(mesh.ingressUrl(), {
      method: 'POST',
      headers: valid,
      body: JSON.stringify('x'.repeat(1024 * 1024)),
    });
    expect(res.status).toBe(413);
  });
});
