import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freePort } from './free-port.ts';

const run = promisify(execFile);
const LOCKS = join(tmpdir(), 'stockflow-ports');
const moduleUrl = new URL('./free-port.ts', import.meta.url).href;

/** Another process that picks `count` ports and prints them, keeping them until it exits. */
async function pickInChild(count: number): Promise<number[]> {
  const script = `import { freePort } from ${JSON.stringify(moduleUrl)};
const ports = [];
for (let i = 0; i < ${count}; i++) ports.push(await freePort());
console.log(JSON.stringify(ports));`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
  return JSON.parse(stdout) as number[];
}

describe('freePort', () => {
  it('picks a port below the ephemeral range that a server can listen on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThanOrEqual(20_000);
    expect(port).toBeLessThan(32_768);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });

  it('reserves each pick for its process: a lock file names it while it lives', async () => {
    const port = await freePort();
    expect(readFileSync(join(LOCKS, String(port)), 'utf8')).toBe(String(process.pid));
  });

  it('never hands the same port to processes that pick at the same time', async () => {
    const mine = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    const theirs = await Promise.all([pickInChild(40), pickInChild(40)]);
    const all = [...mine, ...theirs.flat()];
    expect(new Set(all).size).toBe(all.length);
  }, 30_000);

  it("releases its locks when its process exits, and takes over a dead process's lock", async () => {
    const [port] = await pickInChild(1);
    expect(existsSync(join(LOCKS, String(port)))).toBe(false);
    // A lock left by a process that died without cleaning up (a pid that cannot be alive).
    mkdirSync(LOCKS, { recursive: true });
    const picks = new Set<number>();
    for (let p = 20_000; p < 32_000; p++) {
      if (!existsSync(join(LOCKS, String(p)))) writeFileSync(join(LOCKS, String(p)), '2147483646');
    }
    try {
      for (let i = 0; i < 5; i++) picks.add(await freePort());
      for (const p of picks) expect(readFileSync(join(LOCKS, String(p)), 'utf8')).toBe(String(process.pid));
    } finally {
      for (let p = 20_000; p < 32_000; p++) {
        const file = join(LOCKS, String(p));
        if (existsSync(file) && readFileSync(file, 'utf8') === '2147483646') {
          unlinkSync(file);
        }
      }
    }
  });
});
