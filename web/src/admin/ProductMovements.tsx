/**
 * @module A product's movement history: every change to its stock (who, when, where, why, by how
 * much, before and after, and what caused it), newest first, filterable by location, with a chart
 * of on hand over time per location drawn from the movements loaded, and the history as CSV.
 */
import { A, useParams, useSearchParams } from '@solidjs/router';
import { createResource, For, Show } from 'solid-js';
import { Field } from '../components/Field.tsx';
import { PagedView } from '../components/PagedView.tsx';
import { EmptyState } from '../components/States.tsx';
import { getProduct, listMovements, type Movement } from '../lib/api.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { createPagedList } from '../lib/paging.ts';
import { decodeSegment } from '../lib/path-segment.ts';
import { formatDateTime } from '../lib/time.ts';
import { ExportCsvButton } from './ExportCsvButton.tsx';
import { REASON_LABEL, useLocations } from './inventory-data.ts';
import { OnHandChart, seriesOf } from './OnHandChart.tsx';

export default function ProductMovements() {
  const params = useParams<{ id: string }>();
  // Decoded once (lib/path-segment.ts): api.ts and the link below encode it once.
  const id = () => decodeSegment(params.id);
  const [search, setSearch] = useSearchParams<{ location?: string }>();
  const [product] = createResource(
    () => id(),
    (id) => getProduct(id).catch(() => undefined),
  );
  const name = () => product.latest?.name ?? id();
  usePageTitle(() => `Movements of ${name()}`);
  const { locations, nameOf } = useLocations();
  const query = () => ({ productId: id(), locationId: search.location || undefined });
  const movements = createPagedList(query, (q, cursor) => listMovements({ ...q, cursor, limit: 100 }));

  return (
    <section aria-labelledby="movements-title">
      <nav class="breadcrumbs" aria-label="Breadcrumb">
        <A href="/admin/board">Stock board</A>
        <A href={`/admin/products/${encodeURIComponent(id())}`}>{name()}</A>
      </nav>
      <div class="page-head">
        <h1 id="movements-title">Movements of {name()}</h1>
        <ExportCsvButton
          file="movements.csv"
          query={{ productId: id(), locationId: search.location }}
          saveAs={`movements-${id()}.csv`}
        />
      </div>
      <form class="filters" aria-label="Filter movements" onSubmit={(event) => event.preventDefault()}>
        <Field label="Location">
          {(control) => (
            <select
              {...control}
              class="input"
              value={search.location ?? ''}
              onChange={(event) => setSearch({ location: event.currentTarget.value || undefined })}
            >
              <option value="">All locations</option>
              <For each={locations.latest ?? []}>
                {(location) => <option value={location.id}>{location.name}</option>}
              </For>
            </select>
          )}
        </Field>
      </form>
      <PagedView
        paged={movements}
        noun="movements"
        empty={<EmptyState title="No movements recorded for this product" />}
      >
        <section class="card" aria-labelledby="chart-title">
          <h2 id="chart-title">On hand over time</h2>
          <Show when={movements.list.nextCursor}>
            <p class="muted">
              Charted from the {movements.list.items.length} latest movements; load more for earlier ones.
            </p>
          </Show>
          <OnHandChart
            series={seriesOf(movements.list.items, nameOf)}
            title={`On hand of ${name()} per location`}
          />
        </section>
        <div class="table-wrap">
          <table class="table movements-table">
            <caption class="visually-hidden">Movements of {name()}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Location</th>
                <th scope="col">Reason</th>
                <th scope="col" class="num">
                  Change
                </th>
                <th scope="col" class="num">
                  Before
                </th>
                <th scope="col" class="num">
                  After
                </th>
                <th scope="col">By</th>
                <th scope="col">Reference</th>
              </tr>
            </thead>
            <tbody>
              <For each={movements.list.items}>
                {(movement) => (
                  <tr>
                    <td class="nowrap">
                      <time dateTime={movement.at}>{formatDateTime(movement.at)}</time>
                    </td>
                    <td>{nameOf(movement.locationId)}</td>
                    <td>
                      {REASON_LABEL[movement.reason] ?? movement.reason}
                      <Show when={movement.note}>
                        <span class="muted"> · {movement.note}</span>
                      </Show>
                    </td>
                    <td class="num strong">{movement.delta > 0 ? `+${movement.delta}` : movement.delta}</td>
                    <td class="num">{movement.before}</td>
                    <td class="num">{movement.after}</td>
                    <td>{actorName(movement.actor)}</td>
                    <td class="mono">{movement.reference ?? '—'}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </PagedView>
    </section>
  );
}

/** A person by name (or subject), a system by its name. */
export function actorName(actor: Movement['actor']): string {
  return 'system' in actor ? actor.system : actor.name;
}
