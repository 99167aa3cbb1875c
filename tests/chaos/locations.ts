/**
 * @module Stock over several locations in the chaos suite: the locations (created through inventory's
 * staff API), transfers between them moved along their saga while the orders and faults run, and the
 * per-location checks at the end (invariants, in transit, reservations, movements rebuilding levels).
 */
import type { Firestore } from '@google-cloud/firestore';
import type { Allocation, Movement, StockLevel, Transfer } from '@stockflow/contracts';
import { compareRebuild, rebuildLevels } from '../../functions/inventory/src/rebuild.ts';
import type { StockItem } from '../../functions/inventory/src/stock.ts';

/** A staff call through web (as in faults.test.ts): the status and the parsed body. */
export type StaffCall = <T>(
  fn: string,
  path: string,
  init?: RequestInit,
) => Promise<{ status: number; body: T }>;

/** The three locations the stock is spread over, in priority order, with each one's share of a product. */
export const LOCATIONS = [
  { id: 'chaos-north', name: 'Chaos North', priority: 10, share: 0.4 },
  { id: 'chaos-south', name: 'Chaos South', priority: 20, share: 0.35 },
  { id: 'chaos-east', name: 'Chaos East', priority: 30, share: 0.25 },
] as const;

/** How many of a product's `total` units each location receives (the last one takes the rounding). */
export function spread(total: number): Array<{ locationId: string; quantity: number }> {
  const firsts = LOCATIONS.slice(0, -1).map((l) => ({
    locationId: l.id,
    quantity: Math.round(total * l.share),
  }));
  const rest = total - firsts.reduce((n, l) => n + l.quantity, 0);
  return [...firsts, { locationId: LOCATIONS.at(-1)!.id, quantity: rest }];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const random = (n: number) => Math.floor(Math.random() * n);

/**
 * Resends a staff call to `fn` (inventory unless told) while the stack is hurt (no answer, 5xx: a
 * killed function, a proxy's 503) until it gets a definite answer, or throws after `withinMs`. A
 * process killed inside a transaction holds its locks until Firestore expires it (about 60 s), hence
 * the long default.
 */
export async function definite<T>(
  call: StaffCall,
  path: string,
  init: RequestInit,
  withinMs = 150_000,
  fn = 'inventory',
): Promise<{ status: number; body: T; resends: number }> {
  const deadline = Date.now() + withinMs;
  for (let resends = 0; ; resends++) {
    const answer = await call<T>(fn, path, init).catch(() => undefined);
    if (answer && answer.status < 500) return { ...answer, resends };
    if (Date.now() > deadline) {
      throw new Error(`${fn} gave no definite answer to ${init.method ?? 'GET'} ${path} in ${withinMs} ms`);
    }
    await sleep(300);
  }
}

/** What the transfer movers did, for the summary and the checks. */
export interface TransferTally {
  requested: number;
  dispatched: number;
  received: number;
  cancelled: number;
  /** Dispatches the source was too short for (orders took the stock): those transfers are cancelled. */
  short: number;
  resends: number;
  /** Transfers dispatched and not (yet) received. */
  inTransit: Set<string>;
}

export const newTally = (): TransferTally => ({
  requested: 0,
  dispatched: 0,
  received: 0,
  cancelled: 0,
  short: 0,
  resends: 0,
  inTransit: new Set(),
});

/**
 * Moves transfer `id` to `state` (`dispatch`, `receive`, `cancel`). A resend after an attempt whose
 * answer was lost finds the transfer there already (409 naming that state): that is success too.
 */
async function advance(
  call: StaffCall,
  tally: TransferTally,
  id: string,
  step: 'dispatch' | 'receive' | 'cancel',
): Promise<{ status: number; body: { state?: string; shortages?: unknown[] } }> {
  const reached = { dispatch: 'dispatched', receive: 'received', cancel: 'cancelled' }[step];
  const answer = await definite<{ state?: string; shortages?: unknown[] }>(call, `/transfers/${id}/${step}`, {
    method: 'POST',
  });
  tally.resends += answer.resends;
  if (answer.status === 409 && answer.body.state === reached) return { status: 200, body: answer.body };
  return answer;
}

/**
 * One mover: until `done()`, requests a transfer of 1–3 units of a random product between two random
 * locations, then cancels it (one in five), or dispatches it and receives it after a while, or leaves
 * it in transit (one in four dispatched). A dispatch the source is too short for is cancelled.
 */
export async function moveStock(
  call: StaffCall,
  productIds: string[],
  done: () => boolean,
  tally: TransferTally,
): Promise<void> {
  while (!done()) {
    const from = LOCATIONS[random(LOCATIONS.length)]!.id;
    const others = LOCATIONS.filter((l) => l.id !== from);
    const to = others[random(others.length)]!.id;
    const productId = productIds[random(productIds.length)]!;
    const requested = await definite<Transfer>(call, '/transfers', {
      method: 'POST',
      body: JSON.stringify({ from, to, lines: [{ productId, quantity: 1 + random(3) }] }),
    });
    tally.resends += requested.resends;
    if (requested.status !== 201) {
      throw new Error(
        `a transfer request was answered ${requested.status}: ${JSON.stringify(requested.body)}`,
      );
    }
    const { id } = requested.body;
    tally.requested++;
    const cancel = async () => {
      const cancelled = await advance(call, tally, id, 'cancel');
      if (cancelled.status !== 200) throw new Error(`cancelling ${id}: ${cancelled.status}`);
      tally.cancelled++;
    };
    if (tally.requested % 5 === 0) {
      await cancel();
      continue;
    }
    const dispatched = await advance(call, tally, id, 'dispatch');
    if (dispatched.status === 409 && dispatched.body.shortages) {
      tally.short++;
      await cancel();
      continue;
    }
    if (dispatched.status !== 200) {
      throw new Error(`dispatching ${id}: ${dispatched.status} ${JSON.stringify(dispatched.body)}`);
    }
    tally.dispatched++;
    tally.inTransit.add(id);
    if (tally.dispatched % 4 === 0) continue;
    // On the road for a while, as orders keep allocating around it.
    await sleep(200 + random(800));
    const received = await advance(call, tally, id, 'receive');
    if (received.status !== 200) throw new Error(`receiving ${id}: ${received.status}`);
    tally.received++;
    tally.inTransit.delete(id);
  }
}

/** Every transfer in `state`, through the staff API's pages. */
async function transfersIn(call: StaffCall, state: string): Promise<Transfer[]> {
  const all: Transfer[] = [];
  let cursor: string | undefined;
  do {
    const page = await call<{ items: Transfer[]; nextCursor?: string | null }>(
      'inventory',
      `/transfers?state=${state}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    if (page.status !== 200) throw new Error(`listing transfers answered ${page.status}`);
    all.push(...page.body.items);
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

const at = (productId: string, locationId: string) => `${productId}@${locationId}`;
const add = (sums: Map<string, number>, key: string, n: number) => sums.set(key, (sums.get(key) ?? 0) + n);

/**
 * The per-location checks once everything settled: at every location 0 ≤ reserved ≤ onHand and
 * available = onHand − reserved; product totals are the sums of their locations; the stock equation
 * at each location: onHand + in transit = seeded − sent away by transfers + transfers to it −
 * shipped from it + restocked there by returns (written-off returns net 0), and so per product;
 * in transit is what the dispatched, not received transfers carry (the API's and the movers' own
 * account agree); reserved is what the held reservations allocate there; and the movements rebuild
 * the stored levels exactly.
 */
export async function checkLocations(
  call: StaffCall,
  inventory: Firestore,
  productIds: string[],
  seeded: number,
  tally: TransferTally,
  orders: { shipped: Map<string, number>; restocked: Map<string, number> },
): Promise<{ violations: string[]; movements: number; transfersInTransit: number }> {
  const violations: string[] = [];
  const inTransit = await transfersIn(call, 'dispatched');
  // What transfers moved: out of `from` once dispatched, into `to` (on hand or in transit).
  const moved = new Map<string, number>();
  for (const t of [...inTransit, ...(await transfersIn(call, 'received'))]) {
    for (const line of t.lines) add(moved, at(line.productId, t.from), -line.quantity);
    for (const line of t.received ?? t.lines) add(moved, at(line.productId, t.to), line.quantity);
  }
  const seededAt = new Map(spread(seeded).map((l) => [l.locationId, l.quantity]));
  const expected = (productId: string, locationId: string) => {
    const where = at(productId, locationId);
    return (
      (seededAt.get(locationId) ?? 0) +
      (moved.get(where) ?? 0) -
      (orders.shipped.get(where) ?? 0) +
      (orders.restocked.get(where) ?? 0)
    );
  };
  const carried = new Map<string, number>();
  for (const t of inTransit)
    for (const line of t.lines) add(carried, at(line.productId, t.to), line.quantity);
  const listed = new Set(inTransit.map((t) => t.id));
  for (const id of tally.inTransit)
    if (!listed.has(id)) violations.push(`transfer ${id} dispatched, not listed in transit`);
  for (const id of listed)
    if (!tally.inTransit.has(id)) violations.push(`transfer ${id} in transit, never dispatched here`);

  const allocated = new Map<string, number>();
  for (const doc of (await inventory.collection('reservations').where('state', '==', 'reserved').get())
    .docs) {
    for (const a of (doc.get('allocations') ?? []) as Allocation[])
      add(allocated, at(a.productId, a.locationId), a.quantity);
  }

  for (const productId of productIds) {
    const { status, body: s } = await call<StockLevel>('inventory', `/stock/${productId}`);
    if (status !== 200) {
      violations.push(`${productId}: stock answered ${status}`);
      continue;
    }
    const sum = (field: 'onHand' | 'reserved' | 'inTransit') => s.locations.reduce((n, l) => n + l[field], 0);
    for (const field of ['onHand', 'reserved', 'inTransit'] as const) {
      if (s[field] !== sum(field))
        violations.push(`${productId}: ${field} ${s[field]}, its locations sum to ${sum(field)}`);
    }
    const total = LOCATIONS.reduce((n, l) => n + expected(productId, l.id), 0);
    if (s.onHand + s.inTransit !== total)
      violations.push(
        `${productId}: onHand ${s.onHand} + in transit ${s.inTransit}, the equation says ${total}`,
      );
    for (const l of LOCATIONS) {
      const level = s.locations.find((x) => x.locationId === l.id);
      const have = (level?.onHand ?? 0) + (level?.inTransit ?? 0);
      if (have !== expected(productId, l.id))
        violations.push(
          `${at(productId, l.id)}: onHand + in transit ${have}, the equation says ${expected(productId, l.id)}`,
        );
    }
    for (const l of s.locations) {
      const where = at(productId, l.locationId);
      if (l.onHand < 0) violations.push(`${where}: onHand ${l.onHand}`);
      if (!(l.reserved >= 0 && l.reserved <= l.onHand))
        violations.push(`${where}: reserved ${l.reserved}, onHand ${l.onHand}`);
      if (l.available !== l.onHand - l.reserved) violations.push(`${where}: available ${l.available}`);
      if (l.inTransit !== (carried.get(where) ?? 0)) {
        violations.push(
          `${where}: inTransit ${l.inTransit}, dispatched transfers carry ${carried.get(where) ?? 0}`,
        );
      }
      if (l.reserved !== (allocated.get(where) ?? 0)) {
        violations.push(
          `${where}: reserved ${l.reserved}, reservations allocate ${allocated.get(where) ?? 0}`,
        );
      }
    }
  }

  // The audit trail: the movements' deltas and the dispatched transfers give back every stored level.
  const [stock, movements, transfers] = await Promise.all(
    ['stock', 'movements', 'transfers'].map((name) => inventory.collection(name).get()),
  );
  violations.push(
    ...compareRebuild(
      stock!.docs.map((d) => d.data() as StockItem),
      rebuildLevels(
        movements!.docs.map((d) => d.data() as Movement),
        transfers!.docs.map((d) => d.data() as Transfer),
      ),
    ).map((problem) => `rebuild: ${problem}`),
  );
  return { violations, movements: movements!.size, transfersInTransit: inTransit.length };
}
