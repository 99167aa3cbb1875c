/**
 * @module What `npm start` (and `npm run dev`) read from their environment, as the stack's options:
 * the runner's own settings (ports, admin token, log level, what the broker asks of senders) and the
 * functions' settings the README's run table lists, handed to every process (each parses what it
 * declares; a manifest's own value wins, as it would on Knative). A test reads the README's table and
 * checks each variable reaches the process it configures.
 */

import { SEED_MODES, type SeedMode } from '../runner/demo-shop/seed.ts';
import { INSECURE_EVENTS } from '../runner/env.ts';
import type { LogLevel, StackOptions } from '../runner/stack.ts';
import { senderPolicyFromEnv } from '../senders.ts';

/** Settings of a function (web, orders or payments) that `npm start` passes on when they are set. */
export const FUNCTION_SETTINGS = [
  'ORDER_RATE_LIMIT',
  'ORDER_STREAMS_PER_CLIENT',
  'MAX_LINE_QUANTITY',
  'MAX_ORDER_LINES',
  'ORDER_STREAMS_PER_ORDER',
  'ORDER_TOKEN_TTL_DAYS',
  'PAYMENT_HOLD_SECONDS',
  'RETURN_DAYS',
  'WEBHOOK_RATE_LIMIT',
  'PAYMENT_RETRY_MIN_MS',
] as const;

/** The env every function's process gets from the runner's: OpenTelemetry's and FUNCTION_SETTINGS. */
export function functionEnv(env: Record<string, string | undefined>): Record<string, string> {
  const passed = (name: string) =>
    name.startsWith('OTEL_') || (FUNCTION_SETTINGS as readonly string[]).includes(name);
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => passed(entry[0]) && !!entry[1]),
  );
}

/** The stack's options and what `npm start` does once it is up. */
export interface StartSettings extends StackOptions {
  /** `SEED`: `demo` (the default) seeds the demo shop into an empty catalog; `none` does not. */
  seed: SeedMode;
}

/** `SEED`, checked: anything but `demo` or `none` stops `npm start` with a readable message. */
function seedMode(value: string | undefined): SeedMode {
  if (!value) return 'demo';
  if (!(SEED_MODES as readonly string[]).includes(value)) {
    throw new Error(`SEED must be ${SEED_MODES.join(' or ')}, not "${value}"`);
  }
  return value as SeedMode;
}

export function stackOptionsFromEnv(env: Record<string, string | undefined>, watch = false): StartSettings {
  return {
    seed: seedMode(env.SEED),
    port: Number(env.PORT ?? 8080),
    brokerPort: Number(env.BROKER_PORT ?? 8081),
    issuerPort: Number(env.STAFF_ISSUER_PORT ?? 8089),
    paymentSandboxPort: Number(env.PAYMENT_SANDBOX_PORT ?? 8092),
    adminToken: env.ADMIN_TOKEN || undefined,
    smtpUrl: env.SMTP_URL || undefined,
    logLevel: (env.LOG_LEVEL as LogLevel | undefined) ?? 'info',
    logFormat: env.LOG_FORMAT === 'json' ? 'json' : 'readable',
    env: functionEnv(env),
    dev: watch,
    brokerSenders: senderPolicyFromEnv(env),
    insecureEvents: env[INSECURE_EVENTS] === '1',
  };
}

/**
 * `--replicas name=N` (repeatable, or `a=2,b=3`): instances per Service. A malformed entry stops
 * `npm start` with a readable message; unknown names are refused by the stack, which knows the manifests.
 */
export function parseReplicas(entries: readonly string[]): Record<string, number> {
  const replicas: Record<string, number> = {};
  for (const entry of entries.flatMap((e) => e.split(','))) {
    const match = /^\s*([a-z0-9-]+)=(\d+)\s*$/.exec(entry);
    if (!match || Number(match[2]) < 1) {
      throw new Error(`--replicas takes name=N with N at least 1 (e.g. inventory=2), not "${entry}"`);
    }
    replicas[match[1]!] = Number(match[2]);
  }
  return replicas;
}
