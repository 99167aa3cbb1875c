/**
 * @module What a shopper does in system, chaos and end-to-end tests, in one place: a delivery
 * address orders accepts, the sandbox's test cards by what they do, and paying an order on the
 * provider's hosted step (the sandbox's in-process `pay`, which does what its form does) once
 * payments has opened it. Reading the order is the caller's (each suite reads it its own way).
 */
import type { Customer, Order } from '@stockflow/contracts';
import { type CardBehaviour, TEST_CARDS } from '@stockflow/payment-sandbox';
import type { Stack } from '../../packages/mesh/src/runner/stack.ts';

/** A delivery address orders accepts (a Berlin postal code for DE). */
export const TEST_ADDRESS = { line1: '1 Test Street', city: 'Berlin', postalCode: '10115', country: 'DE' };

/** A shopper with a deliverable address. */
export const shopper = (name = 'Grace Hopper', email = 'grace@example.com'): Customer => ({
  name,
  email,
  address: { ...TEST_ADDRESS },
});

const card = (kind: CardBehaviour['kind'], code?: string) =>
  TEST_CARDS.find(
    (c) => c.behaviour.kind === kind && (!code || ('code' in c.behaviour && c.behaviour.code === code)),
  )!.number;

/** The sandbox's test cards by what paying with them does. */
export const CARDS = {
  approve: card('approve'),
  decline: card('decline', 'card_declined'),
  insufficientFunds: card('decline', 'insufficient_funds'),
  confirm: card('confirm'),
  slow: card('slow'),
  refundFailsOnce: card('refund-fails-once'),
} as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long to keep reading, and how often. */
export interface ReadPace {
  timeoutMs?: number;
  /** The first wait between reads; each next one is half as long again, up to `maxIntervalMs`. */
  intervalMs?: number;
  /** The same as `intervalMs` by default (no backing off). */
  maxIntervalMs?: number;
}

/**
 * Reads until `done` holds for what was read, backing off between reads as a client does with an
 * answer slow to come; resolves with the last read, for which `done` may not hold once `timeoutMs`
 * has passed.
 */
export async function readUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 30_000, intervalMs = 100, maxIntervalMs = intervalMs }: ReadPace = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = intervalMs; ; wait = Math.min(wait * 1.5, maxIntervalMs)) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(wait);
  }
}

/** The order's payment step is open (awaiting payment with a checkout URL), or it can no longer be paid. */
const stepSettled = (order: Order) =>
  Boolean(order.status === 'awaiting-payment' && order.payment?.checkoutUrl) ||
  (order.status !== 'pending' && order.status !== 'awaiting-payment');

/**
 * Reads the order until its payment step is open (awaiting payment with a checkout URL) or it can
 * no longer be paid (rejected, cancelled, ...); resolves with that order.
 */
export async function paymentStep(readOrder: () => Promise<Order>, pace: ReadPace = {}): Promise<Order> {
  const order = await readUntil(readOrder, stepSettled, pace);
  if (!stepSettled(order)) {
    throw new Error(
      `order ${order.id} is still ${order.status} with no payment step after ${pace.timeoutMs ?? 30_000} ms`,
    );
  }
  return order;
}

/**
 * Pays the order with `number` (default: the approving card) on the provider's hosted step once it
 * is open. Resolves with the order as read when the step opened; throws if it could not be paid.
 */
export async function payOrder(
  stack: Pick<Stack, 'paymentSandbox'>,
  readOrder: () => Promise<Order>,
  number: string = CARDS.approve,
  options?: { timeoutMs?: number },
): Promise<Order> {
  const order = await paymentStep(readOrder, options);
  if (order.status !== 'awaiting-payment' || !order.payment?.checkoutUrl)
    throw new Error(`order ${order.id} cannot be paid: it is ${order.status}`);
  stack.paymentSandbox.pay(order.payment.checkoutUrl, number);
  return order;
}
