/**
 * @module Environment as a schema: parsed once at start, failing fast with one readable message
 * that names every bad variable.
 */
import * as z from 'zod/mini';
import { DEFAULT_TOKEN_FILE } from './token-file.ts';

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
  K_SERVICE: z.optional(z.string()),
  /**
   * The file holding this function's OIDC sender token for `K_SINK` (Knative's SinkBinding mounts it
   * at `/oidc/token`; the local runner writes one and points here). No file: no token is sent.
   */
  OIDC_TOKEN_FILE: z._default(z.string().check(z.minLength(1)), DEFAULT_TOKEN_FILE),
  /** The cluster's OIDC issuer: `/events` verifies delivery tokens against it. Required, see below. */
  OIDC_ISSUER: z.optional(z.url()),
  /** The audience delivery tokens must carry; default `K_SERVICE`, else the function's name. */
  EVENTS_AUDIENCE: z.optional(z.string().check(z.minLength(1))),
  /** The function's namespace when the ServiceAccount's namespace file is absent. */
  POD_NAMESPACE: z.optional(z.string().check(z.minLength(1))),
  /** `1` accepts deliveries without verifying who sent them (local development only; logged). */
  STOCKFLOW_INSECURE_EVENTS: z.optional(z.enum(['0', '1', ''])),
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
  /** The body limit of a function's upload routes (its `uploads`: CSV imports), not of the rest. */
  UPLOAD_LIMIT_BYTES: z._default(envInt({ min: 1 }), 16 * 1024 * 1024),
  SINK_TIMEOUT_MS: z._default(envInt({ min: 1 }), 5_000),
  SHUTDOWN_TIMEOUT_MS: z._default(envInt({ min: 1 }), 8_000),
});

export type BaseConfig = z.infer<typeof baseEnv>;

export class ConfigError extends Error {
  constructor(
    service: string,
    error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> },
  ) {
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
