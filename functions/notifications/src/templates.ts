/**
 * @module The shopper's emails, one template per message kind, each as text and HTML. Pure. HTML is
 * written with the `html` tag, which escapes every interpolated value unless it is already markup
 * made by the tag: a product or customer name can never become markup. A small tagged template
 * instead of an engine: three short templates, no partials, no runtime compile, nothing to load.
 */
import { MessageKind } from '@stockflow/contracts';

/** What the shopper is told about. A new kind (a refund, say) is one entry in TEMPLATES. */
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
  /** Why the order was cancelled (order.cancelled). */
  reason?: string;
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

export function formatMoney(cents: number, currency: string): string {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).format(cents / 100);
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
  confirmed(facts) {
    const subject = `Your order ${facts.orderId} is confirmed`;
    const total = formatMoney(facts.totalCents, facts.currency);
    return {
      subject,
      text: plain(
        `Hello ${facts.customerName},\n\nthank you: your order ${facts.orderId} is confirmed and ` +
          `its goods are set aside for you.\n\n${textLines(facts, facts.items)}\n\n  Total ${total}\n\n` +
          'We write again when it ships.\n\nStockflow\n',
      ),
      html: page(
        subject,
        html`<p>Hello ${facts.customerName},</p>
<p>thank you: your order <strong>${facts.orderId}</strong> is confirmed and its goods are set aside for you.</p>
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
    const reason = facts.reason ? oneLine(facts.reason) : undefined;
    return {
      subject,
      text: plain(
        `Hello ${facts.customerName},\n\nyour order ${facts.orderId} is cancelled` +
          `${reason ? ` (${reason})` : ''}. Nothing of it will be sent.\n\nStockflow\n`,
      ),
      html: page(
        subject,
        html`<p>Hello ${facts.customerName},</p>
<p>your order <strong>${facts.orderId}</strong> is cancelled${reason ? html` (${reason})` : ''}. Nothing of it will be sent.</p>`,
      ),
    };
  },
};

/** The message of `kind` about `facts`: subject, text and HTML. */
export function renderMessage(kind: MessageKind, facts: MessageFacts): RenderedMessage {
  return TEMPLATES[kind](facts);
}
