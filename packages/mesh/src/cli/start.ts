/**
 * @module `npm start` (and `npm run dev`, with `--watch`): the whole of Stockflow on this machine.
 * PORT (8080) is web, BROKER_PORT (8081) the broker ingress, ADMIN_TOKEN the admin bearer token
 * (generated and printed when unset), LOG_LEVEL the functions' and mesh's log level, LOG_FORMAT=json
 * the functions' log lines as Cloud Logging reads them; OTEL_* variables (OTEL_EXPORTER_OTLP_ENDPOINT)
 * reach every function, which then exports its traces; BROKER_TOKEN makes the broker ingress require
 * it from outside senders (the functions get it), BROKER_RATE_LIMIT caps each sender address's
 * requests per minute. Ctrl-C stops all.
 */
import { parseArgs } from 'node:util';
import { type LogLevel, startStack } from '../runner/stack.ts';
import { senderPolicyFromEnv } from '../senders.ts';

const { values } = parseArgs({ options: { watch: { type: 'boolean', default: false } } });
const env = process.env;

let stack: Awaited<ReturnType<typeof startStack>> | undefined;
let stopping = false;
const stop = async (signal: string) => {
  if (stopping) {
    process.stderr.write('stack: stopping already; press Ctrl-C again to kill everything\n');
    process.exit(130);
  }
  stopping = true;
  process.stderr.write(`\nstack: ${signal}, stopping every process…\n`);
  await stack?.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

try {
  stack = await startStack({
    port: Number(env.PORT ?? 8080),
    brokerPort: Number(env.BROKER_PORT ?? 8081),
    adminToken: env.ADMIN_TOKEN || undefined,
    logLevel: (env.LOG_LEVEL as LogLevel | undefined) ?? 'info',
    logFormat: env.LOG_FORMAT === 'json' ? 'json' : 'readable',
    // OpenTelemetry's standard variables configure the functions' exporters, not the runner.
    env: Object.fromEntries(
      Object.entries(env).filter(
        (entry): entry is [string, string] => entry[0].startsWith('OTEL_') && !!entry[1],
      ),
    ),
    dev: values.watch,
    brokerSenders: senderPolicyFromEnv(env),
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
  ...Object.entries(urls.services)
    .filter(([name]) => name !== 'web')
    .map(([name, url]) => `  ${name.padEnd(25)}${url}`),
  `  firestore emulator       ${urls.firestore}`,
  `  mail sent (SMTP catcher) ${urls.mail}   (JSON: ${urls.mail}/messages)`,
  stack.generatedToken
    ? `  admin token              ${stack.adminToken}   (generated; set ADMIN_TOKEN to choose one)`
    : '  admin token              from ADMIN_TOKEN',
  values.watch ? '  watching files: functions restart on change, the SPA hot-reloads' : '',
  'Ctrl-C stops everything.',
  '',
];
process.stdout.write(`${lines.filter((line, i) => line || i === 0 || i === lines.length - 1).join('\n')}\n`);
