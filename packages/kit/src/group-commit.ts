/**
 * @module Group commit: writes that arrive while one batch commits wait and go together in the next,
 * so many writes cost one Firestore commit (an RPC costs about a millisecond of CPU in the client,
 * and as much again in Firestore). A batch that fails because of one of its writes (a create of a
 * document that exists) is split in halves, and those again, down to single writes: the bad write
 * fails only its own caller, at a few commits more, not one per write. A batch the store refuses as
 * a whole (Firestore unavailable) fails every caller at once: splitting it would multiply the calls
 * to a store in trouble.
 */

export interface GroupCommitOptions<T, R> {
  /** Commits the items as one batch; resolves with one result per item, in their order. */
  commit(items: readonly T[]): Promise<R[]>;
  /**
   * Most items in one batch (`MAX_GROUP`). Firestore takes 500 writes in one commit, but a large
   * commit holds up other calls while it runs.
   */
  maxItems?: number;
  /**
   * How long a batch gathers before it commits: 0 commits at the next turn of the event loop (a
   * caller that waits for its write loses nothing alone, and gains under load). A delay suits
   * writes nobody waits for.
   */
  gatherMs?: number;
}

/**
 * Firestore's gRPC codes for a failure of one write of a batch: INVALID_ARGUMENT, NOT_FOUND,
 * ALREADY_EXISTS, FAILED_PRECONDITION. Others (UNAVAILABLE, DEADLINE_EXCEEDED, ...) are the store's.
 */
const ONE_WRITE_CODES = new Set([3, 5, 6, 9]);

const writeFailed = (error: unknown) =>
  ONE_WRITE_CODES.has((error as { code?: unknown } | undefined)?.code as number);

/**
 * The default batch size. On the emulator a commit of 500 creates of 1 KB took 29 ms, and a `get`
 * sent meanwhile by another client waited 23 ms for it; one of 50 took 3.6 ms. Batches of 500 in a
 * burst (a mesh resuming its journal) would hold up every function's transactions.
 */
export const MAX_GROUP = 50;

interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export class GroupCommit<T, R = void> {
  readonly #commit: (items: readonly T[]) => Promise<R[]>;
  readonly #maxItems: number;
  readonly #gatherMs: number;
  #waiting: Array<Waiting<T, R>> = [];
  #running: Promise<void> | undefined;
  /** Ends the current gathering early (flush). */
  #stopGathering: (() => void) | undefined;
  #flushing = false;

  constructor(options: GroupCommitOptions<T, R>) {
    this.#commit = options.commit;
    this.#maxItems = options.maxItems ?? MAX_GROUP;
    this.#gatherMs = options.gatherMs ?? 0;
  }

  /** Resolves with the item's result once its batch committed; rejects with its own failure. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      this.#running ??= this.#run();
    });
  }

  /** Commits what waits without gathering longer; resolves once nothing waits or commits. */
  async flush(): Promise<void> {
    this.#flushing = true;
    this.#stopGathering?.();
    try {
      while (this.#running) await this.#running;
    } finally {
      this.#flushing = false;
    }
  }

  async #run(): Promise<void> {
    try {
      while (this.#waiting.length) {
        await this.#gather();
        await this.#commitGroup(this.#waiting.splice(0, this.#maxItems));
      }
    } finally {
      this.#running = undefined;
    }
  }

  #gather(): Promise<void> {
    if (this.#flushing || this.#gatherMs <= 0) return new Promise((resolve) => setImmediate(resolve));
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.#gatherMs);
      this.#stopGathering = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      this.#stopGathering = undefined;
    });
  }

  async #commitGroup(group: Array<Waiting<T, R>>): Promise<void> {
    try {
      const results = await this.#commit(group.map((waiting) => waiting.item));
      for (const [i, waiting] of group.entries()) waiting.resolve(results[i]!);
    } catch (error) {
      if (group.length === 1 || !writeFailed(error)) {
        for (const waiting of group) waiting.reject(error);
        return;
      }
      const half = Math.ceil(group.length / 2);
      await Promise.all([this.#commitGroup(group.slice(0, half)), this.#commitGroup(group.slice(half))]);
    }
  }
}
