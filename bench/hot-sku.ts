/**
 * @module Hot SKU: the bundled inventory function as its own process, over real HTTP on 127.0.0.1,
 * against the Firestore emulator. 200 concurrent `order.placed` CloudEvents to `/events` for one
 * product ("hot") against the same load spread over 50 products, alternating rounds in one run;
 * orders/s until every delivery is answered 2xx (5xx and 429 retried with backoff, as the broker
 * does), medians. A third kind of round takes the hot product with its stock spread over 3
 * locations (allocation then splits lines once the first location runs short). Then the audit: units
 * oversold, the stock equation per location, each order decided once.
 * Then again with two inventory processes on one database behind the local runner's round-robin
 * (`--replicas inventory=2`, as Knative's autoscaler would spread a Trigger's deliveries over two pods):
 * the same rounds, `*2` figures; the audit covers both runs.
 * Target: hot/spread ≥ 0.5 with nothing oversold, with one location and with three, with one
 * instance and with two.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import type { OrderLine } from '@stockflow/contracts';
import { type EventRecord, FIRESTORE_SETTINGS, OUTBOX_COLLECTION } from '@stockflow/kit';
import { startFirestoreEmulator } from '@stockflow/kit/emulator';
import { freePort } from '@stockflow/kit/free-port';
import {
  cloudEventRequest,
  startFakeSink,
  TEST_AUDIENCE,
  TEST_STAFF_JWKS,
  testIssuer,
} from '@stockflow/kit/testing';
import { auditStock } from '../functions/inventory/src/stock.ts';
import { InventoryStore } from '../functions/inventory/src/store.ts';
import { adjustment, events, managerJson } from '../functions/inventory/src/testing.ts';
import { type RoundRobin, startRoundRobin } from '../packages/mesh/src/runner/round-robin.ts';
import { bundleFunction } from '../scripts/bundle.ts';
import { median, round } from './stats.ts';

const ORDERS = 200;
const SPREAD_PRODUCTS = 50;
const ROUNDS = 5;
const ON_HAND = 1_000;
const PROJECT = 'stockflow-bench';
const root = new URL('..', import.meta.url).pathname;

interface Round {
  ms: number;
  /** Transactions the round took: its reservations share one timestamp per group commit. */
  commits: number;
  retries: number;
}

const bundleDir = join(root, '.artifacts', 'bench', 'hot-sku');

