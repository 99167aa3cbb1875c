/**
 * Hostile input to orders' HTTP API, in process on a database of its own: malformed orders, keys,
 * ids, tokens and queries get a 4xx problem+json and change nothing; a valid order never takes a
 * server-owned field (id, status, prices, totals, token) from its body.
 */
import { CancelOrder, type Order, type PlacedOrder, type Product } from '@stockflow/contracts';
import { cloudEventRequest } from '@stockflow/kit/testing';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { orders } from '../../functions/orders/src/app.ts';
import { shopper } from '../system/shopper.ts';
import {
  ADMIN,
  expectProblem,
  headerValue,
  holds,
  holdsWithoutStateChange,
  hostileFunction,
  hostileQuery,
  hostileRequestBody,
  hostileSegment,
  nastyNumber,
  nastyString,
  requestInit,
  withoutStateChange,
} from './harness.ts';

const fn = hostileFunction(orders, 'hostile-orders');
const T0 = '2026-01-01T00:00:00.000Z';
const product: Product = {
  id: 'p-hostile',
  sku: 'SKU-H',
  name: 'Hostile',
  priceCents: 250,
  currency: 'EUR',
  status: 'active',
  version: 1,
  createdAt: T0,
  updatedAt: T0,
};
const validOrder = {
  items: [{ productId: product.id, quantity: 2 }],
  customer: shopper('Ada', 'ada@example.com'),
};
let placed: PlacedOrder;

const isJsonType = (type: string | undefined) =>
  (type ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
/** True when this body would be a valid (optional) cancel body, i.e. not hostile at all. */
function validCancelBody({ text, contentType }: { text: string; contentType?: string }): boolean {
  if (text === '') return true;
  if (!isJsonType(contentType)) return false;
  try {
    return CancelOrder.safeParse(JSON.parse(text)).success;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  const created = await fn.app.request(
    '/events',
    cloudEventRequest({ type: 'io.stockflow.product.created', source: '/catalog', data: product }),
  );
  expect(created.status).toBe(202);
  const res = await fn.app.request('/', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(validOrder),
  });
  expect(res.status).toBe(202);
  placed = (await res.json()) as PlacedOrder;
});

describe('orders under hostile input', () => {
  it('refuses malformed order bodies with 4xx problem+json and places nothing', async () => {
    await holdsWithoutStateChange(fn, hostileRequestBody, async (body) => {
      await expectProblem(await fn.app.request('/', requestInit('POST', body)));
    });
  });

  it('refuses wrong types and out-of-range values inside an otherwise valid order', async () => {
    const line = fc.record({
      productId: fc.oneof(nastyString, nastyNumber, fc.constant(null)),
      quantity: fc.oneof(nastyNumber, nastyString, fc.constant(null)),
    });
    await holdsWithoutStateChange(
      fn,

      fc.array(line, { maxLength: 3 }),
      fc.oneof(
        fc.record({ name: nastyString, email: nastyString }),
        fc.record({
          name: fc.constant('Ada'),
          email: fc.constant('ada@example.com'),
          address: fc.oneof(
            fc.record({
              line1: nastyString,
              city: nastyString,
              postalCode: nastyString,
              country: nastyString,
            }),
            nastyString,
            fc.constant(null),
          ),
        }),
        nastyString,
        fc.constant(null),
      ),
      async (items, customer) => {
        const res = await fn.app.request('/', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ items, customer }),
        });
        // Unknown products (a well-formed id nobody sells) are 422; everything else 400.
        await expectProblem(res, [400, 422]);
      },
    );
  });

  it('refuses a malformed Idempotency-Key with 400 and places nothing', async () => {
    // Header values lose their surrounding whitespace on the way (HTTP's optional whitespace).
    const key = headerValue.filter((value) => !/^[\x21-\x7e]{1,200}$/.test(value.trim()));
    await holdsWithoutStateChange(fn, key, async (value) => {
      const res = await fn.app.request('/', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': value },
        body: JSON.stringify(validOrder),
      });
      await expectProblem(res, [400]);
    });
  });

  it('hides orders behind any id, token or query that does not open them (404, never 5xx)', async () => {
    await holdsWithoutStateChange(
      fn,
      hostileSegment,
      headerValue,
      hostileQuery,
      async (segment, authorization, query) => {
        const headers = { authorization };
        await expectProblem(await fn.app.request(`/${segment}`, { headers }), [404, 400, 401]);
        await expectProblem(await fn.app.request(`/${placed.id}`, { headers }), [404]);
        await expectProblem(await fn.app.request(`/${placed.id}/events?${query}`, { headers }), [404]);
        await expectProblem(
          await fn.app.request(`/${segment}/cancel`, { method: 'POST', headers }),
          [404, 400],
        );
        await expectProblem(await fn.app.request(`/${placed.id}/ship`, { method: 'POST', headers }), [401]);
        await expectProblem(await fn.app.request(`/?${query}`, { headers }), [401]);
      },
    );
  });

  it("refuses malformed cancel bodies with the order's own token and changes nothing", async () => {
    const headers = { authorization: `Bearer ${placed.token}` };
    await holdsWithoutStateChange(fn, hostileRequestBody, async (body) => {
      fc.pre(!validCancelBody(body));
      await expectProblem(await fn.app.request(`/${placed.id}/cancel`, requestInit('POST', body, headers)));
    });
  });

  it('answers any admin list query with 200 or 400', async () => {
    await holds(hostileQuery, async (query) => {
      const res = await fn.app.request(`/?${query}`, { headers: ADMIN.orders });
      if (res.status !== 200) await expectProblem(res, [400]);
    });
  });

  it('takes no server-owned field from an order body (mass assignment)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          id: fc.constantFrom('chosen-id', placed.id),
          status: fc.constantFrom('confirmed', 'shipped'),
          totalCents: fc.integer({ min: 0, max: 10 }),
          currency: fc.constantFrom('USD', 'EUR'),
          token: fc.constant('chosen-token'),
          timeline: fc.constant([]),
        }),
        fc.integer({ min: 0, max: 3 }),
        async (extra, cheapPrice) => {
          const body = {
            ...validOrder,
            items: [{ ...validOrder.items[0], unitPriceCents: cheapPrice, name: 'Free' }],
            ...extra,
          };
          const res = await fn.app.request('/', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          expect(res.status).toBe(202);
          const order = (await res.json()) as PlacedOrder;
          expect(order.id).not.toBe(extra.id);
          expect(order.token).not.toBe(extra.token);
          expect(order.status).toBe('pending');
          expect(order.totalCents).toBe(500);
          expect(order.currency).toBe('EUR');
          expect(order.items).toEqual([
            { productId: product.id, name: 'Hostile', quantity: 2, unitPriceCents: 250 },
          ]);
          const stored = (await (
            await fn.app.request(`/${order.id}`, { headers: { authorization: `Bearer ${order.token}` } })
          ).json()) as Order;
          expect(stored.status).toBe('pending');
          expect(stored.totalCents).toBe(500);
        },
      ),
      { numRuns: 10 },
    );
  });

  it('refuses an order over the body limit with 413 and places nothing', async () => {
    await withoutStateChange(fn, async () => {
      const huge = JSON.stringify({ ...validOrder, padding: 'x'.repeat(300 * 1024) });
      const res = await fn.app.request('/', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(huge.length) },
        body: huge,
      });
      await expectProblem(res, [413]);
    });
  });
});
