/**
 * @module An order's payment for staff, as orders knows it from payments' events: its status at the
 * provider, what was captured and refunded, why a declined one was declined, and why the order was
 * cancelled. Card data never reach Stockflow: there is nothing more to show.
 */
import { Show } from 'solid-js';
import type { CancelCause, Order, OrderPayment as Payment } from '../lib/api.ts';
import { formatMoney } from '../lib/money.ts';

const PAYMENT_STATUS: Record<Payment['status'], string> = {
  requested: 'Waiting for the shopper to pay',
  authorized: 'Authorized (not yet captured)',
  declined: 'Declined',
  captured: 'Captured',
  'partially-refunded': 'Partially refunded',
  refunded: 'Refunded',
};

export const CANCEL_CAUSE: Record<CancelCause, string> = {
  customer: 'by the shopper',
  staff: 'by staff',
  'payment-declined': 'the payment was declined',
  'payment-expired': 'the hold expired unpaid',
};

export function OrderPaymentDetails(props: { order: Order }) {
  const money = (cents: number | undefined) => formatMoney(cents ?? 0, props.order.currency);
  return (
    <section class="order-payment" aria-labelledby="payment-title">
      <h3 id="payment-title">Payment</h3>
      <Show when={props.order.payment} fallback={<p class="muted">No payment yet.</p>}>
        {(payment) => (
          <dl class="details">
            <dt>Status</dt>
            <dd>{PAYMENT_STATUS[payment().status]}</dd>
            <dt>Provider reference</dt>
            <dd class="mono">{payment().paymentId}</dd>
            <dt>Captured</dt>
            <dd>{money(payment().capturedCents)}</dd>
            <dt>Refunded</dt>
            <dd>{money(payment().refundedCents)}</dd>
            <Show when={payment().declineMessage}>
              {(message) => (
                <>
                  <dt>Declined because</dt>
                  <dd>{message()}</dd>
                </>
              )}
            </Show>
          </dl>
        )}
      </Show>
      <Show when={props.order.status === 'cancelled' && props.order.cancelCause}>
        {(cause) => <p>Cancelled: {CANCEL_CAUSE[cause()]}.</p>}
      </Show>
    </section>
  );
}