async function startInventory(env: Record<string, string>): Promise<{ base: string; child: ChildProcess }> {
  const dir = bundleDir;
  const port = await freePort();
  const child = spawn(process.execPath, [join(dir, 'main.mjs')], {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`inventory exited with ${child.exitCode}`);
    if (
      await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { base, child };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('inventory did not start');
}

/** POSTs one CloudEvent as a Trigger would: retried on 5xx and 429 with exponential backoff. */
async function deliver(base: string, orderId: string, items: OrderLine[]): Promise<number> {
  const init = cloudEventRequest(events.placed(orderId, items));
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${base}/events`, init);
    await res.arrayBuffer();
    if (res.ok) return attempt;
    if (res.status < 500 && res.status !== 429) throw new Error(`order.placed answered ${res.status}`);
    if (attempt === 12)
      throw new Error(`order.placed still failing (${res.status}) after ${attempt} retries`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** attempt)));
  }
}

/** The locations a spread round stocks (the default one and two more, added once). */
const LOCATIONS = ['default', 'north', 'south'];

async function addLocations(base: string): Promise<void> {
  for (const [i, id] of LOCATIONS.slice(1).entries()) {
    const res = await fetch(`${base}/locations`, managerJson('POST', { id, name: id, priority: i + 1 }));
    if (!res.ok) throw new Error(`adding location ${id} answered ${res.status}`);
    await res.arrayBuffer();
  }
}

/** ON_HAND of each product, in the default location or split evenly over LOCATIONS. */
async function stock(base: string, productIds: string[], locations = ['default']): Promise<void> {
  await Promise.all(
    productIds.flatMap((productId) =>
      locations.map(async (locationId, i) => {
        const share = Math.floor(ON_HAND / locations.length) + (i === 0 ? ON_HAND % locations.length : 0);
        const res = await fetch(
          `${base}/stock/${productId}/adjustments`,
          adjustment({ delta: share, reason: 'bench stock', locationId }),
        );
        if (!res.ok) throw new Error(`adjustment answered ${res.status}`);
        await res.arrayBuffer();
      }),
    ),
  );
}

/** Waits until the outbox relay has sent everything committed so far, so rounds start equally quiet. */
async function outboxSettled(db: Firestore): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const pending = await db.collection(OUTBOX_COLLECTION).where('status', '==', 'pending').count().get();
    if (pending.data().count === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the outbox relay did not catch up within 60 s');
}

/** 200 concurrent orders of 1..3 units, product i of `productIds` for order i (round robin). */
async function runRound(
  base: string,
  db: Firestore,
  label: string,
  productIds: string[],
  locations?: string[],
): Promise<Round> {
  await stock(base, productIds, locations);
  await outboxSettled(db);
  const orders = Array.from({ length: ORDERS }, (_, i) => ({
    orderId: `${label}-${i}`,
    items: [{ productId: productIds[i % productIds.length]!, quantity: 1 + ((i * 7) % 3) }],
  }));
  const started = performance.now();
  const retries = await Promise.all(orders.map((order) => deliver(base, order.orderId, order.items)));
  const ms = performance.now() - started;
  const times = new Set<string>();
  for (const chunk of chunks(
    orders.map((o) => o.orderId),
    100,
  )) {
    const snaps = await db.getAll(...chunk.map((id) => db.collection('reservations').doc(id)));
    for (const snap of snaps) times.add(snap.get('updatedAt') as string);
  }
  return { ms, commits: times.size, retries: retries.reduce((a, b) => a + b, 0) };
}

const chunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

const perSecond = (ms: number) => round(ORDERS / (ms / 1000), 1);

/** The rounds of each kind on one inventory address (one instance, or a round-robin over several). */
async function measure(base: string, db: Firestore, prefix: string) {
  // Warm the processes (Firestore client, 200 connections) with one untimed round of each kind.
  await runRound(base, db, `${prefix}warm-hot`, [`${prefix}warm`]);
  await runRound(base, db, `${prefix}warm-hot3`, [`${prefix}warm3`], LOCATIONS);
  await runRound(
    base,
    db,
    `${prefix}warm-spread`,
    Array.from({ length: SPREAD_PRODUCTS }, (_, i) => `${prefix}warm-${i}`),
  );
  const hot: Round[] = [];
  const hot3: Round[] = [];
  const spread: Round[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    hot.push(await runRound(base, db, `${prefix}hot-${r}`, [`${prefix}hot-${r}`]));
    hot3.push(await runRound(base, db, `${prefix}hot3-${r}`, [`${prefix}hot3-${r}`], LOCATIONS));
    const products = Array.from({ length: SPREAD_PRODUCTS }, (_, i) => `${prefix}spread-${r}-${i}`);
    spread.push(await runRound(base, db, `${prefix}spread-${r}`, products));
  }
  return { hot, hot3, spread };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function run() {
  await bundleFunction(join(root, 'functions/inventory/src/main.ts'), bundleDir);
  const emulator = await startFirestoreEmulator();
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  const sink = await startFakeSink();
  const database = `hot-sku-${randomUUID().slice(0, 8)}`;
  const commitInterval = process.env.STOCK_COMMIT_INTERVAL_MS ?? '0';
  const env = {
    FIRESTORE_EMULATOR_HOST: emulator.host,
    GOOGLE_CLOUD_PROJECT: PROJECT,
    FIRESTORE_DATABASE: database,
    // Staff calls carry the tests' staff tokens (a clerk's adjustments, a manager's locations).
    STAFF_JWKS: TEST_STAFF_JWKS,
    K_SINK: sink.url,
    // Deliveries carry the test issuer's tokens, verified as in a cluster.
    OIDC_ISSUER: testIssuer.url,
    EVENTS_AUDIENCE: TEST_AUDIENCE,
    LOG_LEVEL: 'error',
    STOCK_COMMIT_INTERVAL_MS: commitInterval,
  };
  const { base, child } = await startInventory(env);
  const children = [child];
  let roundRobin: RoundRobin | undefined;
  const db = new Firestore({ projectId: PROJECT, databaseId: database, ...FIRESTORE_SETTINGS });
  try {
    await addLocations(base);
    const { hot, hot3, spread } = await measure(base, db, '');
    // Two instances on the same database, behind the runner's round-robin.
    const second = await startInventory(env);
    children.push(second.child);
    roundRobin = await startRoundRobin({ port: 0, instances: [base, second.base] });
    const two = await measure(roundRobin.url, db, 'two-');

    const store = new InventoryStore(async () => db);
    const { items, reservations } = await store.everything();
    const problems = auditStock(items, reservations);
    const oversold = items.reduce((sum, item) => sum + Math.max(0, item.reserved - item.onHand), 0);
    const outbox = await db.collection(OUTBOX_COLLECTION).get();
    const decisions = new Map<string, number>();
    for (const doc of outbox.docs) {
      const record = doc.get('record') as EventRecord;
      if (record.type === 'io.stockflow.stock.reserved' || record.type === 'io.stockflow.stock.rejected')
        decisions.set(record.subject!, (decisions.get(record.subject!) ?? 0) + 1);
    }
    const orders = ORDERS * 3 * (1 + ROUNDS) * 2;
    const decidedOnce = [...decisions.values()].filter((count) => count === 1).length;

    const show = (label: string, rounds: Round[]) =>
      console.log(
        `${label}: ms per round ${rounds.map((r) => r.ms.toFixed(0)).join(' ')}, ` +
          `median ${perSecond(median(rounds.map((r) => r.ms)))} orders/s, ` +
          `commits per round ${rounds.map((r) => r.commits).join(' ')}, ` +
          `retried deliveries ${rounds.reduce((sum, r) => sum + r.retries, 0)}`,
      );
    console.log(
      `${ORDERS} concurrent order.placed per round to the bundled inventory process (HTTP, emulator ${emulator.host}), ` +
        `STOCK_COMMIT_INTERVAL_MS=${commitInterval}`,
    );
    show('hot (1 product)', hot);
    show(`hot (1 product, stock over ${LOCATIONS.length} locations)`, hot3);
    show(`spread (${SPREAD_PRODUCTS} products)`, spread);
    show('2 instances, hot (1 product)', two.hot);
    show(`2 instances, hot (1 product, stock over ${LOCATIONS.length} locations)`, two.hot3);
    show(`2 instances, spread (${SPREAD_PRODUCTS} products)`, two.spread);
    console.log(
      `audit: ${oversold} units oversold; stock equation ${problems.length ? `BROKEN: ${problems.join('; ')}` : 'holds'}; ` +
        `each order decided once: ${decidedOnce}/${orders} (reserved ${reservations.filter((r) => r.state === 'reserved').length})`,
    );
    // The figures still print; the run fails.
    if (problems.length || decidedOnce !== orders) process.exitCode = 1;

    const hotPerSec = perSecond(median(hot.map((r) => r.ms)));
    const hot3PerSec = perSecond(median(hot3.map((r) => r.ms)));
    const spreadPerSec = perSecond(median(spread.map((r) => r.ms)));
    const hotPerSec2 = perSecond(median(two.hot.map((r) => r.ms)));
    const hot3PerSec2 = perSecond(median(two.hot3.map((r) => r.ms)));
    const spreadPerSec2 = perSecond(median(two.spread.map((r) => r.ms)));
    return {
      hotPerSec,
      hot3PerSec,
      spreadPerSec,
      ratio: round(hotPerSec / spreadPerSec),
      ratio3: round(hot3PerSec / spreadPerSec),
      hotPerSec2,
      hot3PerSec2,
      spreadPerSec2,
      ratio2: round(hotPerSec2 / spreadPerSec2),
      ratio3x2: round(hot3PerSec2 / spreadPerSec2),
      oversold,
    };
  } finally {
    await db.terminate();
    await roundRobin?.close();
    await Promise.all(children.map(stopProcess));
    await sink.close();
    if (emulator.owned) await emulator.stop();
  }
}
