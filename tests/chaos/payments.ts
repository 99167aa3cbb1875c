/**
 * @module The order lifecycle in the chaos suite: shoppers pay (mostly the approving card, some a
 * declining one, some never, so their hold expires), staff ship some confirmed orders, deliver some
 * of those and take returns of some delivered ones (restocked or written off), all while the faults
 * run; the provider's faults (outage, duplicate and reordered webhooks); and the checks at the end:
 * every authorized payment captured, refunded or pending on a live order, and what the orders'
 * shipments and returns took out of and put back into each location.
 */
import type { Order } from '@stockflow/contracts';
import type { PaymentSandbox, SandboxPayment, SentWebhook } from '@stockflow/payment-sandbox';
import { CARDS, paymentStep, readUntil } from '../system/shopper.ts';
import { definite, LOCATIONS, type StaffCall } from './locations.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const random = (n: number) => Math.floor(Math.random() * n);

/** Orders still holding stock and, if paid, an authorization: the ones a payment may be pending on. */
export const LIVE = new Set<Order['status']>(['awaiting-payment', 'confirmed', 'partially-shipped']);

/** What the shoppers and staff did, for the summary. */
export interface LifecycleTally {
  paid: number;
  declined: number;
  unpaid: number;
  /** Orders inventory rejected (no stock): nothing to pay. */
  rejected: number;
  /** The hold ran out before the payment step opened, or before the shopper paid (session expired). */
  expired: number;
  /** The step did not open while the shopper waited (an order whose order.placed was refused waits for the replay). */
  stepTimedOut: number;
  /** From the order accepted to its payment step open (ms), for each order that got one. */
  stepMs: number[];
  shipped: number;
  delivered: number;
  returns: number;
  restocked: number;
  writtenOff: number;
  staffResends: number;
}

export const newLifecycleTally = (): LifecycleTally => ({
  paid: 0,
  declined: 0,
  unpaid: 0,
  rejected: 0,
  expired: 0,
  stepTimedOut: 0,
  stepMs: [],
  shipped: 0,
  delivered: 0,
  returns: 0,
  restocked: 0,
  writtenOff: 0,
  staffResends: 0,
});

/**
 * How often a shopper reads the order while waiting: after a second, then half as long again each
 * time up to every 5 s. The hold keeps hundreds waiting at once and every read goes through web and
 * orders: read once a second each (~260 reads/s), they took more of the machine than the saga did,
 * slowed the test process that hosts the mesh, and when orders restarted then, its first GET of the
 * mesh's discovery document timed out again and again while the backlog, and the reads, grew (the
 * "saga stalled" runs).
 */
const POLL = { intervalMs: 1_000, maxIntervalMs: 5_000 } as const;

/** Reads an order through web with the staff token, resending while the stack is hurt. */
async function readOrder(call: StaffCall, id: string): Promise<Order> {
  for (;;) {
    const answer = await call<Order>('orders', `/${id}`).catch(() => undefined);
    if (answer?.status === 200) return answer.body;
    // Hundreds of shoppers wait on a restarting orders: each backs off, or they keep it down.
    await sleep(1_000);
  }
}

/** Reads the order until `done` holds for it, or gives up after `timeoutMs` (undefined). */
async function orderWhen(
  call: StaffCall,
  id: string,
  done: (order: Order) => boolean,
  timeoutMs: number,
): Promise<Order | undefined> {
  const order = await readUntil(() => readOrder(call, id), done, { timeoutMs, ...POLL });
  return done(order) ? order : undefined;
}

/**
 * One shopper's turn at an order just placed: waits for the payment step (up to `stepWithinMs`, or
 * until the order can no longer be paid), then pays with the approving card (8 in 10), a declining
 * one (1 in 10), or leaves it unpaid (1 in 10) for the hold to run out. Resolves true when it was
 * paid with the approving card.
 */
