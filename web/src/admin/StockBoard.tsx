/**
 * @module The stock board: every product's stock at each location (on hand, reserved, available,
 * in transit), filtered by location, product name, low stock and in transit (kept in the URL), and
 * adjustable per location by clerks and managers. It stays live by reading the levels again every
 * few seconds while the tab is visible: one admin read per interval, which is cheaper and more
 * honest than following the ledger's event stream and guessing levels from events.
 */
import { A, useSearchParams } from '@solidjs/router';
import {
  createEffect,
  createMemo,
  createResource,
  createSignal,
  For,
  Match,
  on,
  Show,
  Switch,
} from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { Field } from '../components/Field.tsx';
import { EmptyState, ErrorNotice, Loading } from '../components/States.tsx';
import type { LocationStock, StockLevel } from '../lib/api.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { refreshWhileVisible } from '../lib/polling.ts';
import { ExportCsvButton } from './ExportCsvButton.tsx';
import { allStockLevels, MAX_PRODUCTS, useLocations, useProductNames } from './inventory-data.ts';
import { AdjustCell, AdjustHeader } from './StockAdjuster.tsx';

/** How often the board reads the levels again. */
export const BOARD_REFRESH_MS = 5_000;

interface BoardRow extends LocationStock {
  key: string;
  productId: string;
  name: string;
  locationName: string;
  lowStockThreshold: number;
}

type BoardParams = { location?: string; q?: string; low?: string; transit?: string };

export default function StockBoard() {
  usePageTitle(() => 'Stock board');
  const [params, setParams] = useSearchParams<BoardParams>();
  const { locations, nameOf: locationName, priorityOf } = useLocations();
  const productName = useProductNames();
  const [levels, { refetch }] = createResource(() => allStockLevels());
  const [updatedAt, setUpdatedAt] = createSignal<Date>();
  refreshWhileVisible(() => void refetch(), BOARD_REFRESH_MS);

  createEffect(
    on(
      () => levels.latest,
      (loaded) => loaded && setUpdatedAt(new Date()),
    ),
  );
  // By product name, then in allocation order. Rows keep their identity across refreshes (an open
  // adjustment stays open), only figures change.
  const [rows, setRows] = createStore<BoardRow[]>([]);
  createEffect(() =>
    setRows(
      reconcile(
        (levels.latest?.levels ?? [])
          .flatMap((level) => rowsOf(level, productName, locationName))
          .sort(
            (a, b) => a.name.localeCompare(b.name) || priorityOf(a.locationId) - priorityOf(b.locationId),
          ),
        { key: 'key' },
      ),
    ),
  );
  const shown = createMemo(() => {
    const q = (params.q ?? '').trim().toLowerCase();
    return rows.filter(
      (row) =>
        (!params.location || row.locationId === params.location) &&
        (!q || row.name.toLowerCase().includes(q) || row.productId.toLowerCase().includes(q)) &&
        (params.low !== 'true' || row.low) &&
        (params.transit !== 'true' || row.inTransit > 0),
    );
  });
  const filtered = () => Boolean(params.location || params.q || params.low || params.transit);

  return (
    <section aria-labelledby="board-title">
      <div class="page-head">
        <h1 id="board-title">Stock board</h1>
        <span class={`live live-${levels.error ? 'reconnecting' : 'live'}`}>
          {levels.error && levels.latest
            ? 'Could not refresh; retrying'
            : `Live · updated ${updatedAt()?.toLocaleTimeString() ?? '…'}`}
        </span>
        <ExportCsvButton file="stock.csv" />
      </div>
      <form class="filters board-filters" aria-label="Filter the board" onSubmit={(e) => e.preventDefault()}>
        <Field label="Location">
          {(control) => (
            <select
              {...control}
              class="input"
              value={params.location ?? ''}
              onChange={(event) => setParams({ location: event.currentTarget.value || undefined })}
            >
              <option value="">All locations</option>
              <For each={locations.latest ?? []}>
                {(location) => (
                  <option value={location.id}>
                    {location.name}
                    {location.active ? '' : ' (inactive)'}
                  </option>
                )}
              </For>
            </select>
          )}
        </Field>
        <Field label="Product">
          {(control) => (
            <input
              {...control}
              type="search"
              class="input"
              placeholder="Name or id"
              value={params.q ?? ''}
              onInput={(event) => setParams({ q: event.currentTarget.value || undefined }, { replace: true })}
            />
          )}
        </Field>
        <label class="checkbox">
          <input
            type="checkbox"
            checked={params.low === 'true'}
            onChange={(event) => setParams({ low: event.currentTarget.checked ? 'true' : undefined })}
          />
          Low stock only
        </label>
        <label class="checkbox">
          <input
            type="checkbox"
            checked={params.transit === 'true'}
            onChange={(event) => setParams({ transit: event.currentTarget.checked ? 'true' : undefined })}
          />
          In transit only
        </label>
      </form>
      <Show when={levels.latest?.more}>
        <p class="notice notice-warning">
          The board shows the first {MAX_PRODUCTS.toLocaleString()} products; the Stock screen lists them all.
        </p>
      </Show>
      <p class="visually-hidden" role="status">
        {levels.latest ? `${shown().length} of ${rows.length} rows shown` : ''}
      </p>
      <Switch>
        <Match when={!levels.latest && levels.error}>
          <ErrorNotice error={levels.error} onRetry={refetch} />
        </Match>
        <Match when={!levels.latest}>
          <Loading label="Loading stock…" />
        </Match>
        <Match when={shown().length === 0}>
          <EmptyState title={filtered() ? 'Nothing matches these filters' : 'No stock recorded yet'} />
        </Match>
        <Match when={shown().length > 0}>
          <div class="table-wrap">
            <table class="table stock-table">
              <caption class="visually-hidden">Stock per location</caption>
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col">Location</th>
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
                    In transit
                  </th>
                  <AdjustHeader label="Change" />
                </tr>
              </thead>
              <tbody>
                <For each={shown()}>
                  {(row) => <BoardRowView row={row} onAdjusted={() => void refetch()} />}
                </For>
              </tbody>
            </table>
          </div>
        </Match>
      </Switch>
    </section>
  );
}

