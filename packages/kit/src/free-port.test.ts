import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, staleLock } from './free-port.ts';

const LOCKS = join(tmpdir(), 'stockflow-ports');
const moduleUrl = new URL('./free-port.ts', import.meta.url).href;

/**
 * Another process that picks `count` ports and prints them, then holds them (as a running stack
 * does) until `exit` closes its stdin: its exit releases them, so a port seen again after that is no
 * collision.
 */
function pickInChild(count: number): { ports: Promise<number[]>; exit(): Promise<void> } {
  const script = `import { freePort } from ${JSON.stringify(moduleUrl)};
const ports = [];
for (let i = 0; i < ${count}; i++) ports.push(await freePort());
console.log(JSON.stringify(ports));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ports = new Promise<number[]>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('\n')) resolve(JSON.parse(out) as number[]);
    });
    child.once('exit', (code) => reject(new Error(`the picking process exited with ${code}`)));
  });
  return {
    ports,
    exit: () => {
      child.stdin.end();
      return exited;
    },
  };
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
    const children = [pickInChild(40), pickInChild(40)];
    try {
      const mine = await Promise.all(Array.from({ length: 20 }, () => freePort()));
      const theirs = await Promise.all(children.map((child) => child.ports));
      const all = [...mine, ...theirs.flat()];
      expect(new Set(all).size).toBe(all.length);
    } finally {
      await Promise.all(children.map((child) => child.exit()));
    }
  }, 30_000);

  it("releases its locks when its process exits, and takes over a dead process's lock", async () => {
    const child = pickInChild(1);
    const [port] = await child.ports;
    expect(existsSync(join(LOCKS, String(port)))).toBe(true);
    await child.exit();
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

  it('leaves alone a lock another process is still writing (empty), and takes over one left empty long ago', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stockflow-lock-'));
    try {
      const lock = join(dir, '20000');
      writeFileSync(lock, '');
      expect(staleLock(lock)).toBe(false);
      const old = new Date(Date.now() - 60_000);
      utimesSync(lock, old, old);
      expect(staleLock(lock)).toBe(true);
      writeFileSync(lock, String(process.pid));
      expect(staleLock(lock)).toBe(false);
      writeFileSync(lock, '2147483646');
      expect(staleLock(lock)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
