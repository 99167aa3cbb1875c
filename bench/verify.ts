/**
 * @module The cost of verifying a delivery's sender: a Trigger's RS256 token checked by the kit
 * (jose, JWKS from the test issuer's discovery document, warm) alone, and `POST /events` of a
 * function whose handler does nothing, in process, with verification against without
 * (`STOCKFLOW_INSECURE_EVENTS=1`), one of each in turn; medians per delivery.
 */
import * as z from 'zod/mini';
import { defineFunction, handleEachDelivery, SenderVerifier } from '../packages/kit/src/index.ts';
import { cloudEventRequest, TEST_AUDIENCE, testIssuer } from '../packages/kit/src/testing/index.ts';
import { median, percentile, round } from './stats.ts';

const WARMUP = 1_000;
const SAMPLES = 5_000;

/** A function whose handler does nothing: what remains is the kit's own path. */
const idle = defineFunction({
  name: 'idle',
  events: { 'test.idle': handleEachDelivery(z.unknown(), async () => true) },
});

/** Microseconds `fn` takes once. */
async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return (performance.now() - started) * 1000;
}

export async function run() {
  const verifier = new SenderVerifier({
    issuer: testIssuer.url,
    audience: TEST_AUDIENCE,
    namespace: 'default',
  });
  await verifier.warm();
  const token = await testIssuer.token();
  // A token never seen: its signature is checked (a Trigger's first delivery, or after renewal).
  const freshTokens = await Promise.all(
    Array.from({ length: WARMUP + SAMPLES }, (_, i) => testIssuer.token({ expiresIn: 3600 + i })),
  );
  const authorization = `Bearer ${token}`;

  const env = { LOG_LEVEL: 'silent', GOOGLE_CLOUD_PROJECT: 'stockflow-bench' };
  const verified = idle.create({
    env: { ...env, OIDC_ISSUER: testIssuer.url, EVENTS_AUDIENCE: TEST_AUDIENCE },
  });
  const insecure = idle.create({ env: { ...env, STOCKFLOW_INSECURE_EVENTS: '1' } });
  const request = cloudEventRequest({ id: 'e', type: 'test.idle', data: {} }, { token });
  const deliver = (app: typeof verified.app) => async () => {
    const res = await app.request('/events', request);
    if (res.status !== 202) throw new Error(`delivery answered ${res.status}`);
  };

  // One of each in turn, so drift in the machine's load falls on all three alike; the first
  // WARMUP turns (JIT, the JWKS, the CloudEvents SDK) are not kept.
  const samples = {
    first: [] as number[],
    verify: [] as number[],
    verified: [] as number[],
    insecure: [] as number[],
  };
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const turn = {
      verify: await time(() => verifier.verify(authorization)),
      verified: await time(deliver(verified.app)),
      insecure: await time(deliver(insecure.app)),
    };
    if (i < WARMUP) continue;
    for (const key of ['verify', 'verified', 'insecure'] as const) samples[key].push(turn[key]);
  }
  // Apart, after: each fresh token's RS256 check would otherwise weigh on the deliveries timed beside it.
  for (const [i, fresh] of freshTokens.entries()) {
    const us = await time(() => verifier.verify(`Bearer ${fresh}`));
    if (i >= WARMUP) samples.first.push(us);
  }
  await verified.rt.close();
  await insecure.rt.close();

  const verifyUs = median(samples.verify);
  const firstUs = median(samples.first);
  const deliveryCostUs = median(samples.verified) - median(samples.insecure);
  console.log(
    `token verification: a token's first use (signature) median ${round(firstUs, 1)} µs; ` +
      `again (cached until it expires) median ${round(verifyUs, 1)} µs, p95 ${round(percentile(samples.verify, 95), 1)} µs`,
  );
  console.log(
    `POST /events, handler doing nothing: median ${round(median(samples.verified), 1)} µs verified, ` +
      `${round(median(samples.insecure), 1)} µs unverified: ${round(deliveryCostUs, 1)} µs per delivery ` +
      `(${SAMPLES} of each, in turn)`,
  );
  return {
    firstVerifyMedianUs: round(firstUs, 1),
    verifyMedianUs: round(verifyUs, 1),
    deliveryVerifiedUs: round(median(samples.verified), 1),
    deliveryUnverifiedUs: round(median(samples.insecure), 1),
    verificationCostPerDeliveryUs: round(deliveryCostUs, 1),
  };
}
