import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  effectiveDelivery,
  isRetryable,
  parseDuration,
  retryAfterMs,
  retryPolicy,
  retryWaitMs,
} from './delivery.ts';
import type { Broker, Trigger } from './manifests.ts';

describe('which answers are retried (knative/eventing pkg/kncloudevents/retries.go SelectiveRetry)', () => {
  it.each([404, 408, 409, 429, 500, 502, 503, 504, 599])('retries %i', (status) => {
    expect(isRetryable(status)).toBe(true);
  });

  it.each([100, 200, 202, 204, 300, 301, 304, 400, 401, 403, 405, 410, 413, 415, 422])(
    'does not retry %i',
    (status) => {
      expect(isRetryable(status)).toBe(false);
    },
  );

  it('retries when there was no response at all (network error or timeout)', () => {
    expect(isRetryable(undefined)).toBe(true);
  });
});

describe('backoff (retries.go RetryConfigFromDeliverySpec, go-retryablehttp attemptNum from 0)', () => {
  it('exponential: delay * 2^retriesDone, so PT0.5S waits 0.5s, 1s, 2s, 4s', () => {
    const policy = retryPolicy({ retry: 4, backoffPolicy: 'exponential', backoffDelay: 'PT0.5S' });
    expect([0, 1, 2, 3].map((n) => backoffMs(policy, n))).toEqual([500, 1000, 2000, 4000]);
  });

  it('linear: delay * retriesDone, so PT2.5S waits 0s, 2.5s, 5s', () => {
    const policy = retryPolicy({ retry: 3, backoffPolicy: 'linear', backoffDelay: 'PT2.5S' });
    expect([0, 1, 2].map((n) => backoffMs(policy, n))).toEqual([0, 2500, 5000]);
  });

  it('no backoff unless both backoffPolicy and backoffDelay are set', () => {
    expect(backoffMs(retryPolicy({ retry: 3, backoffDelay: 'PT1S' }), 2)).toBe(0);
    expect(backoffMs(retryPolicy({ retry: 3, backoffPolicy: 'exponential' }), 2)).toBe(0);
  });

  it('retry: N means N retries after the first attempt; none set means no retry', () => {
    expect(retryPolicy({ retry: 5 }).retry).toBe(5);
    expect(retryPolicy(undefined).retry).toBe(0);
  });

  it('timeout is the per-attempt request timeout', () => {
    expect(retryPolicy({ timeout: 'PT10S' }).timeoutMs).toBe(10_000);
    expect(retryPolicy({}).timeoutMs).toBeUndefined();
  });
});

describe('Retry-After (pkg/kncloudevents generateBackoffFn)', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const withMax = retryPolicy({
    retry: 3,
    backoffPolicy: 'linear',
    backoffDelay: 'PT1S',
    retryAfterMax: 'PT30S',
  });
  const withoutMax = retryPolicy({ retry: 3, backoffPolicy: 'linear', backoffDelay: 'PT1S' });

  it('counts only on 429 and 503', () => {
    expect(retryAfterMs(withMax, 429, '5', now)).toBe(5000);
    expect(retryAfterMs(withMax, 503, '5', now)).toBe(5000);
    expect(retryAfterMs(withMax, 500, '5', now)).toBe(0);
    expect(retryAfterMs(withMax, 404, '5', now)).toBe(0);
  });

  it('counts only when retryAfterMax is set (the feature is opt-in)', () => {
    expect(retryAfterMs(withoutMax, 429, '5', now)).toBe(0);
  });

  it('is capped at retryAfterMax, reads HTTP dates, and PT0S turns it off', () => {
    expect(retryAfterMs(withMax, 429, '120', now)).toBe(30_000);
    expect(retryAfterMs(withMax, 503, new Date(now + 7000).toUTCString(), now)).toBe(7000);
    expect(retryAfterMs(retryPolicy({ retryAfterMax: 'PT0S' }), 429, '9', now)).toBe(0);
  });

  it('the wait is the larger of the backoff and Retry-After', () => {
    expect(retryWaitMs(withMax, 2, { status: 429, retryAfter: '1' }, now)).toBe(2000);
    expect(retryWaitMs(withMax, 0, { status: 429, retryAfter: '3' }, now)).toBe(3000);
  });
});

describe('delivery spec of a Trigger (TRAPS: the Trigger replaces the Broker as a whole, DLS falls back)', () => {
  const broker: Broker = {
    name: 'default',
    namespace: 'default',
    origin: 'test',
    delivery: {
      retry: 5,
      backoffPolicy: 'exponential',
      backoffDelay: 'PT0.2S',
      deadLetterSink: { uri: 'http://ledger/dead-letters' },
    },
  };
  const trigger = (delivery?: Trigger['delivery']): Trigger => ({
    name: 't',
    namespace: 'default',
    origin: 'test',
    broker: 'default',
    subscriber: { uri: 'http://x/' },
    delivery,
  });

  it('a Trigger without delivery uses the Broker spec', () => {
    const { policy, deadLetterSink } = effectiveDelivery(trigger(), broker);
    expect(policy).toMatchObject({ retry: 5, policy: 'exponential', delayMs: 200 });
    expect(deadLetterSink).toEqual({ uri: 'http://ledger/dead-letters' });
  });

  it("a Trigger's delivery replaces retry and backoff as a whole, the Broker's sink stays the fallback", () => {
    const { policy, deadLetterSink } = effectiveDelivery(trigger({ retry: 1 }), broker);
    expect(policy).toMatchObject({ retry: 1, policy: undefined, delayMs: 0 });
    expect(deadLetterSink).toEqual({ uri: 'http://ledger/dead-letters' });
  });

  it("a Trigger's own dead-letter sink wins", () => {
    const own = { uri: 'http://mine/' };
    expect(effectiveDelivery(trigger({ deadLetterSink: own }), broker).deadLetterSink).toBe(own);
  });
});

describe('ISO-8601 durations (rickb777/date period.Parse)', () => {
  it.each([
    ['PT0.2S', 200],
    ['PT1M30S', 90_000],
    ['PT2H', 7_200_000],
    ['P1D', 86_400_000],
    ['P1DT1S', 86_401_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['10s', 'PT', 'P1X', '-PT1S', ''])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
