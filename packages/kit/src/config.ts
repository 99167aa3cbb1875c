/**
 * @module Environment as a schema: parsed once at start, failing fast with one readable message
 * that names every bad variable.
 */
import * as z from 'zod/mini';

/** An integer read from an environment variable (a string), within bounds. */
export function envInt({ min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = {}) {
  return z.coerce.number().check(z.int(), z.minimum(min), z.maximum(max));
}

/** A JSON Web Key Set given as JSON text: public keys only (a private part is refused). */
export function jsonWebKeySet() {
  return z.pipe(
    z.string().check(z.minLength(2)),
    z.transform((text, ctx) => {
      try {
        const set = JSON.parse(text) as { keys?: Array<Record<string, unknown>> };
        if (Array.isArray(set.keys) && set.keys.length > 0 && set.keys.every((key) => !('d' in key))) {
          return set as import('jose').JSONWebKeySet;
        }
      } catch {}
      ctx.issues.push({ code: 'custom', message: 'must be a JSON Web Key Set of public keys', input: text });
      return z.NEVER;
    }),
  );
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/** What every function reads, with the Knative contract's names (`PORT`, `K_SINK`, `K_SERVICE`). */
export const baseEnv = z.object({
  PORT: z._default(envInt({ min: 1, max: 65535 }), 8080),
  K_SINK: z.optional(z.url()),
  /**
   * A bearer token the outbox sends to `K_SINK` (`Authorization: Bearer …`), for a broker that
   * authenticates its senders as Knative's OIDC sender identity does; the local runner sets it.
   */
  K_SINK_TOKEN: z.optional(z.string().check(z.minLength(1))),
  K_SERVICE: z.optional(z.string()),
  GOOGLE_CLOUD_PROJECT: z._default(z.string().check(z.minLength(1)), 'stockflow-local'),
  FIRESTORE_DATABASE: z.optional(z.string().check(z.minLength(1))),
  LOG_LEVEL: z._default(z.enum(LOG_LEVELS), 'info'),
  /**
   * The break-glass admin token: off unless set. Every use is logged as a warning and recorded with
   * the actor `break-glass`; people sign in instead (web forwards a staff token).
   */
  ADMIN_TOKEN: z.optional(z.string().check(z.minLength(16, 'must be at least 16 characters'))),
  /** The public JWKS (JSON) of web's staff token signer; without it no staff token is accepted. */
  STAFF_JWKS: z.optional(jsonWebKeySet()),
  BODY_LIMIT_BYTES: z._default(envInt({ min: 1 }), 256 * 1024),
  SINK_TIMEOUT_MS: z._default(envInt({ min: 1 }), 5_000),
  SHUTDOWN_TIMEOUT_MS: z._default(envInt({ min: 1 }), 8_000),
});

export type BaseConfig = z.infer<typeof baseEnv>;

export class ConfigError extends Error {
  constructor(service: string, error: z.core.$ZodError) {
    const lines = error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
    super(`${service}: invalid environment\n${lines.join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseEnv<S extends z.ZodMiniObject>(
  service: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) throw new ConfigError(service, result.error);
  return result.data;
}
