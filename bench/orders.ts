/**
 * @module Orders and catalog on the Firestore emulator, in process (`app.request`), against floors
 * measured in the same run: placing an order (validation, projection reads, order, outbox and
 * Idempotency-Key documents in one transaction) against the smallest transaction (one read, one
 * create); a catalog search against a plain page of the same size. Medians. Targets: place ≤ 2.5× the
 * floor; search ≤ 2.5× a plain page (the emulator scans where production reads the composite index).
 */
import { randomUUID } from 'node:crypto';
import type { Product } from '@stockflow/contracts';
import { startFirestoreEmulator } from '@stockflow/kit/emulator';
import { asStaff, cloudEventRequest, testEnv } from '@stockflow/kit/testing';
import { catalog } from '../functions/catalog/src/app.ts';
import { orders } from '../functions/orders/src/app.ts';
import { shopper } from '../tests/system/shopper.ts';
import { median, percentile, round } from './stats.ts';

const SAMPLES = 60;
const CONCURRENT = 100;
/** Products are a manager's, at catalog. */
const CATALOG_MANAGER = await asStaff('catalog', 'manager');

async function time(samples: number, once: (i: number) => Promise<void>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await once(i);
    ms.push(performance.now() - started);
  }
  return ms;
}

const describe = (label: string, ms: number[]) =>
  console.log(`${label}: p50 ${round(median(ms), 1)} ms, p95 ${round(percentile(ms, 95), 1)} ms`);

async function benchOrders() {
  const fn = orders.create({ env: testEnv('bench-orders') });
  const products = ['p1', 'p2', 'p3'];
  for (const [i, id] of products.entries()) {
    const product: Product = {
      id,
      sku: `SKU-${id}`,
      name: `Product ${id}`,
      priceCents: 100 * (i + 1),
      currency: 'EUR',
      status: 'active',
      version: 1,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    };
    await fn.app.request(
      '/events',
      cloudEventRequest({ type: 'io.stockflow.product.created', data: product }),
    );
  }
  const body = JSON.stringify({
    items: products.slice(0, 2).map((productId) => ({ productId, quantity: 1 })),
    customer: shopper('Bench', 'bench@example.com'),
  });
  const place = async (key?: string) => {
    const res = await fn.app.request('/', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      body,
    });
    if (res.status !== 202) throw new Error(`place answered ${res.status}`);
    await res.arrayBuffer();
  };
  const floor = () =>
    fn.rt.transact(async ({ tx, db }) => {
      await tx.get(db.collection('floor').doc('read'));
      tx.create(db.collection('floor').doc(randomUUID()), { at: Date.now() });
    });

  // Warm both paths (client load, first connection) before timing; then alternate them.
  await place();
  await floor();
  const placeMs: number[] = [];
  const keyedMs: number[] = [];
  const floorMs: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    floorMs.push(...(await time(1, floor)));
    placeMs.push(...(await time(1, () => place())));
    keyedMs.push(...(await time(1, () => place(`bench-${i}`))));
  }
  describe('smallest transaction (floor)', floorMs);
  describe('place order', placeMs);
  describe('place order with Idempotency-Key', keyedMs);

  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENT }, () => place()));
  const wallMs = performance.now() - started;
  console.log(
    `${CONCURRENT} concurrent orders: ${round(wallMs, 0)} ms (${round((CONCURRENT / wallMs) * 1000, 0)}/s)`,
  );

  await fn.rt.outbox.drain(1_000);
  await fn.rt.close();
  return {
    placeMs: round(median(placeMs), 1),
    keyedPlaceMs: round(median(keyedMs), 1),
    floorMs: round(median(floorMs), 1),
    placeRatio: round(median(placeMs) / median(floorMs)),
    keyedPlaceRatio: round(median(keyedMs) / median(floorMs)),
    concurrentOrdersPerSecond: round((CONCURRENT / wallMs) * 1000, 0),
  };
}

async function benchCatalog() {
  const fn = catalog.create({ env: testEnv('bench-catalog') });
  const words = ['blue', 'red', 'green', 'linen', 'cotton', 'wool', 'shirt', 'scarf', 'sock', 'hat'];
  let first = '';
  for (let i = 0; i < 200; i++) {
    const name = `${words[i % 10]} ${words[(i * 7 + 3) % 10]} ${i}`;
    const res = await fn.app.request('/products', {
      method: 'POST',
      headers: { ...CATALOG_MANAGER, 'content-type': 'application/json' },
      body: JSON.stringify({ sku: `SKU-${i}`, name, priceCents: 1000 + i, currency: 'EUR' }),
    });
    const product = (await res.json()) as Product;
    first ||= product.id;
  }
  const get = async (path: string) => {
    const res = await fn.app.request(path);
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    await res.arrayBuffer();
  };
  await get(`/products/${first}`);
  await get('/products?limit=24');
  await get('/products?q=blu');
  const byIdMs: number[] = [];
  const listMs: number[] = [];
  const searchMs: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    byIdMs.push(...(await time(1, () => get(`/products/${first}`))));
    listMs.push(...(await time(1, () => get('/products?limit=24'))));
    searchMs.push(...(await time(1, () => get(`/products?q=${words[i % 10]!.slice(0, 3)}&limit=24`))));
  }
  describe('catalog read by id', byIdMs);
  describe('catalog page of 24 of 200', listMs);
  describe('catalog search, a page of up to 24', searchMs);
  await fn.rt.outbox.drain(1_000);
  await fn.rt.close();
  return {
    readByIdMs: round(median(byIdMs), 1),
    listMs: round(median(listMs), 1),
    searchMs: round(median(searchMs), 1),
    searchRatio: round(median(searchMs) / median(listMs)),
  };
}

export async function run() {
  const emulator = await startFirestoreEmulator();
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  try {
    return { ...(await benchOrders()), ...(await benchCatalog()) };
  } finally {
    await emulator.stop();
  }
}
