/**
 * @module The reorder view: products whose available stock plus what is in transit is at or below
 * their low-stock level (inventory works it out: `GET /api/inventory/reorder`), with how many to
 * order to lift them above it and the locations that are low on their own.
 */
import { A } from '@solidjs/router';
import { createResource, For, Match, Switch } from 'solid-js';
import { EmptyState, ErrorNotice, Loading } from '../components/States.tsx';
import { listReorder } from '../lib/api.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { useLocations, useProductNames } from './inventory-data.ts';

export default function ReorderView() {
  usePageTitle(() => 'Reorder');
  const productName = useProductNames();
  const { nameOf: locationName } = useLocations();
  const [entries, { refetch }] = createResource(listReorder);

  return (
    <section aria-labelledby="reorder-title">
      <div class="page-head">
        <h1 id="reorder-title">Reorder</h1>
        <button type="button" class="button button-link" onClick={() => void refetch()}>
          Refresh
        </button>
      </div>
      <p class="muted">
        Products at or below their low-stock level once what is already in transit is counted.
      </p>
      <Switch>
        <Match when={entries.error && !entries.latest}>
          <ErrorNotice error={entries.error} onRetry={refetch} />
        </Match>
        <Match when={!entries.latest}>
          <Loading label="Loading what to reorder…" />
        </Match>
        <Match when={entries.latest?.length === 0}>
          <EmptyState title="Nothing needs ordering" />
        </Match>
        <Match when={entries.latest}>
          {(list) => (
            <div class="table-wrap">
              <table class="table">
                <caption class="visually-hidden">Products to reorder</caption>
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
                      Suggested order
                    </th>
                    <th scope="col">Low locations</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(entry) => (
                      <tr class="row-low">
                        <th scope="row">
                          <A href={`/admin/movements/${encodeURIComponent(entry.productId)}`}>
                            {productName(entry.productId)}
                          </A>
                        </th>
                        <td class="num">{entry.available}</td>
                        <td class="num">{entry.inTransit}</td>
                        <td class="num">{entry.lowStockThreshold}</td>
                        <td class="num strong">{entry.suggested}</td>
                        <td>{entry.lowAt.map(locationName).join(', ') || '—'}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          )}
        </Match>
      </Switch>
    </section>
  );
}
