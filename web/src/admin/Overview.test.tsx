import { screen, waitFor, within } from '@solidjs/testing-library';
import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventMinute, OrderHour } from '../lib/api.ts';
import { deadLetter, ledgerEvent } from '../test/fake-ledger.ts';
import { emptyBuckets } from '../test/fake-overview.ts';
import { renderApp } from '../test/render.tsx';
import { REFRESH_MS } from './Overview.tsx';

/** What the overview handed uPlot: jsdom has no canvas, so the picture is checked as its data. */
interface DrawnPlot {
  opts: { series: Array<{ label?: string; dash?: number[] }> };
  data: number[][];
  destroyed: boolean;
}
const plots = vi.hoisted(() => [] as DrawnPlot[]);
vi.mock('uplot', () => {
  class FakePlot {
    static paths = { bars: () => () => null };
    destroyed = false;
    constructor(
      readonly opts: DrawnPlot['opts'],
      public data: number[][],
    ) {
      plots.push(this);
    }
    setData(data: number[][]) {
      this.data = data;
    }
    setSize() {}
    destroy() {
      this.destroyed = true;
    }
  }
  return { default: FakePlot };
});
afterEach(() => {
  plots.length = 0;
  vi.restoreAllMocks();
});

/** The plot on screen whose series carry `label`. */
const plotWith = (label: string) =>
  plots.filter((p) => !p.destroyed).find((p) => p.opts.series.some((s) => s.label === label));

const HOURS = emptyBuckets(24, 3600_000);
const hours = HOURS.map(
  (start, i): OrderHour => ({
    start,
    orders: i === 23 ? 4 : i === 20 ? 2 : 0,
    revenueCents: i === 23 ? { EUR: 2500, GBP: 1000 } : i === 20 ? { EUR: 500 } : {},
  }),
);
const MINUTES = emptyBuckets(60, 60_000);
const minutes = MINUTES.map(
  (start, i): EventMinute => ({
    start,
    byType: i === 59 ? { 'io.stockflow.order.placed': 3, 'io.stockflow.stock.reserved': 1 } : {},
  }),
);
const tile = (name: string) => screen.getByRole('article', { name });

