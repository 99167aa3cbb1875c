/**
 * @module Placing orders is held to a rate per client address at the public edge (hono-rate-limiter's
 * fixed window, in this instance's memory): beyond it, 429 problem+json with `Retry-After`. The
 * client is the socket's peer, or, behind proxies that append to `X-Forwarded-For`, the address the
 * outermost trusted one saw: entries further left are the client's own word and never trusted.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import { Problem } from '@stockflow/kit';
import type { Context, MiddlewareHandler } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';

export interface RateLimitOptions {
  /** Requests per client per window; 0 turns the limit off. */
  limit: number;
  windowMs?: number;
  /** How many proxies in front of web append to X-Forwarded-For (0: use the socket's peer). */
  trustedProxyHops?: number;
}

/** The address of the client that sent this request, as far as trusted parties can tell. */
export function clientAddress(c: Context, trustedProxyHops = 0): string {
  if (trustedProxyHops > 0) {
    const forwarded = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    // The last `hops` entries were written by our proxies; the first of those is what the outermost saw.
    const seen = forwarded[Math.max(0, forwarded.length - trustedProxyHops)];
    if (seen) return seen;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // No socket (an in-memory request in tests): one shared key.
    return 'unknown';
  }
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
    keyGenerator: (c) => clientAddress(c, trustedProxyHops),
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
