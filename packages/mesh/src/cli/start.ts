/**
 * @module `npm start` (and `npm run dev`, with `--watch`): the whole of Stockflow on this machine.
 * PORT (8080) is web, BROKER_PORT (8081) the broker ingress, STAFF_ISSUER_PORT (8089) the dev OpenID
 * Connect issuer staff sign in with (seeded people, one per role), PAYMENT_SANDBOX_PORT (8092) the
 * test payment provider (printed with its test cards), ADMIN_TOKEN a break-glass admin
 * bearer token (off when unset), LOG_LEVEL the functions' and mesh's log level, LOG_FORMAT=json
 * the functions' log lines as Cloud Logging reads them; OTEL_* variables (OTEL_EXPORTER_OTLP_ENDPOINT)
 * reach every function, which then exports its traces; BROKER_RATE_LIMIT caps each sender address's
 * requests per minute; STOCKFLOW_INSECURE_EVENTS=1 turns sender identity off (warned at start); the
 * functions' settings in the README's run table (ORDER_RATE_LIMIT, …) reach the functions
 * (settings.ts). SEED=none leaves an empty catalog empty (SEED=demo, the default, seeds the demo
 * shop: demo-shop/seed.ts). `--replicas inventory=2` runs two instances of inventory behind a
 * round-robin on its address (runner/round-robin.ts). While up, `.stockflow/cluster.json` lets `npm run sender-token` sign for a declared
 * ServiceAccount. Ctrl-C stops all.
 */
import { parseArgs } from 'node:util';
import { testCardsLine } from '@stockflow/payment-sandbox';
import { brokerAudience } from '../auth/names.ts';
import { describeSeed, type SeedOutcome, seedOnStart } from '../runner/demo-shop/seed.ts';
import { DEV_STAFF } from '../runner/dev-issuer.ts';
import { INSECURE_EVENTS } from '../runner/env.ts';
import { REPO_ROOT, startStack } from '../runner/stack.ts';
import { clusterFilePath, removeClusterFile, writeClusterFile } from './cluster-file.ts';
import { parseReplicas, stackOptionsFromEnv } from './settings.ts';

const { values } = parseArgs({
  options: {
    watch: { type: 'boolean', default: false },
    replicas: { type: 'string', multiple: true, default: [] },
  },
});
const env = process.env;
const clusterFile = clusterFilePath(REPO_ROOT);

let stack: Awaited<ReturnType<typeof startStack>> | undefined;
let stopping = false;
const stop = async (signal: string) => {
  if (stopping) {
    process.stderr.write('stack: stopping already; press Ctrl-C again to kill everything\n');
    process.exit(130);
  }
  stopping = true;
  process.stderr.write(`\nstack: ${signal}, stopping every process…\n`);
  removeClusterFile(clusterFile);
  await stack?.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

let seeded: SeedOutcome | { failed: string };
try {
  const settings = { ...stackOptionsFromEnv(env, values.watch), replicas: parseReplicas(values.replicas) };
  stack = await startStack(settings);
  // A failed seed leaves a working, empty shop: said, not fatal.
  seeded = await seedOnStart(stack, settings.seed).catch((error: Error) => ({ failed: error.message }));
  writeClusterFile(clusterFile, {
    issuer: stack.mesh.issuer.url,
    ingress: stack.urls.broker,
    namespace: 'default',
    privateJwk: stack.mesh.issuer.privateJwk,
  });
} catch (error) {
  process.stderr.write(`\nstack: ${(error as Error).message}\n`);
  process.exit(1);
}
if (stopping) await new Promise(() => {});

const { urls } = stack;
const lines = [
  '',
  'Stockflow is up:',
  urls.web
    ? `  web (shop, admin, /api)  ${urls.web}`
    : '  web                      not declared in knative/base',
  `  broker ingress           POST ${urls.broker}`,
  stack.identity
    ? `  sender identity          on: tokens for ${brokerAudience('default', 'default')} (npm run --silent sender-token -- <serviceaccount>)`
    : `  sender identity          OFF (${env[INSECURE_EVENTS] === '1' ? `${INSECURE_EVENTS}=1` : 'no authentication-oidc in config-features'}): anyone may send any event`,
  ...Object.entries(urls.services)
    .filter(([name]) => name !== 'web')
    .map(([name, url]) => {
      const instances = stack!.urls.instances[name] ?? [];
      const spread = instances.length > 1 ? `   (round-robin over ${instances.length} instances)` : '';
      return `  ${name.padEnd(25)}${url}${spread}`;
    }),
  `  firestore emulator       ${urls.firestore}`,
  `  mail sent (SMTP catcher) ${urls.mail}   (JSON: ${urls.mail}/messages)`,
  `  payments (test provider) ${urls.payments}   (hosted pages; webhooks through web)`,
  `      test cards: ${testCardsLine()}; any future expiry, any CVC`,
  `  staff sign-in (dev OIDC) ${urls.web ?? ''}/admin  via ${urls.issuer}`,
  ...DEV_STAFF.map((p) => `      ${p.name.padEnd(15)} ${(p.role ?? 'no role').padEnd(8)} ${p.email}`),
  stack.adminToken
    ? '  break-glass admin token  from ADMIN_TOKEN (every use is logged)'
    : '  break-glass admin token  off (set ADMIN_TOKEN to turn it on)',
  `  demo shop                ${'failed' in seeded ? `seeding failed: ${seeded.failed}` : describeSeed(seeded)}`,
  values.watch ? '  watching files: functions restart on change, the SPA hot-reloads' : '',
  'Ctrl-C stops everything.',
  '',
];
process.stdout.write(`${lines.filter((line, i) => line || i === 0 || i === lines.length - 1).join('\n')}\n`);