describe('admin overview', () => {
  it('is the first screen: tiles and charts from each function’s figures', async () => {
    const { user } = renderApp('/admin', {
      staff: 'viewer',
      overview: { hours, minutes, lowStock: 3 },
      ledger: {
        deadLetters: [
          deadLetter('d-1', { deadAt: '2026-11-27T10:00:00.000Z' }),
          deadLetter('d-2', {
            deadAt: '2026-11-27T11:00:00.000Z',
            event: { specversion: '1.0', id: 'ce-d-2', source: '/inventory', type: 'io.stockflow.stock.low' },
          }),
          deadLetter('d-3', { status: 'replayed' }),
        ],
      },
    });
    expect(await screen.findByRole('heading', { name: 'Overview' })).toBeInTheDocument();
    await waitFor(() => expect(within(tile('Orders, last 24 hours')).getByText('6')).toBeInTheDocument());
    const revenue = within(tile('Revenue, last 24 hours'));
    expect(revenue.getByText('€30.00')).toBeInTheDocument();
    expect(revenue.getByText('£10.00')).toBeInTheDocument();
    await waitFor(() => expect(tile('Low stock')).toHaveTextContent('3 products'));
    const dead = within(tile('Dead letters'));
    await waitFor(() => expect(tile('Dead letters')).toHaveTextContent('2 waiting'));
    expect(dead.getByText(/Newest: stock\.low/)).toBeInTheDocument();
    expect(dead.getByRole('link', { name: 'See dead letters' })).toHaveAttribute(
      'href',
      '/admin/dead-letters',
    );

    // Orders per hour: one bar per hour, x in seconds.
    const orders = plotWith('Orders')!;
    expect(orders.data[0]).toEqual(HOURS.map((start) => Date.parse(start) / 1000));
    expect(orders.data[1]!.slice(-4)).toEqual([2, 0, 0, 4]);
    // Revenue: a line per currency, in major units, each its own dash pattern.
    const money = plotWith('EUR')!;
    expect(money.opts.series.map((s) => s.label)).toEqual([undefined, 'EUR', 'GBP']);
    expect(money.data[1]!.at(-1)).toBe(25);
    expect(money.data[2]!.at(-1)).toBe(10);
    expect(money.opts.series[1]!.dash).not.toEqual(money.opts.series[2]!.dash);
    // Events per minute, by type.
    await waitFor(() => expect(plotWith('order.placed')).toBeDefined());
    const events = plotWith('order.placed')!;
    expect(events.data[1]!.at(-1)).toBe(3);

    // What each picture says, in words and as a table.
    const panel = within(screen.getByRole('article', { name: 'Orders per hour' }));
    expect(panel.getByText(/^6 orders in the last 24 hours; the busiest hour began at/)).toBeInTheDocument();
    expect(
      within(screen.getByRole('article', { name: 'Revenue per hour' })).getByText(
        'Paid orders in the last 24 hours came to €30.00, £10.00.',
      ),
    ).toBeInTheDocument();
    expect(
      within(screen.getByRole('article', { name: 'Events per minute by type' })).getByText(
        '4 events in the last hour (most: order.placed 3, stock.reserved 1); 4 this minute.',
      ),
    ).toBeInTheDocument();
    await user.click(panel.getByText('Orders per hour as a table'));
    const table = panel.getByRole('table', { name: 'Orders per hour' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(24);
    expect(within(rows[23]!).getByRole('cell')).toHaveTextContent('4');
    const revenueTable = within(screen.getByRole('article', { name: 'Revenue per hour' }));
    await user.click(revenueTable.getByText('Revenue per hour as a table'));
    const lastHour = within(revenueTable.getByRole('table', { name: 'Revenue per hour' }))
      .getAllByRole('row')
      .at(-1)!;
    expect(
      within(lastHour)
        .getAllByRole('cell')
        .map((cell) => cell.textContent),
    ).toEqual(['€25.00', '£10.00']);
    // The legend names each series; the canvas is hidden from assistive technology.
    expect(
      within(screen.getByRole('list', { name: 'Series in Revenue per hour' }))
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual(['EUR', 'GBP']);
  });

  it('moves events per minute with the live stream, and re-reads orders on an order event', async () => {
    const { ledger, overview } = renderApp('/admin', { staff: 'viewer', overview: { minutes } });
    await screen.findByText('Live');
    await waitFor(() => expect(plotWith('order.placed')).toBeDefined());
    const readsBefore = overview.reads.orders;
    ledger.record(
      ledgerEvent('l-1', { type: 'io.stockflow.order.placed', subject: 'o-1' }, new Date().toISOString()),
    );
    // In this minute's bar, or the next one's if the minute turned since the figures were read.
    const placed = () => plotWith('order.placed')!.data[1]!;
    await waitFor(() => expect(placed().reduce((sum, n) => sum + n, 0)).toBe(4));
    expect(placed().at(-1)).toBeGreaterThan(0);
    expect(await screen.findByText(/^5 events in the last hour/)).toBeInTheDocument();
    await waitFor(() => expect(overview.reads.orders).toBe(readsBefore + 1), { timeout: 3_000 });
  });

  it('reads every figure again every 15 seconds', async () => {
    // The interval's callback is called by hand: faked timers would slow testing-library's polling.
    const intervals = vi.spyOn(window, 'setInterval');
    const { overview } = renderApp('/admin', { staff: 'viewer', overview: { lowStock: 1 } });
    await waitFor(() => expect(tile('Low stock')).toHaveTextContent('1 product'));
    // Each first read answered and shown (a read still on its way is not started again).
    await waitFor(() => expect(tile('Dead letters')).toHaveTextContent('0 waiting'));
    await screen.findByText('No orders in the last 24 hours.');
    expect(overview.reads).toEqual({ orders: 1, lowStock: 1, ledger: 1 });
    const refresh = intervals.mock.calls.find(([, ms]) => ms === REFRESH_MS)?.[0] as () => void;
    overview.figures.lowStock = 7;
    refresh();
    await waitFor(() => expect(tile('Low stock')).toHaveTextContent('7 products'));
    await waitFor(() => expect(overview.reads).toEqual({ orders: 2, lowStock: 2, ledger: 2 }));
  });

  it('shows a figure that failed with a way to try again, the others still shown', async () => {
    let fail = true;
    const { user } = renderApp('/admin', {
      staff: 'viewer',
      overview: { lowStock: 2 },
      overrides: [
        http.get('*/api/orders/stats', () =>
          fail
            ? HttpResponse.json({ title: 'Service Unavailable', status: 503 }, { status: 503 })
            : undefined,
        ),
      ],
    });
    const orders = await screen.findByRole('article', { name: 'Orders, last 24 hours' });
    expect(await within(orders).findByRole('alert')).toHaveTextContent('Service Unavailable');
    await waitFor(() => expect(tile('Low stock')).toHaveTextContent('2 products'));
    fail = false;
    await user.click(within(orders).getByRole('button', { name: 'Try again' }));
    expect(await within(orders).findByText('0')).toBeInTheDocument();
    expect(within(orders).queryByRole('alert')).not.toBeInTheDocument();
  });

  it('shows loading states until the figures arrive', async () => {
    renderApp('/admin', {
      staff: 'viewer',
      overrides: [http.get('*/api/ledger/stats', () => new Promise<never>(() => undefined))],
    });
    const panel = await screen.findByRole('article', { name: 'Events per minute by type' });
    expect(within(panel).getByRole('status')).toHaveTextContent('Loading events per minute by type…');
  });
});
