/**
 * @module The stock writer, the one way inventory state changes (group commit). Commands that arrive
 * while a commit is under way queue up and go together into the next Firestore transaction: a hot
 * product's document is read and written once per group instead of once per order, so concurrent
 * orders for it do not fight over it. In the transaction each command is decided in arrival order
 * on the state the ones before it left, all-or-none; consumed events are deduplicated
 * (`Runtime.consumeMany`) and caused events staged in the outbox in that same transaction; every
 * caller is answered once its group has committed.
 */

import type { MovementActor } from '@stockflow/contracts';
import { type ConsumedEvent, type LogScope, logScope, type Runtime, unavailable } from '@stockflow/kit';
import type { AllocationStrategy, Change, TransitionContext } from './stock.ts';
import { InventoryUnit } from './store.ts';

export type InventoryState = Pick<InventoryUnit, 'stock' | 'reservation' | 'transfer' | 'locations'>;

export interface Command {
  /** The consumed event it applies, at most once; none for an admin's request. */
  event?: ConsumedEvent;
  /**
   * Further identities of what `event` does (goods received: its source and reference): the command
   * is a duplicate when its event or any of these was consumed before, and all are recorded with it.
   */
  sameAs?: readonly ConsumedEvent[];
  /** The stock documents it reads (the products of a reservation it reads come with it). */
  productIds: readonly string[];
  /** The reservation documents it reads. */
  orderIds: readonly string[];
  /** The transfer documents it reads (their products come with them). */
  transferIds?: readonly string[];
  /** Who asked (recorded on its movements); absent: inventory itself, for consumed events. */
  actor?: MovementActor;
  /** Decides the change on the group's state so far; if it throws, this command alone fails. */
  decide(state: InventoryState, ctx: TransitionContext): Change;
}

export interface StockWriterOptions {
  /**
   * Least time between the starts of two commits that write the same stock document: caps each
   * product's write rate. A commit of other products starts at once.
   */
  commitIntervalMs: number;
  defaultLowStockThreshold: number;
  /** How `order.placed` picks locations (the shop's setting). */
  strategy?: AllocationStrategy;
  /** A group stops growing at this many estimated document writes (Firestore: 500 per commit). */
  maxGroupWrites?: number;
  /**
   * Commands that may wait for a commit; past it `submit` refuses at once with 503 and Retry-After
   * (Knative retries it later) rather than keep a caller waiting past its delivery timeout.
   */
  maxQueued?: number;
}

interface Pending {
  command: Command;
  /** The submitting request's log and trace scope: its command's events belong to its trace. */
  scope: LogScope | undefined;
  resolve(change: Change | undefined): void;
  reject(error: unknown): void;
}

/** Thrown out of a group's transaction (rolling it back) when one command's decision failed. */
class CommandFailed extends Error {
  constructor(
    readonly index: number,
    cause: unknown,
  ) {
    super('a command of the group failed', { cause });
    this.name = 'CommandFailed';
  }
}

export class StockWriter {
  readonly #rt: Runtime<unknown>;
  readonly #options: Required<StockWriterOptions>;
  readonly #queue: Pending[] = [];
  #draining = false;
  /** When the last commit started (for commands whose products are known only once read). */
  #lastCommitAt = Number.NEGATIVE_INFINITY;
  /** Per product, when the last commit that wrote its stock document started. */
  readonly #lastWritten = new Map<string, number>();
  /** Commands taken into the next group while it waits for its start: they wait like the queue. */
  #held = 0;
  /** Commits so far, commands they carried, commands refused by a full queue (tests, benches). */
  readonly stats = { commits: 0, commands: 0, refused: 0 };

  constructor(rt: Runtime<unknown>, options: StockWriterOptions) {
    this.#rt = rt;
    this.#options = { maxGroupWrites: 450, maxQueued: 2_000, strategy: 'priority', ...options };
  }

