/**
 * @module An order's event history on the admin order screen: every event the ledger holds whose
 * subject is the order (its saga: placed, reserved or rejected, confirmed, shipped…), oldest first,
 * so it reads as the story of the order.
 */
import { A } from '@solidjs/router';
import { createResource, Match, Show, Suspense, Switch } from 'solid-js';
import { EmptyState, ErrorNotice, Loading } from '../components/States.tsx';
import { listLedgerEvents } from '../lib/api.ts';
import { EventTable } from './EventTable.tsx';

/** More than any order's saga produces; beyond it the explorer pages through the rest. */
const HISTORY_LIMIT = 100;

export function OrderEvents(props: {
  orderId: string;
  /** Changes when the order does (its `updatedAt`): the history is read again then. */
  version: string;
}) {
  const [history, { refetch }] = createResource(
    () => ({ subject: props.orderId, version: props.version }),
    ({ subject }) => listLedgerEvents({ subject, limit: HISTORY_LIMIT }),
  );
  const explorer = () => `/admin/events?subject=${encodeURIComponent(props.orderId)}`;
  return (
    <section class="card order-events" aria-labelledby="order-events-title">
      <div class="page-head">
        <h2 id="order-events-title">Events</h2>
        <span class="muted">oldest first</span>
        <button type="button" class="button button-link" onClick={() => void refetch()}>
          Refresh events
        </button>
        <A href={explorer()}>Open in the event explorer</A>
      </div>
      {/* Its own boundary: the order above stays on screen while its events load. */}
      <Suspense fallback={<Loading label="Loading events…" />}>
        <Switch>
          <Match when={history.error}>{(error) => <ErrorNotice error={error()} onRetry={refetch} />}</Match>
          <Match when={history.latest}>
            {(page) => (
              <Show
                when={page().items.length > 0}
                fallback={<EmptyState title="No events for this order yet" />}
              >
                <Show when={page().nextCursor}>
                  <p class="muted">The latest {HISTORY_LIMIT} events; the explorer has the earlier ones.</p>
                </Show>
                <EventTable
                  events={[...page().items].reverse()}
                  label="Events of this order"
                  withoutSubject
                />
              </Show>
            )}
          </Match>
          <Match when={history.loading}>
            <Loading label="Loading events…" />
          </Match>
        </Switch>
      </Suspense>
    </section>
  );
}
