/** The payment's state machine alone: facts in any order and any number of times. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Change,
  captureSucceeded,
  checkoutOpened,
  emptyPayment,
  orderCancelled,
  orderShipped,
  type PaymentRecord,
  paymentLookedUp,
  providerEventArrived,
  refundSucceeded,
  returnInspected,
} from './payment.ts';
import type { ProviderEvent } from './provider.ts';

const checkout = {
  sessionId: 'cs_1',
  paymentId: 'pay_1',
  url: 'https://psp.example/pay/cs_1',
  expiresAt: '2026-12-07T02:00:00.000Z',
};
const opened = () => checkoutOpened(emptyPayment('o1', 1200, 'EUR'), checkout).record;
const webhook = (type: ProviderEvent['type'], extra: Partial<ProviderEvent> = {}): ProviderEvent => ({
  id: `evt_${type}`,
  type,
  paymentId: 'pay_1',
  reference: 'o1',
  amountCents: 1200,
  currency: 'EUR',
  ...extra,
});

/** Applies facts in turn: the last record, every event type emitted and every job made. */
function run(start: PaymentRecord, facts: Array<(record: PaymentRecord) => Change>) {
  let record = start;
  const emitted: string[] = [];
  const jobs: Change['jobs'] = [];
  for (const fact of facts) {
    const change = fact(record);
    record = change.record;
    emitted.push(...change.emits.map((emit) => emit.type.replace('io.stockflow.', '')));
    jobs.push(...change.jobs);
  }
  return { record, emitted, jobs };
}

const authorized = (r: PaymentRecord) => providerEventArrived(r, webhook('payment.authorized'));
const captured = (r: PaymentRecord) => providerEventArrived(r, webhook('payment.captured'));

