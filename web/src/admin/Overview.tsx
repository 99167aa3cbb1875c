/**
 * @module Staff's first screen: tiles and charts of what the shop is doing now. Each figure comes
 * from the function that owns it (orders, inventory, ledger stats routes) and is refreshed every
 * 15 s while the tab is visible; events per minute also move with the ledger's live stream, and an
 * order or stock event refreshes its figure at once. Each chart says in words what it draws.
 */
import './overview.css';
import { A } from '@solidjs/router';
import { type Accessor, createSignal, For, type JSX, onCleanup, onMount, Show } from 'solid-js';
import { ErrorNotice, Loading } from '../components/States.tsx';
import {
  type EventMinute,
  getLedgerStats,
  getLowStockCount,
  getOrderStats,
  type LedgerStats,
  type StreamState,
  watchLedgerEvents,
} from '../lib/api.ts';
import { formatMoney, minorDigits } from '../lib/money.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { refreshWhileVisible } from '../lib/polling.ts';
import { formatDateTime } from '../lib/time.ts';
import { shortType } from './EventDetail.tsx';
import { LiveState } from './EventsAdmin.tsx';
import {
  clock,
  countLiveEvent,
  eventsChart,
  eventsSummary,
  ordersChart,
  ordersSummary,
  revenueChart,
  revenueSummary,
  revenueTotals,
} from './overview-data.ts';
import { TimeChart } from './TimeChart.tsx';

/** How often the figures are read again while the screen is visible. */
export const REFRESH_MS = 15_000;
/** Live events that change a figure refresh it after this pause (a burst is one read). */
const SETTLE_MS = 1_000;

/** A figure read now and again: its last value stays on screen while a new read is on its way or failed. */
function createFigure<T>(read: () => Promise<T>) {
  const [value, setValue] = createSignal<T>();
  const [error, setError] = createSignal<unknown>();
  let reading = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const refresh = async () => {
    if (reading) return;
    reading = true;
    try {
      const next = await read();
      setValue(() => next);
      setError(undefined);
    } catch (failure) {
      setError(() => failure);
    } finally {
      reading = false;
    }
  };
  onCleanup(() => clearTimeout(timer));
  return {
    value,
    error,
    set: (next: T) => setValue(() => next),
    refresh: () => void refresh(),
    /** Refreshes after a short pause, once for a burst of calls. */
    soon: () => {
      clearTimeout(timer);
      timer = setTimeout(() => void refresh(), SETTLE_MS);
    },
  };
}

type Figure<T> = ReturnType<typeof createFigure<T>>;

const count = (n: number) => n.toLocaleString();
const revenueFigure = (n: number) => n.toLocaleString(undefined, { maximumFractionDigits: 2 });
const hourLabel = (x: number) => formatDateTime(new Date(x * 1000).toISOString());
const minuteLabel = (x: number) => clock(new Date(x * 1000).toISOString());

/** The two charts drawn from the orders' figures. */
const HOURLY_CHARTS = [
  {
    title: 'Orders per hour',
    kind: 'bars',
    unit: 'orders',
    data: ordersChart,
    summary: ordersSummary,
    format: count,
  },
  {
    title: 'Revenue per hour',
    kind: 'lines',
    unit: 'revenue',
    data: revenueChart,
    summary: revenueSummary,
    format: revenueFigure,
    // Each series is a currency, drawn in major units.
    formatCell: (value: number, currency: string) =>
      formatMoney(Math.round(value * 10 ** minorDigits(currency)), currency),
  },
] as const;

