/**
 * @module The reorder view: products at or below their low-stock level once what is in transit is
 * counted (to order from a supplier, with how many lift them above it), products that are low now
 * but covered by transfers on the way, and locations low on a product the shop as a whole has
 * enough of (a transfer fixes those, not an order).
 */
import { A } from '@solidjs/router';
import { createMemo, createResource, For, Match, Show, Switch } from 'solid-js';
import { EmptyState, ErrorNotice, Loading } from '../components/States.tsx';
import type { LocationStockLevel } from '../lib/api.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { allStockLevels, useLocations, useProductNames } from './inventory-data.ts';

interface ReorderLine {
  productId: string;
  available: number;
  inTransit: number;
  threshold: number;
  /** Units that lift available plus in transit above the low-stock level. */
  toOrder: number;
}

interface LowAtLocation {
  productId: string;
  locationId: string;
  available: number;
  inTransit: number;
  threshold: number;
}

/** Sorts each product into: reorder, covered by transit, or fine (with its low locations). */
export function reorderPlan(levels: readonly LocationStockLevel[]) {
  const reorder: ReorderLine[] = [];
  const covered: ReorderLine[] = [];
  const lowAtLocation: LowAtLocation[] = [];
  for (const level of levels) {
    const inTransit = (level.locations ?? []).reduce((sum, l) => sum + l.inTransit, 0);
    const threshold = level.lowStockThreshold;
    const line = {
      productId: level.productId,
      available: level.available,
      inTransit,
      threshold,
      toOrder: Math.max(0, threshold + 1 - level.available - inTransit),
    };
    if (level.available + inTransit <= threshold) reorder.push(line);
    else if (level.available <= threshold) covered.push(line);
    else {
      for (const split of level.locations ?? []) {
        if (split.available + split.inTransit <= threshold) {
          lowAtLocation.push({ ...split, productId: level.productId, threshold });
        }
      }
    }
  }
  return { reorder, covered, lowAtLocation };
}

export default function ReorderView() {
  usePageTitle(() => 'Reorder');
  const productName = useProductNames();
  const { nameOf: locationName } = useLocations();
  const [levels, { refetch }] = createResource(() => allStockLevels());
  const plan = createMemo(() => reorderPlan(levels.latest ?? []));

  const productLink = (id: string) => (
    <A href={`/admin/products/${encodeURIComponent(id)}/movements`}>{productName(id)}</A>
  );

  return (
    <section aria-labelledby="reorder-title">
      <div class="page-head">
        <h1 id="reorder-title">Reorder</h1>
        <button type="button" class="button button-link" onClick={() => void refetch()}>
          Refresh
        </button>
      </div>
      <Switch>
        <Match when={levels.error && !levels.latest}>
          <ErrorNotice error={levels.error} onRetry={refetch} />
        </Match>
        <Match when={!levels.latest}>
          <Loading label="Loading stock…" />
        </Match>
        <Match when={levels.latest}>
          <section aria-labelledby="to-order-title">
            <h2 id="to-order-title">To order</h2>
            <Show
              when={plan().reorder.length}
              fallback={<EmptyState title="Nothing needs ordering, counting what is in transit" />}
            >
              <div class="table-wrap">
                <table class="table">
                  <caption class="visually-hidden">Products to order</caption>
                  <thead>
                    <tr>
                      <th scope="col">Product</th>
                      <th scope="col" class="num">
                        Available
                      </th>
                      <th scope="col" class="num">
                        In transit
                      </th>
                      <th scope="col" class="num">
                        Low at
                      </th>
                      <th scope="col" class="num">
                        To order
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={plan().reorder}>
                      {(line) => (
                        <tr class="row-low">
                          <th scope="row">{productLink(line.productId)}</th>
                          <td class="num">{line.available}</td>
                          <td class="num">{line.inTransit}</td>
                          <td class="num">{line.threshold}</td>
                          <td class="num strong">at least {line.toOrder}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
            </Show>
          </section>
          <Show when={plan().covered.length}>
            <section aria-labelledby="covered-title">
              <h2 id="covered-title">Low, but covered by transfers in transit</h2>
              <div class="table-wrap">
                <table class="table">
                  <caption class="visually-hidden">Products covered by transfers in transit</caption>
                  <thead>
                    <tr>
                      <th scope="col">Product</th>
                      <th scope="col" class="num">
                        Available
                      </th>
                      <th scope="col" class="num">
                        In transit
                      </th>
                      <th scope="col" class="num">
                        Low at
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={plan().covered}>
                      {(line) => (
                        <tr>
                          <th scope="row">{productLink(line.productId)}</th>
                          <td class="num">{line.available}</td>
                          <td class="num">{line.inTransit}</td>
                          <td class="num">{line.threshold}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
            </section>
          </Show>
          <Show when={plan().lowAtLocation.length}>
            <section aria-labelledby="low-location-title">
              <h2 id="low-location-title">Low at a location (a transfer would do)</h2>
              <div class="table-wrap">
                <table class="table">
                  <caption class="visually-hidden">Locations low on a product</caption>
                  <thead>
                    <tr>
                      <th scope="col">Product</th>
                      <th scope="col">Location</th>
                      <th scope="col" class="num">
                        Available there
                      </th>
                      <th scope="col" class="num">
                        In transit there
                      </th>
                      <th scope="col" class="num">
                        Low at
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={plan().lowAtLocation}>
                      {(line) => (
                        <tr>
                          <th scope="row">{productLink(line.productId)}</th>
                          <td>{locationName(line.locationId)}</td>
                          <td class="num">{line.available}</td>
                          <td class="num">{line.inTransit}</td>
                          <td class="num">{line.threshold}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
              <p>
                <A href="/admin/transfers">Request a transfer</A>
              </p>
            </section>
          </Show>
        </Match>
      </Switch>
    </section>
  );
}