describe('the payment of an order', () => {
  it('announces the checkout once, and not for an order cancelled before it opened', () => {
    const first = checkoutOpened(emptyPayment('o1', 1200, 'EUR'), checkout);
    expect(first.emits.map((emit) => emit.type)).toEqual(['io.stockflow.payment.requested']);
    expect(checkoutOpened(first.record, checkout).emits).toEqual([]);
    const cancelled = orderCancelled(emptyPayment('o2'), 'customer').record;
    const late = checkoutOpened(cancelled, checkout, {
      now: Date.parse('2026-12-07T01:00:00.000Z'),
      delayMs: 60_000,
    });
    expect(late.emits).toEqual([]);
    // Nobody was shown that checkout, but it is looked up once it closed, as any cancelled one.
    expect(late.jobs).toMatchObject([{ kind: 'reconcile', dueAt: '2026-12-07T02:01:00.000Z' }]);
    expect(checkoutOpened(late.record, checkout).jobs).toEqual([]);
  });

  it('ends captured, announcing authorized then captured once each, whatever order and repeats', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(authorized, captured), { minLength: 1, maxLength: 6 }),
        (facts) => {
          fc.pre(facts.includes(captured));
          const { record, emitted } = run(opened(), facts);
          expect(record.status).toBe('captured');
          expect(emitted).toEqual(['payment.authorized', 'payment.captured']);
        },
      ),
    );
  });

  it('keeps an authorization over a decline that comes after it', () => {
    const declined = (r: PaymentRecord) =>
      providerEventArrived(r, webhook('payment.declined', { code: 'card_declined', message: 'No.' }));
    expect(run(opened(), [authorized, declined]).record.status).toBe('authorized');
    const refused = run(opened(), [declined, declined]);
    expect(refused.record).toMatchObject({
      status: 'declined',
      decline: { code: 'card_declined', message: 'No.' },
    });
    expect(refused.emitted).toEqual(['payment.declined']);
  });

  it('refunds money of a cancelled order once, as cancelled or as a late authorization', () => {
    const cancel = (r: PaymentRecord) => orderCancelled(r, 'payment-expired');
    fc.assert(
      fc.property(fc.array(fc.constantFrom(authorized, cancel), { minLength: 2, maxLength: 6 }), (facts) => {
        fc.pre(facts.includes(authorized) && facts.includes(cancel));
        const { jobs, emitted } = run(opened(), facts);
        const cancelledFirst = facts.indexOf(cancel) < facts.indexOf(authorized);
        const cause = cancelledFirst ? 'late-authorization' : 'cancelled';
        // Cancelled with no outcome yet: the payment is to be looked up once its checkout closed.
        expect(jobs.filter((job) => job.kind === 'reconcile')).toHaveLength(cancelledFirst ? 1 : 0);
        expect(jobs.filter((job) => job.kind === 'refund')).toEqual([
          {
            id: `o1~refund~${cause}`,
            kind: 'refund',
            orderId: 'o1',
            amountCents: 1200,
            currency: 'EUR',
            cause,
          },
        ]);
        expect(emitted.filter((type) => type === 'payment.authorized')).toHaveLength(1);
      }),
    );
  });

  it('asks for one capture once shipped and authorized, in either order, and none once cancelled', () => {
    expect(run(opened(), [authorized, orderShipped, orderShipped]).jobs.map((job) => job.id)).toEqual([
      'o1~capture',
    ]);
    expect(run(opened(), [orderShipped, authorized, authorized]).jobs.map((job) => job.id)).toEqual([
      'o1~capture',
    ]);
    const cancelledFirst = run(opened(), [(r) => orderCancelled(r, 'staff'), orderShipped, authorized]);
    expect(cancelledFirst.jobs.map((job) => job.kind)).toEqual(['reconcile', 'refund']);
  });

  it('looks up a cancelled payment with no outcome after its checkout closed, and applies the answer', () => {
    const timing = { now: Date.parse('2026-12-07T01:00:00.000Z'), delayMs: 60_000 };
    const cancelled = orderCancelled(opened(), 'customer', timing);
    // Cancelled before the checkout closed: asked a minute after it closes, not before.
    expect(cancelled.jobs).toEqual([
      {
        id: 'o1~reconcile',
        kind: 'reconcile',
        orderId: 'o1',
        amountCents: 1200,
        currency: 'EUR',
        dueAt: '2026-12-07T02:01:00.000Z',
      },
    ]);
    // Cancelled after it closed: a minute from now.
    const later = { ...timing, now: Date.parse('2026-12-07T03:00:00.000Z') };
    expect(orderCancelled(opened(), 'payment-expired', later).jobs[0]!.dueAt).toBe(
      '2026-12-07T03:01:00.000Z',
    );
    // No checkout (nothing could be paid) or an outcome known: nothing to ask.
    expect(orderCancelled(emptyPayment('o2'), 'staff', timing).jobs).toEqual([]);
    const declined = providerEventArrived(opened(), webhook('payment.declined', { code: 'card_declined' }));
    expect(orderCancelled(declined.record, 'payment-declined', timing).jobs).toEqual([]);

    const { record } = cancelled;
    const taken = paymentLookedUp(record, {
      outcome: 'authorized',
      authorizedCents: 1200,
      capturedCents: 0,
      refundedCents: 0,
    });
    expect(taken.emits.map((emit) => emit.type)).toEqual(['io.stockflow.payment.authorized']);
    expect(taken.jobs).toMatchObject([{ kind: 'refund', cause: 'late-authorization', amountCents: 1200 }]);
    expect(taken.record).toMatchObject({ status: 'authorized', authorizedCents: 1200 });
    const never = paymentLookedUp(record, {
      outcome: 'undecided',
      authorizedCents: 0,
      capturedCents: 0,
      refundedCents: 0,
    });
    expect(never).toMatchObject({ emits: [], jobs: [], record: { status: 'requested' } });
    const refused = paymentLookedUp(record, {
      outcome: 'declined',
      authorizedCents: 0,
      capturedCents: 0,
      refundedCents: 0,
      decline: { code: 'insufficient_funds', message: 'Not enough.' },
    });
    expect(refused.emits.map((emit) => emit.type)).toEqual(['io.stockflow.payment.declined']);
    expect(refused.record).toMatchObject({ status: 'declined', decline: { code: 'insufficient_funds' } });
    // Captured at the provider (its capture's webhook lost too): refunded from what was captured.
    const kept = paymentLookedUp(record, {
      outcome: 'authorized',
      authorizedCents: 1200,
      capturedCents: 1200,
      refundedCents: 0,
    });
    expect(kept.jobs).toMatchObject([{ kind: 'refund', cause: 'late-authorization', amountCents: 1200 }]);
    expect(kept.emits.map((emit) => emit.type)).toEqual([
      'io.stockflow.payment.authorized',
      'io.stockflow.payment.captured',
    ]);
    // Refunded at the provider already, by hand: counted and announced; only the rest goes back.
    const part = paymentLookedUp(record, {
      outcome: 'authorized',
      authorizedCents: 1200,
      capturedCents: 1200,
      refundedCents: 500,
    });
    expect(part.record).toMatchObject({
      refundedCents: 500,
      refundPromisedCents: 1200,
      status: 'partially-refunded',
    });
    expect(part.jobs).toMatchObject([{ kind: 'refund', cause: 'late-authorization', amountCents: 700 }]);
    expect(part.emits.map((emit) => emit.type.replace('io.stockflow.', ''))).toEqual([
      'payment.authorized',
      'payment.captured',
      'payment.refunded',
    ]);
    expect(part.emits[2]!.data).toMatchObject({ amountCents: 500, cause: 'late-authorization' });
    const all = paymentLookedUp(record, {
      outcome: 'authorized',
      authorizedCents: 1200,
      capturedCents: 0,
      refundedCents: 1200,
    });
    expect(all.jobs).toEqual([]);
    expect(all.record).toMatchObject({ status: 'refunded', refundedCents: 1200 });
    // An expiry that is no date: due a minute from now, not a crash.
    const odd = orderCancelled({ ...opened(), expiresAt: 'soon' }, 'customer', timing);
    expect(odd.jobs[0]!.dueAt).toBe('2026-12-07T01:01:00.000Z');
  });

  it('holds a return refund that overtook the shipped events until the capture, which it asks for', () => {
    const { record } = run(opened(), [authorized]);
    const early = returnInspected(record, 'r1', 800);
    // The return proves delivery: the capture is owed now; the refund waits for it.
    expect(early.jobs.map((job) => job.id)).toEqual(['o1~capture']);
    expect(early.record).toMatchObject({ captureWanted: true, refundPromisedCents: 800 });
    expect(early.record.returnsAwaitingCapture).toEqual([{ returnId: 'r1', amountCents: 800 }]);
    // The same return again, or the late shipped event, makes nothing more.
    expect(returnInspected(early.record, 'r1', 800).jobs).toEqual([]);
    expect(orderShipped(early.record).jobs).toEqual([]);
    const done = captureSucceeded(early.record, 1200);
    expect(done.jobs).toMatchObject([{ id: 'o1~refund~return~r1', kind: 'refund', amountCents: 800 }]);
    expect(done.record).toMatchObject({ returnsAwaitingCapture: [], refundPromisedCents: 800 });
    // A second return after the capture is capped by what the first one promised.
    expect(returnInspected(done.record, 'r2', 800).jobs.map((job) => job.amountCents)).toEqual([400]);
  });

  it('releases waiting return refunds when the capture arrives by webhook instead of its job', () => {
    const early = returnInspected(run(opened(), [authorized]).record, 'r1', 300);
    const byWebhook = captured(early.record);
    expect(byWebhook.jobs.map((job) => job.id)).toEqual(['o1~refund~return~r1']);
  });

  it('caps return refunds at what was captured less what was already refunded, once per return', () => {
    const { record } = run(opened(), [authorized, (r) => captureSucceeded(r, 1200)]);
    const first = returnInspected(record, 'r1', 800);
    expect(first.jobs.map((job) => job.amountCents)).toEqual([800]);
    expect(returnInspected(first.record, 'r1', 800).jobs).toEqual([]);
    const second = returnInspected(first.record, 'r2', 800);
    expect(second.jobs.map((job) => job.amountCents)).toEqual([400]);
    expect(returnInspected(second.record, 'r3', 100).jobs).toEqual([]);
    const done = refundSucceeded(refundSucceeded(second.record, first.jobs[0]!).record, second.jobs[0]!);
    expect(done.record).toMatchObject({ status: 'refunded', refundedCents: 1200 });
    expect(done.emits.map((emit) => emit.data)).toEqual([
      {
        orderId: 'o1',
        paymentId: 'pay_1',
        amountCents: 400,
        currency: 'EUR',
        cause: 'return',
        returnId: 'r2',
      },
    ]);
  });
});
