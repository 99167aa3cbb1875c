/**
 * @module The HTTP contract's bodies (docs/api.md) as schemas: what clients send to catalog and
 * orders, and the orders they get back. Request schemas trim text and drop unknown fields, so
 * server-owned fields (`id`, `status`, timestamps) can never come from a client.
 */
import * as z from 'zod/mini';
import { OrderLine, OrderPlaced, Product, Shortage } from './events.ts';

/** Text that must not be blank once trimmed. */
const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));

/** `POST /api/catalog/products`. */
export const NewProduct = z.object({
  sku: text(64),
  name: text(200),
  description: z.optional(z.string().check(z.trim(), z.maxLength(5000))),
  priceCents: Product.shape.priceCents,
  currency: Product.shape.currency,
  category: z.optional(text(100)),
  imageUrl: Product.shape.imageUrl,
});
export type NewProduct = z.infer<typeof NewProduct>;

/**
 * `PATCH /api/catalog/products/:id`: any field of NewProduct; `null` removes an optional one. A
 * `sku` is accepted only when it is the product's own (clients often send the product back whole).
 */
export const ProductChanges = z.object({
  sku: z.optional(text(64)),
  name: z.optional(NewProduct.shape.name),
  description: z.optional(z.nullable(z.string().check(z.trim(), z.maxLength(5000)))),
  priceCents: z.optional(Product.shape.priceCents),
  currency: z.optional(Product.shape.currency),
  category: z.optional(z.nullable(text(100))),
  imageUrl: z.optional(z.nullable(z.url())),
});
export type ProductChanges = z.infer<typeof ProductChanges>;

export const OrderStatus = z.enum(['pending', 'confirmed', 'rejected', 'cancelled', 'shipped']);
export type OrderStatus = z.infer<typeof OrderStatus>;

export const Customer = z.object({ name: text(200), email: z.email() });
export type Customer = z.infer<typeof Customer>;

/** `POST /api/orders`: each product at most once. */
export const PlaceOrder = z.object({
  items: z.array(OrderLine).check(
    z.minLength(1),
    z.maxLength(100),
    z.refine((lines) => new Set(lines.map((line) => line.productId)).size === lines.length, {
      message: 'each product may appear once',
    }),
  ),
  customer: Customer,
});
export type PlaceOrder = z.infer<typeof PlaceOrder>;

/** `POST /api/orders/:id/cancel`: the body is optional. */
export const CancelOrder = z.object({ reason: z.optional(text(500)) });
export type CancelOrder = z.infer<typeof CancelOrder>;

export const OrderItem = z.object({
  productId: Product.shape.id,
  name: Product.shape.name,
  quantity: OrderLine.shape.quantity,
  unitPriceCents: Product.shape.priceCents,
});
export type OrderItem = z.infer<typeof OrderItem>;

export const TimelineEntry = z.object({
  status: OrderStatus,
  at: z.iso.datetime(),
  reason: z.optional(z.string()),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

/** An order as `GET /api/orders/:id` answers it (and the SSE stream sends it). */
export const Order = z.object({
  id: Product.shape.id,
  status: OrderStatus,
  items: z.array(OrderItem),
  totalCents: OrderPlaced.shape.totalCents,
  currency: Product.shape.currency,
  customer: Customer,
  timeline: z.array(TimelineEntry),
  shortages: z.optional(z.array(Shortage)),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Order = z.infer<typeof Order>;

/** The 202 answer to `POST /api/orders`: `token` reads, streams and cancels this order. */
export type PlacedOrder = Pick<Order, 'id' | 'status' | 'items' | 'totalCents' | 'currency'> & {
  token: string;
};

/** Every list answer: pass `nextCursor` back as `cursor` for the next page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** What notifications tells the shopper about (a refund will be one more kind). */
export const MessageKind = z.enum(['confirmed', 'shipped', 'cancelled']);
export type MessageKind = z.infer<typeof MessageKind>;

/**
 * waiting: for the order's contact (order.placed); pending: due or being retried; sent: the SMTP
 * server accepted it; failed: given up after its last attempt; unaddressed: no contact known.
 */
export const MessageStatus = z.enum(['waiting', 'pending', 'sent', 'failed', 'unaddressed']);
export type MessageStatus = z.infer<typeof MessageStatus>;

/** An email to the shopper, as `GET /api/notifications/messages?orderId=` lists it. */
export interface OrderMessage {
  id: string;
  orderId: string;
  kind: MessageKind;
  status: MessageStatus;
  to: string | null;
  subject: string | null;
  text: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}
