/**
 * @module Placing orders and the provider's webhooks are held to a rate per client at the public
 * edge (hono-rate-limiter's fixed window, in this instance's memory): beyond it, 429 problem+json
 * with `Retry-After`. Clients are told apart as client-address.ts says (the trusted proxy hops; IPv6
 * by /64). The first refusal of a client in a window is logged (a warning, without the client's
 * address): a provider held back, or a flood, shows in the logs and not only in the 429 count.
 */
import { type Logger, Problem } from '@stockflow/kit';
import type { MiddlewareHandler } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
import { clientKey } from './client-address.ts';

export interface RateLimitOptions {
  /** Requests per client per window; 0 turns the limit off. */
  limit: number;
  windowMs?: number;
  /** How many proxies in front of web append to X-Forwarded-For (0: use the socket's peer). */
  trustedProxyHops?: number;
  /** What is limited, in the log line: `placing orders`, `provider webhooks`. */
  what: string;
  log: Logger;
}

/** Clients warned of per window, at most: a flood from many addresses logs this many lines, then one. */
const WARNED_PER_WINDOW = 100;

/** Limits the requests it guards to `limit` per client per window; a pass-through when `limit` is 0. */
export function rateLimitPerClient({
  limit,
  windowMs = 60_000,
  trustedProxyHops = 0,
  what,
  log,
}: RateLimitOptions): MiddlewareHandler {
  if (limit <= 0) {
    return async function noRateLimit(_c, next) {
      await next();
    };
  }
  // Warnings count in windows of their own, from the first refusal after the last window ended.
  let windowEnds = 0;
  const warned = new Set<string>();
  /** The first refusal of a client in a window (and of the window, once many clients were). */
  const warnOnce = (key: string) => {
    const now = Date.now();
    if (now >= windowEnds) {
      windowEnds = now + windowMs;
      warned.clear();
    }
    if (warned.has(key) || warned.size > WARNED_PER_WINDOW) return;
    warned.add(key);
    const many = warned.size > WARNED_PER_WINDOW;
    log.warn(
      many ? 'rate limit reached by many clients; no more warnings this window' : 'rate limit reached',
      {
        what,
        limit,
        windowSeconds: Math.round(windowMs / 1000),
        clientsRefused: warned.size,
      },
    );
  };
  const keyOf = (c: Parameters<MiddlewareHandler>[0]) => clientKey(c, trustedProxyHops);
  return rateLimiter({
    windowMs,
    limit,
    standardHeaders: 'draft-7',
    keyGenerator: keyOf,
    handler: (c) => {
      warnOnce(keyOf(c));
      // The library has set Retry-After (seconds until the window resets) on the context.
      const retryAfter = c.res.headers.get('retry-after') ?? String(Math.ceil(windowMs / 1000));
      throw new Problem(429, 'Too Many Requests', {
        detail: `At most ${limit} of these requests per ${Math.round(windowMs / 1000)} s from one client; retry later.`,
        headers: { 'Retry-After': retryAfter },
      });
    },
  });
}
