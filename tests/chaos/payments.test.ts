/**
 * @module The chaos suite's payment invariant and order flows on hand-made books: each rule can
 * fail, so a clean chaos run means the rules held rather than that they never looked.
 */
import type { Order } from '@stockflow/contracts';
import type { SandboxPayment } from '@stockflow/payment-sandbox';
import { describe, expect, it } from 'vitest';
import { checkPayments, orderFlows } from './payments.ts';

const order = (id: string, status: Order['status'], extra: Partial<Order> = {}) =>
  ({ id, status, items: [], ...extra }) as unknown as Order;
const payment = (reference: string, extra: Partial<SandboxPayment> = {}): SandboxPayment => ({
  paymentId: `pay_${reference}`,
  sessionId: `cs_${reference}`,
  reference,
  currency: 'EUR',
  amount: 500,
  capturedAmount: 0,
  refundedAmount: 0,
  status: 'authorized',
  refunds: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});
const check = (
  orders: Order[],
  payments: SandboxPayment[],
  webhooks: Parameters<typeof checkPayments>[2] = [],
) => checkPayments(new Map(orders.map((o) => [o.id, o])), payments, webhooks).violations;

describe('checkPayments', () => {
  it('accepts what the saga leaves: pending on a live order, captured on a shipped one, refunded on a cancelled one', () => {
    expect(
      check(
        [
          order('a', 'confirmed'),
          order('b', 'shipped'),
          order('c', 'cancelled', { cancelCause: 'payment-expired' }),
        ],
        [
          payment('a'),
          payment('b', { capturedAmount: 500, status: 'captured' }),
          payment('c', { refundedAmount: 500, status: 'refunded' }),
        ],
      ),
    ).toEqual([]);
  });

  it('names an authorization kept for a cancelled order, a shipped order not captured, and a confirmed one unpaid', () => {
    expect(
      check(
        [
          order('a', 'cancelled', { cancelCause: 'payment-expired' }),
          order('b', 'shipped'),
          order('c', 'confirmed'),
        ],
        [payment('a'), payment('b'), payment('c', { status: 'declined' })],
      ),
    ).toEqual([
      'payment pay_a of order a: authorized, order cancelled',
      'payment pay_a of order a: order cancelled (payment-expired), refunded 0 of 500',
      'payment pay_b of order b: authorized, order shipped',
      'payment pay_b of order b: order shipped, captured 0 of 500',
      'order c: confirmed without an authorized payment',
    ]);
  });

  it('names a capture made twice, a refund beyond the capture, and a return refunded wrong', () => {
    const delivered = order('d', 'delivered', { returns: [{ refundCents: 200 }] as Order['returns'] });
    const twice = [1, 2].map((n) => ({
      id: `evt_${n}`,
      type: 'payment.captured',
      data: { paymentId: 'pay_b' },
    }));
    expect(
      check(
        [order('b', 'shipped'), delivered],
        [
          payment('b', { capturedAmount: 500, refundedAmount: 600, status: 'refunded' }),
          payment('d', { capturedAmount: 500, refundedAmount: 100, status: 'partially-refunded' }),
        ],
        twice,
      ),
    ).toEqual([
      'payment pay_b of order b: captured twice',
      'payment pay_b of order b: refunded 600 of 500',
      'payment pay_d of order d: returns refund 200, the provider refunded 100',
    ]);
  });
});

describe('orderFlows', () => {
  it('counts shipped shipments out of their location and restocked return lines into theirs', () => {
    const flows = orderFlows([
      order('a', 'delivered', {
        shipments: [
          { id: 'n', locationId: 'n', status: 'shipped', lines: [{ productId: 'p', quantity: 3 }] },
          { id: 's', locationId: 's', status: 'pending', lines: [{ productId: 'p', quantity: 9 }] },
        ],
        returns: [
          {
            locationId: 'e',
            lines: [
              { productId: 'p', quantity: 1, outcome: 'restocked' },
              { productId: 'q', quantity: 2, outcome: 'written-off' },
            ],
          },
        ] as Order['returns'],
      }),
    ]);
    expect(flows.shipped).toEqual(new Map([['p@n', 3]]));
    expect(flows.restocked).toEqual(new Map([['p@e', 1]]));
  });
});