function rowsOf(
  level: StockLevel,
  productName: (id: string) => string,
  locationName: (id: string) => string,
): BoardRow[] {
  return (level.locations ?? []).map((split) => ({
    ...split,
    key: `${level.productId}|${split.locationId}`,
    productId: level.productId,
    name: productName(level.productId),
    locationName: locationName(split.locationId),
    lowStockThreshold: level.lowStockThreshold,
  }));
}

function BoardRowView(props: { row: BoardRow; onAdjusted: () => void }) {
  return (
    <tr classList={{ 'row-low': props.row.low }}>
      <th scope="row">
        <A href={`/admin/movements/${encodeURIComponent(props.row.productId)}`}>{props.row.name}</A>{' '}
        <Show when={props.row.low}>
          <span class="badge badge-few" title={`Low at or below ${props.row.lowStockThreshold}`}>
            Low
          </span>
        </Show>
      </th>
      <td>{props.row.locationName}</td>
      <td class="num">{props.row.onHand}</td>
      <td class="num">{props.row.reserved}</td>
      <td class="num strong">{props.row.available}</td>
      <td class="num">
        <Show when={props.row.inTransit > 0} fallback={<span class="muted">0</span>}>
          <span class="badge badge-pending">{props.row.inTransit} in transit</span>
        </Show>
      </td>
      <AdjustCell
        productId={props.row.productId}
        locationId={props.row.locationId}
        subject={`${props.row.name} at ${props.row.locationName}`}
        countable
        onAdjusted={props.onAdjusted}
      />
    </tr>
  );
}