export default function Overview() {
  usePageTitle(() => 'Overview');
  const orders = createFigure(() => getOrderStats(24));
  const lowStock = createFigure(getLowStockCount);
  const ledger = createFigure(getLedgerStats);
  const [stream, setStream] = createSignal<StreamState>('connecting');

  const refreshAll = () => {
    orders.refresh();
    lowStock.refresh();
    ledger.refresh();
  };
  onMount(() => {
    refreshAll();
    const watch = watchLedgerEvents(
      {},
      (entry) => {
        const current = ledger.value();
        if (current) ledger.set({ ...current, minutes: countLiveEvent(current.minutes, entry) });
        if (/\.(order|payment|shipment)\./.test(entry.event.type)) orders.soon();
        if (/\.stock\./.test(entry.event.type)) lowStock.soon();
      },
      setStream,
    );
    onCleanup(() => watch.stop());
  });
  refreshWhileVisible(refreshAll, REFRESH_MS);

  const minutes: Accessor<EventMinute[]> = () => ledger.value()?.minutes ?? [];

  return (
    <section class="overview" aria-labelledby="overview-title">
      <header class="overview-header">
        <h1 id="overview-title">Overview</h1>
        <LiveState state={stream()} paused={false} waiting={0} />
      </header>

      <div class="overview-tiles">
        <Tile title="Orders, last 24 hours" figure={orders}>
          {(stats) => (
            <>
              <p class="tile-figure">{count(stats().hours.reduce((sum, h) => sum + h.orders, 0))}</p>
              <A href="/admin/orders">See orders</A>
            </>
          )}
        </Tile>
        <Tile title="Revenue, last 24 hours" figure={orders}>
          {(stats) => (
            <Show
              when={Object.keys(revenueTotals(stats())).length}
              fallback={<p class="tile-figure">No paid orders</p>}
            >
              <ul class="tile-figure tile-list">
                <For each={Object.entries(revenueTotals(stats())).sort(([a], [b]) => a.localeCompare(b))}>
                  {([currency, cents]) => <li>{formatMoney(cents, currency)}</li>}
                </For>
              </ul>
            </Show>
          )}
        </Tile>
        <Tile title="Low stock" figure={lowStock}>
          {(low) => (
            <>
              <p class={`tile-figure ${low().count ? 'tile-alert' : ''}`}>
                <Show when={low().count}>
                  <span aria-hidden="true">⚠ </span>
                </Show>
                {count(low().count)}{' '}
                <span class="tile-unit">{low().count === 1 ? 'product' : 'products'}</span>
              </p>
              <A href="/admin/reorder">See what to reorder</A>
            </>
          )}
        </Tile>
        <Tile title="Dead letters" figure={ledger}>
          {(stats) => <DeadLetterTile deadLetters={stats().deadLetters} />}
        </Tile>
      </div>

      <div class="overview-charts">
        <For each={HOURLY_CHARTS}>
          {(chart) => (
            <ChartPanel title={chart.title} figure={orders}>
              {(stats) => (
                <TimeChart
                  {...chart}
                  data={chart.data(stats())}
                  summary={chart.summary(stats())}
                  when={hourLabel}
                />
              )}
            </ChartPanel>
          )}
        </For>
        <ChartPanel title="Events per minute by type" figure={ledger} wide>
          {() => (
            <TimeChart
              title="Events per minute by type"
              kind="lines"
              unit="events / min"
              data={eventsChart(minutes())}
              summary={eventsSummary(minutes())}
              format={count}
              when={minuteLabel}
            />
          )}
        </ChartPanel>
      </div>
    </section>
  );
}

/** A figure's loading and error states around what it shows once read. */
function FigureState<T>(props: {
  figure: Figure<T>;
  label: string;
  children: (value: Accessor<T>) => JSX.Element;
}) {
  return (
    <>
      <Show when={props.figure.value()} fallback={!props.figure.error() && <Loading label={props.label} />}>
        {(value) => props.children(value)}
      </Show>
      <Show when={props.figure.error()}>
        {(error) => <ErrorNotice error={error()} onRetry={props.figure.refresh} />}
      </Show>
    </>
  );
}

function Tile<T>(props: { title: string; figure: Figure<T>; children: (value: Accessor<T>) => JSX.Element }) {
  return (
    <article class="card tile" aria-label={props.title}>
      <h2 class="tile-title">{props.title}</h2>
      <FigureState figure={props.figure} label="Loading…">
        {props.children}
      </FigureState>
    </article>
  );
}

function ChartPanel<T>(props: {
  title: string;
  figure: Figure<T>;
  wide?: boolean;
  children: (value: Accessor<T>) => JSX.Element;
}) {
  return (
    <article class={`card overview-panel ${props.wide ? 'overview-wide' : ''}`} aria-label={props.title}>
      <h2 class="tile-title">{props.title}</h2>
      <FigureState figure={props.figure} label={`Loading ${props.title.toLowerCase()}…`}>
        {props.children}
      </FigureState>
    </article>
  );
}

function DeadLetterTile(props: { deadLetters: LedgerStats['deadLetters'] }) {
  return (
    <>
      <p class={`tile-figure ${props.deadLetters.count ? 'tile-alert' : ''}`}>
        <Show when={props.deadLetters.count}>
          <span aria-hidden="true">⚠ </span>
        </Show>
        {count(props.deadLetters.count)} <span class="tile-unit">waiting</span>
      </p>
      <Show when={props.deadLetters.newest} fallback={<p class="muted">Nothing failed delivery.</p>}>
        {(newest) => (
          <p class="muted">
            Newest: {shortType(newest().type)}, {formatDateTime(newest().deadAt)}
          </p>
        )}
      </Show>
      <A href="/admin/dead-letters">See dead letters</A>
    </>
  );
}
