/**
 * @module The shopper's emails, one template per message kind, each as text and HTML. Pure. HTML is
 * written with the `html` tag, which escapes every interpolated value unless it is already markup
 * made by the tag: a product or customer name can never become markup. A small tagged template
 * instead of an engine: four short templates, no partials, no runtime compile, nothing to load.
 */
import { type CancelCause, type EventData, MessageKind } from '@stockflow/contracts';

/** What the shopper is told about. A new kind is one entry in TEMPLATES. */
export const MESSAGE_KINDS = MessageKind.options;
export type { MessageKind };

export interface MessageLine {
  productId: string;
  name?: string;
  quantity: number;
  unitPriceCents?: number;
}

/** Everything a template may show: the order as notifications projects it, and the event's facts. */
export interface MessageFacts {
  orderId: string;
  customerName: string;
  items: MessageLine[];
  currency: string;
  totalCents: number;
  /** Why the order was cancelled (order.cancelled): staff's or the shopper's words. */
  reason?: string;
  /** Who or what cancelled it (order.cancelled version 2): the payment's fate has its own wording. */
  cause?: CancelCause;
  /** The money a `refunded` message is about (payment.refunded). */
  refund?: Pick<
    EventData<'io.stockflow.payment.refunded'>,
    'amountCents' | 'currency' | 'cause' | 'returnId'
  >;
  /** The shipment a `shipped` message is about, once orders ships per location. */
  shipment?: { shipmentId: string; items: MessageLine[] };
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

/** Markup made by `html`: interpolating it into another `html` does not escape it again. */
export class Markup {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

type Interpolated = Markup | string | number | readonly Markup[] | undefined | null;

/** A tagged template that escapes every value; arrays of Markup are joined. */
export function html(strings: TemplateStringsArray, ...values: Interpolated[]): Markup {
  let out = strings[0]!;
  values.forEach((value, i) => {
    if (value instanceof Markup) out += value.value;
    else if (Array.isArray(value))
      out += value.map((part) => (part instanceof Markup ? part.value : '')).join('');
    else if (value !== undefined && value !== null) out += escapeHtml(String(value));
    out += strings[i + 1]!;
  });
  return new Markup(out);
}

/** Control characters (but newlines) out of text parts; a subject gets one line. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const plain = (value: string) => value.replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, ' ');
const oneLine = (value: string) => plain(value).replace(/\s+/g, ' ').trim();

/** One formatter per currency: building an `Intl.NumberFormat` costs far more than formatting with it. */
const moneyFormats = new Map<string, Intl.NumberFormat>();

export function formatMoney(cents: number, currency: string): string {
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat('en', { style: 'currency', currency });
    moneyFormats.set(currency, format);
  }
  return format.format(cents / 100);
}

const lineName = (line: MessageLine) => line.name ?? line.productId;

function textLines(facts: MessageFacts, lines: readonly MessageLine[]): string {
  return lines
    .map((line) => {
      const price =
        line.unitPriceCents === undefined
          ? ''
          : `  ${formatMoney(line.unitPriceCents * line.quantity, facts.currency)}`;
      return `  ${line.quantity} × ${oneLine(lineName(line))}${price}`;
    })
    .join('\n');
}

function htmlLines(facts: MessageFacts, lines: readonly MessageLine[]): Markup {
  const rows = lines.map(
    (line) =>
      html`<tr><td>${line.quantity} ×</td><td>${lineName(line)}</td><td style="text-align:right">${
        line.unitPriceCents === undefined
          ? ''
          : formatMoney(line.unitPriceCents * line.quantity, facts.currency)
      }</td></tr>`,
  );
  return html`<table cellpadding="4">${rows}</table>`;
}

function page(title: string, body: Markup): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body style="font-family:sans-serif;line-height:1.4">${body}
<p style="color:#666">Stockflow</p></body></html>`.value;
}

type Template = (facts: MessageFacts) => RenderedMessage;

const TEMPLATES: Record<MessageKind, Template> = {
  // Orders confirms an order once its payment is authorized (payment.authorized).
  confirmed(facts) {
    const subject = `Your order ${facts.orderId} is confirmed`;
    const total = formatMoney(facts.totalCents, facts.currency);
    return {
      subject,
      text: plain(
        `Hello ${facts.customerName},\n\nthank you: your payment went through and your order ` +
          `${facts.orderId} is confirmed; its goods are set aside for you.\n\n` +
          `${textLines(facts, facts.items)}\n\n  Total ${total}\n\n` +
          'We write again when it ships.\n\nStockflow\n',
      ),
      html: page(
        subject,
        html`<p>Hello ${facts.customerName},</p>
<p>thank you: your payment went through and your order <strong>${facts.orderId}</strong> is confirmed; its goods are set aside for you.</p>
${htmlLines(facts, facts.items)}
<p><strong>Total ${total}</strong></p>
<p>We write again when it ships.</p>`,
      ),
    };
  },
  shipped(facts) {
    const lines = facts.shipment?.items ?? facts.items;
    const what = facts.shipment ? `Shipment ${facts.shipment.shipmentId} of your order` : 'Your order';
    const subject = `${what} ${facts.orderId} has shipped`;
    return {
      subject,
      text: plain(
        `Hello ${facts.customerName},\n\n${what} ${facts.orderId} is on its way:\n\n${textLines(facts, lines)}\n\nStockflow\n`,
      ),
      html: page(
        subject,
        html`<p>Hello ${facts.customerName},</p>
<p>${what} <strong>${facts.orderId}</strong> is on its way:</p>
${htmlLines(facts, lines)}`,
      ),
    };
  },
  cancelled(facts) {
    const subject = `Your order ${facts.orderId} is cancelled`;
    const { text, markup } = cancelledBecause(facts);
    return {
      subject,
      text: plain(`Hello ${facts.customerName},\n\n${text}\n\nStockflow\n`),
      html: page(subject, html`<p>Hello ${facts.customerName},</p>\n<p>${markup}</p>`),
    };
  },
  refunded(facts) {
    const refund = facts.refund;
    const amount = formatMoney(refund?.amountCents ?? 0, refund?.currency ?? facts.currency);
    const subject = `A refund of ${amount} for your order ${facts.orderId}`;
    const why = refundReason(refund);
    const later = 'It may take a few days to show on your statement.';
    return {
      subject,
      text: plain(
        `Hello ${facts.customerName},\n\nwe refunded ${amount} for your order ${facts.orderId}: ${why}. ` +
          `${later}\n\nStockflow\n`,
      ),
      html: page(
        subject,
        html`<p>Hello ${facts.customerName},</p>
<p>we refunded <strong>${amount}</strong> for your order <strong>${facts.orderId}</strong>: ${why}. ${later}</p>`,
      ),
    };
  },
};

/** What a cancellation message says, by its cause: a declined or late payment has its own words. */
function cancelledBecause(facts: MessageFacts): { text: string; markup: Markup } {
  const { orderId } = facts;
  if (facts.cause === 'payment-declined') {
    const text =
      `your payment was declined, so your order ${orderId} is cancelled. Nothing was charged, ` +
      'and the items were released.';
    return {
      text,
      markup: html`your payment was declined, so your order <strong>${orderId}</strong> is cancelled. Nothing was charged, and the items were released.`,
    };
  }
  if (facts.cause === 'payment-expired') {
    const text =
      `we did not receive your payment in time, so your order ${orderId} is cancelled and its ` +
      'items were released. Should a payment still go through, we refund it.';
    return {
      text,
      markup: html`we did not receive your payment in time, so your order <strong>${orderId}</strong> is cancelled and its items were released. Should a payment still go through, we refund it.`,
    };
  }
  const reason = facts.reason ? oneLine(facts.reason) : undefined;
  return {
    text: `your order ${orderId} is cancelled${reason ? ` (${reason})` : ''}. Nothing of it will be sent.`,
    markup: html`your order <strong>${orderId}</strong> is cancelled${reason ? html` (${reason})` : ''}. Nothing of it will be sent.`,
  };
}

/** Why money went back, as the shopper reads it. */
function refundReason(refund: MessageFacts['refund']): string {
  switch (refund?.cause) {
    case 'return':
      return refund.returnId
        ? `for the items you returned (return ${refund.returnId})`
        : 'for the items you returned';
    case 'late-authorization':
      return 'your payment arrived after the order had been cancelled for late payment, so we gave it back';
    default:
      return 'your order was cancelled';
  }
}

/** The message of `kind` about `facts`: subject, text and HTML. */
export function renderMessage(kind: MessageKind, facts: MessageFacts): RenderedMessage {
  return TEMPLATES[kind](facts);
}
