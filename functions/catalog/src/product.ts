/**
 * @module The product aggregate: creating, changing and archiving a product are the only ways it
 * moves, each returning the product and the event that announces it (none when nothing changed).
 * Pure: ids and clocks come in as arguments.
 */
import { eventType, type NewProduct, type Product, type ProductChanges } from '@stockflow/contracts';

export type ProductEventType =
  | 'io.stockflow.product.created'
  | 'io.stockflow.product.updated'
  | 'io.stockflow.product.archived';

export interface ProductEvent {
  type: ProductEventType;
  subject: string;
  data: Product;
}

export interface ProductChange {
  product: Product;
  /** Absent when the command changed nothing (a repeated archive, an empty patch). */
  event?: ProductEvent;
}

/** An archived product takes no more changes. */
export class ProductArchivedError extends Error {
  constructor(readonly productId: string) {
    super(`Product ${productId} is archived and cannot change.`);
    this.name = 'ProductArchivedError';
  }
}

/** A product's sku is its identity in other systems: it never changes. */
export class SkuChangeError extends Error {
  constructor(readonly sku: string) {
    super(`The sku of a product cannot change (it is ${sku}).`);
    this.name = 'SkuChangeError';
  }
}

/** Another product already has this sku (compared without case). */
export class SkuTakenError extends Error {
  constructor(readonly sku: string) {
    super(`Another product already has the sku ${sku}.`);
    this.name = 'SkuTakenError';
  }
}

/** The form under which skus are unique: `ab-1` and `AB-1` are the same sku. */
export const skuKey = (sku: string) => sku.trim().toLowerCase();

const announce = (type: ProductEventType, product: Product): ProductEvent => ({
  type,
  subject: product.id,
  data: product,
});

export function createProduct(id: string, input: NewProduct, now: string): Required<ProductChange> {
  const product: Product = {
    id,
    sku: input.sku,
    name: input.name,
    ...(input.description ? { description: input.description } : {}),
    priceCents: input.priceCents,
    currency: input.currency,
    ...(input.category ? { category: input.category } : {}),
    ...(input.imageUrl ? { imageUrl: input.imageUrl } : {}),
    status: 'active',
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  return { product, event: announce(eventType('product.created'), product) };
}

const EDITABLE = ['name', 'description', 'priceCents', 'currency', 'category', 'imageUrl'] as const;

export function changeProduct(product: Product, changes: ProductChanges, now: string): ProductChange {
  if (product.status === 'archived') throw new ProductArchivedError(product.id);
  if (changes.sku !== undefined && changes.sku !== product.sku) throw new SkuChangeError(product.sku);
  const next: Record<string, unknown> = { ...product };
  let changed = false;
  for (const field of EDITABLE) {
    const value = changes[field];
    if (value === undefined || value === product[field]) continue;
    // null and an empty description remove an optional field.
    if (value === null || value === '') {
      if (product[field] === undefined) continue;
      delete next[field];
    } else {
      next[field] = value;
    }
    changed = true;
  }
  if (!changed) return { product };
  const updated = { ...(next as Product), version: product.version + 1, updatedAt: now };
  return { product: updated, event: announce(eventType('product.updated'), updated) };
}

/** Archiving twice is not an error: the second time changes nothing. */
export function archiveProduct(product: Product, now: string): ProductChange {
  if (product.status === 'archived') return { product };
  const archived: Product = { ...product, status: 'archived', version: product.version + 1, updatedAt: now };
  return { product: archived, event: announce(eventType('product.archived'), archived) };
}

/** Longest prefix kept for search: a whole sku, and more of a name than anyone types. */
export const MAX_SEARCH_PREFIX = 64;

/** How a search query and the searched text are compared: lower case, single spaces. */
export const normalizeSearch = (text: string) => text.toLowerCase().replace(/\s+/g, ' ').trim();

/** The query's form in the index: normalized and cut to the longest prefix kept. */
export const searchKey = (query: string) => normalizeSearch(query).slice(0, MAX_SEARCH_PREFIX);

const prefixesOf = (text: string, into: Set<string>) => {
  for (let end = 1; end <= Math.min(text.length, MAX_SEARCH_PREFIX); end++) into.add(text.slice(0, end));
};

/**
 * Every query that finds this product: the prefixes of its name, of each word of its name, and of
 * its sku (up to MAX_SEARCH_PREFIX characters). Kept on the document so one `array-contains` query serves the search, combined with a
 * category filter and keyset pagination (a range on the name could not also match the sku).
 */
export function searchPrefixes(product: Pick<Product, 'name' | 'sku'>): string[] {
  const prefixes = new Set<string>();
  const name = normalizeSearch(product.name);
  prefixesOf(name, prefixes);
  // Words as written ("t-shirt") and their parts ("shirt").
  for (const word of name.split(/[\s\p{P}]+/u)) if (word) prefixesOf(word, prefixes);
  for (const word of name.split(' ')) prefixesOf(word, prefixes);
  prefixesOf(normalizeSearch(product.sku), prefixes);
  return [...prefixes];
}
