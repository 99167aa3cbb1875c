/**
 * @module What the whole-stack benches share: bundling what the stack runs (so a bench measures the
 * code as it is now, as each image runs it), and a stack on free ports with a fresh Firestore
 * project whose output is kept, the last lines only, for the error a failing bench prints.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { REPO_ROOT, type Stack, type StackOptions, startStack } from '../packages/mesh/src/runner/stack.ts';

const KEPT_LINES = 200;

export class BenchStackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchStackError';
  }
}

/** `npm run build`: every function's bundle and the SPA. */
export function buildBundles(): void {
  const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new BenchStackError(`npm run build failed (exit ${built.status})`);
}

/** A stack for a bench (`name` prefixes its Firestore project), and its last output lines. */
export async function startBenchStack(
  name: string,
  options: StackOptions = {},
): Promise<{ stack: Stack; recentLogs: () => string }> {
  const logs: string[] = [];
  const stack = await startStack({
    port: 0,
    brokerPort: 0,
    projectId: `stockflow-${name}-${randomUUID().slice(0, 8)}`,
    readyTimeoutMs: 90_000,
    write(text) {
      logs.push(text);
      if (logs.length > KEPT_LINES) logs.shift();
    },
    ...options,
  });
  return { stack, recentLogs: () => logs.slice(-30).join('') };
}
