/**
 * @module A message to the shopper and its life: one per (order, kind[, shipment]), so an event
 * delivered twice, replayed, or a second event of the same meaning never makes a second message.
 * `waiting` until the order's contact is known (order.placed may arrive after the news), `pending`
 * while it is due for sending (retried with exponential backoff), then `sent` once the SMTP server
 * accepted it, or `failed` after too many attempts, or `unaddressed` for an order placed before
 * orders announced its customer. Pure: clocks and ids come in as arguments.
 */
import {
  type MessageFacts,
  type MessageKind,
  type MessageLine,
  type RenderedMessage,
  renderMessage,
} from './templates.ts';

export type { MessageStatus, OrderMessage as MessageView } from '@stockflow/contracts';

/**
 * The message's document id: the order, the kind and, when an order has several of a kind, the
 * part it is about (a shipment's id, a refund's `refundPart`). `~` is not allowed in ids
 * (packages/contracts), so keys never collide.
 */
export function messageKey(orderId: string, kind: MessageKind, part?: string): string {
  return part ? `${orderId}~${kind}~${part}` : `${orderId}~${kind}`;
}

/**
 * Which refund a `refunded` message is about: its return, or else its payment and cause (one refund
 * of a cancelled order, one of a late authorization). A payment id is the provider's text, so it is
 * percent-encoded (no `/` or `~` in a document id).
 */
export function refundPart(refund: { paymentId: string; cause: string; returnId?: string }): string {
  if (refund.returnId) return `return:${refund.returnId}`;
  return `${refund.cause}:${encodeURIComponent(refund.paymentId).replaceAll('~', '%7E')}`;
}

const EMAIL = /[^\s<>()[\],;:"']+@[^\s<>()[\],;:"']+/g;

/**
 * An SMTP error as it may be kept and logged: its code and the server's reply, with anything that
 * looks like an address taken out (servers quote the recipient: "550 <bob@…> unknown").
 */
export function describeFailure(error: unknown): string {
  const { code, responseCode, response, message } = error as {
    code?: string;
    responseCode?: number;
    response?: string;
    message?: string;
  };
  const detail = (response ?? message ?? String(error)).replace(EMAIL, '<address>').slice(0, 300);
  return [code, responseCode, detail].filter((part) => part !== undefined && part !== '').join(' ');
}

/** What notifications keeps of an order (from order.placed): whom to write to and what was ordered. */
export interface OrderProjection {
  customer: { name: string; email: string } | null;
  items: MessageLine[];
  currency: string;
  totalCents: number;
}

/** What an event adds to the order's facts (a cancel's reason and cause, a shipment, a refund). */
export type EventFacts = Pick<MessageFacts, 'reason' | 'cause' | 'shipment' | 'refund'>;

/** A message's content once its recipient is known. */
export interface Composed extends RenderedMessage {
  status: 'pending' | 'unaddressed';
  to: string | null;
  toName: string | null;
}

/** The message of `kind` for an order as projected: rendered, or unaddressed when it has no contact. */
export function composeMessage(
  orderId: string,
  kind: MessageKind,
  order: OrderProjection,
  extra: EventFacts,
): Composed {
  if (!order.customer)
    return { status: 'unaddressed', to: null, toName: null, subject: '', text: '', html: '' };
  const rendered = renderMessage(kind, {
    orderId,
    customerName: order.customer.name,
    items: order.items,
    currency: order.currency,
    totalCents: order.totalCents,
    ...extra,
    ...(extra.shipment ? { shipment: withNames(extra.shipment, order.items) } : {}),
  });
  return { status: 'pending', to: order.customer.email, toName: order.customer.name, ...rendered };
}

/** A shipment's lines (shipment.shipped names products by id only) with the names the order gave them. */
function withNames(shipment: NonNullable<EventFacts['shipment']>, ordered: readonly MessageLine[]) {
  const names = new Map(ordered.map((line) => [line.productId, line.name]));
  return {
    ...shipment,
    items: shipment.items.map((line) => ({ ...line, name: line.name ?? names.get(line.productId) })),
  };
}
