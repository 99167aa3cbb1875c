/** @module Orders for managers: newest first, filtered by status, each opening to ship or cancel. */
import { A, useSearchParams } from '@solidjs/router';
import { For } from 'solid-js';
import { STATUS_LABEL, StatusBadge } from '../components/Badges.tsx';
import { orderReference } from '../components/OrderDetails.tsx';
import { PagedView } from '../components/PagedView.tsx';
import { EmptyState } from '../components/States.tsx';
import { listOrders, type OrderStatus } from '../lib/api.ts';
import { formatMoney } from '../lib/money.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { createPagedList } from '../lib/paging.ts';
import { formatDateTime } from '../lib/time.ts';

const STATUSES = Object.keys(STATUS_LABEL) as OrderStatus[];

export default function OrderListAdmin() {
  usePageTitle(() => 'Orders');
  const [params, setParams] = useSearchParams<{ status?: string }>();
  const status = () => STATUSES.find((s) => s === params.status);
  const orders = createPagedList(status, (value, cursor) => listOrders({ status: value, cursor, limit: 50 }));

  return (
    <section aria-labelledby="orders-title">
      <div class="page-head">
        <h1 id="orders-title">Orders</h1>
        <div class="filters">
          <label for="order-status">Status</label>
          <select
            id="order-status"
            class="input"
            value={status() ?? ''}
            onChange={(event) => setParams({ status: event.currentTarget.value || undefined })}
          >
            <option value="">All</option>
            <For each={STATUSES}>{(s) => <option value={s}>{STATUS_LABEL[s]}</option>}</For>
          </select>
        </div>
      </div>
      <PagedView
        paged={orders}
        noun="orders"
        empty={
          <EmptyState
            title={status() ? `No ${STATUS_LABEL[status()!].toLowerCase()} orders` : 'No orders yet'}
          />
        }
      >
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Placed</th>
                <th scope="col">Customer</th>
                <th scope="col" class="num">
                  Items
                </th>
                <th scope="col" class="num">
                  Total
                </th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              <For each={orders.list.items}>
                {(order) => (
                  <tr>
                    <td>
                      <A href={`/admin/orders/${encodeURIComponent(order.id)}`} class="mono" title={order.id}>
                        {orderReference(order.id)}
                      </A>
                    </td>
                    <td>{formatDateTime(order.createdAt)}</td>
                    <td>{order.customer.name}</td>
                    <td class="num">{order.items.reduce((sum, item) => sum + item.quantity, 0)}</td>
                    <td class="num">{formatMoney(order.totalCents, order.currency)}</td>
                    <td>
                      <StatusBadge status={order.status} />
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
