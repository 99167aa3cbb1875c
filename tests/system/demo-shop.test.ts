/**
 * @module The shop `npm start` opens: a test stack starts empty and `SEED=none` leaves it so; the
 * demo seed (what `npm start` runs for `SEED=demo`, its default) fills the catalog with products and
 * pictures a browser may show under web's CSP, sets up three locations and stocks them, all as the
 * staff member "Demo seed"; seeding again adds nothing. One stack, real functions and emulator.
 */
import type { Location, Movement, Product, StockLevel } from '@stockflow/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackOptionsFromEnv } from '../../packages/mesh/src/cli/settings.ts';
import { DEMO_LOCATIONS, DEMO_PRODUCTS } from '../../packages/mesh/src/runner/demo-shop/catalog.ts';
import { DEMO_SEED_ACTOR, seedOnStart } from '../../packages/mesh/src/runner/demo-shop/seed.ts';
import { startTestStack, type TestStack } from './stack.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
}, 180_000);
afterAll(() => stack?.stop());

/** What the shop lists, through web as the SPA asks for it. */
async function shopProducts(): Promise<Product[]> {
  const res = await fetch(`${stack.urls.web}/api/catalog/products?limit=100`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Product[] }).items;
}

/** A staff read from a function (the stack's break-glass token: a manager). */
async function staffGet<T>(fn: string, path: string): Promise<T> {
  const res = await fetch(`${stack.urls.services[fn]}${path}`, {
    headers: { authorization: `Bearer ${stack.adminToken}` },
  });
  expect(res.status, `${fn}${path}`).toBe(200);
  return (await res.json()) as T;
}

const movements = () => staffGet<{ items: Movement[] }>('inventory', '/movements?limit=500');

describe('the demo shop', () => {
  it('is not in a test stack, nor seeded with SEED=none', async () => {
    expect(await shopProducts()).toEqual([]);
    const outcome = await seedOnStart(stack, stackOptionsFromEnv({ SEED: 'none' }).seed);
    expect(outcome).toEqual({ seeded: false, reason: 'SEED=none' });
    expect(await shopProducts()).toEqual([]);
    expect((await movements()).items).toEqual([]);
  });

  it('is seeded by default: the products, in their categories, with pictures web lets a browser show', async () => {
    const outcome = await seedOnStart(stack, stackOptionsFromEnv({}).seed);
    expect(outcome).toMatchObject({ seeded: true, products: DEMO_PRODUCTS.length, locations: 3 });

    const products = await shopProducts();
    expect(products.map((p) => p.sku).sort()).toEqual(DEMO_PRODUCTS.map((p) => p.sku).sort());
    for (const demo of DEMO_PRODUCTS) {
      const product = products.find((p) => p.sku === demo.sku)!;
      expect(product).toMatchObject({
        name: demo.name,
        description: demo.description,
        priceCents: demo.priceCents,
        currency: 'EUR',
        category: demo.category,
        status: 'active',
      });
      // A data URL: a client reads it as an image of its own type, with no request to any host.
      const image = await fetch(product.imageUrl!);
      expect(image.headers.get('content-type'), demo.sku).toBe('image/svg+xml');
      expect(await image.text()).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>.*<\/svg>$/s);
    }
    const categories = await (await fetch(`${stack.urls.web}/api/catalog/categories`)).json();
    expect(categories.items).toEqual([...new Set(DEMO_PRODUCTS.map((p) => p.category))].sort());

    // The SPA's page allows data: images (ProductImage renders imageUrl in an <img>).
    const page = await fetch(`${stack.urls.web}/`);
    const policy = page.headers.get('content-security-policy') ?? '';
    const imgSrc = policy.split(';').find((directive) => directive.trim().startsWith('img-src'));
    expect(imgSrc?.trim().split(/\s+/)).toContain('data:');
  });

  it('stocks the central warehouse and two stores: most products well, some low, two out', async () => {
    const locations = await staffGet<{ items: Location[] }>('inventory', '/locations');
    expect(locations.items.map(({ id, name, priority }) => ({ id, name, priority }))).toEqual(
      DEMO_LOCATIONS.map(({ id, name, priority }) => ({ id, name, priority })),
    );

    const products = await shopProducts();
    let low = 0;
    let out = 0;
    for (const demo of DEMO_PRODUCTS) {
      const id = products.find((p) => p.sku === demo.sku)!.id;
      const level = await staffGet<StockLevel>('inventory', `/stock/${id}`);
      const onHandAt = Object.fromEntries(level.locations.map((at) => [at.locationId, at.onHand]));
      DEMO_LOCATIONS.forEach((location, i) => {
        expect(onHandAt[location.id] ?? 0, `${demo.sku} at ${location.id}`).toBe(demo.stock[i]);
      });
      const total = demo.stock.reduce((sum, units) => sum + units, 0);
      expect(level.available, demo.sku).toBe(total);
      if (total === 0) out++;
      else if (level.low) low++;
      // What the shop shows a shopper (public availability through web).
      const shown = await (await fetch(`${stack.urls.web}/api/inventory/stock/${id}`)).json();
      expect(shown).toEqual({ productId: id, available: total });
    }
    expect(out).toBe(2);
    expect(low).toBeGreaterThanOrEqual(3);
  });

  it('records "Demo seed" as the actor of every movement', async () => {
    const { items } = await movements();
    const counted = DEMO_PRODUCTS.flatMap((p) => p.stock.filter((units) => units > 0));
    expect(items).toHaveLength(counted.length);
    for (const movement of items) {
      expect(movement.actor).toEqual({ subject: DEMO_SEED_ACTOR.subject, name: DEMO_SEED_ACTOR.name });
      expect(movement.reason).toBe('counted');
      expect(movement.delta).toBe(movement.after);
    }
  });

  it('announces every product through the broker, as "Demo seed" (the ledger records them)', async () => {
    type Page = { items: Array<{ event: { data: { sku: string; actor?: unknown } } }> };
    const path = '/events?type=io.stockflow.product.created&limit=100';
    await expect
      .poll(async () => (await staffGet<Page>('ledger', path)).items.length, { timeout: 20_000 })
      .toBe(DEMO_PRODUCTS.length);
    for (const { event } of (await staffGet<Page>('ledger', path)).items) {
      expect(event.data.actor, event.data.sku).toEqual({
        subject: DEMO_SEED_ACTOR.subject,
        name: DEMO_SEED_ACTOR.name,
      });
    }
  });

  it('is not seeded again: a second run adds nothing', async () => {
    const before = await movements();
    const outcome = await seedOnStart(stack, 'demo');
    expect(outcome).toEqual({ seeded: false, reason: 'the catalog has products already' });
    expect((await shopProducts()).length).toBe(DEMO_PRODUCTS.length);
    expect((await movements()).items).toEqual(before.items);
    const locations = await staffGet<{ items: Location[] }>('inventory', '/locations');
    expect(locations.items).toHaveLength(DEMO_LOCATIONS.length);
  });
});
