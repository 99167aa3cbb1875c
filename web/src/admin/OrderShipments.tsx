/**
 * @module An order's shipments for staff: one per location holding some of its lines (inventory
 * allocates across locations), each with its lines and state in words, shipped on its own by a
 * clerk or a manager, to the order's delivery address as its label shows it. The order is
 * partially shipped until every shipment has left.
 */
import { createSignal, For, Show } from 'solid-js';
import { AddressBlock } from '../components/OrderDetails.tsx';
import { ErrorNotice } from '../components/States.tsx';
import { can } from '../lib/admin-session.ts';
import { type Order, type Shipment, shipShipment } from '../lib/api.ts';
import { formatDateTime } from '../lib/time.ts';
import { useLocations } from './inventory-data.ts';

export function OrderShipments(props: { order: Order; onShipped: (order: Order) => void }) {
  const { nameOf: locationName } = useLocations();
  const [busy, setBusy] = createSignal<string>();
  const [failure, setFailure] = createSignal<unknown>();
  const itemName = (productId: string) =>
    props.order.items.find((item) => item.productId === productId)?.name ?? productId;
  const shippable = () => props.order.status === 'confirmed' || props.order.status === 'partially-shipped';

  async function ship(shipment: Shipment) {
    setBusy(shipment.id);
    setFailure(undefined);
    try {
      props.onShipped(await shipShipment(props.order.id, shipment.id));
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <section class="card order-shipments" aria-labelledby="shipments-title">
      <h2 id="shipments-title">Shipments</h2>
      <ul class="shipments">
        <For each={props.order.shipments ?? []}>
          {(shipment) => (
            <li class="shipment">
              <h3>From {locationName(shipment.locationId)}</h3>
              <p>
                <span class={`badge ${shipment.status === 'shipped' ? 'badge-shipped' : 'badge-pending'}`}>
                  {shipment.status === 'shipped' ? 'Shipped' : 'Not shipped yet'}
                </span>
                <Show when={shipment.shippedAt}>
                  {(at) => (
                    <span class="muted">
                      {' '}
                      <time dateTime={at()}>{formatDateTime(at())}</time>
                    </span>
                  )}
                </Show>
              </p>
              <AddressBlock
                name={props.order.customer.name}
                address={props.order.customer.address}
                label={`Ship to (from ${locationName(shipment.locationId)})`}
              />
              <ul class="plain-list" aria-label={`Lines shipped from ${locationName(shipment.locationId)}`}>
                <For each={shipment.lines}>
                  {(line) => (
                    <li>
                      {itemName(line.productId)} × {line.quantity}
                    </li>
                  )}
                </For>
              </ul>
              <Show when={can('clerk') && shipment.status === 'pending' && shippable()}>
                <button
                  type="button"
                  class="button button-primary button-small"
                  disabled={Boolean(busy())}
                  onClick={() => ship(shipment)}
                >
                  {busy() === shipment.id ? 'Shipping…' : `Ship from ${locationName(shipment.locationId)}`}
                </button>
              </Show>
            </li>
          )}
        </For>
      </ul>
      <Show when={failure()}>{(error) => <ErrorNotice error={error()} />}</Show>
    </section>
  );
}
