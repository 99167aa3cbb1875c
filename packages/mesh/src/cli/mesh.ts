/**
 * @module `npm run mesh -- --manifests <dir> [--port <n>] [--log-level debug] [--journal <file>]`:
 * only the eventing data plane for the Brokers, Triggers and PingSources in a folder (subscribers by
 * `uri`), for tests and tools; with `--journal`, accepted events survive a restart; with
 * `--signing-key`, the issuer signs with that private JWK (a tool then signs its senders' tokens). Sender identity
 * follows the folder's `config-features` (none: off, as a default cluster); STOCKFLOW_INSECURE_EVENTS=1
 * turns it off anyway, BROKER_RATE_LIMIT caps each sender address (see `npm start`). Prints each
 * broker's ingress URL once ready; stops cleanly on SIGINT or SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startMesh } from '../mesh.ts';
import { INSECURE_EVENTS } from '../runner/env.ts';
import { senderPolicyFromEnv } from '../senders.ts';

const { values } = parseArgs({
  options: {
    manifests: { type: 'string' },
    port: { type: 'string' },
    'log-level': { type: 'string' },
    journal: { type: 'string' },
    'signing-key': { type: 'string' },
  },
});
if (!values.manifests) {
  process.stderr.write(
    'usage: npm run mesh -- --manifests <dir> [--port <n>] [--log-level debug|info|warn] [--journal <file>] [--signing-key <jwk-file>]\n',
  );
  process.exit(2);
}
const level = (values['log-level'] ?? process.env.LOG_LEVEL ?? 'info') as 'debug' | 'info' | 'warn' | 'error';
const port = Number(values.port ?? process.env.BROKER_PORT ?? 8081);

try {
  const mesh = await startMesh({
    manifests: values.manifests,
    port,
    logLevel: level,
    journal: values.journal,
    senders: senderPolicyFromEnv(process.env),
    insecure: process.env[INSECURE_EVENTS] === '1',
    // A tool that signs its own senders' tokens (the bench) gives the issuer's private JWK.
    signingKey: values['signing-key'] ? JSON.parse(readFileSync(values['signing-key'], 'utf8')) : undefined,
  });
  for (const broker of mesh.manifests.brokers) {
    process.stdout.write(`broker ingress: ${mesh.ingressUrl(broker.namespace, broker.name)}\n`);
  }
  const stop = (signal: string) => {
    process.stderr.write(`mesh: ${signal}, stopping\n`);
    mesh.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
} catch (error) {
  process.stderr.write(`mesh: ${(error as Error).message}\n`);
  process.exit(1);
}
