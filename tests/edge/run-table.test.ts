/**
 * `npm start` honours every variable the README's run table lists: each row's variable, set to a
 * value of its own, reaches what it configures: the runner's option (ports, admin token, log level,
 * what the broker asks of senders), or the env of the process of every function that declares it,
 * built as the runner builds it from knative/base, and parsed by that function into its config.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseEnv } from '@stockflow/kit';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../functions/catalog/src/app.ts';
import { inventory } from '../../functions/inventory/src/app.ts';
import { ledger } from '../../functions/ledger/src/app.ts';
import { orders } from '../../functions/orders/src/app.ts';
import { payments } from '../../functions/payments/src/app.ts';
import { type StartSettings, stackOptionsFromEnv } from '../../packages/mesh/src/cli/settings.ts';
import { loadManifests } from '../../packages/mesh/src/manifests.ts';
import { serviceEnv } from '../../packages/mesh/src/runner/env.ts';
import { web } from '../../web/server/app.ts';

const ROOT = join(import.meta.dirname, '../..');

/** The variables of the README's run table (the `| \`NAME\` | default | meaning |` rows). */
function runTable(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Run it'), readme.indexOf('## Prerequisites'));
  return [...section.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/gm)].map((match) => match[1]!);
}

/** A value of the variable's kind, told apart from any default. */
const SAMPLE: Record<string, string> = {
  PORT: '18080',
  BROKER_PORT: '18081',
  ADMIN_TOKEN: 'run-table-admin-token-0123456789',
  LOG_LEVEL: 'warn',
  STOCKFLOW_INSECURE_EVENTS: '1',
  STAFF_ISSUER_PORT: '18089',
  PAYMENT_SANDBOX_PORT: '18092',
  SMTP_URL: 'smtp://relay.example:2525',
  BROKER_RATE_LIMIT: '17',
  SEED: 'none',
  PAYMENT_RETRY_MIN_MS: '1500',
};
const sampleOf = (name: string) => SAMPLE[name] ?? '7';

/** Where the runner's own settings land in its options. */
const RUNNER_SETTINGS: Record<string, (options: StartSettings) => unknown> = {
  PORT: (o) => String(o.port),
  BROKER_PORT: (o) => String(o.brokerPort),
  ADMIN_TOKEN: (o) => o.adminToken,
  LOG_LEVEL: (o) => o.logLevel,
  STOCKFLOW_INSECURE_EVENTS: (o) => (o.insecureEvents ? '1' : undefined),
  STAFF_ISSUER_PORT: (o) => String(o.issuerPort),
  PAYMENT_SANDBOX_PORT: (o) => String(o.paymentSandboxPort),
  SMTP_URL: (o) => o.smtpUrl,
  BROKER_RATE_LIMIT: (o) => String(o.brokerSenders?.rateLimit?.limit),
  SEED: (o) => o.seed,
};

const FUNCTIONS = [catalog, inventory, orders, ledger, payments, web];
/** What a function needs to start that the cluster's Secrets give it (the runner's refs). */
const SECRETS: Record<string, Record<string, string>> = {
  payments: {
    PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9',
    PAYMENT_API_KEY: 'run-table-api-key',
    PAYMENT_WEBHOOK_SECRET: 'run-table-webhook-secret',
  },
};
const declares = (fn: (typeof FUNCTIONS)[number], name: string) =>
  Object.keys(fn.spec.env ?? {}).includes(name) && !(name in baseEnv.shape);

describe("the README's run table", () => {
  const table = runTable();

  it('lists the settings of npm start, ORDER_RATE_LIMIT and the edge limits among them', () => {
    expect(table).toEqual(
      expect.arrayContaining([
        'PORT',
        'ORDER_RATE_LIMIT',
        'ORDER_STREAMS_PER_CLIENT',
        'MAX_LINE_QUANTITY',
        'MAX_ORDER_LINES',
        'ORDER_STREAMS_PER_ORDER',
        'ORDER_TOKEN_TTL_DAYS',
      ]),
    );
  });

  it.each(runTable())('%s reaches what it configures', async (name) => {
    const value = sampleOf(name);
    const options = stackOptionsFromEnv({ [name]: value });
    const runner = RUNNER_SETTINGS[name];
    if (runner) return void expect(runner(options)).toBe(value);

    const configured = FUNCTIONS.filter((fn) => declares(fn, name));
    expect(
      configured.map((fn) => fn.name),
      `no function declares ${name}`,
    ).not.toEqual([]);
    const manifests = loadManifests(join(ROOT, 'knative', 'base'));
    for (const fn of configured) {
      const service = manifests.services.find((s) => s.name === fn.name)!;
      const env = serviceEnv(
        service,
        {
          port: 1,
          adminToken: 'x'.repeat(24),
          emulatorHost: '127.0.0.1:1',
          projectId: 'p',
          logLevel: 'silent',
          serviceUrl: (svc) => `http://127.0.0.1:9/${svc}`,
          sinkUrl: () => undefined,
          sinkBindings: manifests.sinkBindings,
          warn: () => undefined,
          extraEnv: options.env,
        },
        {},
      );
      expect(env[name], `${name} in ${fn.name}'s process`).toBe(value);
      // Only the setting is under test here, not event verification (no issuer in this test).
      const created = fn.create({
        env: { ...SECRETS[fn.name], ...env, LOG_LEVEL: 'silent', STOCKFLOW_INSECURE_EVENTS: '1' },
      });
      expect((created.rt.config as Record<string, unknown>)[name]).toBe(Number(value));
      await created.rt.close();
    }
  });
});
