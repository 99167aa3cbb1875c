/**
 * @module Returns across orders for staff, waiting for receipt by default (or inspection, or done):
 * each opens its order, where a clerk receives it at a location and inspects it.
 */
import { A, useSearchParams } from '@solidjs/router';
import { For, Show } from 'solid-js';
import { orderReference, RETURN_STATUS_LABEL } from '../components/OrderDetails.tsx';
import { PagedView } from '../components/PagedView.tsx';
import { EmptyState } from '../components/States.tsx';
import { listReturns, type ReturnStatus } from '../lib/api.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { createPagedList } from '../lib/paging.ts';
import { formatDateTime } from '../lib/time.ts';

/** The filter's choices, the first (the default) the ones staff act on next. */
const FILTERS: Record<ReturnStatus | 'all', string> = {
  requested: 'Awaiting receipt',
  received: 'Awaiting inspection',
  inspected: 'Inspected, refund pending',
  refunded: 'Refunded',
  all: 'All',
};
type Filter = keyof typeof FILTERS;

export default function ReturnsAdmin() {
  usePageTitle(() => 'Returns');
  const [params, setParams] = useSearchParams<{ status?: string }>();
  const filter = (): Filter =>
    (Object.keys(FILTERS) as Filter[]).find((f) => f === params.status) ?? 'requested';
  const returns = createPagedList(filter, (value, cursor) =>
    listReturns({ status: value === 'all' ? undefined : value, cursor, limit: 50 }),
  );

  return (
    <section aria-labelledby="returns-title">
      <div class="page-head">
        <h1 id="returns-title">Returns</h1>
        <div class="filters">
          <label for="return-status">Show</label>
          <select
            id="return-status"
            class="input"
            value={filter()}
            onChange={(event) =>
              setParams({
                status: event.currentTarget.value === 'requested' ? undefined : event.currentTarget.value,
              })
            }
          >
            <For each={Object.keys(FILTERS) as Filter[]}>
              {(f) => (
                <option value={f} selected={f === filter()}>
                  {FILTERS[f]}
                </option>
              )}
            </For>
          </select>
        </div>
      </div>
      <PagedView
        paged={returns}
        noun="returns"
        empty={<EmptyState title={`No returns: ${FILTERS[filter()].toLowerCase()}`} />}
      >
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Return</th>
                <th scope="col">Order</th>
                <th scope="col">Requested</th>
                <th scope="col" class="num">
                  Units
                </th>
                <th scope="col">Status</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              <For each={returns.list.items}>
                {(entry) => (
                  <tr>
                    <td class="mono">{entry.id}</td>
                    <td>
                      <A
                        href={`/admin/orders/${encodeURIComponent(entry.orderId)}`}
                        class="mono"
                        title={entry.orderId}
                      >
                        {orderReference(entry.orderId)}
                      </A>
                    </td>
                    <td>{formatDateTime(entry.requestedAt)}</td>
                    <td class="num">{entry.items.reduce((sum, item) => sum + item.quantity, 0)}</td>
                    <td>{RETURN_STATUS_LABEL[entry.status]}</td>
                    <td>
                      <Show when={entry.reason} fallback="—">
                        {entry.reason}
                      </Show>
                    </td>
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
