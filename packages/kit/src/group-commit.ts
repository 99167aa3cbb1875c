/**
 * @module Group commit: writes that arrive while one batch commits wait and go together in the next,
 * so many writes cost one Firestore commit (an RPC costs about a millisecond of CPU in the client,
 * and as much again in Firestore). A batch that fails is split in halves, and those again, down to
 * single writes: one bad write (a create of a document that exists) fails only its own caller, and
 * costs a few commits more, not one per write of its batch.
 */

export interface GroupCommitOptions<T, R> {
  /** Commits the items as one batch; resolves with one result per item, in their order. */
  commit(items: readonly T[]): Promise<R[]>;
  /** Most items in one batch (Firestore takes 500 writes in one commit). */
  maxItems?: number;
  /**
   * How long a batch gathers before it commits: 0 commits at the next turn of the event loop (a
   * caller that waits for its write loses nothing alone, and gains under load). A delay suits
   * writes nobody waits for.
   */
  gatherMs?: number;
}

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
    this.#maxItems = options.maxItems ?? 500;
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
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
      const half = Math.ceil(group.length / 2);
      await Promise.all([this.#commitGroup(group.slice(0, half)), this.#commitGroup(group.slice(half))]);
    }
  }
}
