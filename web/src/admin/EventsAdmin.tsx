/**
 * @module The event explorer: events the ledger recorded, newest first, filtered by type, subject
 * and source (kept in the URL), with new ones arriving live over server-sent events. Pausing keeps
 * the rows still for reading; what arrives meanwhile waits and is shown on resume.
 */
import { useSearchParams } from '@solidjs/router';
import { createEffect, createMemo, createSignal, on, onCleanup, Show } from 'solid-js';
import { Field } from '../components/Field.tsx';
import { PagedView } from '../components/PagedView.tsx';
import { EmptyState } from '../components/States.tsx';
import {
  type LedgerEvent,
  type LedgerEventFilter,
  listLedgerEvents,
  type StreamState,
  watchLedgerEvents,
} from '../lib/api.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { createPagedList, type PagedListControl } from '../lib/paging.ts';
import { EventTable } from './EventTable.tsx';

/** Live events kept on screen above the loaded pages (older ones remain reachable by reloading). */
const MAX_LIVE = 500;

const FILTER_KEYS = ['type', 'subject', 'source'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];

const sameFilter = (a: LedgerEventFilter, b: LedgerEventFilter) =>
  FILTER_KEYS.every((key) => a[key] === b[key]);

export default function EventsAdmin() {
  usePageTitle(() => 'Events');
  const [params, setParams] = useSearchParams<Record<FilterKey, string | undefined>>();
  const filter = createMemo<LedgerEventFilter>(
    () => ({
      type: params.type || undefined,
      subject: params.subject || undefined,
      source: params.source || undefined,
    }),
    {},
    { equals: sameFilter },
  );
  const events = createPagedList(filter, (query, cursor) =>
    listLedgerEvents({ ...query, cursor, limit: 50 }),
  );

  const [arrived, setArrived] = createSignal<LedgerEvent[]>([]);
  const [waiting, setWaiting] = createSignal<LedgerEvent[]>([]);
  const [paused, setPaused] = createSignal(false);
  const [stream, setStream] = createSignal<StreamState>('connecting');

  createEffect(
    on(filter, (query) => {
      setArrived([]);
      setWaiting([]);
      let opened = false;
      const watch = watchLedgerEvents(
        query,
        (event) => {
          if (paused()) setWaiting((queue) => [event, ...queue].slice(0, MAX_LIVE));
          else setArrived((shown) => [event, ...shown].slice(0, MAX_LIVE));
        },
        (state) => {
          setStream(state);
          // The stream starts at its connection: the first page is read after it, so no event
          // falls between the two (one in both is shown once).
          if (state === 'live' && !opened) {
            opened = true;
            events.reload();
          }
        },
      );
      onCleanup(() => watch.stop());
    }),
  );

  function resume() {
    setArrived((shown) => [...waiting(), ...shown].slice(0, MAX_LIVE));
    setWaiting([]);
    setPaused(false);
  }

  const rows = () => {
    const live = arrived();
    const seen = new Set(live.map((event) => event.id));
    return [...live, ...events.list.items.filter((event) => !seen.has(event.id))];
  };

  // The paged view shows live arrivals as part of the list (and so never says "empty" above them).
  const withLiveRows: PagedListControl<LedgerEvent> = {
    ...events,
    list: {
      get items() {
        return rows();
      },
      get nextCursor() {
        return events.list.nextCursor;
      },
      get status() {
        return events.list.status;
      },
      get error() {
        return events.list.error;
      },
    },
  };

  return (
    <section aria-labelledby="events-title">
      <div class="page-head">
        <h1 id="events-title">Events</h1>
        <LiveState state={stream()} paused={paused()} waiting={waiting().length} />
        <Show
          when={paused()}
          fallback={
            <button type="button" class="button button-secondary" onClick={() => setPaused(true)}>
              Pause live updates
            </button>
          }
        >
          <button type="button" class="button button-primary" onClick={resume}>
            Resume live updates
          </button>
        </Show>
      </div>
      <FilterForm filter={filter()} onApply={(next) => setParams({ ...next })} />
      <PagedView
        paged={withLiveRows}
        noun="events"
        empty={
          <EmptyState
            title={Object.values(filter()).some(Boolean) ? 'No matching events' : 'No events yet'}
          />
        }
      >
        <EventTable events={rows()} label="Recorded events" />
      </PagedView>
    </section>
  );
}

export function LiveState(props: { state: StreamState; paused: boolean; waiting: number }) {
  const label = () => {
    if (props.paused) return props.waiting ? `Paused · ${props.waiting} new` : 'Paused';
    if (props.state === 'live') return 'Live';
    if (props.state === 'closed') return 'Live updates stopped';
    return props.state === 'reconnecting' ? 'Reconnecting…' : 'Connecting…';
  };
  return (
    <span class={`live live-${props.paused ? 'paused' : props.state}`} role="status">
      {label()}
    </span>
  );
}

function FilterForm(props: {
  filter: LedgerEventFilter;
  onApply: (filter: Record<FilterKey, string | undefined>) => void;
}) {
  let form: HTMLFormElement | undefined;
  function apply(event: SubmitEvent) {
    event.preventDefault();
    const data = new FormData(form);
    const next = {} as Record<FilterKey, string | undefined>;
    for (const key of FILTER_KEYS) next[key] = String(data.get(key) ?? '').trim() || undefined;
    props.onApply(next);
  }
  function clear() {
    form?.reset();
    props.onApply({ type: undefined, subject: undefined, source: undefined });
  }
  return (
    <form ref={form} class="filters event-filters" aria-label="Filter events" onSubmit={apply}>
      <Field label="Type">
        {(control) => (
          <input
            {...control}
            name="type"
            class="input mono"
            placeholder="io.stockflow.order.placed"
            value={props.filter.type ?? ''}
          />
        )}
      </Field>
      <Field label="Subject">
        {(control) => (
          <input {...control} name="subject" class="input mono" value={props.filter.subject ?? ''} />
        )}
      </Field>
      <Field label="Source">
        {(control) => (
          <input
            {...control}
            name="source"
            class="input mono"
            placeholder="/orders"
            value={props.filter.source ?? ''}
          />
        )}
      </Field>
      <div class="actions">
        <button type="submit" class="button button-secondary">
          Filter
        </button>
        <Show when={Object.values(props.filter).some(Boolean)}>
          <button type="button" class="button button-link" onClick={clear}>
            Clear filters
          </button>
        </Show>
      </div>
    </form>
  );
}
