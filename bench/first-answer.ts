/**
 * @module First answer: each real function, bundled as its image runs it, spawned cold against the
 * Firestore emulator and timed from spawn to its first answer that needs Firestore (catalog: a
 * product list; orders: an order read; inventory: one `/events` delivery applied), against a floor
 * process that only imports the Firestore client, does the same read and answers over node:http.
 * Alternating runs in one process, medians; the worst function's figures are the result.
 * Target: ratio ≤ 1.25.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { FIRESTORE_SETTINGS } from '@stockflow/kit';
import { startFirestoreEmulator } from '@stockflow/kit/emulator';
import { freePort } from '@stockflow/kit/free-port';
import {
  cloudEventRequest,
  startFakeSink,
  TEST_AUDIENCE,
  TEST_STAFF_JWKS,
  testIssuer,
} from '@stockflow/kit/testing';
import { events } from '../functions/inventory/src/testing.ts';
import { issueToken } from '../functions/orders/src/access.ts';
import { placeOrder } from '../functions/orders/src/order.ts';
import { OrdersStore } from '../functions/orders/src/store.ts';
import { bundleFunction } from '../scripts/bundle.ts';
import { median, round } from './stats.ts';

const RUNS = 7;
const PROJECT = 'stockflow-bench';
const root = new URL('..', import.meta.url).pathname;
const dir = join(root, '.artifacts', 'bench', 'first-answer');

/** The request a function's first real answer is for, and the floor's same Firestore work. */
interface Case {
  name: string;
  /** A fresh request each run (an event is applied once: each run delivers a new one). */
  request(): { path: string; init: RequestInit };
  /** The floor's handler body: JavaScript run with `db` (a Firestore client) in scope. */
  floor: string;
}

/**
 * The floor: the Firestore client imported and created at start, as little as can answer the same
 * read over node:http. What a function adds on top of it is what this bench measures.
 */
const floorSource = (handler: string) => `import http from 'node:http';
import { Firestore } from '@google-cloud/firestore';
const db = new Firestore({ projectId: process.env.GOOGLE_CLOUD_PROJECT, databaseId: process.env.FIRESTORE_DATABASE, ignoreUndefinedProperties: true, universeDomain: 'googleapis.com' });
http.createServer(async (q, s) => {
  for await (const _ of q);
  const body = await (async () => { ${handler} })();
  s.setHeader('content-type', 'application/json');
  s.end(JSON.stringify(body));
}).listen(Number(process.env.PORT), '0.0.0.0');
`;

