/**
 * @module Placing orders is held to a rate per client at the public edge (hono-rate-limiter's fixed
 * window, in this instance's memory): beyond it, 429 problem+json with `Retry-After`. Clients are
 * told apart as client-address.ts says (the trusted proxy hops; IPv6 by /64).
 */
import { Problem } from '@stockflow/kit';
import type { MiddlewareHandler } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
import { clientKey } from './client-address.ts';

export interface RateLimitOptions {
  /** Requests per client per window; 0 turns the limit off. */
  limit: number;
  windowMs?: number;
  /** How many proxies in front of web append to X-Forwarded-For (0: use the socket's peer). */
  trustedProxyHops?: number;
}

/** Limits the requests it guards to `limit` per client per window; a pass-through when `limit` is 0. */
export function rateLimitPerClient({
  limit,
  windowMs = 60_000,
  trustedProxyHops = 0,
}: RateLimitOptions): MiddlewareHandler {
  if (limit <= 0) {
    return async function noRateLimit(_c, next) {
      await next();
    };
  }
  return rateLimiter({
    windowMs,
    limit,
    standardHeaders: 'draft-7',
    keyGenerator: (c) => clientKey(c, trustedProxyHops),
    handler: (c) => {
      // The library has set Retry-After (seconds until the window resets) on the context.
      const retryAfter = c.res.headers.get('retry-after') ?? String(Math.ceil(windowMs / 1000));
      throw new Problem(429, 'Too Many Requests', {
        detail: `At most ${limit} of these requests per ${Math.round(windowMs / 1000)} s from one client; retry later.`,
        headers: { 'Retry-After': retryAfter },
      });
    },
  });
}