export async function payFor(
  call: StaffCall,
  sandbox: () => PaymentSandbox,
  id: string,
  tally: LifecycleTally,
  stepWithinMs: number,
): Promise<boolean> {
  const fate = random(10);
  if (fate === 9) {
    tally.unpaid++;
    return false;
  }
  const asked = Date.now();
  const order = await paymentStep(() => readOrder(call, id), {
    timeoutMs: stepWithinMs,
    ...POLL,
  }).catch(() => undefined);
  if (!order) tally.stepTimedOut++;
  else if (order.status === 'rejected') tally.rejected++;
  else if (order.status !== 'awaiting-payment' || !order.payment?.checkoutUrl) tally.expired++;
  if (order?.status !== 'awaiting-payment' || !order.payment?.checkoutUrl) return false;
  tally.stepMs.push(Date.now() - asked);
  const card = fate === 8 ? (random(2) ? CARDS.decline : CARDS.insufficientFunds) : CARDS.approve;
  try {
    sandbox().pay(order.payment.checkoutUrl, card);
  } catch {
    // The session expired with the hold (410): the shopper came too late.
    tally.expired++;
    return false;
  }
  if (card === CARDS.approve) tally.paid++;
  else tally.declined++;
  return card === CARDS.approve;
}

/**
 * A staff call that must take effect once: resent while the stack is hurt (5xx, no answer); a 4xx
 * after a resend is the earlier attempt having taken effect, which `reached` tells from the order.
 */
async function staffStep(
  call: StaffCall,
  tally: LifecycleTally,
  id: string,
  path: string,
  init: RequestInit,
  reached: (order: Order) => boolean,
): Promise<Order | undefined> {
  const answer = await definite<Order>(call, `/${id}${path}`, init, 150_000, 'orders');
  tally.staffResends += answer.resends;
  if (answer.status < 300) return answer.body;
  const order = await readOrder(call, id);
  return reached(order) ? order : undefined;
}

/**
 * Staff's part for one order paid with the approving card: once confirmed, ship it (2 in 5); of the
 * shipped, deliver one in 2; of the delivered, take back one unit of each line in 2 of 3, received
 * at a random location and restocked or written off.
 */
export async function fulfil(call: StaffCall, id: string, tally: LifecycleTally): Promise<void> {
  if (random(5) >= 2) return;
  const confirmed = await orderWhen(
    call,
    id,
    (o) => o.status !== 'awaiting-payment' && o.status !== 'pending',
    60_000,
  );
  if (confirmed?.status !== 'confirmed') return;
  const shipped = await staffStep(
    call,
    tally,
    id,
    '/ship',
    { method: 'POST' },
    (o) => o.status === 'shipped',
  );
  if (!shipped) throw new Error(`shipping ${id} failed`);
  tally.shipped++;
  if (random(2)) return;
  const delivered = await staffStep(
    call,
    tally,
    id,
    '/deliver',
    { method: 'POST' },
    (o) => o.status === 'delivered',
  );
  if (!delivered) throw new Error(`delivering ${id} failed`);
  tally.delivered++;
  if (random(3) === 0) return;
  const items = delivered.items.map((line) => ({ productId: line.productId, quantity: 1 }));
  const requested = await staffStep(
    call,
    tally,
    id,
    '/returns',
    { method: 'POST', headers: { 'idempotency-key': `return-${id}` }, body: JSON.stringify({ items }) },
    () => false,
  );
  const ret = requested?.returns?.at(-1);
  if (!ret) throw new Error(`requesting a return of ${id} failed`);
  tally.returns++;
  const returnOf = (o: Order) => o.returns?.find((r) => r.id === ret.id);
  const locationId = LOCATIONS[random(LOCATIONS.length)]!.id;
  const received = await staffStep(
    call,
    tally,
    id,
    `/returns/${ret.id}/receive`,
    { method: 'POST', body: JSON.stringify({ locationId }) },
    (o) => returnOf(o)?.status !== 'requested',
  );
  if (!received) throw new Error(`receiving return ${ret.id} of ${id} failed`);
  const lines = items.map((line) => ({ ...line, outcome: random(2) ? 'restocked' : 'written-off' }));
  const inspected = await staffStep(
    call,
    tally,
    id,
    `/returns/${ret.id}/inspect`,
    { method: 'POST', body: JSON.stringify({ lines }) },
    (o) => !['requested', 'received'].includes(returnOf(o)?.status ?? 'requested'),
  );
  if (!inspected) throw new Error(`inspecting return ${ret.id} of ${id} failed`);
  for (const line of lines) {
    if (line.outcome === 'restocked') tally.restocked++;
    else tally.writtenOff++;
  }
}

