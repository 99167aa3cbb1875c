/**
 * @module Test helpers for the ledger: an instance on its own emulator database, admin requests,
 * and Knative-shaped dead-letter deliveries.
 */
import { asStaff, type CloudEventInit, cloudEventRequest, testEnv } from '@stockflow/kit/testing';
import { afterEach } from 'vitest';
import { ledger } from './app.ts';

/** A manager's staff token: reads everything, replays and discards dead letters. */
export const ADMIN = await asStaff('ledger', 'manager');

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (running.length) await running.pop()!();
});

/** A ledger on a database of its own, stopped after the test. */
export function startLedger(env: Record<string, string | undefined> = {}) {
  const fn = ledger.create({
    env: testEnv('ledger', env),
    outbox: { baseDelayMs: 20, maxDelayMs: 200, sweepGraceMs: 0 },
  });
  running.push(async () => {
    await fn.rt.outbox.drain(1_000);
    await fn.rt.close();
  });
  return fn;
}

/** Something to stop after the test (a fake sink, a stream reader). */
export function afterTest(stop: () => Promise<void>) {
  running.push(stop);
}

export interface KnativeFailure {
  destination?: string;
  code?: number;
  /** The destination's answer; sent base64-encoded, as Knative does. */
  body?: string | Buffer;
}

/**
 * A dead-letter delivery as Knative's dispatcher sends it: the original event plus knativeerror*
 * extensions, with a Trigger's token (or `token`: another one, or false for none).
 */
export function deadLetterRequest(event: CloudEventInit, failure: KnativeFailure, token?: string | false) {
  const extensions: Record<string, string> = { ...event.extensions };
  if (failure.destination) extensions.knativeerrordest = failure.destination;
  if (failure.code !== undefined) extensions.knativeerrorcode = String(failure.code);
  if (failure.body !== undefined) extensions.knativeerrordata = Buffer.from(failure.body).toString('base64');
  return cloudEventRequest({ ...event, extensions }, { token });
}

export function adminJson(method: string, body?: unknown): RequestInit {
  return {
    method,
    headers: { ...ADMIN, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  };
}
