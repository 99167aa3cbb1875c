/**
 * @module `npm run --silent sender-token -- <serviceaccount>`: one line on stdout, an OIDC token for
 * `system:serviceaccount:default:<serviceaccount>` with the broker's audience, signed by the running
 * local stack (`npm start`'s `.stockflow/cluster.json`); how a developer or a partner's test harness
 * sends events by hand. Only a ServiceAccount declared under knative/ may be named (exit 2 otherwise);
 * no running stack is exit 1.
 */
import { join } from 'node:path';
import { createIssuer, JWKS_PATH } from '../auth/issuer.ts';
import { brokerAudience, serviceAccountSubject } from '../auth/names.ts';
import { readManifestObjects } from '../manifests.ts';
import { REPO_ROOT } from '../runner/stack.ts';
import { clusterFilePath, readClusterFile } from './cluster-file.ts';

const fail = (code: number, message: string): never => {
  process.stderr.write(`sender-token: ${message}\n`);
  process.exit(code);
};

const root = process.env.STOCKFLOW_ROOT ?? REPO_ROOT;
const [name, ...rest] = process.argv.slice(2);
if (!name || rest.length) fail(2, 'usage: npm run --silent sender-token -- <serviceaccount>');

const declared = readManifestObjects(join(root, 'knative')).filter(
  (o) => o.apiVersion === 'v1' && o.kind === 'ServiceAccount' && o.metadata?.name,
);
const cluster = readClusterFile(clusterFilePath(root));
const namespace = cluster?.namespace ?? 'default';
if (!declared.some((o) => o.metadata!.name === name && (o.metadata!.namespace ?? 'default') === namespace)) {
  fail(
    2,
    `no ServiceAccount ${name} is declared under knative/ (declared: ${declared.map((o) => o.metadata!.name).join(', ') || 'none'}); add one there to give a sender an identity`,
  );
}
if (!cluster) fail(1, 'no local stack is running (npm start writes .stockflow/cluster.json)');

// A file left by a stack that was killed names an issuer that is gone or has another key.
const jwks = await fetch(`${cluster!.issuer}${JWKS_PATH}`, { signal: AbortSignal.timeout(3_000) })
  .then((res) => (res.ok ? (res.json() as Promise<{ keys: Array<{ kid?: string }> }>) : undefined))
  .catch(() => undefined);
if (!jwks?.keys.some((key) => key.kid === cluster!.privateJwk.kid)) {
  fail(
    1,
    `the stack in .stockflow/cluster.json (${cluster!.issuer}) is not running; start it with npm start`,
  );
}

const [, ns = namespace, broker = 'default'] = new URL(cluster!.ingress).pathname.split('/');
const issuer = await createIssuer(cluster!.issuer, cluster!.privateJwk);
process.stdout.write(
  `${await issuer.issue(serviceAccountSubject(namespace, name!), brokerAudience(ns, broker))}\n`,
);
