/**
 * @module The mesh's journal: accepted events on disk, so that a mesh that stops mid-delivery (a
 * crash, a restart) delivers them when it starts again, as a durable (Kafka-backed) broker does.
 * One JSON line per accepted event, written and fsync'd before the ingress answers 202 (appends that
 * arrive together share one fsync), and one line per Trigger that is done with it (delivered,
 * dead-lettered or dropped). Opening a journal reads what is not done yet and compacts the file.
 */
import { type FileHandle, open, readFile, rename, writeFile } from 'node:fs/promises';
import type { MeshEvent } from './cloudevent.ts';

/** An accepted event with the Triggers (by `namespace/name`) that have yet to be done with it. */
export interface JournaledEvent {
  seq: number;
  namespace: string;
  broker: string;
  event: MeshEvent;
  triggers: string[];
}

type Line =
  | { a: number; ns: string; b: string; t: string[]; at: Record<string, string>; d: string }
  | { s: number; t: string };

export class Journal {
  readonly path: string;
  readonly #file: FileHandle;
  #seq: number;
  /** Lines waiting for the next write, and who waits for them to be durable. */
  #buffer: string[] = [];
  #waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  #flushing: Promise<void> | undefined;
  #closed = false;

  private constructor(path: string, file: FileHandle, seq: number) {
    this.path = path;
    this.#file = file;
    this.#seq = seq;
  }

  /**
   * Opens (or creates) the journal at `path`: returns the events some Trigger is not done with, and
   * rewrites the file with only those. A line cut short by a crash is ignored (its event was never
   * answered 202, so its sender still has it).
   */
  static async open(path: string): Promise<{ journal: Journal; pending: JournaledEvent[] }> {
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    const events = new Map<number, JournaledEvent>();
    let seq = 0;
    for (const raw of text.split('\n')) {
      if (!raw) continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        continue;
      }
      if ('a' in line) {
        seq = Math.max(seq, line.a);
        events.set(line.a, {
          seq: line.a,
          namespace: line.ns,
          broker: line.b,
          event: { attributes: line.at, data: Buffer.from(line.d, 'base64') },
          triggers: line.t,
        });
      } else {
        const entry = events.get(line.s);
        if (!entry) continue;
        entry.triggers = entry.triggers.filter((t) => t !== line.t);
        if (entry.triggers.length === 0) events.delete(line.s);
      }
    }
    const pending = [...events.values()];
    // Compact: write what is left to a new file and swap it in, so the journal never grows past what
    // one run of the mesh accepted.
    const compacted = `${path}.compact`;
    await writeFile(compacted, pending.map((entry) => `${JSON.stringify(accepted(entry))}\n`).join(''));
    await rename(compacted, path);
    const file = await open(path, 'a');
    return { journal: new Journal(path, file, seq), pending };
  }

  /** Writes an accepted event; resolves once it is on disk, with its sequence number. */
  async append(namespace: string, broker: string, event: MeshEvent, triggers: string[]): Promise<number> {
    const seq = ++this.#seq;
    await this.#write(JSON.stringify(accepted({ seq, namespace, broker, event, triggers })), true);
    return seq;
  }

  /**
   * Records that a Trigger is done with an event. Not waited for: should the line be lost, the event
   * is delivered once more after a restart, which at-least-once delivery allows.
   */
  settle(seq: number, trigger: string): void {
    void this.#write(JSON.stringify({ s: seq, t: trigger } satisfies Line), false).catch(() => {});
  }

  /** Writes what is buffered and closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#flushing;
    if (this.#buffer.length) await this.#flush();
    this.#closed = true;
    await this.#file.close();
  }

  #write(line: string, durable: boolean): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the journal is closed'));
    this.#buffer.push(line);
    const written = durable
      ? new Promise<void>((resolve, reject) => this.#waiting.push({ resolve, reject }))
      : Promise.resolve();
    this.#flushing ??= this.#flushLoop();
    return written;
  }

  /** One write and one fsync for everything buffered, again while more arrived meanwhile. */
  async #flushLoop(): Promise<void> {
    try {
      while (this.#buffer.length) await this.#flush();
    } finally {
      this.#flushing = undefined;
    }
  }

  async #flush(): Promise<void> {
    const lines = this.#buffer;
    const waiting = this.#waiting;
    this.#buffer = [];
    this.#waiting = [];
    try {
      await this.#file.write(`${lines.join('\n')}\n`);
      if (waiting.length) await this.#file.datasync();
      for (const w of waiting) w.resolve();
    } catch (error) {
      for (const w of waiting) w.reject(error as Error);
    }
  }
}

function accepted(entry: JournaledEvent): Line {
  return {
    a: entry.seq,
    ns: entry.namespace,
    b: entry.broker,
    t: entry.triggers,
    at: entry.event.attributes,
    d: entry.event.data.toString('base64'),
  };
}
