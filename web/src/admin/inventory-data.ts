/**
 * @module What the inventory screens read alike: product names for their rows, the locations by
 * id, and every product's stock levels at once (the board and the reorder view show them whole).
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

/** Pages read at most: 1,000 products or levels (more would need server-side filtering). */
const MAX_PAGES = 10;

/** Product names for the rows: the first pages of the catalog, by id (ids are shown if missing). */
export async function productNames(): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, nextCursor } = await listProducts({ limit: 100, cursor });
    for (const product of items) names[product.id] = product.name;
    if (!nextCursor) break;
    cursor = nextCursor;
  }
  return names;
}

/** Every product's levels with their split per location. */
export async function allStockLevels(low = false): Promise<StockLevel[]> {
  const levels: StockLevel[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, nextCursor } = await listStock({ low, cursor, limit: 100 });
    levels.push(...items);
    if (!nextCursor) break;
    cursor = nextCursor;
  }
  return levels;
}

/** The product names as a resource that never fails (ids stand in for names). */
export function useProductNames() {
  const [names] = createResource(() => productNames().catch(() => ({}) as Record<string, string>));
  return (id: string) => names.latest?.[id] ?? id;
}

/** The locations as a resource, with a lookup of a name by id. */
export function useLocations() {
  const [locations, control] = createResource(listLocations);
  const nameOf = (id: string) => locations.latest?.find((l: Location) => l.id === id)?.name ?? id;
  return { locations, nameOf, ...control };
}
