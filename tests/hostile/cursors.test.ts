/**
 * Crafted and stale pagination cursors on every list route of every function (catalog, inventory,
 * orders, ledger), in process on databases of their own: a cursor the route did not hand out gets
 * 400 problem+json, never a 500, whatever it decodes to (ids Firestore refuses as positions, times
 * outside what a date holds, another route's cursor); one it handed out still pages.
 */
import { cloudEventRequest } from '@stockflow/kit/testing';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../functions/catalog/src/app.ts';
import { inventory } from '../../functions/inventory/src/app.ts';
import { ledger } from '../../functions/ledger/src/app.ts';
import { orders } from '../../functions/orders/src/app.ts';
import { shopper } from '../system/shopper.ts';
import {
  ADMIN,
  expectProblem,
  holds,
  hostileFunction,
  jsonBody,
  nastyNumber,
  nastyString,
  requestInit,
  toWellFormed,
} from './harness.ts';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url');

/** Positions Firestore refuses, or that no date or document id can be. */
const awkwardPart = fc.oneof(
  nastyString,
  nastyNumber,
  fc.constantFrom(
    'a/b',
    'orders/x',
    '/',
    '',
    '.',
    '..',
    '__name__',
    '__x__',
    'x'.repeat(1_600),
    8.64e15 + 1,
    -8.64e15 - 1,
    2 ** 53 - 1,
    -(2 ** 53) + 1,
    'f'.repeat(64),
  ),
  fc.constant(null),
  fc.boolean(),
);

/** A cursor as a client could craft it: JSON of sort values, base64url, or any text at all. */
const craftedCursor = fc.oneof(
  fc.array(awkwardPart, { maxLength: 4 }).map(encode),
  fc.tuple(awkwardPart, awkwardPart).map(encode),
  fc.tuple(fc.integer(), fc.stringMatching(/^[0-9a-f]{64}$/)).map(encode),
  fc.string({ maxLength: 60 }).map(toWellFormed),
);

const fns = {
  catalog: hostileFunction(catalog, 'hostile-cursors-catalog'),
  inventory: hostileFunction(inventory, 'hostile-cursors-inventory'),
  orders: hostileFunction(orders, 'hostile-cursors-orders'),
  ledger: hostileFunction(ledger, 'hostile-cursors-ledger'),
};

/** Every list route that takes a cursor, with what it needs to be read. */
const ROUTES = [
  { name: 'catalog GET /products', fn: fns.catalog, path: '/products', headers: {} },
  { name: 'inventory GET /stock', fn: fns.inventory, path: '/stock', headers: ADMIN.inventory },
  { name: 'orders GET /', fn: fns.orders, path: '/', headers: ADMIN.orders },
  { name: 'ledger GET /events', fn: fns.ledger, path: '/events', headers: ADMIN.ledger },
  { name: 'ledger GET /dead-letters', fn: fns.ledger, path: '/dead-letters', headers: ADMIN.ledger },
] as const;

beforeAll(async () => {
  // Two items on every list, so each route hands out a real cursor at limit=1.
  for (const sku of ['CUR-1', 'CUR-2']) {
    const product = { sku, name: sku, priceCents: 100, currency: 'EUR' };
    const res = await fns.catalog.app.request(
      '/products',
      requestInit('POST', jsonBody(product), ADMIN.catalog),
    );
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string };
    for (const fn of [fns.orders]) {
      const delivered = await fn.app.request(
        '/events',
        cloudEventRequest({
          type: 'io.stockflow.product.created',
          source: '/catalog',
          data: {
            ...product,
            id: created.id,
            status: 'active',
            version: 1,
            createdAt: '2026-01-01T00:00:00.000Z',
            updatedAt: '2026-01-01T00:00:00.000Z',
          },
        }),
      );
      expect(delivered.status).toBe(202);
    }
    const stocked = await fns.inventory.app.request(
      `/stock/${created.id}/adjustments`,
      requestInit('POST', jsonBody({ delta: 5, reason: 'seed' }), ADMIN.inventory),
    );
    expect(stocked.status).toBe(200);
    const placed = await fns.orders.app.request(
      '/',
      requestInit(
        'POST',
        jsonBody({
          items: [{ productId: created.id, quantity: 1 }],
          customer: shopper('C', 'c@example.com'),
        }),
      ),
    );
    expect(placed.status).toBe(202);
    const event = {
      type: 'io.stockflow.goods.received',
      source: '/warehouse',
      data: { productId: created.id, quantity: 1, reference: sku },
    };
    expect((await fns.ledger.app.request('/events', cloudEventRequest(event))).status).toBe(202);
    const dead = cloudEventRequest({
      ...event,
      extensions: {
        knativeerrordest: 'http://inventory.default.svc.cluster.local/events',
        knativeerrorcode: '500',
      },
    });
    expect((await fns.ledger.app.request('/dead-letters', dead)).status).toBe(202);
  }
});

/** The cursor a route hands out after its first item. */
async function realCursor(route: (typeof ROUTES)[number]): Promise<string> {
  const res = await route.fn.app.request(`${route.path}?limit=1`, { headers: route.headers });
  expect(res.status).toBe(200);
  const page = (await res.json()) as { nextCursor: string | null };
  expect(page.nextCursor).toBeTruthy();
  return page.nextCursor!;
}

describe('pagination cursors under hostile input', () => {
  it.each(ROUTES.map((route) => [route.name, route] as const))(
    '%s answers 400 problem+json to a crafted cursor, never 500',
    async (_name, route) => {
      await holds(craftedCursor, async (cursor) => {
        const res = await route.fn.app.request(`${route.path}?cursor=${encodeURIComponent(cursor)}`, {
          headers: route.headers,
        });
        // A crafted cursor may happen to be a well-formed position (a page after it); else 400.
        if (res.status === 200) return void (await res.arrayBuffer());
        await expectProblem(res, [400]);
      });
    },
  );

  it("answers 400 to another route's cursor (stale or foreign), and pages with its own", async () => {
    const cursors = await Promise.all(ROUTES.map(realCursor));
    for (const [i, route] of ROUTES.entries()) {
      const own = await route.fn.app.request(`${route.path}?limit=1&cursor=${cursors[i]}`, {
        headers: route.headers,
      });
      expect(own.status, route.path).toBe(200);
      await own.arrayBuffer();
      for (const [j, foreign] of cursors.entries()) {
        if (j === i) continue;
        const res = await route.fn.app.request(`${route.path}?cursor=${foreign}`, { headers: route.headers });
        expect(res.status, `${route.path} with ${ROUTES[j]!.path}'s cursor`).toBeLessThan(500);
        if (res.status !== 200) await expectProblem(res, [400]);
        else await res.arrayBuffer();
      }
    }
  });
});
