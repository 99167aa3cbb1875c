/**
 * @module Cold start: spawn a kit-based function (bundled as its image runs it) with no warm cache
 * and time until its first 2xx, against a bare node:http server spawned the same way, alternating
 * runs in one process; medians. Target: ratio ≤ 1.5.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../packages/kit/src/free-port.ts';
import { bundleFunction } from '../scripts/bundle.ts';
import { median, round } from './stats.ts';

const RUNS = 9;
const root = new URL('..', import.meta.url).pathname;
const dir = join(root, '.artifacts', 'bench', 'coldstart');

async function timeToFirst2xx(file: string, env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [file], {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return performance.now() - started;
      if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    child.kill('SIGKILL');
  }
}

export async function run() {
  mkdirSync(dir, { recursive: true });
  const fn = join(dir, 'function', 'main.mjs');
  const { bytes } = await bundleFunction(
    join(root, 'packages/kit/src/testing/counter-main.ts'),
    join(dir, 'function'),
  );
  const bare = join(dir, 'bare.mjs');
  writeFileSync(
    bare,
    "import http from 'node:http';\nhttp.createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '0.0.0.0');\n",
  );
  const env = {
    LOG_LEVEL: 'warn',
    GOOGLE_CLOUD_PROJECT: 'bench',
    NODE_COMPILE_CACHE: '',
    // As in a cluster, the function verifies senders: it fetches the issuer's keys in the background
    // at start (nobody answers here, which costs the start nothing more than in a cluster).
    OIDC_ISSUER: 'http://127.0.0.1:9',
  };
  const fnMs: number[] = [];
  const bareMs: number[] = [];
  await timeToFirst2xx(bare, env); // warm the OS file cache for node itself, not for the code under test
  for (let i = 0; i < RUNS; i++) {
    bareMs.push(await timeToFirst2xx(bare, env));
    fnMs.push(await timeToFirst2xx(fn, env));
  }
  const functionMs = round(median(fnMs), 1);
  const bareMedian = round(median(bareMs), 1);
  console.log(`function bundle loaded at start: ${(bytes / 1024).toFixed(1)} KiB`);
  console.log(`function first 2xx ms: ${fnMs.map((v) => v.toFixed(0)).join(' ')} (median ${functionMs})`);
  console.log(`bare http first 2xx ms: ${bareMs.map((v) => v.toFixed(0)).join(' ')} (median ${bareMedian})`);
  return { functionMs, bareMs: bareMedian, ratio: round(functionMs / bareMedian) };
}
