/** @module Small status labels: an order's status, a product's availability. */
import { Show } from 'solid-js';
import type { OrderStatus } from '../lib/api.ts';

export const STATUS_LABEL: Record<OrderStatus, string> = {
  pending: 'Pending',
  'awaiting-payment': 'Awaiting payment',
  confirmed: 'Confirmed',
  rejected: 'Rejected',
  cancelled: 'Cancelled',
  'partially-shipped': 'Partially shipped',
  shipped: 'Shipped',
  delivered: 'Delivered',
};

export function StatusBadge(props: { status: OrderStatus }) {
  return <span class={`badge badge-${props.status}`}>{STATUS_LABEL[props.status]}</span>;
}

/** Few enough left that a shopper should know. */
export const FEW_LEFT = 5;

export function AvailabilityBadge(props: { available: number | undefined }) {
  return (
    <Show when={props.available !== undefined}>
      <span
        class="badge"
        classList={{
          'badge-out': props.available === 0,
          'badge-few': props.available! > 0 && props.available! <= FEW_LEFT,
          'badge-in': props.available! > FEW_LEFT,
        }}
      >
        {props.available === 0
          ? 'Out of stock'
          : props.available! <= FEW_LEFT
            ? `Only ${props.available} left`
            : 'In stock'}
      </span>
    </Show>
  );
}
