/**
 * @module What shoppers and managers both see of an order: its status timeline, its lines and
 * total, for a rejected order the lines that could not be filled, the delivery address, its returns.
 */
import { For, type JSX, Show } from 'solid-js';
import type { Address, Order, OrderStatus, Return, ReturnStatus } from '../lib/api.ts';
import { formatMoney } from '../lib/money.ts';
import { formatDateTime } from '../lib/time.ts';
import { STATUS_LABEL } from './Badges.tsx';

/** A short form of an order id for headings and lists (the full id stays in the link and title). */
export function orderReference(id: string): string {
  return id.length > 12 ? id.slice(0, 8) : id;
}

/** The steps still ahead of an order on the happy path. */
const AHEAD: Record<OrderStatus, OrderStatus[]> = {
  pending: ['awaiting-payment', 'confirmed', 'shipped', 'delivered'],
  'awaiting-payment': ['confirmed', 'shipped', 'delivered'],
  confirmed: ['shipped', 'delivered'],
  'partially-shipped': ['shipped', 'delivered'],
  shipped: ['delivered'],
  delivered: [],
  rejected: [],
  cancelled: [],
};

const STEP_NOTE: Partial<Record<OrderStatus, string>> = {
  pending: 'We are reserving your items.',
  'awaiting-payment': 'Your items are held for you while you pay.',
  confirmed: 'Your payment was accepted.',
  'partially-shipped': 'Part of your order is on its way.',
  shipped: 'Your order is on its way.',
  delivered: 'Your order was delivered.',
  rejected: 'Some items were not available, so nothing was charged.',
  cancelled: 'The order was cancelled and its items released.',
};

/**
 * A timeline reason as a sentence: orders writes terse notes ("payment authorized", "return r-1
 * requested: 1 item") that read as log lines next to the step notes' sentences.
 */
export function asSentence(note: string): string {
  const text = note.trim();
  if (!text) return text;
  return `${text[0]!.toUpperCase()}${text.slice(1)}${/[.!?…]$/.test(text) ? '' : '.'}`;
}

export function OrderTimeline(props: { order: Order }) {
  return (
    <ol class="timeline" aria-label="Order status">
      <For each={props.order.timeline}>
        {(entry, index) => (
          <li
            class={`timeline-step done step-${entry.status}`}
            aria-current={index() === props.order.timeline.length - 1 ? 'step' : undefined}
          >
            <span class="timeline-dot" aria-hidden="true" />
            <div>
              <p class="timeline-title">{STATUS_LABEL[entry.status]}</p>
              <p class="timeline-meta">
                <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
              </p>
              <Show when={entry.reason ?? STEP_NOTE[entry.status]}>
                <p class="timeline-note">
                  {entry.reason ? asSentence(entry.reason) : STEP_NOTE[entry.status]}
                </p>
              </Show>
            </div>
          </li>
        )}
      </For>
      <For each={AHEAD[props.order.status]}>
        {(status) => (
          <li class="timeline-step upcoming">
            <span class="timeline-dot" aria-hidden="true" />
            <div>
              <p class="timeline-title">{STATUS_LABEL[status]}</p>
              <p class="timeline-meta">Not yet</p>
            </div>
          </li>
        )}
      </For>
    </ol>
  );
}

