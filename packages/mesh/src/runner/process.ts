/**
 * @module One local process of the stack (a function, web, Vite): started in its own process group
 * (so a watcher's children stop with it), its output prefixed with its name, ready once its health
 * URL answers 2xx, stopped with SIGTERM and, after a grace period, SIGKILL. Nothing outlives the
 * runner: the groups are killed when the runner's process exits, however it exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type LogFormat, prefixedWriter } from './logs.ts';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** GET this until it answers 2xx. */
  readyUrl: string;
}

export class ProcessFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProcessFailedError';
  }
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) killGroup(child, 'SIGKILL');
  });
}

export class LocalProcess {
  readonly spec: ProcessSpec;
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  /** The last lines it wrote, for the message when it dies during start. */
  readonly #tail: string[] = [];

  constructor(
    spec: ProcessSpec,
    width: number,
    write: (text: string) => void,
    format: LogFormat = 'readable',
  ) {
    this.spec = spec;
    installExitHook();
    this.#child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this.#child);
    const out = prefixedWriter(
      spec.name,
      width,
      (line) => {
        this.#tail.push(line);
        if (this.#tail.length > 20) this.#tail.shift();
        write(line);
      },
      format,
    );
    this.#child.stdout?.setEncoding('utf8').on('data', (chunk: string) => out.push(chunk));
    this.#child.stderr?.setEncoding('utf8').on('data', (chunk: string) => out.push(chunk));
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        running.delete(this.#child);
        out.flush();
        resolve(code ?? (signal ? null : 0));
      });
      this.#child.once('error', (error) => {
        running.delete(this.#child);
        write(`${spec.name} │ could not start: ${error.message}\n`);
        resolve(null);
      });
    });
  }

  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Resolves once the health URL answers 2xx; rejects when the process exits or time runs out. */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.#exited.then(() => {
      exited = true;
    });
    while (!exited) {
      const ok = await fetch(this.spec.readyUrl, { signal: AbortSignal.timeout(1_000) }).then(
        (res) => res.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) {
        throw new ProcessFailedError(
          `${this.spec.name} did not answer ${this.spec.readyUrl} within ${timeoutMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new ProcessFailedError(
      `${this.spec.name} exited while starting:\n${this.#tail.join('') || '(no output)\n'}`,
    );
  }

  /** SIGKILL to its group at once, as a crash would (nothing drains); resolves once it has exited. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    killGroup(this.#child, 'SIGKILL');
    await this.#exited;
  }

  /** SIGTERM to its group, SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.alive) return;
    killGroup(this.#child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(this.#child, 'SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
    // A watcher's child may linger a moment after its parent: make sure the group is gone.
    killGroup(this.#child, 'SIGKILL');
  }
}
