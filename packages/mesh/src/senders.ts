/**
 * @module Who may send to the broker ingress, and how often: an optional bearer token every outside
 * sender must present (as Knative's OIDC sender identity puts a token on each request), compared in
 * constant time, and an optional per-address request rate answered with 429 and `Retry-After`.
 */
import type { IncomingMessage } from 'node:http';
import { parseBearer, secretsEqual } from '@stockflow/kit';
import { MemoryStore } from 'hono-rate-limiter';

export interface SenderRateLimit {
  /** Requests each sender address may make per window. */
  limit: number;
  /** 60 000 (one minute) by default. */
  windowMs?: number;
}

export interface SenderPolicy {
  /** When set, every request needs `Authorization: Bearer <token>`. */
  token?: string;
  /** When set, each sender address is held to this rate. */
  rateLimit?: SenderRateLimit;
}

/**
 * The policy `npm start` and `npm run mesh` read from their environment: `BROKER_TOKEN` (at least 16
 * characters) and `BROKER_RATE_LIMIT` (requests per minute per sender address; 0 or unset: none).
 */
export function senderPolicyFromEnv(env: Record<string, string | undefined>): SenderPolicy {
  const token = env.BROKER_TOKEN || undefined;
  if (token !== undefined && token.length < 16)
    throw new Error('BROKER_TOKEN must be at least 16 characters');
  const limit = Number(env.BROKER_RATE_LIMIT || 0);
  if (!Number.isInteger(limit) || limit < 0) throw new Error('BROKER_RATE_LIMIT must be a whole number ≥ 0');
  return { token, rateLimit: limit > 0 ? { limit } : undefined };
}

export interface Refusal {
  status: 401 | 429;
  detail: string;
  headers: Record<string, string>;
}

export interface SenderGate {
  /** Why this request may not send, or undefined when it may. */
  check(req: IncomingMessage): Refusal | undefined;
  stop(): void;
}

export function senderGate(policy: SenderPolicy = {}): SenderGate {
  const { token, rateLimit } = policy;
  const windowMs = rateLimit?.windowMs ?? 60_000;
  // hono-rate-limiter's fixed-window counter, used here outside Hono: the mesh is plain node:http.
  const store = rateLimit ? new MemoryStore() : undefined;
  store?.init({ windowMs } as Parameters<MemoryStore['init']>[0]);

  return {
    check(req): Refusal | undefined {
      if (store && rateLimit) {
        // Counted before the token is checked, so guessing tokens is held to the same rate.
        const { totalHits, resetTime } = store.increment(req.socket.remoteAddress ?? 'unknown');
        if (totalHits > rateLimit.limit) {
          const waitMs = resetTime ? resetTime.getTime() - Date.now() : windowMs;
          return {
            status: 429,
            detail: `At most ${rateLimit.limit} requests per ${windowMs / 1000} s from one address.`,
            headers: { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) },
          };
        }
      }
      if (token) {
        const presented = parseBearer(req.headers.authorization);
        if (!presented || !secretsEqual(presented, token)) {
          return {
            status: 401,
            detail: 'This broker needs a bearer token from its senders.',
            headers: { 'www-authenticate': 'Bearer' },
          };
        }
      }
      return undefined;
    },
    stop() {
      store?.shutdown();
    },
  };
}
