/**
 * `npm run mesh` as other tools use it: a real process that prints its broker ingress once ready,
 * delivers, and stops cleanly on SIGTERM and SIGINT.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createIssuer, generateSigningKey } from '../auth/issuer.ts';
import { brokerAudience } from '../auth/names.ts';
import { configFeaturesYaml, startSubscriber, type TestSubscriber } from '../testing.ts';

const cli = fileURLToPath(new URL('./mesh.ts', import.meta.url));
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

function folder(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-cli-'));
  writeFileSync(join(dir, 'broker.yaml'), yaml);
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.push(() => child.exitCode === null && child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    async ingress(): Promise<string> {
      for (let i = 0; i < 300; i++) {
        const match = /broker ingress: (\S+)/.exec(stdout);
        if (match) return match[1]!;
        if (child.exitCode !== null) throw new Error(`the mesh exited: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('the mesh printed no broker ingress');
    },
  };
}

async function subscriber(): Promise<TestSubscriber> {
  const started = await startSubscriber();
  cleanup.push(() => started.close());
  return started;
}

const manifests = (uri: string) => `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata:
  name: default
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: all
spec:
  broker: default
  subscriber:
    uri: ${uri}
`;

describe('npm run mesh', () => {
  it.each<NodeJS.Signals>(['SIGTERM', 'SIGINT'])(
    'prints the broker ingress, delivers to a uri subscriber, and exits 0 on %s',
    async (signal) => {
      const sub = await subscriber();
      const mesh = run(['--manifests', folder(manifests(`${sub.url}/events`)), '--port', '0']);
      const ingress = await mesh.ingress();
      expect(ingress).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/default\/default$/);
      const res = await fetch(ingress, {
        method: 'POST',
        headers: { 'ce-specversion': '1.0', 'ce-id': 'cli-1', 'ce-source': '/cli', 'ce-type': 'cli.test' },
        body: '',
      });
      expect(res.status).toBe(202);
      expect((await sub.waitFor(1))[0]!.headers['ce-id']).toBe('cli-1');
      mesh.child.kill(signal);
      expect(await mesh.exited).toBe(0);
      await expect(fetch(ingress, { method: 'OPTIONS' })).rejects.toThrow();
    },
  );

  it("follows the folder's config-features: with OIDC on, a token signed with --signing-key is accepted, none is 401", async () => {
    const key = await generateSigningKey();
    const dir = folder(
      configFeaturesYaml({
        'authentication-oidc': 'enabled',
        'default-authorization-mode': 'allow-same-namespace',
      }) + manifests('http://127.0.0.1:9/unused'),
    );
    const keyFile = join(dir, 'key.json');
    writeFileSync(keyFile, JSON.stringify(key), { mode: 0o600 });
    const mesh = run(['--manifests', dir, '--port', '0', '--signing-key', keyFile]);
    const ingress = await mesh.ingress();
    const issuer = await createIssuer(new URL(ingress).origin, key);
    const token = await issuer.issue(
      'system:serviceaccount:default:tool',
      brokerAudience('default', 'default'),
    );
    const send = (authorization?: string) =>
      fetch(ingress, {
        method: 'POST',
        headers: {
          'ce-specversion': '1.0',
          'ce-id': 'cli-oidc',
          'ce-source': '/cli',
          'ce-type': 'cli.test',
          ...(authorization ? { authorization } : {}),
        },
        body: '',
      });
    expect((await send()).status).toBe(401);
    expect((await send(`Bearer ${token}`)).status).toBe(202);
    mesh.child.kill('SIGTERM');
    expect(await mesh.exited).toBe(0);
  });

  it('exits 2 with its usage when --manifests is missing', async () => {
    const mesh = run([]);
    expect(await mesh.exited).toBe(2);
    expect(mesh.output().stderr).toMatch(/usage: npm run mesh -- --manifests <dir>/);
  });

  it('exits 1 naming the file and object of a bad manifest', async () => {
    const dir = folder(`apiVersion: eventing.knative.dev/v1
kind: Broker
metadata:
  name: default
spec:
  delivery:
    retyr: 3
`);
    const mesh = run(['--manifests', dir, '--port', '0']);
    expect(await mesh.exited).toBe(1);
    expect(mesh.output().stderr).toMatch(/Broker default .*broker\.yaml.*unknown field retyr/);
  });
});
