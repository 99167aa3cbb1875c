/**
 * @module One order for managers: customer and delivery address, lines, timeline, payment and why
 * it was cancelled, returns, the emails sent to the shopper, the events of its saga; ship a
 * confirmed order whole or each of its shipments per location on its own, mark a shipped one
 * delivered, cancel an open one.
 */

import { A, useParams } from '@solidjs/router';
import { createResource, createSignal, Match, Show, Switch } from 'solid-js';
import { StatusBadge } from '../components/Badges.tsx';
import {
  AddressBlock,
  OrderLines,
  OrderShortages,
  OrderTimeline,
  orderReference,
} from '../components/OrderDetails.tsx';
import { ErrorNotice, Loading } from '../components/States.tsx';
import { can } from '../lib/admin-session.ts';
import { cancelOrderAsStaff, deliverOrder, getOrder, type Order, shipOrderAsStaff } from '../lib/api.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { decodeSegment } from '../lib/path-segment.ts';
import { OrderEvents } from './OrderEvents.tsx';
import { OrderMessages } from './OrderMessages.tsx';
import { OrderPaymentDetails } from './OrderPayment.tsx';
import { OrderReturns } from './OrderReturns.tsx';

/** Statuses staff may still cancel (a paid order's money is refunded by payments). */
const CANCELLABLE = new Set<Order['status']>(['pending', 'awaiting-payment', 'confirmed']);

import { OrderShipments } from './OrderShipments.tsx';

export default function OrderDetailAdmin() {
  const params = useParams<{ id: string }>();
  // Decoded once (lib/path-segment.ts): api.ts encodes it once.
  const id = () => decodeSegment(params.id);
  usePageTitle(() => `Order ${orderReference(id())}`);
  const [order, { mutate, refetch }] = createResource(
    () => id(),
    (id) => getOrder(id),
  );
  const [busy, setBusy] = createSignal<'ship' | 'cancel' | 'deliver'>();
  const [failure, setFailure] = createSignal<unknown>();
  let status: HTMLSpanElement | undefined;

  async function act(action: 'ship' | 'cancel' | 'deliver', run: (id: string) => Promise<Order>) {
    setBusy(action);
    setFailure(undefined);
    try {
      mutate(await run(id()));
      // The button pressed is gone with the status it acted on: focus goes to the new status.
      if (!document.activeElement || document.activeElement === document.body) status?.focus();
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <section aria-labelledby="order-title">
      <nav class="breadcrumbs" aria-label="Breadcrumb">
        <A href="/admin/orders">Orders</A>
      </nav>
      <Switch>
        <Match when={order.error}>{(error) => <ErrorNotice error={error()} onRetry={refetch} />}</Match>
        <Match when={order.latest}>
          {(current) => (
            <>
              <div class="page-head">
                <h1 id="order-title" title={current().id}>
                  Order <span class="mono">{orderReference(current().id)}</span>
                </h1>
                {/* Announced when it changes: staff acting here, or the saga moving on. */}
                <span role="status" tabindex="-1" ref={status}>
                  <StatusBadge status={current().status} />
                </span>
                <button type="button" class="button button-link" onClick={() => void refetch()}>
                  Refresh
                </button>
              </div>
              <div class="order-layout">
                <section class="card" aria-labelledby="admin-status-title">
                  <h2 id="admin-status-title">Status</h2>
                  <OrderShortages order={current()} />
                  <OrderTimeline order={current()} />
                  <div class="actions">
                    <Show when={can('clerk') && current().status === 'confirmed'}>
                      <button
                        type="button"
                        class="button button-primary"
                        disabled={Boolean(busy())}
                        onClick={() => act('ship', shipOrderAsStaff)}
                      >
                        {busy() === 'ship' ? 'Shipping…' : 'Mark as shipped'}
                      </button>
                    </Show>
                    <Show when={can('clerk') && current().status === 'shipped'}>
                      <button
                        type="button"
                        class="button button-primary"
                        disabled={Boolean(busy())}
                        onClick={() => act('deliver', deliverOrder)}
                      >
                        {busy() === 'deliver' ? 'Marking delivered…' : 'Mark delivered'}
                      </button>
                    </Show>
                    <Show when={can('clerk') && CANCELLABLE.has(current().status)}>
                      <button
                        type="button"
                        class="button button-danger-outline"
                        disabled={Boolean(busy())}
                        onClick={() => act('cancel', (id) => cancelOrderAsStaff(id))}
                      >
                        {busy() === 'cancel' ? 'Cancelling…' : 'Cancel order'}
                      </button>
                    </Show>
                  </div>
                  <Show when={failure()}>{(error) => <ErrorNotice error={error()} />}</Show>
                  <OrderPaymentDetails order={current()} />
                </section>
                <section class="card" aria-labelledby="admin-items-title">
                  <h2 id="admin-items-title">Items</h2>
                  <OrderLines order={current()} />
                  <h3>Customer</h3>
                  <p>
                    {current().customer.name} ·{' '}
                    <a href={`mailto:${current().customer.email}`}>{current().customer.email}</a>
                  </p>
                  <AddressBlock name={current().customer.name} address={current().customer.address} />
                </section>
              </div>
              <Show when={current().shipments?.length}>
                <OrderShipments order={current()} onShipped={mutate} />
              </Show>
              <Show when={current().returns?.length}>
                <OrderReturns order={current()} onChange={mutate} />
              </Show>
              <OrderMessages orderId={current().id} version={current().updatedAt} />
              <OrderEvents orderId={current().id} version={current().updatedAt} />
            </>
          )}
        </Match>
        <Match when={order.loading}>
          <Loading label="Loading order…" />
        </Match>
      </Switch>
    </section>
  );
}