export function OrderLines(props: { order: Order }) {
  const money = (cents: number) => formatMoney(cents, props.order.currency);
  return (
    <div class="table-wrap">
      <table class="table">
        <caption class="visually-hidden">Items in this order</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col" class="num">
              Quantity
            </th>
            <th scope="col" class="num">
              Unit price
            </th>
            <th scope="col" class="num">
              Total
            </th>
          </tr>
        </thead>
        <tbody>
          <For each={props.order.items}>
            {(item) => (
              <tr>
                <td>{item.name}</td>
                <td class="num">{item.quantity}</td>
                <td class="num">{money(item.unitPriceCents)}</td>
                <td class="num">{money(item.unitPriceCents * item.quantity)}</td>
              </tr>
            )}
          </For>
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={3}>
              Order total
            </th>
            <td class="num strong">{money(props.order.totalCents)}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

/** The lines a rejected order could not get, by name. */
export function OrderShortages(props: { order: Order }) {
  const nameOf = (productId: string) =>
    props.order.items.find((item) => item.productId === productId)?.name ?? productId;
  return (
    <Show when={props.order.shortages?.length}>
      <div class="notice notice-error" role="status">
        <p class="notice-title">Not enough stock for:</p>
        <ul class="shortages">
          <For each={props.order.shortages}>
            {(shortage) => (
              <li>
                <strong>{nameOf(shortage.productId)}</strong>: you asked for {shortage.requested},{' '}
                {shortage.available === 0 ? 'none are' : `only ${shortage.available}`} available.
              </li>
            )}
          </For>
        </ul>
      </div>
    </Show>
  );
}

// The browser's names for countries (no contracts code: the shop's first screens stay small).
const countryNames = new Intl.DisplayNames(
  typeof navigator === 'undefined' ? ['en'] : [navigator.language, 'en'],
  { type: 'region', fallback: 'code' },
);

/** The address as a shipping label shows it: name, lines, postal code and city, region, COUNTRY. */
export function addressLines(name: string, address: Address): string[] {
  return [
    name,
    address.line1,
    address.line2,
    `${address.postalCode} ${address.city}`,
    address.region,
    (countryNames.of(address.country) ?? address.country).toUpperCase(),
  ].filter((line): line is string => Boolean(line?.trim()));
}

export function AddressBlock(props: { name: string; address: Address; label?: string }) {
  return (
    <address class="address" aria-label={props.label ?? 'Delivery address'}>
      {addressLines(props.name, props.address).join('\n')}
    </address>
  );
}

export const RETURN_STATUS_LABEL: Record<ReturnStatus, string> = {
  requested: 'Requested: send the items back',
  received: 'Received, being inspected',
  inspected: 'Inspected, refund on its way',
  refunded: 'Refunded',
};

/** The quantity of each product the order's returns already cover (any status). */
export function returnedQuantities(order: Order): Record<string, number> {
  const returned: Record<string, number> = {};
  for (const entry of order.returns ?? []) {
    for (const item of entry.items)
      returned[item.productId] = (returned[item.productId] ?? 0) + item.quantity;
  }
  return returned;
}

/** The order's returns: what each holds, how far it got, and what was refunded. */
export function ReturnList(props: { order: Order; actions?: (entry: Return) => JSX.Element }) {
  const nameOf = (productId: string) =>
    props.order.items.find((item) => item.productId === productId)?.name ?? productId;
  const money = (cents: number) => formatMoney(cents, props.order.currency);
  return (
    <ul class="plain-list returns" aria-label="Returns">
      <For each={props.order.returns ?? []}>
        {(entry) => (
          <li class="return">
            <p>
              <strong>Return {entry.id}</strong> · {RETURN_STATUS_LABEL[entry.status]}
              <Show when={entry.refundCents !== undefined}> · refund {money(entry.refundCents!)}</Show>
            </p>
            <p class="muted">
              Requested <time dateTime={entry.requestedAt}>{formatDateTime(entry.requestedAt)}</time>
              <Show when={entry.reason}>{(reason) => <> · “{reason()}”</>}</Show>
            </p>
            <ul class="plain-list">
              {/* Once inspected, the lines say what became of each unit (a product may be split). */}
              <For each={entry.lines ?? entry.items}>
                {(line) => (
                  <li>
                    {nameOf(line.productId)} × {line.quantity}
                    <Show when={'outcome' in line && line.outcome}>
                      {(outcome) => <> ({outcome() === 'restocked' ? 'restocked' : 'written off'})</>}
                    </Show>
                  </li>
                )}
              </For>
            </ul>
            {props.actions?.(entry)}
          </li>
        )}
      </For>
    </ul>
  );
}
