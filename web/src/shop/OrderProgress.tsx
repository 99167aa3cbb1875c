/**
 * @module What the shopper should know or do next about an order, by its status: items being
 * reserved; pay on the provider's hosted page (a plain navigation, so card data never reach the
 * shop) before the hold runs out; once back from that page, that the payment is being checked (the
 * provider's answer may come after the shopper); why a cancelled order was cancelled, and for an
 * unpaid one a way to try again (checkout emptied the cart); that it was paid or delivered.
 */
import { useNavigate } from '@solidjs/router';
import { Match, Show, Switch } from 'solid-js';
import type { Order } from '../lib/api.ts';
import { cart } from '../lib/cart.ts';
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

/**
 * The checkout URLs the shopper has left for, by order, in this tab (sessionStorage survives the
 * trip to the provider's origin and back): back on the order page while the provider's answer is
 * still on its way, the shopper is told it is being checked instead of being asked to pay again.
 */
const visitKey = (orderId: string) => `stockflow.payment-visit.${orderId}`;

export function rememberPaymentVisit(orderId: string, checkoutUrl: string): void {
  try {
    sessionStorage.setItem(visitKey(orderId), checkoutUrl);
  } catch {
    // Storage off (private mode, quota): the page then offers Pay again, as before.
  }
}

export function visitedPayment(orderId: string, checkoutUrl: string): boolean {
  try {
    return sessionStorage.getItem(visitKey(orderId)) === checkoutUrl;
  } catch {
    return false;
  }
}

/** The provider's message without its closing full stop, to sit inside our sentence. */
const clause = (message: string) => message.trim().replace(/[.!]+$/, '');

/**
 * Puts an unpaid order's lines back in the cart (checkout emptied it) and opens the cart, so a
 * shopper whose card was declined can try again, with another card, in two clicks.
 */
function TryAgain(props: { order: Order }) {
  const navigate = useNavigate();
  const refill = () => {
    for (const item of props.order.items)
      cart.add(
        {
          id: item.productId,
          name: item.name,
          priceCents: item.unitPriceCents,
          currency: props.order.currency,
        },
        item.quantity,
      );
    navigate('/cart');
  };
  return (
    <button type="button" class="button button-primary" onClick={refill}>
      Put the items back in my cart
    </button>
  );
}

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
              <Show
                when={visitedPayment(props.order.id, url())}
                fallback={
                  <a
                    class="button button-primary button-large"
                    href={url()}
                    rel="external noopener"
                    onClick={() => rememberPaymentVisit(props.order.id, url())}
                  >
                    Pay {total()}
                  </a>
                }
              >
                <p role="status">
                  <span class="spinner" aria-hidden="true" /> Checking your payment with our payment provider…
                  This page updates by itself.
                </p>
                <p>
                  Did not finish paying?{' '}
                  <a href={url()} rel="external noopener">
                    Go back to the payment page
                  </a>
                  .
                </p>
              </Show>
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
        <div class="notice notice-error pay-action">
          <p role="alert">
            Your payment was declined
            {props.order.payment?.declineMessage ? `: ${clause(props.order.payment.declineMessage)}` : ''}.
            Nothing was charged and the items were released.
          </p>
          <p>To try again with another card, order them again.</p>
          <TryAgain order={props.order} />
        </div>
      </Match>
      <Match when={props.order.status === 'cancelled' && props.order.cancelCause === 'payment-expired'}>
        <div class="notice notice-error pay-action">
          <p role="alert">
            The time to pay ran out, so the order was cancelled and the items were released. Nothing was
            charged.
          </p>
          <TryAgain order={props.order} />
        </div>
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
