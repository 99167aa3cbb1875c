/**
 * @module Knative's delivery rules, as pure functions: which answers are retried, how long to wait
 * before each retry, when `Retry-After` counts, and which delivery spec and dead-letter sink a
 * Trigger gets. Each rule cites the knative/eventing code it follows.
 */
import { type Duration, parse as parseIso } from 'tinyduration';
import type { Broker, DeliverySpec, Destination, Trigger } from './manifests.ts';

// rickb777/date `period.Duration()`, which Knative uses, counts a year as 365.2425 days.
const SECONDS: Record<keyof Duration, number> = {
  years: 31_556_952,
  months: 2_629_746,
  weeks: 604_800,
  days: 86_400,
  hours: 3_600,
  minutes: 60,
  seconds: 1,
  negative: 0,
};

/** An ISO-8601 duration (`PT0.5S`, `P1D`) in milliseconds, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  let parsed: Duration;
  try {
    parsed = parseIso(text);
  } catch {
    return undefined;
  }
  if (parsed.negative) return undefined;
  let seconds = 0;
  for (const [unit, value] of Object.entries(parsed) as Array<[keyof Duration, number]>) {
    if (unit !== 'negative') seconds += value * SECONDS[unit];
  }
  return Math.round(seconds * 1000);
}

/**
 * Whether a failed attempt is retried. knative/eventing pkg/kncloudevents/retries.go `SelectiveRetry`:
 * no response (a network error or timeout), 404, 408, 409, 429 and every 5xx; never 1xx-3xx or any
 * other 4xx. `status` is undefined when there was no response.
 */
export function isRetryable(status: number | undefined): boolean {
  if (status === undefined) return true;
  return status >= 500 || status === 404 || status === 408 || status === 409 || status === 429;
}

/** A delivery spec turned into numbers: pkg/kncloudevents/retries.go `RetryConfigFromDeliverySpec`. */
export interface RetryPolicy {
  /** Retries after the first attempt: `retry: N` makes up to N+1 calls. */
  retry: number;
  policy?: 'linear' | 'exponential';
  delayMs: number;
  /** Per-attempt request timeout; none when the spec sets none. */
  timeoutMs?: number;
  /** Set only when the spec has `retryAfterMax`: then Retry-After counts, capped at this. */
  retryAfterMaxMs?: number;
}

export function retryPolicy(spec: DeliverySpec | undefined): RetryPolicy {
  const ms = (value: string | undefined) => (value === undefined ? undefined : parseDuration(value));
  return {
    retry: spec?.retry ?? 0,
    // Knative sets a backoff only when both the policy and the delay are given; otherwise it is 0.
    policy: spec?.backoffPolicy && spec.backoffDelay ? spec.backoffPolicy : undefined,
    delayMs: (spec?.backoffPolicy && ms(spec.backoffDelay)) || 0,
    timeoutMs: ms(spec?.timeout),
    retryAfterMaxMs: ms(spec?.retryAfterMax),
  };
}

/**
 * The wait before a retry. `retriesDone` counts the retries already made (0 before the first retry):
 * go-retryablehttp passes that loop index as `attemptNum`, and retries.go computes
 * exponential `delay * 2^attemptNum` and linear `delay * attemptNum` from it. So exponential PT1S
 * waits 1s, 2s, 4s; linear PT1S waits 0s, 1s, 2s.
 */
export function backoffMs(policy: RetryPolicy, retriesDone: number): number {
  if (policy.policy === 'exponential') return policy.delayMs * 2 ** retriesDone;
  if (policy.policy === 'linear') return policy.delayMs * retriesDone;
  return 0;
}

/**
 * The `Retry-After` wait in ms, or 0. pkg/kncloudevents `generateBackoffFn`: only for 429 and 503,
 * only when the spec sets `retryAfterMax` (the feature is opt-in), capped at it; seconds or an HTTP
 * date. The wait used is the larger of this and the backoff.
 */
export function retryAfterMs(
  policy: RetryPolicy,
  status: number | undefined,
  retryAfter: string | undefined,
  now: number,
): number {
  if (policy.retryAfterMaxMs === undefined || (status !== 429 && status !== 503) || !retryAfter) return 0;
  const text = retryAfter.trim();
  let wait: number;
  if (/^\d+$/.test(text)) wait = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return 0;
    wait = at - now;
  }
  return Math.max(0, Math.min(wait, policy.retryAfterMaxMs));
}

export function retryWaitMs(
  policy: RetryPolicy,
  retriesDone: number,
  failure: { status?: number; retryAfter?: string },
  now: number,
): number {
  return Math.max(
    backoffMs(policy, retriesDone),
    retryAfterMs(policy, failure.status, failure.retryAfter, now),
  );
}

/**
 * What a Trigger's deliveries use: its own `delivery` replaces the Broker's retry and backoff settings
 * as a whole, and the Broker's dead-letter sink stays the fallback when the Trigger names none.
 */
export function effectiveDelivery(
  trigger: Trigger,
  broker: Broker,
): { policy: RetryPolicy; deadLetterSink?: Destination } {
  const spec = trigger.delivery ?? broker.delivery;
  return {
    policy: retryPolicy(spec),
    deadLetterSink: trigger.delivery?.deadLetterSink ?? broker.delivery?.deadLetterSink,
  };
}