/** The provider's faults while the orders run, each counted under its name. */
export async function providerFaults(
  sandbox: () => PaymentSandbox,
  at: (share: number) => Promise<unknown>,
  count: (kind: string) => void,
): Promise<void> {
  await at(0.15);
  count('provider outage (5 s)');
  sandbox().setOutage(true);
  await sleep(5_000);
  sandbox().setOutage(false);
  await at(0.35);
  count('webhooks duplicated (8 s)');
  sandbox().setDuplicateWebhooks(true);
  await sleep(8_000);
  sandbox().setDuplicateWebhooks(false);
  await at(0.55);
  count('webhooks held 4 s, released reversed');
  sandbox().holdWebhooks();
  await sleep(4_000);
  await sandbox().releaseWebhooks({ reverse: true });
  await at(0.75);
  count('provider outage (5 s)');
  sandbox().setOutage(true);
  await sleep(5_000);
  sandbox().setOutage(false);
}

const key = (productId: string, locationId: string) => `${productId}@${locationId}`;
const add = (sums: Map<string, number>, at: string, n: number) => sums.set(at, (sums.get(at) ?? 0) + n);

/**
 * What the orders moved at each product@location: units shipped from it (shipped and delivered
 * orders' shipments) and units restocked there by inspected returns (written-off units came back and
 * left again: net 0).
 */
export function orderFlows(orders: Iterable<Order>): {
  shipped: Map<string, number>;
  restocked: Map<string, number>;
} {
  const shipped = new Map<string, number>();
  const restocked = new Map<string, number>();
  for (const order of orders) {
    for (const shipment of order.shipments ?? []) {
      if (shipment.status !== 'shipped') continue;
      for (const line of shipment.lines)
        add(shipped, key(line.productId, shipment.locationId), line.quantity);
    }
    for (const ret of order.returns ?? []) {
      if (!ret.lines || !ret.locationId) continue;
      for (const line of ret.lines)
        if (line.outcome === 'restocked') add(restocked, key(line.productId, ret.locationId), line.quantity);
    }
  }
  return { shipped, restocked };
}

/** The payments' counts for the summary. */
export interface PaymentCounts {
  payments: number;
  captured: number;
  refunded: number;
  lateRefunded: number;
  returnRefunds: number;
}

/**
 * "Every authorized payment is captured, refunded or pending on a live order", payment by payment
 * of the provider's book, against the orders: an authorization not captured nor refunded belongs to
 * a live order; a cancelled order's authorization is refunded in full; captured money belongs to a
 * shipped or delivered order (or went back); a shipped order's money is captured; every confirmed,
 * shipped or delivered order has an authorized payment; nothing is captured twice or refunded beyond
 * what was taken; a delivered order's refunds are its inspected returns' `refundCents`.
 */
