/**
 * @module An order as its shopper sees it (reached from checkout, or a kept link carrying the order's
 * token in its fragment): the status timeline, updated live over server-sent events until the order
 * settles; what to do next (pay, or why it was cancelled); the lines that were short when it was
 * rejected; cancel while that is allowed; once delivered, returns and their refunds. A token in
 * the address is exchanged once for the order's cookie, which every later request (the live stream
 * too) carries instead; an old `?token=` link is then rewritten to keep the token in the fragment.
 */
import { A, useLocation, useNavigate, useParams } from '@solidjs/router';
import {
  createEffect,
  createMemo,
  createResource,
  createSignal,
  Match,
  on,
  onCleanup,
  Show,
  Switch,
} from 'solid-js';
import { StatusBadge } from '../components/Badges.tsx';
import {
  AddressBlock,
  OrderLines,
  OrderShortages,
  OrderTimeline,
  orderReference,
  ReturnList,
} from '../components/OrderDetails.tsx';
import { ErrorNotice, Loading } from '../components/States.tsx';
import {
  ApiError,
  cancelMyOrder,
  getMyOrder,
  type Order,
  openOrderWithToken,
  type StreamState,
  watchOrder,
} from '../lib/api.ts';
import { orderLink, orderLinkFragment, tokenOfLink } from '../lib/order-link.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { decodeSegment } from '../lib/path-segment.ts';
import { OrderProgress } from './OrderProgress.tsx';
import { ReturnForm, returnsOpen } from './ReturnForm.tsx';

/** Statuses after which nothing changes any more: no need to keep a stream open. */
export const SETTLED = new Set<Order['status']>(['rejected', 'cancelled']);
export const CANCELLABLE = new Set<Order['status']>(['pending', 'awaiting-payment', 'confirmed']);

/** Whether the order can still change: not final, and once delivered, while a return is open or may come. */
export function isSettled(order: Order, now = Date.now()): boolean {
  if (SETTLED.has(order.status)) return true;
  if (order.status !== 'delivered') return false;
  const openReturn = order.returns?.some((entry) => entry.status !== 'refunded');
  return !openReturn && !returnsOpen(order, now);
}

export default function OrderPage() {
  const params = useParams<{ id: string }>();
  // Decoded once here (lib/path-segment.ts): api.ts and the links below encode it once.
  const id = () => decodeSegment(params.id);
  usePageTitle(() => `Order ${orderReference(id())}`);
  return (
    <Show when={id()} keyed>
      {(id) => <LiveOrder id={id} />}
    </Show>
  );
}

function LiveOrder(props: { id: string }) {
  const location = useLocation<{ placed?: boolean }>();
  const navigate = useNavigate();
  // Read once: the address is rewritten below, and the order must not be fetched again for that.
  const link = tokenOfLink(location.hash, location.search);
  const [order, { mutate, refetch }] = createResource(
    () => props.id,
    async (id) => {
      if (!link.token) return getMyOrder(id);
      const opened = await openOrderWithToken(id, link.token);
      if (link.fromQuery) {
        // The old link's token leaves the query string (which servers see) for the fragment.
        navigate(`/orders/${encodeURIComponent(id)}#${orderLinkFragment(link.token)}`, {
          replace: true,
          state: location.state,
        });
      }
      return opened;
    },
  );
  const [stream, setStream] = createSignal<StreamState>('connecting');
  // Bumped to open the stream again after the server closed it for good.
  const [attempt, setAttempt] = createSignal(0);

  // `latest` throws once the resource failed: ask only when there is an order to ask about.
  const settled = createMemo(() => {
    if (order.error) return undefined;
    const current = order.latest;
    return current ? isSettled(current) : undefined;
  });

  // Follow the order live until it settles.
  createEffect(
    on([() => props.id, settled, attempt], ([id, settled]) => {
      if (settled !== false) return;
      const watch = watchOrder(id, (next) => mutate(next), setStream);
      onCleanup(() => watch.stop());
    }),
  );

  return (
    <Switch>
      <Match when={order.error}>
        {(error) => (
          <Show
            when={error() instanceof ApiError && (error() as ApiError).status === 404}
            fallback={<ErrorNotice error={error()} onRetry={refetch} />}
          >
            <div class="state state-error" role="alert">
              <h1 class="state-title">We could not find this order</h1>
              <p class="state-detail">
                The link may be mistyped, incomplete or expired: open the full link from your confirmation,
                including its token.
              </p>
            </div>
          </Show>
        )}
      </Match>
      <Match when={order.latest}>
        {(loaded) => (
          <OrderView
            order={loaded()}
            link={link.token ? orderLink(window.location.origin, props.id, link.token) : undefined}
            placed={Boolean(location.state?.placed)}
            live={!isSettled(loaded()) ? stream() : undefined}
            onChange={(next) => mutate(next)}
            onReconnect={() => {
              void refetch();
              setAttempt((n) => n + 1);
            }}
          />
        )}
      </Match>
      <Match when={order.loading}>
        <Loading label="Loading your order…" />
      </Match>
    </Switch>
  );
}