  /**
   * Applies a command in the next group commit. Resolves with its change once durable, or with
   * undefined when its event had been applied before (a duplicate).
   */
  submit(command: Command): Promise<Change | undefined> {
    if (this.#queue.length + this.#held >= this.#options.maxQueued) {
      this.stats.refused++;
      return Promise.reject(
        unavailable(
          `${this.#queue.length + this.#held} stock changes are waiting for a commit; retry shortly.`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ command, scope: logScope.getStore(), resolve, reject });
      if (this.#draining) return;
      this.#draining = true;
      // After the current I/O phase, so requests that arrived together start out in one group.
      setImmediate(() => this.#drain());
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length) {
        const group = this.#takeGroup();
        const wait = this.#earliestStart(group) - Date.now();
        if (wait > 0) {
          this.#held = group.length;
          await new Promise((resolve) => setTimeout(resolve, wait));
          this.#held = 0;
        }
        const startedAt = Date.now();
        this.#lastCommitAt = startedAt;
        const written = await this.#commit(group);
        for (const productId of written) this.#lastWritten.set(productId, startedAt);
        this.#forgetOldWrites(startedAt);
      }
    } finally {
      this.#draining = false;
    }
  }

  /**
   * When a group may start: `commitIntervalMs` after the last commit that wrote any of its products,
   * so a hot product is written at most `1000 / commitIntervalMs` times a second while an order for
   * other products commits at once (a lone order never waits for the one before it). Commands that
   * reach stock through a reservation or a transfer (cancel, ship, transfer steps) learn their
   * products only when they read them: those wait for the interval after the last commit of any.
   */
  #earliestStart(group: Pending[]): number {
    const interval = this.#options.commitIntervalMs;
    if (interval <= 0) return 0;
    let earliest = 0;
    for (const { command } of group) {
      const throughHeld = command.orderIds.length > 0 || (command.transferIds?.length ?? 0) > 0;
      if (throughHeld && !command.productIds.length)
        earliest = Math.max(earliest, this.#lastCommitAt + interval);
      for (const productId of command.productIds) {
        earliest = Math.max(
          earliest,
          (this.#lastWritten.get(productId) ?? Number.NEGATIVE_INFINITY) + interval,
        );
      }
    }
    return earliest;
  }

  /** Drops products not written within the interval: they no longer hold a commit back. */
  #forgetOldWrites(now: number): void {
    if (this.#lastWritten.size < 1_000) return;
    for (const [productId, at] of this.#lastWritten) {
      if (at + this.#options.commitIntervalMs <= now) this.#lastWritten.delete(productId);
    }
  }

  /** The longest run of queued commands whose writes fit one transaction (at least one). */
  #takeGroup(): Pending[] {
    const group: Pending[] = [];
    const products = new Set<string>();
    let writes = 0;
    while (this.#queue.length) {
      const { command } = this.#queue[0]!;
      const newProducts = new Set(command.productIds.filter((id) => !products.has(id)));
      // Its dedupe record, its reservation or transfer, one event plus a stock.low and a movement per
      // product, new stock documents (the locations list at most once: within the 2).
      const cost =
        2 +
        command.orderIds.length +
        (command.transferIds?.length ?? 0) +
        2 * command.productIds.length +
        newProducts.size;
      if (group.length && writes + cost > this.#options.maxGroupWrites) break;
      group.push(this.#queue.shift()!);
      writes += cost;
      for (const id of newProducts) products.add(id);
    }
    return group;
  }

  /** Commits the group (less any command whose decision failed); answers the products it wrote. */
  async #commit(group: Pending[]): Promise<string[]> {
    let members = group;
    while (members.length) {
      try {
        const started = performance.now();
        const changes = await this.#transact(members);
        this.#rt.log.debug('stock commit', {
          commands: members.length,
          ms: Math.round(performance.now() - started),
        });
        this.stats.commits++;
        this.stats.commands += members.length;
        members.forEach((pending, i) => {
          pending.resolve(changes[i]);
        });
        for (const change of changes) if (change?.notice) this.#rt.log.warn(change.notice);
        return changes.flatMap((change) => change?.items.map((item) => item.productId) ?? []);
      } catch (error) {
        if (!(error instanceof CommandFailed)) {
          for (const pending of members) pending.reject(error);
          return [];
        }
        // Nothing was written: fail that command, and commit the others without it.
        const failed = error.index;
        members[failed]!.reject(error.cause);
        members = members.filter((_, i) => i !== failed);
      }
    }
    return [];
  }

  /** One transaction for the group; the changes of its commands (undefined for duplicates). */
  async #transact(members: Pending[]): Promise<Array<Change | undefined>> {
    // Each consuming command's identities, flattened: its event's, then those it is the same as.
    const identities = members.flatMap(({ command }, member) =>
      command.event ? [command.event, ...(command.sameAs ?? [])].map((event) => ({ member, event })) : [],
    );
    const events = identities.map(({ event }) => event);
    const keysOf = (commands: Command[]) => ({
      productIds: commands.flatMap((command) => command.productIds),
      orderIds: commands.flatMap((command) => command.orderIds),
      transferIds: commands.flatMap((command) => command.transferIds ?? []),
    });
    const { value } = await this.#rt.consumeMany(
      events,
      async (work, freshEvents, read) => {
        // New only when every identity is: a second delivery or a second event for the same goods.
        const fresh = members.map(() => true);
        identities.forEach(({ member }, k) => {
          fresh[member] = fresh[member]! && freshEvents[k]!;
        });
        const live = members.filter((_, i) => fresh[i]).map((pending) => pending.command);
        const unit = await InventoryUnit.load(work, keysOf(live), read);
        const now = new Date().toISOString();
        const changes = members.map((pending, i) => {
          if (!fresh[i]) return undefined;
          // The locations as the commands before this one left them.
          const ctx: TransitionContext = {
            now,
            defaultLowStockThreshold: this.#options.defaultLowStockThreshold,
            locations: unit.locations(),
            strategy: this.#options.strategy,
            ...(pending.command.actor ? { actor: pending.command.actor } : {}),
          };
          let change: Change;
          try {
            change = pending.command.decide(unit, ctx);
          } catch (error) {
            throw new CommandFailed(i, error);
          }
          // The group runs in the first submitter's async context: stage each command's events
          // under its own request's trace.
          const apply = () => unit.apply(change);
          if (pending.scope) logScope.run(pending.scope, apply);
          else apply();
          return change;
        });
        unit.save();
        return changes;
      },
      // Every command's documents, read with the dedupe records (a duplicate's too: rare, harmless).
      (db) => InventoryUnit.refs(db, keysOf(members.map((pending) => pending.command))),
      // Several instances write one hot product's document: optimistic commits fail fast on a race
      // where locking transactions wait on each other for seconds (kit's optimistic.ts). Every
      // document a decision writes is conditioned on its read; what is read and not written (the
      // locations list; the stock of a rejected order) orders as if read just before the race.
      { optimistic: true },
    );
    return value;
  }
}
