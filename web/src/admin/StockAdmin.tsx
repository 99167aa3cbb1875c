/**
 * @module Stock levels for staff: on hand, reserved and available per product, low-stock rows
 * highlighted (or shown alone), each adjustable with a reason by a clerk or a manager.
 */

import { A, useSearchParams } from '@solidjs/router';
import { createResource, For, Show } from 'solid-js';
import { PagedView } from '../components/PagedView.tsx';
import { EmptyState } from '../components/States.tsx';
import { listStock, type StockLevel } from '../lib/api.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { createPagedList } from '../lib/paging.ts';
import { productNames } from './inventory-data.ts';
import { AdjustCell, AdjustHeader } from './StockAdjuster.tsx';

export default function StockAdmin() {
  usePageTitle(() => 'Stock');
  const [params, setParams] = useSearchParams<{ low?: string }>();
  const lowOnly = () => params.low === 'true';
  const stock = createPagedList(lowOnly, (low, cursor) => listStock({ low, cursor, limit: 50 }));
  const [names] = createResource(() => productNames().catch(() => ({}) as Record<string, string>));

  return (
    <section aria-labelledby="stock-title">
      <div class="page-head">
        <h1 id="stock-title">Stock</h1>
        <label class="checkbox">
          <input
            type="checkbox"
            checked={lowOnly()}
            onChange={(event) => setParams({ low: event.currentTarget.checked ? 'true' : undefined })}
          />
          Low stock only
        </label>
      </div>
      <PagedView
        paged={stock}
        noun="stock levels"
        empty={<EmptyState title={lowOnly() ? 'Nothing is running low' : 'No stock recorded yet'} />}
      >
        <div class="table-wrap">
          <table class="table stock-table">
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col" class="num">
                  On hand
                </th>
                <th scope="col" class="num">
                  Reserved
                </th>
                <th scope="col" class="num">
                  Available
                </th>
                <th scope="col" class="num">
                  Low at
                </th>
                <AdjustHeader label="Adjust" />
              </tr>
            </thead>
            <tbody>
              <For each={stock.list.items}>
                {(level) => (
                  <StockRow
                    level={level}
                    name={names.latest?.[level.productId]}
                    onAdjusted={(next) => stock.replace(next, (a, b) => a.productId === b.productId)}
                  />
                )}
              </For>
            </tbody>
          </table>
        </div>
      </PagedView>
    </section>
  );
}

function StockRow(props: {
  level: StockLevel;
  name: string | undefined;
  onAdjusted: (level: StockLevel) => void;
}) {
  const label = () => props.name ?? props.level.productId;
  return (
    <tr classList={{ 'row-low': props.level.low }}>
      <td>
        <A href={`/admin/products/${encodeURIComponent(props.level.productId)}`}>{label()}</A>
        <Show when={props.level.low}>
          <span class="badge badge-few">Low</span>
        </Show>
      </td>
      <td class="num">{props.level.onHand}</td>
      <td class="num">{props.level.reserved}</td>
      <td class="num strong">{props.level.available}</td>
      <td class="num">{props.level.lowStockThreshold}</td>
      <AdjustCell
        productId={props.level.productId}
        subject={`stock of ${label()}`}
        onAdjusted={props.onAdjusted}
      />
    </tr>
  );
}
