/**
 * @module How often a sender address may call the broker ingress: an optional per-address request
 * rate answered with 429 and `Retry-After`. Who may send is sender identity's business (OIDC tokens
 * and EventPolicies, auth/verifier.ts).
 */
import type { IncomingMessage } from 'node:http';
import { MemoryStore } from 'hono-rate-limiter';

export interface SenderRateLimit {
  /** Requests each sender address may make per window. */
  limit: number;
  /** 60 000 (one minute) by default. */
  windowMs?: number;
}

export interface SenderPolicy {
  /** When set, each sender address is held to this rate. */
  rateLimit?: SenderRateLimit;
}

/**
 * The policy `npm start` and `npm run mesh` read from their environment: `BROKER_RATE_LIMIT`
 * (requests per minute per sender address; 0 or unset: none). `BROKER_TOKEN`, the shared secret that
 * sender identity replaced, is refused so that no one believes it still protects anything.
 */
export function senderPolicyFromEnv(env: Record<string, string | undefined>): SenderPolicy {
  if (env.BROKER_TOKEN) {
    throw new Error(
      'BROKER_TOKEN is gone: senders now prove who they are with OIDC tokens (see README, "Sender identity"); unset it',
    );
  }
  const limit = Number(env.BROKER_RATE_LIMIT || 0);
  if (!Number.isInteger(limit) || limit < 0) throw new Error('BROKER_RATE_LIMIT must be a whole number ≥ 0');
  return { rateLimit: limit > 0 ? { limit } : undefined };
}

export interface Refusal {
  status: 429;
  detail: string;
  headers: Record<string, string>;
}

export interface SenderGate {
  /** Why this request may not send, or undefined when it may. */
  check(req: IncomingMessage): Refusal | undefined;
  stop(): void;
}

export function senderGate(policy: SenderPolicy = {}): SenderGate {
  const { rateLimit } = policy;
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
      return undefined;
    },
    stop() {
      store?.shutdown();
    },
  };
}
