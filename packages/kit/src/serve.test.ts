import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './free-port.ts';
import { asStaff, startFakeSink, testEnv } from './testing/index.ts';

const main = fileURLToPath(new URL('./testing/counter-main.ts', import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

async function startProcess(env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { child, base, exited };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('function did not start');
}

describe('a function process', () => {
  it('drains on SIGTERM: the in-flight request completes, its event is sent, then it exits 0', async () => {
    const sink = await startFakeSink();
    try {
      const { child, base, exited } = await startProcess({
        ...testEnv('serve', { K_SINK: sink.url, SLOW_MS: '700' }),
        LOG_LEVEL: 'info',
      });
      const inFlight = fetch(`${base}/counters`, {
        method: 'POST',
        headers: { ...(await asStaff('counter', 'manager')), 'content-type': 'application/json' },
        body: JSON.stringify({ counter: 'c1', by: 1 }),
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      child.kill('SIGTERM');
      const res = await inFlight;
      expect(res.status).toBe(201);
      expect(await exited).toBe(0);
      expect(sink.events.map((e) => e.type)).toEqual(['test.counter.incremented']);
      await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    } finally {
      await sink.close();
    }
  });

  it('exits with a readable message when its environment is invalid', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, PORT: 'not-a-port', ADMIN_TOKEN: 'short' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(78);
    expect(stderr).toContain('counter: invalid environment');
    expect(stderr).toMatch(/PORT: /);
    expect(stderr).toMatch(/ADMIN_TOKEN: must be at least 16 characters/);
  });

  it('exits 78 without OIDC_ISSUER, saying what to set, unless STOCKFLOW_INSECURE_EVENTS=1 (logged)', async () => {
    const { OIDC_ISSUER: _issuer, STOCKFLOW_INSECURE_EVENTS: _insecure, ...inherited } = process.env;
    const run = (env: Record<string, string>) => {
      const child = spawn(process.execPath, ['--import', 'tsx', main], {
        env: { ...inherited, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += chunk;
      });
      child.stderr.on('data', (chunk) => {
        output += chunk;
      });
      return { child, output: () => output };
    };
    const refused = run({ PORT: String(await freePort()) });
    expect(await new Promise((resolve) => refused.child.once('exit', resolve))).toBe(78);
    expect(refused.output()).toMatch(/OIDC_ISSUER: required/);

    const port = await freePort();
    const insecure = run({ PORT: String(port), STOCKFLOW_INSECURE_EVENTS: '1' });
    await expect.poll(() => insecure.output(), { timeout: 15_000 }).toMatch(/listening/);
    expect(insecure.output()).toMatch(/"severity":"WARNING".*STOCKFLOW_INSECURE_EVENTS=1/);
    insecure.child.kill('SIGTERM');
    expect(await new Promise((resolve) => insecure.child.once('exit', resolve))).toBe(0);
  });
});