function OrderView(props: {
  order: Order;
  /** The link to keep (with the token), when this page was opened with it. */
  link: string | undefined;
  placed: boolean;
  live: StreamState | undefined;
  onChange: (order: Order) => void;
  onReconnect: () => void;
}) {
  const [confirming, setConfirming] = createSignal(false);
  const [cancelling, setCancelling] = createSignal(false);
  let cancelButton: HTMLButtonElement | undefined;
  let confirmButton: HTMLButtonElement | undefined;
  const [cancelError, setCancelError] = createSignal<unknown>();
  const [copied, setCopied] = createSignal(false);

  async function cancel() {
    setCancelling(true);
    setCancelError(undefined);
    try {
      props.onChange(await cancelMyOrder(props.order.id));
      setConfirming(false);
    } catch (error) {
      setCancelError(error);
    } finally {
      setCancelling(false);
    }
  }

  async function copyLink() {
    try {
      await navigator.clipboard.writeText(props.link ?? window.location.href);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }

  return (
    <article class="order-page" aria-labelledby="order-title">
      {/* Not once the order is rejected or cancelled: "you pay on this page" would then be untrue,
          and the status says what happened. */}
      <Show when={props.placed && !SETTLED.has(props.order.status)}>
        <div class="notice notice-success" role="status">
          <p class="notice-title">Thank you, {props.order.customer.name}!</p>
          <p>
            Your order was received: once your items are reserved, you pay on this page. It follows your order
            live; keep the link to come back.
          </p>
        </div>
      </Show>
      <div class="page-head">
        <h1 id="order-title">
          Order <span class="mono">{orderReference(props.order.id)}</span>
        </h1>
        {/* A live region: a screen reader hears the status change as the order moves on. */}
        <span class="order-status" role="status">
          <span class="visually-hidden">Status: </span>
          <StatusBadge status={props.order.status} />
        </span>
        <Show when={props.live}>
          {(state) => (
            <span class={`live live-${state()}`} role="status">
              {state() === 'live' ? 'Live' : state() === 'closed' ? 'Updates paused' : 'Connecting…'}
            </span>
          )}
        </Show>
        <Show when={props.live === 'closed'}>
          <button type="button" class="button button-link" onClick={() => props.onReconnect()}>
            Refresh
          </button>
        </Show>
      </div>
      <p class="reference">
        Reference <span class="mono">{props.order.id}</span>
      </p>
      <div class="order-layout">
        <section class="card" aria-labelledby="status-title">
          <h2 id="status-title">Status</h2>
          <OrderProgress order={props.order} />
          <OrderShortages order={props.order} />
          <OrderTimeline order={props.order} />
          <Show when={CANCELLABLE.has(props.order.status)}>
            <div class="actions">
              <Show
                when={confirming()}
                fallback={
                  <button
                    type="button"
                    class="button button-danger-outline"
                    ref={cancelButton}
                    onClick={() => {
                      setConfirming(true);
                      // The button goes away: keyboard focus follows to the question's answer.
                      confirmButton?.focus();
                    }}
                  >
                    Cancel order
                  </button>
                }
              >
                <p>Cancel this order? Its items go back on sale, and anything paid is refunded.</p>
                <button
                  type="button"
                  class="button button-danger"
                  disabled={cancelling()}
                  onClick={cancel}
                  ref={confirmButton}
                >
                  {cancelling() ? 'Cancelling…' : 'Yes, cancel it'}
                </button>
                <button
                  type="button"
                  class="button button-secondary"
                  onClick={() => {
                    setConfirming(false);
                    cancelButton?.focus();
                  }}
                >
                  Keep my order
                </button>
              </Show>
            </div>
          </Show>
          <Show when={cancelError()}>
            {(error) => (
              <ErrorNotice error={error()} titles={{ 409: 'This order can no longer be cancelled' }} />
            )}
          </Show>
        </section>
        <section class="card" aria-labelledby="items-title">
          <h2 id="items-title">Items</h2>
          <OrderLines order={props.order} />
          <h3>Delivery</h3>
          <AddressBlock name={props.order.customer.name} address={props.order.customer.address} />
          <p class="muted">Emails go to {props.order.customer.email}</p>
          <div class="actions">
            <button type="button" class="button button-secondary" onClick={copyLink}>
              {copied() ? 'Link copied' : 'Copy link to this order'}
            </button>
            <A href="/" class="button button-link">
              Continue shopping
            </A>
          </div>
        </section>
      </div>
      <Show when={props.order.returns?.length || returnsOpen(props.order)}>
        <section class="card" aria-labelledby="returns-title">
          <h2 id="returns-title">Returns</h2>
          <ReturnList order={props.order} />
          <Show when={returnsOpen(props.order)}>
            <ReturnForm order={props.order} onReturned={props.onChange} />
          </Show>
        </section>
      </Show>
    </article>
  );
}
