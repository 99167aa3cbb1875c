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

/**
 * Reads the order until its payment step is open (awaiting payment with a checkout URL) or it can
 * no longer be paid (rejected, cancelled, ...); resolves with that order. The wait between reads
 * starts at `intervalMs` and grows by half each time up to `maxIntervalMs` (the same by default),
 * as a client backs off an answer that is slow to come.
 */
export async function paymentStep(
  readOrder: () => Promise<Order>,
  {
    timeoutMs = 30_000,
    intervalMs = 100,
    maxIntervalMs = intervalMs,
  }: { timeoutMs?: number; intervalMs?: number; maxIntervalMs?: number } = {},
): Promise<Order> {
  const deadline = Date.now() + timeoutMs;
  let wait = intervalMs;
  for (;;) {
    const order = await readOrder();
    const open = order.status === 'awaiting-payment' && order.payment?.checkoutUrl;
    if (open || (order.status !== 'pending' && order.status !== 'awaiting-payment')) return order;
    if (Date.now() > deadline)
      throw new Error(
        `order ${order.id} is still ${order.status} with no payment step after ${timeoutMs} ms`,
      );
    await sleep(wait);
    wait = Math.min(wait * 1.5, maxIntervalMs);
  }
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