export function checkPayments(
  orders: Map<string, Order>,
  payments: SandboxPayment[],
  webhooks: Array<{ id: string; type: string; data: { paymentId: string } }>,
): { violations: string[]; counts: PaymentCounts } {
  const violations: string[] = [];
  const counts: PaymentCounts = { payments: 0, captured: 0, refunded: 0, lateRefunded: 0, returnRefunds: 0 };
  const byOrder = new Map<string, SandboxPayment[]>();
  for (const p of payments) byOrder.set(p.reference, [...(byOrder.get(p.reference) ?? []), p]);
  const captures = new Map<string, Set<string>>();
  for (const w of webhooks) {
    if (w.type !== 'payment.captured') continue;
    captures.set(w.data.paymentId, (captures.get(w.data.paymentId) ?? new Set()).add(w.id));
  }
  for (const p of payments) {
    if (p.status === 'declined') continue;
    counts.payments++;
    const order = orders.get(p.reference);
    const where = `payment ${p.paymentId} of order ${p.reference}`;
    if (!order) {
      violations.push(`${where}: no such order`);
      continue;
    }
    const taken = p.capturedAmount || p.amount;
    if (p.capturedAmount > p.amount) violations.push(`${where}: captured ${p.capturedAmount} of ${p.amount}`);
    if ((captures.get(p.paymentId)?.size ?? 0) > 1) violations.push(`${where}: captured twice`);
    if (p.refundedAmount > taken) violations.push(`${where}: refunded ${p.refundedAmount} of ${taken}`);
    if (p.capturedAmount) counts.captured++;
    if (p.refundedAmount) counts.refunded++;
    const open = p.capturedAmount === 0 && p.refundedAmount === 0;
    if (open && !LIVE.has(order.status)) violations.push(`${where}: authorized, order ${order.status}`);
    if (order.status === 'cancelled') {
      if (p.refundedAmount !== taken)
        violations.push(
          `${where}: order cancelled (${order.cancelCause}), refunded ${p.refundedAmount} of ${taken}`,
        );
      else if (order.cancelCause === 'payment-expired') counts.lateRefunded++;
    }
    if (p.capturedAmount && !['partially-shipped', 'shipped', 'delivered'].includes(order.status))
      violations.push(`${where}: captured ${p.capturedAmount}, order ${order.status}`);
    if (['shipped', 'delivered'].includes(order.status) && p.capturedAmount !== p.amount)
      violations.push(`${where}: order ${order.status}, captured ${p.capturedAmount} of ${p.amount}`);
    if (order.status === 'delivered') {
      const owed = (order.returns ?? []).reduce((n, r) => n + (r.refundCents ?? 0), 0);
      if (owed) counts.returnRefunds++;
      if (p.refundedAmount !== owed)
        violations.push(`${where}: returns refund ${owed}, the provider refunded ${p.refundedAmount}`);
    }
  }
  for (const order of orders.values()) {
    const mine = byOrder.get(order.id) ?? [];
    if (mine.length > 1) violations.push(`order ${order.id}: ${mine.length} payments`);
    if (!['confirmed', 'partially-shipped', 'shipped', 'delivered'].includes(order.status)) continue;
    if (!mine.some((p) => p.status !== 'declined'))
      violations.push(`order ${order.id}: ${order.status} without an authorized payment`);
  }
  return { violations, counts };
}

/**
 * The payment step's two halves for each order that got that far, from its timeline (ms): placed ->
 * awaiting payment (order.placed through inventory's stock.reserved back to orders) and awaiting
 * payment -> step linked (order.awaiting-payment through payments' payment.requested back to
 * orders; the hold runs from its start). An order cancelled before its link counts in the first only.
 */
export function paymentStepHalves(orders: Iterable<Order>): { reservedMs: number[]; linkedMs: number[] } {
  const reservedMs: number[] = [];
  const linkedMs: number[] = [];
  for (const order of orders) {
    const at = (entry: Order['timeline'][number] | undefined) => (entry ? Date.parse(entry.at) : undefined);
    const placed = at(order.timeline[0]);
    const awaiting = at(order.timeline.find((e) => e.status === 'awaiting-payment'));
    const linked = at(order.timeline.find((e) => e.reason === 'payment requested'));
    if (placed === undefined || awaiting === undefined) continue;
    reservedMs.push(awaiting - placed);
    if (linked !== undefined) linkedMs.push(linked - awaiting);
  }
  return { reservedMs, linkedMs };
}

/**
 * The webhooks the provider gave up on, counted by type and by their last answer (a status, or the
 * network error): what a lost authorization or refund came from.
 */
export function failedWebhooks(sent: readonly SentWebhook[]): string {
  const counts = new Map<string, number>();
  for (const w of sent) {
    if (w.state !== 'failed') continue;
    const key = `${w.type} ${w.lastStatus ?? w.lastError ?? 'no answer'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => `${key}: ${n}`).join(', ');
}
