/**
 * @module Free loopback ports for local stacks, tests and benches, safe across processes.
 *
 * A port is picked before the process that will listen on it starts (a Service is told its PORT, as
 * Knative does), so between the pick and the listen another process could take it: a second stack,
 * a test that starts a server, or any outgoing connection, which draws its local port from the same
 * ephemeral range that `listen(0)` uses. A test stack that lost that race once forwarded a function's
 * requests to another test's server (404s from the wrong process).
 *
 * So ports come from below the kernel's ephemeral range (outgoing connections never use them), and
 * each pick is reserved with a lock file created exclusively in a directory shared by every process
 * of the machine: another process skips a port whose lock names a live process. The locks go away
 * when their process exits (and a dead process's lock is taken over). Libraries such as get-port only
 * keep such reservations within one process, which is why this is written here.
 */
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Below Linux's default ephemeral range (32768–60999) and above the ports people pick by hand. */
const FIRST = 20_000;
const LAST = 32_000;
const LOCKS = join(tmpdir(), 'stockflow-ports');
const held = new Set<string>();
let cleanupInstalled = false;

/**
 * A loopback port that nothing listens on and that no other process of this machine picked through
 * this function while it lives. Reserved for the life of this process.
 */
export async function freePort(): Promise<number> {
  mkdirSync(LOCKS, { recursive: true });
  installCleanup();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = FIRST + Math.floor(Math.random() * (LAST - FIRST));
    if (!reserve(port)) continue;
    if (await bindable(port)) return port;
    release(port);
  }
  throw new Error(`no free port between ${FIRST} and ${LAST} after 200 tries (locks in ${LOCKS})`);
}

function reserve(port: number): boolean {
  const file = join(LOCKS, String(port));
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      held.add(file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!staleLock(file)) return false;
      try {
        unlinkSync(file);
      } catch {
        return false;
      }
    }
  }
  return false;
}

/** A lock empty for this long was left by a process that died between creating and writing it. */
const EMPTY_LOCK_GRACE_MS = 5_000;

/** A lock whose process is gone (or that cannot be read as one). Exported for its tests. */
export function staleLock(file: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  // Created but not yet written: another process is reserving this port right now.
  if (text === '') {
    const created = statSync(file, { throwIfNoEntry: false });
    return created !== undefined && Date.now() - created.mtimeMs > EMPTY_LOCK_GRACE_MS;
  }
  const pid = Number(text);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function release(port: number): void {
  const file = join(LOCKS, String(port));
  held.delete(file);
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.once('exit', () => {
    for (const file of held) {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
  });
}