/** Spawns `file` and sends `request` until it is answered 2xx; ms from spawn to that answer. */
async function timeToFirstAnswer(
  file: string,
  env: Record<string, string>,
  { path, init }: { path: string; init: RequestInit },
): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [file], {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (;;) {
      // Refused until the process listens; the first request it accepts is its first answer.
      const res = await fetch(`http://127.0.0.1:${port}${path}`, init).catch(() => undefined);
      if (res) {
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${file} ${path} answered ${res.status}`);
        return performance.now() - started;
      }
      if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    child.kill('SIGKILL');
  }
}

/** One order in orders' store, and the token that opens it (as placing it would hand out). */
async function seedOrder(db: Firestore): Promise<{ id: string; token: string }> {
  const { token, tokenHash } = issueToken();
  const now = new Date().toISOString();
  const { order } = placeOrder({
    id: randomUUID(),
    lines: [{ productId: 'p1', quantity: 1 }],
    customer: {
      name: 'Bench Shopper',
      email: 'bench@example.com',
      address: { line1: '1 Bench Row', city: 'London', postalCode: 'SW1A 1AA', country: 'GB' },
    },
    products: new Map([
      [
        'p1',
        { id: 'p1', name: 'Bench product', priceCents: 1000, currency: 'EUR', active: true, version: 1 },
      ],
    ]),
    now,
  });
  const store = new OrdersStore(async () => db);
  await db.runTransaction(async (tx) => {
    store.insert(
      { tx, db, get: (ref) => tx.get(ref), emit: () => ({}) as never, emitRecord: () => {} },
      {
        order,
        tokenHash,
        tokenExpiresAt: new Date(Date.now() + 3600_000).toISOString(),
      },
    );
  });
  return { id: order.id, token };
}

export async function run() {
  const emulator = await startFirestoreEmulator();
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  const sink = await startFakeSink();
  mkdirSync(dir, { recursive: true });
  const database = `first-answer-${randomUUID().slice(0, 8)}`;
  const db = new Firestore({ projectId: PROJECT, databaseId: database, ...FIRESTORE_SETTINGS });
  const order = await seedOrder(db);
  const cases: Case[] = [
    {
      name: 'catalog',
      request: () => ({ path: '/products', init: {} }),
      floor:
        "const snap = await db.collection('products').where('status', '==', 'active').limit(24).get(); return { items: snap.docs.map((d) => d.data()) };",
    },
    {
      name: 'orders',
      request: () => ({
        path: `/${order.id}`,
        init: { headers: { authorization: `Bearer ${order.token}` } },
      }),
      floor: `const snap = await db.collection('orders').doc(${JSON.stringify(order.id)}).get(); return snap.data();`,
    },
    {
      name: 'inventory',
      request: () => {
        const init = cloudEventRequest(events.placed(randomUUID(), [{ productId: 'bench', quantity: 1 }]));
        return { path: '/events', init };
      },
      // The same transaction shape: read a dedupe record and the stock, write the record.
      floor: `const id = String(Math.random());
await db.runTransaction(async (tx) => {
  const [seen] = await tx.getAll(db.collection('_inbox').doc(id), db.collection('stock').doc('bench'));
  if (!seen.exists) tx.create(db.collection('_inbox').doc(id), { at: Date.now() });
});
return {};`,
    },
  ];
  const env = {
    FIRESTORE_EMULATOR_HOST: emulator.host,
    GOOGLE_CLOUD_PROJECT: PROJECT,
    FIRESTORE_DATABASE: database,
    STAFF_JWKS: TEST_STAFF_JWKS,
    OIDC_ISSUER: testIssuer.url,
    EVENTS_AUDIENCE: TEST_AUDIENCE,
    K_SINK: sink.url,
    LOG_LEVEL: 'warn',
    // No compile cache from the environment: what the image carries is what is measured.
    NODE_COMPILE_CACHE: '',
  };
  const results: Array<{ name: string; functionMs: number; floorMs: number; ratio: number }> = [];
  try {
    for (const c of cases) {
      const fnDir = join(dir, c.name);
      await bundleFunction(join(root, 'functions', c.name, 'src', 'main.ts'), fnDir);
      const floor = join(dir, `floor-${c.name}.mjs`);
      writeFileSync(floor, floorSource(c.floor));
      const fnFile = join(fnDir, 'main.mjs');
      // Untimed: warms the OS file cache (node, node_modules, the bundle) and the emulator's database.
      await timeToFirstAnswer(floor, env, c.request());
      await timeToFirstAnswer(fnFile, env, c.request());
      const fnMs: number[] = [];
      const floorMs: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        floorMs.push(await timeToFirstAnswer(floor, env, c.request()));
        fnMs.push(await timeToFirstAnswer(fnFile, env, c.request()));
      }
      const functionMedian = round(median(fnMs), 1);
      const floorMedian = round(median(floorMs), 1);
      console.log(
        `${c.name}: function ${fnMs.map((v) => v.toFixed(0)).join(' ')} (median ${functionMedian}), floor ${floorMs.map((v) => v.toFixed(0)).join(' ')} (median ${floorMedian}) ms`,
      );
      results.push({
        name: c.name,
        functionMs: functionMedian,
        floorMs: floorMedian,
        ratio: round(functionMedian / floorMedian),
      });
    }
  } finally {
    await sink.close();
    await db.terminate();
    // Its output listeners would keep this process alive: run alone, the bench never exited.
    if (emulator.owned) await emulator.stop();
  }
  const worst = results.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  return {
    worstFunction: worst.name,
    functionMs: worst.functionMs,
    floorMs: worst.floorMs,
    ratio: worst.ratio,
  };
}
