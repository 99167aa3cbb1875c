/**
 * @module What the inventory screens read alike: product names for their rows, the locations by
 * id, every product's stock levels at once (the board shows them whole), reasons in words.
 */
import { createResource } from 'solid-js';
import {
  type Location,
  listLocations,
  listProducts,
  listStock,
  type MovementReason,
  type StockLevel,
} from '../lib/api.ts';

/** Why stock moved, in words. */
export const REASON_LABEL: Record<MovementReason, string> = {
  received: 'Received',
  sold: 'Sold',
  adjusted: 'Adjusted',
  damaged: 'Damaged',
  counted: 'Counted',
  transfer: 'Transfer',
  returned: 'Returned',
};

/** Pages read at most, of the most a page may hold: 1,000 products (more would need server-side filtering). */
const MAX_PAGES = 10;
const PAGE_SIZE = 100;
/** The most products the board shows. */
export const MAX_PRODUCTS = MAX_PAGES * PAGE_SIZE;

/** Product names for the rows: the first pages of the catalog, by id (ids are shown if missing). */
export async function productNames(): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, nextCursor } = await listProducts({ limit: PAGE_SIZE, cursor });
    for (const product of items) names[product.id] = product.name;
    if (!nextCursor) break;
    cursor = nextCursor;
  }
  return names;
}

/** Every product's levels with their split per location, up to MAX_PAGES pages (`more`: there are others). */
export async function allStockLevels(): Promise<{ levels: StockLevel[]; more: boolean }> {
  const levels: StockLevel[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, nextCursor } = await listStock({ cursor, limit: PAGE_SIZE });
    levels.push(...items);
    if (!nextCursor) return { levels, more: false };
    cursor = nextCursor;
  }
  return { levels, more: true };
}

/** The product names as a resource that never fails (ids stand in for names). */
export function useProductNames() {
  const [names] = createResource(() => productNames().catch(() => ({}) as Record<string, string>));
  return (id: string) => names.latest?.[id] ?? id;
}

/** The locations as a resource, with lookups of a name and of the allocation rank by id. */
export function useLocations() {
  const [locations, control] = createResource(listLocations);
  const find = (id: string) => locations.latest?.find((l: Location) => l.id === id);
  const nameOf = (id: string) => find(id)?.name ?? id;
  const priorityOf = (id: string) => find(id)?.priority ?? Number.MAX_SAFE_INTEGER;
  return { locations, nameOf, priorityOf, ...control };
}
