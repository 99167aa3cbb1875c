/**
 * @module Stock levels rebuilt from the audit trail: every onHand change is a movement, so the sum of
 * a (product, location)'s movement deltas is its onHand, and what is in transit towards a location
 * is what dispatched transfers carry there. `compareRebuild` says where stored levels and the trail
 * disagree (nothing when they agree exactly).
 */
import type { Movement, Transfer } from '@stockflow/contracts';
import { locationsOf, type StockItem } from './stock.ts';

const key = (productId: string, locationId: string) => `${productId}@${locationId}`;

export interface RebuiltLevels {
  onHand: Map<string, number>;
  inTransit: Map<string, number>;
}

/** onHand per product@location from the movements, in transit from the dispatched transfers. */
export function rebuildLevels(
  movements: Iterable<Pick<Movement, 'productId' | 'locationId' | 'delta'>>,
  transfers: Iterable<Pick<Transfer, 'state' | 'to' | 'lines'>> = [],
): RebuiltLevels {
  const onHand = new Map<string, number>();
  for (const m of movements) {
    const at = key(m.productId, m.locationId);
    onHand.set(at, (onHand.get(at) ?? 0) + m.delta);
  }
  const inTransit = new Map<string, number>();
  for (const transfer of transfers) {
    if (transfer.state !== 'dispatched') continue;
    for (const line of transfer.lines) {
      const at = key(line.productId, transfer.to);
      inTransit.set(at, (inTransit.get(at) ?? 0) + line.quantity);
    }
  }
  return { onHand, inTransit };
}

/** Where the stored levels differ from the rebuilt ones. */
export function compareRebuild(items: Iterable<StockItem>, rebuilt: RebuiltLevels): string[] {
  const problems: string[] = [];
  const onHand = new Map(rebuilt.onHand);
  const inTransit = new Map(rebuilt.inTransit);
  for (const item of items) {
    for (const [locationId, levels] of Object.entries(locationsOf(item))) {
      const at = key(item.productId, locationId);
      const fromTrail = onHand.get(at) ?? 0;
      if (fromTrail !== levels.onHand)
        problems.push(`${at}: onHand ${levels.onHand}, movements sum to ${fromTrail}`);
      const moving = inTransit.get(at) ?? 0;
      if (moving !== levels.inTransit)
        problems.push(`${at}: inTransit ${levels.inTransit}, transfers carry ${moving}`);
      onHand.delete(at);
      inTransit.delete(at);
    }
  }
  for (const [at, sum] of onHand)
    if (sum !== 0) problems.push(`${at}: movements sum to ${sum}, no stock there`);
  for (const [at, sum] of inTransit) problems.push(`${at}: transfers carry ${sum}, no stock there`);
  return problems;
}
