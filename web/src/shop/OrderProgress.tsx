/**
 * @module What the shopper should know or do next about an order, by its status: items being
 * reserved; pay on the provider's hosted page (a plain navigation, so card data never reach the
 * shop) before the hold runs out; why a cancelled order was cancelled; that it was paid or delivered.
 */
import { Match, Show, Switch } from 'solid-js';
import type { Order } from '../lib/api.ts';
import { formatMoney } from '../lib/money.ts';
import { formatDateTime, formatDeadline } from '../lib/time.ts';

/** The provider's page, only when it is an http(s) URL (never `javascript:` or the like). */
export function safeCheckoutUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** The provider's message without its closing full stop, to sit inside our sentence. */
const clause = (message: string) => message.trim().replace(/[.!]+$/, '');

export function OrderProgress(props: { order: Order }) {
  const total = () => formatMoney(props.order.totalCents, props.order.currency);
  const payUrl = () =>
    props.order.payment?.status === 'requested'
      ? safeCheckoutUrl(props.order.payment.checkoutUrl)
      : undefined;
  return (
    <Switch>
      <Match when={props.order.status === 'pending'}>
        <p class="notice notice-warning" role="status">
          We are reserving your items…
        </p>
      </Match>
      <Match when={props.order.status === 'awaiting-payment'}>
        <div class="notice notice-warning pay-action">
          <Show
            when={payUrl()}
            fallback={
              <p role="status">
                <span class="spinner" aria-hidden="true" />{' '}
                {props.order.payment?.status === 'authorized'
                  ? 'Payment received, confirming…'
                  : 'Preparing payment…'}
              </p>
            }
          >
            {(url) => (
              <a class="button button-primary button-large" href={url()} rel="external noopener">
                Pay {total()}
              </a>
            )}
          </Show>
          <Show when={props.order.holdExpiresAt}>
            {(until) => (
              <p>
                Your items are reserved for you: we hold them until{' '}
                <time dateTime={until()}>{formatDeadline(until())}</time>. Unpaid by then, the order is
                cancelled.
              </p>
            )}
          </Show>
          <p class="muted">You pay on our payment provider's secure page; we never see your card.</p>
        </div>
      </Match>
      <Match when={props.order.status === 'cancelled' && props.order.cancelCause === 'payment-declined'}>
        <p class="notice notice-error" role="alert">
          Your payment was declined
          {props.order.payment?.declineMessage ? `: ${clause(props.order.payment.declineMessage)}` : ''}.
          Nothing was charged and the items were released.
        </p>
      </Match>
      <Match when={props.order.status === 'cancelled' && props.order.cancelCause === 'payment-expired'}>
        <p class="notice notice-error" role="alert">
          The time to pay ran out, so the order was cancelled and the items were released. Nothing was
          charged.
        </p>
      </Match>
      <Match when={props.order.status === 'confirmed'}>
        <p class="notice notice-success" role="status">
          Paid: {total()}. We are preparing your order.
        </p>
      </Match>
      <Match when={props.order.status === 'delivered'}>
        <p class="notice notice-success" role="status">
          Delivered
          <Show when={props.order.deliveredAt}>
            {(at) => (
              <>
                {' '}
                on <time dateTime={at()}>{formatDateTime(at())}</time>
              </>
            )}
          </Show>
          .
          <Show when={props.order.returnUntil}>
            {(until) => (
              <>
                {' '}
                You can return items until <time dateTime={until()}>{formatDateTime(until())}</time>.
              </>
            )}
          </Show>
        </p>
      </Match>
    </Switch>
  );
}
