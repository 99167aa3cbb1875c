/**
 * @module Ledger recording: the same events POSTed to `/events` of the ledger (its handleEachDelivery handler:
 * one `create` keyed by source and id) and of a twin that records them through the kit's consumeOnce
 * (a transaction reading then writing a dedupe record beside the same document), in process against
 * the Firestore emulator, alternating rounds in one run at a fixed concurrency; medians. The ratio
 * is consumeOnce's median latency over the ledger's: above 1 means the ledger's path is faster.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { ledger } from '../functions/ledger/src/app.ts';
import { startFirestoreEmulator } from '../packages/kit/src/emulator.ts';
import { ANY_TYPE, applyOnce, dedupeKey, defineFunction, toRecord } from '../packages/kit/src/index.ts';
import { cloudEventRequest, TEST_AUDIENCE, testIssuer } from '../packages/kit/src/testing/index.ts';
import { median, percentile, round } from './stats.ts';

const ROUNDS = 4;
const EVENTS_PER_ROUND = 150;
const CONCURRENCY = 8;

/** The ledger's record, written the way every other consumer applies an event (dedupe record + change). */
const recordedOnce = defineFunction({
  name: 'ledger-once',
  events: {
    [ANY_TYPE]: applyOnce(z.unknown(), async ({ event, work }) => {
      const record = toRecord(event);
      const now = new Date();
      work.tx.create(work.db.collection('events').doc(dedupeKey(record.source, record.id)), {
        eventId: record.id,
        source: record.source,
        type: record.type,
        subject: record.subject,
        recordedAt: now,
        expireAt: new Date(now.getTime() + 30 * 24 * 3600 * 1000),
        event: JSON.stringify(record),
      });
    }),
  },
});

type App = { request(path: string, init: RequestInit): Response | Promise<Response> };

/** Posts EVENTS_PER_ROUND events, CONCURRENCY at a time; per-event latencies (ms) and events per second. */
async function recordRound(app: App): Promise<{ latencies: number[]; perSecond: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < EVENTS_PER_ROUND) {
        next++;
        const request = cloudEventRequest({
          id: randomUUID(),
          type: 'io.stockflow.order.placed',
          subject: `o-${next % 20}`,
          data: { orderId: `o-${next % 20}`, items: [{ productId: 'p1', quantity: 1, unitPriceCents: 100 }] },
        });
        const t0 = performance.now();
        const res = await app.request('/events', request);
        if (res.status !== 202) throw new Error(`recording answered ${res.status}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, perSecond: (EVENTS_PER_ROUND / (performance.now() - started)) * 1000 };
}

export async function run() {
  const emulator = await startFirestoreEmulator();
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  const env = (name: string) => ({
    GOOGLE_CLOUD_PROJECT: 'stockflow-bench',
    FIRESTORE_DATABASE: `${name}-${randomUUID().slice(0, 8)}`,
    LOG_LEVEL: 'silent',
    // Deliveries carry the test issuer's tokens, verified as in a cluster.
    OIDC_ISSUER: testIssuer.url,
    EVENTS_AUDIENCE: TEST_AUDIENCE,
  });
  const direct = ledger.create({ env: env('ledger') });
  const once = recordedOnce.create({ env: env('ledger-once') });
  try {
    // Warm both clients (connection, first RPCs) outside the measurement.
    await recordRound(direct.app);
    await recordRound(once.app);
    const samples = { direct: [] as number[], once: [] as number[] };
    const rates = { direct: [] as number[], once: [] as number[] };
    for (let i = 0; i < ROUNDS; i++) {
      for (const [name, fn] of [
        ['direct', direct],
        ['once', once],
      ] as const) {
        const { latencies, perSecond } = await recordRound(fn.app);
        samples[name].push(...latencies);
        rates[name].push(perSecond);
      }
    }
    const line = (label: string, ms: number[], perSecond: number[]) =>
      console.log(
        `${label}: median ${round(median(ms), 1)} ms, p95 ${round(percentile(ms, 95), 1)} ms, ` +
          `${round(median(perSecond), 0)} events/s (${ms.length} events, concurrency ${CONCURRENCY})`,
      );
    line('ledger handleEachDelivery (one create)', samples.direct, rates.direct);
    line('kit consumeOnce (transaction + dedupe record)', samples.once, rates.once);
    return {
      onEachMedianMs: round(median(samples.direct), 1),
      consumeOnceMedianMs: round(median(samples.once), 1),
      ratio: round(median(samples.once) / median(samples.direct)),
      throughputRatio: round(median(rates.direct) / median(rates.once)),
    };
  } finally {
    await direct.rt.close();
    await once.rt.close();
    await emulator.stop();
  }
}
