/**
 * @module The real Firestore emulator (Google Cloud CLI) for tests and `npm start`: started on a free
 * loopback port, or reused when FIRESTORE_EMULATOR_HOST already names one; cleared per database;
 * stopped with its whole process group so no Java process outlives it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { freePort } from './free-port.ts';

export interface FirestoreEmulator {
  /** `127.0.0.1:<port>`: the value for FIRESTORE_EMULATOR_HOST. */
  readonly host: string;
  /** False when an already running emulator was reused (then stop() leaves it running). */
  readonly owned: boolean;
  /** Deletes every document of one database (named databases too). */
  clear(projectId: string, databaseId?: string): Promise<void>;
  stop(): Promise<void>;
}

export class EmulatorMissingError extends Error {
  constructor() {
    super(
      'The Firestore emulator is missing: install the Google Cloud CLI with its Firestore emulator ' +
        '(`gcloud components install cloud-firestore-emulator`, or Debian/Ubuntu `apt-get install ' +
        'google-cloud-cli-firestore-emulator`) and Java 17+, or set FIRESTORE_EMULATOR_HOST to a running one.',
    );
    this.name = 'EmulatorMissingError';
  }
}

/**
 * The emulator's JVM settings: the serial collector and the client compiler (C1) alone. The emulator
 * lives for a test run, a bench or a working session on a small machine, where Java's defaults (G1,
 * and C2 compiling hot code on threads of its own) cost more CPU than they give back: measured on 2
 * cores, read-modify-write transactions cost the emulator 2.97 ms of CPU each over the first 3,000
 * and 1.61 over the next (defaults), against 1.10 and 0.91 (these), with p50 latency 8.8 → 6.0 ms.
 * C2's code gets faster after ten thousand or so transactions (0.51 ms), which a long `npm start`
 * session may prefer: `JAVA_TOOL_OPTIONS` from the environment come after these and win.
 */
export const EMULATOR_JVM_OPTIONS = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];

export interface StartEmulatorOptions {
  /** Port to bind; a free one is picked when omitted. */
  port?: number;
  /** How long to wait for the emulator to answer. */
  timeoutMs?: number;
  /** Receives the emulator's own output lines (silent by default). */
  onLog?: (line: string) => void;
}

/** True when `gcloud` and its Firestore emulator component are installed. */
export function emulatorInstalled(): boolean {
  try {
    const root = execFileSync('gcloud', ['info', '--format=value(installation.sdk_root)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 30_000,
    }).trim();
    execFileSync('test', ['-d', `${root}/platform/cloud-firestore-emulator`]);
    return true;
  } catch {
    return false;
  }
}

export async function startFirestoreEmulator(options: StartEmulatorOptions = {}): Promise<FirestoreEmulator> {
  const { timeoutMs = 90_000, onLog } = options;
  const existing = process.env.FIRESTORE_EMULATOR_HOST;
  if (existing && (await answers(existing))) return handle(existing, undefined);
  if (!emulatorInstalled()) throw new EmulatorMissingError();

  const port = options.port ?? (await freePort());
  const host = `127.0.0.1:${port}`;
  // detached: the emulator gets its own process group, so stop() can end gcloud's Java child too.
  const javaOptions = [...EMULATOR_JVM_OPTIONS, process.env.JAVA_TOOL_OPTIONS ?? ''].join(' ').trim();
  const child = spawn('gcloud', ['emulators', 'firestore', 'start', `--host-port=${host}`, '--quiet'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, JAVA_TOOL_OPTIONS: javaOptions },
  });
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) onLog?.(line);
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killGroup);

  const deadline = Date.now() + timeoutMs;
  while (!(await answers(host))) {
    if (child.exitCode !== null) throw new Error(`Firestore emulator exited early (code ${child.exitCode})`);
    if (Date.now() > deadline) {
      killGroup();
      throw new Error(`Firestore emulator did not answer on ${host} within ${timeoutMs} ms`);
    }
    await sleep(250);
  }
  return handle(host, child, () => process.off('exit', killGroup));
}

function handle(host: string, child: ChildProcess | undefined, forget?: () => void): FirestoreEmulator {
  return {
    host,
    owned: child !== undefined,
    async clear(projectId, databaseId = '(default)') {
      const url = `http://${host}/emulator/v1/projects/${projectId}/databases/${encodeURIComponent(databaseId)}/documents`;
      const res = await fetch(url, { method: 'DELETE', signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`clearing ${databaseId} failed: ${res.status}`);
    },
    async stop() {
      if (!child?.pid) return;
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      await fetch(`http://${host}/shutdown`, { method: 'POST', signal: AbortSignal.timeout(5_000) }).catch(
        () => undefined,
      );
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // group already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // group already gone
        }
      }, 5_000);
      await exited;
      clearTimeout(timer);
      // The Java server may outlive the gcloud wrapper for a moment: wait until the port is free.
      for (let i = 0; i < 40 && (await answers(host)); i++) await sleep(125);
      forget?.();
    },
  };
}

async function answers(host: string): Promise<boolean> {
  try {
    const res = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1_000) });
    return res.ok;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
