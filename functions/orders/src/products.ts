/**
 * @module The product projection orders keeps from catalog's events (it never calls catalog): what
 * an order needs of a product. Events arrive at least once and in any order, so an entry only ever
 * moves to a higher version.
 */
import type { Product } from '@stockflow/contracts';

export interface ProductEntry {
  id: string;
  name: string;
  priceCents: number;
  currency: string;
  /** False once archived: no new orders for it. */
  active: boolean;
  version: number;
}

/** The entry after `product` arrives, or undefined when the entry is already as new or newer. */
export function project(current: ProductEntry | undefined, product: Product): ProductEntry | undefined {
  if (current && current.version >= product.version) return undefined;
  return {
    id: product.id,
    name: product.name,
    priceCents: product.priceCents,
    currency: product.currency,
    active: product.status === 'active',
    version: product.version,
  };
}
