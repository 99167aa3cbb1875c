/**
 * @module `npm start`'s demo shop (`SEED=demo`, the default; `SEED=none` turns it off): when the
 * catalog has no products, the demo catalog, locations and stock go in through the functions' own
 * HTTP APIs, as the staff member "Demo seed" (a manager's staff token signed with the stack's key,
 * as web signs them), so every product event and movement names a real actor. Two CSV imports do
 * the work: catalog's (every product in one transaction, applied once per file) and inventory's
 * opening counts (every row in one writer command); the locations are set up between them. A
 * catalog with products, even one product, is left alone, so a restart on kept data adds nothing.
 */
import type {
  ImportResult,
  PRODUCT_IMPORT_COLUMNS,
  Product,
  ProductImportResult,
} from '@stockflow/contracts';
import { type StaffActor, signStaffToken } from '@stockflow/kit';
import { DEMO_CURRENCY, DEMO_LOCATIONS, DEMO_PRODUCTS } from './catalog.ts';
import { productImageUrl } from './images.ts';

/** What `SEED` may say: `demo` (the default of `npm start`) or `none`. */
export const SEED_MODES = ['demo', 'none'] as const;
export type SeedMode = (typeof SEED_MODES)[number];

/** The staff member the demo shop's changes are recorded as. */
export const DEMO_SEED_ACTOR: StaffActor = { subject: 'demo-seed', name: 'Demo seed', role: 'manager' };

/** What a seed needs of a running stack (a `Stack` is one). */
export interface SeedTarget {
  urls: { services: Record<string, string> };
  /** The key web signs staff tokens with; the functions trust it (their STAFF_JWKS). */
  staffSigningKey: CryptoKey;
}

export type SeedOutcome =
  | {
      seeded: true;
      products: number;
      categories: number;
      locations: number;
      /** Units on hand over every product and location. */
      units: number;
      outOfStock: number;
    }
  | { seeded: false; reason: string };

export class SeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeedError';
  }
}

/** What `npm start` does for `SEED`: the demo shop, or nothing. */
export function seedOnStart(stack: SeedTarget, mode: SeedMode): Promise<SeedOutcome> {
  if (mode === 'none') return Promise.resolve({ seeded: false, reason: 'SEED=none' });
  return seedDemoShop(stack);
}

/** What `npm start` says of the demo shop, on its line. */
export function describeSeed(outcome: SeedOutcome): string {
  if (!outcome.seeded) return `not seeded (${outcome.reason})`;
  return (
    `seeded ${outcome.products} products in ${outcome.categories} categories, ` +
    `${outcome.units} units at ${outcome.locations} locations (${outcome.outOfStock} out of stock); SEED=none turns it off`
  );
}

/** Seeds the demo shop unless the catalog has products; resolves with what it did. */
export async function seedDemoShop(stack: SeedTarget): Promise<SeedOutcome> {
  const api = staffApi(stack);
  const existing = await api.json<{ items: Product[] }>('catalog', '/products?limit=1');
  if (existing.items.length) return { seeded: false, reason: 'the catalog has products already' };

  const imported = await api.json<ProductImportResult>('catalog', '/imports?dryRun=false', {
    method: 'POST',
    headers: { 'content-type': 'text/csv' },
    body: productsCsv(),
  });
  // Applied before and archived since: the shop's keeper emptied it on purpose.
  if (imported.alreadyApplied) return { seeded: false, reason: 'the demo catalog was imported before' };
  const idOf = new Map(imported.rows.map((row) => [row.sku, row.productId]));

  await setUpLocations(api);

  const counts = DEMO_PRODUCTS.flatMap((product) =>
    DEMO_LOCATIONS.map((location, i) => ({
      productId: idOf.get(product.sku),
      locationId: location.id,
      counted: product.stock[i]!,
    })),
  ).filter((count) => count.counted > 0);
  const missing = counts.find((count) => !count.productId);
  if (missing) throw new SeedError('catalog did not answer the id of every imported product');
  await api.json<ImportResult>('inventory', '/imports?dryRun=false', {
    method: 'POST',
    headers: { 'content-type': 'text/csv' },
    body: csv(
      ['productId', 'locationId', 'counted'],
      counts.map((c) => [c.productId!, c.locationId, String(c.counted)]),
    ),
  });

  return {
    seeded: true,
    products: DEMO_PRODUCTS.length,
    categories: new Set(DEMO_PRODUCTS.map((p) => p.category)).size,
    locations: DEMO_LOCATIONS.length,
    units: counts.reduce((sum, c) => sum + c.counted, 0),
    outOfStock: DEMO_PRODUCTS.filter((p) => p.stock.every((units) => units === 0)).length,
  };
}

type StaffApi = ReturnType<typeof staffApi>;

/** The default location becomes the central warehouse; the stores are created (kept if they exist). */
async function setUpLocations(api: StaffApi): Promise<void> {
  const [warehouse, ...stores] = DEMO_LOCATIONS;
  await api.json('inventory', `/locations/${warehouse.id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: warehouse.name, priority: warehouse.priority }),
  });
  for (const store of stores) {
    await api.json('inventory', '/locations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(store),
      // 409: the location exists (a store of the same id, set up by hand): it is kept as it is.
      accept: [409],
    });
  }
}

/** The demo catalog as a products import (PRODUCT_IMPORT_COLUMNS). */
function productsCsv(): string {
  const columns = ['sku', 'name', 'priceCents', 'currency', 'category', 'description', 'imageUrl'] as const;
  columns satisfies readonly (typeof PRODUCT_IMPORT_COLUMNS)[number][];
  return csv(
    columns,
    DEMO_PRODUCTS.map((p) => [
      p.sku,
      p.name,
      String(p.priceCents),
      DEMO_CURRENCY,
      p.category,
      p.description,
      productImageUrl(p),
    ]),
  );
}

/**
 * RFC 4180 text of our own rows: a field with a comma, quote or line end is quoted, quotes doubled.
 * Written here rather than with csv-stringify, which the mesh package does not depend on: the rows
 * are fixed data and this is the whole of the rule.
 */
function csv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const field = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  return [header, ...rows].map((row) => row.map(field).join(',')).join('\r\n');
}

/** Requests to the functions as the Demo seed staff member; a token per function, never logged. */
function staffApi(stack: SeedTarget) {
  const tokens = new Map<string, Promise<string>>();
  const tokenFor = (fn: string) => {
    let token = tokens.get(fn);
    if (!token) {
      token = signStaffToken(stack.staffSigningKey, DEMO_SEED_ACTOR, { audience: fn, ttlSeconds: 300 });
      tokens.set(fn, token);
    }
    return token;
  };
  return {
    async json<T = unknown>(
      fn: string,
      path: string,
      init: RequestInit & { accept?: number[] } = {},
    ): Promise<T> {
      const base = stack.urls.services[fn];
      if (!base) throw new SeedError(`the stack runs no ${fn}`);
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${await tokenFor(fn)}`);
      const res = await fetch(`${base}${path}`, { ...init, headers, signal: AbortSignal.timeout(30_000) });
      const body = await res.text();
      if (!res.ok && !init.accept?.includes(res.status)) {
        throw new SeedError(
          `${init.method ?? 'GET'} ${fn}${path.split('?')[0]} answered ${res.status}: ${body.slice(0, 300)}`,
        );
      }
      return (body ? JSON.parse(body) : undefined) as T;
    },
  };
}
