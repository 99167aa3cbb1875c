/**
 * The runner's side of sender identity, with a real stack (the mesh, the shared Firestore emulator and
 * one probe process that reports its env and token file over HTTP): OIDC_ISSUER for every process, the
 * SinkBinding's token for the Broker's audience at OIDC_TOKEN_FILE (where Knative would project it at
 * /oidc/token, sinkbinding_lifecycle.go), a mesh restart that keeps accepting it, and
 * STOCKFLOW_INSECURE_EVENTS passed on when identity is off; then `npm run sender-token` against it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerAudience } from '../auth/names.ts';
import { writeClusterFile } from '../cli/cluster-file.ts';
import type { KnativeService, SinkBinding } from '../manifests.ts';
import { configFeaturesYaml } from '../testing.ts';
import { INSECURE_EVENTS, OIDC_ISSUER, OIDC_TOKEN_FILE, serviceEnv } from './env.ts';
import { type Stack, startStack } from './stack.ts';

const PROBE = `
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
const server = createServer((req, res) => {
  const file = process.env.OIDC_TOKEN_FILE;
  const body = JSON.stringify({ env: process.env, token: file ? readFileSync(file, 'utf8') : null });
  res.writeHead(200, { 'content-type': 'application/json' }).end(body);
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

const FEATURES = configFeaturesYaml({
  'authentication-oidc': 'enabled',
  'default-authorization-mode': 'deny-all',
});
const MANIFESTS = `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata:
  name: default
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: warehouse
---
apiVersion: sources.knative.dev/v1
kind: SinkBinding
metadata:
  name: probe
spec:
  subject:
    apiVersion: serving.knative.dev/v1
    kind: Service
    name: probe
  sink:
    ref:
      apiVersion: eventing.knative.dev/v1
      kind: Broker
      name: default
---
apiVersion: eventing.knative.dev/v1alpha1
kind: EventPolicy
metadata:
  name: probe-publishes
spec:
  to:
    - ref:
        apiVersion: eventing.knative.dev/v1
        kind: Broker
        name: default
  from:
    - ref:
        apiVersion: sources.knative.dev/v1
        kind: SinkBinding
        name: probe
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: probe
spec:
  template:
    spec:
      containers:
        - image: probe
`;

const PROBE_SUBJECT = 'system:serviceaccount:default:probe-oidc-sources.knative.dev-sinkbinding';

interface Report {
  env: Record<string, string>;
  token: string | null;
}

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'stockflow-identity-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function probeStack(
  manifests: string,
  insecureEvents?: boolean,
): Promise<{ stack: Stack; dir: string }> {
  const dir = folder({ 'knative/base/all.yaml': manifests, 'probe.mjs': PROBE });
  const stack = await startStack({
    root: dir,
    port: 0,
    brokerPort: 0,
    projectId: 'stockflow-identity',
    logLevel: 'warn',
    write: () => {},
    entries: { probe: join(dir, 'probe.mjs') },
    insecureEvents,
  });
  return { stack, dir };
}

const report = async (stack: Stack) => (await (await fetch(stack.urls.services.probe!)).json()) as Report;
const publish = (stack: Stack, token: string | null) =>
  fetch(stack.urls.broker, {
    method: 'POST',
    headers: {
      'ce-specversion': '1.0',
      'ce-id': `probe-${Math.random()}`,
      'ce-source': '/probe',
      'ce-type': 'probe.happened',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: '',
  });

describe('a stack with authentication-oidc on', () => {
  let stack: Stack;
  let dir: string;
  beforeAll(async () => {
    ({ stack, dir } = await probeStack(FEATURES + MANIFESTS));
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives the process OIDC_ISSUER and its SinkBinding's token for the Broker's audience in a 0600 file", async () => {
    expect(stack.identity).toBe(true);
    const { env, token } = await report(stack);
    expect(env[OIDC_ISSUER]).toBe(stack.mesh.url);
    expect(env[INSECURE_EVENTS]).toBeUndefined();
    expect(env[OIDC_TOKEN_FILE]!.startsWith(stack.stateDir)).toBe(true);
    expect(statSync(env[OIDC_TOKEN_FILE]!).mode & 0o777).toBe(0o600);
    expect(decodeJwt(token!)).toMatchObject({
      iss: stack.mesh.url,
      sub: PROBE_SUBJECT,
      aud: brokerAudience('default', 'default'),
    });
    // The broker takes the process's events with it, and refuses them without.
    expect((await publish(stack, token)).status).toBe(202);
    expect((await publish(stack, null)).status).toBe(401);
  });

  it('a restarted mesh keeps accepting the token the process holds (one key for the stack)', async () => {
    const { token } = await report(stack);
    await stack.restartMesh();
    expect((await publish(stack, token)).status).toBe(202);
  });

  it('npm run sender-token prints a token for a declared ServiceAccount, refuses others (exit 2)', async () => {
    writeClusterFile(join(dir, '.stockflow', 'cluster.json'), {
      issuer: stack.mesh.issuer.url,
      ingress: stack.urls.broker,
      namespace: 'default',
      privateJwk: stack.mesh.issuer.privateJwk,
    });
    expect(statSync(join(dir, '.stockflow', 'cluster.json')).mode & 0o777).toBe(0o600);
    const good = await senderToken(dir, ['warehouse']);
    expect(good.code).toBe(0);
    expect(good.stdout.trim().split('\n')).toHaveLength(1);
    expect(decodeJwt(good.stdout.trim())).toMatchObject({
      iss: stack.mesh.url,
      sub: 'system:serviceaccount:default:warehouse',
      aud: brokerAudience('default', 'default'),
    });
    // The identity is real, and no policy names it under deny-all: 403, not 401.
    expect((await publish(stack, good.stdout.trim())).status).toBe(403);

    const undeclared = await senderToken(dir, ['probe-oidc-sources.knative.dev-sinkbinding']);
    expect(undeclared.code).toBe(2);
    expect(undeclared.stdout).toBe('');
    expect(undeclared.stderr).toMatch(
      /no ServiceAccount probe-oidc-sources.knative.dev-sinkbinding is declared under knative\//,
    );
    expect((await senderToken(dir, [])).code).toBe(2);
  });
});

describe('a stack with identity off', () => {
  it.each([
    [
      'STOCKFLOW_INSECURE_EVENTS=1 over config-features',
      FEATURES + MANIFESTS.replace(/---\napiVersion: eventing.knative.dev\/v1alpha1[\s\S]*?---\n/, '---\n'),
      true,
    ],
    [
      'no config-features (Knative defaults)',
      MANIFESTS.replace(/---\napiVersion: eventing.knative.dev\/v1alpha1[\s\S]*?---\n/, '---\n'),
      undefined,
    ],
  ])(
    '%s: tells every process STOCKFLOW_INSECURE_EVENTS=1 and writes no token',
    async (_, manifests, insecure) => {
      const { stack, dir } = await probeStack(manifests, insecure);
      try {
        expect(stack.identity).toBe(false);
        const { env, token } = await report(stack);
        expect(env[INSECURE_EVENTS]).toBe('1');
        expect(env[OIDC_ISSUER]).toBe(stack.mesh.url);
        expect(env[OIDC_TOKEN_FILE]).toBeUndefined();
        expect(token).toBeNull();
        expect((await publish(stack, null)).status).toBe(202);
      } finally {
        await stack.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});

describe("a Service's identity env (serviceEnv)", () => {
  const service: KnativeService = { name: 'orders', namespace: 'default', origin: 't', labels: {}, env: [] };
  const binding: SinkBinding = {
    name: 'orders',
    namespace: 'default',
    origin: 't',
    subject: { kind: 'Service', name: 'orders' },
    sink: { ref: { kind: 'Broker', name: 'default' } },
  };
  const base = {
    port: 1,
    adminToken: 'a'.repeat(24),
    emulatorHost: '127.0.0.1:1',
    projectId: 'p',
    logLevel: 'info',
    serviceUrl: () => undefined,
    sinkUrl: () => 'http://127.0.0.1:2/default/default',
    sinkBindings: [binding],
    warn: () => {},
  };

  it('never lets the parent env or a manifest set the identity variables', () => {
    const env = serviceEnv(
      { ...service, env: [{ name: OIDC_ISSUER, value: 'https://container.googleapis.com/x' }] },
      { ...base, oidcIssuer: 'http://127.0.0.1:2', tokenFile: () => '/state/oidc/default.orders/token' },
      { [OIDC_TOKEN_FILE]: '/elsewhere', [INSECURE_EVENTS]: '1' },
    );
    expect(env[OIDC_ISSUER]).toBe('http://127.0.0.1:2');
    expect(env[OIDC_TOKEN_FILE]).toBe('/state/oidc/default.orders/token');
    expect(env[INSECURE_EVENTS]).toBeUndefined();
  });

  it('gives a Service no SinkBinding selects no token file', () => {
    const env = serviceEnv({ ...service, name: 'web' }, { ...base, tokenFile: () => '/t' }, {});
    expect(env[OIDC_TOKEN_FILE]).toBeUndefined();
    expect(env.K_SINK).toBeUndefined();
  });
});

const cli = fileURLToPath(new URL('../cli/sender-token.ts', import.meta.url));

function senderToken(
  root: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    env: { PATH: process.env.PATH ?? '', STOCKFLOW_ROOT: root },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}
