import { screen, waitFor, within } from '@solidjs/testing-library';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { ledgerEvent } from '../test/fake-ledger.ts';
import { renderApp } from '../test/render.tsx';

const placed = ledgerEvent(
  'l-1',
  { type: 'io.stockflow.order.placed', subject: 'o-1', data: { orderId: 'o-1', items: [] } },
  '2026-11-27T10:00:00.000Z',
);
const reserved = ledgerEvent(
  'l-2',
  { type: 'io.stockflow.stock.reserved', subject: 'o-1', source: '/inventory' },
  '2026-11-27T10:00:01.000Z',
);
const other = ledgerEvent(
  'l-3',
  { type: 'io.stockflow.order.placed', subject: 'o-2' },
  '2026-11-27T10:00:02.000Z',
);

const rowIds = () =>
  within(screen.getByRole('table', { name: 'Recorded events' }))
    .getAllByRole('row')
    .slice(1)
    .filter((row) => !row.classList.contains('detail-row'))
    .map((row) => within(row).getAllByRole('cell')[5]!.textContent);

describe('admin event explorer', () => {
  it('shows who made an admin change (the event data’s actor)', async () => {
    const shipped = ledgerEvent(
      'l-9',
      {
        type: 'io.stockflow.order.shipped',
        subject: 'o-9',
        source: '/orders',
        data: { orderId: 'o-9', actor: { subject: 'colin', name: 'Colin Clerk' } },
      },
      '2026-11-27T10:00:09.000Z',
    );
    renderApp('/admin/events', { staff: 'viewer', ledger: { events: [shipped, other] } });
    const table = await screen.findByRole('table', { name: 'Recorded events' });
    expect(await within(table).findByRole('cell', { name: 'Colin Clerk' })).toHaveAttribute('title', 'colin');
  });

  it('lists recorded events newest first, and a row opens to its attributes and data', async () => {
    const { user } = renderApp('/admin', { admin: true, ledger: { events: [placed, reserved, other] } });
    await user.click(await screen.findByRole('link', { name: 'Events' }));
    await screen.findByRole('table', { name: 'Recorded events' });
    await waitFor(() => expect(rowIds()).toEqual(['ce-l-3', 'ce-l-2', 'ce-l-1']));
    const row = screen.getByText('ce-l-2').closest('tr')!;
    expect(
      within(row)
        .getAllByRole('cell')
        .slice(1, 4)
        .map((cell) => cell.textContent),
    ).toEqual(['stock.reserved', 'o-1', '/inventory']);

    const show = within(row).getByRole('button', { name: 'Show event ce-l-2' });
    expect(show).toHaveAttribute('aria-expanded', 'false');
    await user.click(show);
    expect(show).toHaveAttribute('aria-expanded', 'true');
    const detail = document.getElementById(show.getAttribute('aria-controls')!)!;
    expect(within(detail).getByText(/"type": "io.stockflow.stock.reserved"/)).toBeInTheDocument();
    expect(within(detail).getByText('No data.')).toBeInTheDocument();

    const placedRow = screen.getByText('ce-l-1').closest('tr')!;
    await user.click(within(placedRow).getByRole('button', { name: 'Show event ce-l-1' }));
    const pre = (await screen.findByText(/"orderId": "o-1"/)) as HTMLElement;
    // Shown as text: the JSON is pretty-printed, never parsed as HTML.
    expect(pre.tagName).toBe('PRE');
    expect(pre.textContent).toBe(JSON.stringify(placed.event.data, null, 2));
    await user.click(within(row).getByRole('button', { name: 'Hide event ce-l-2' }));
    expect(screen.queryByText('No data.')).not.toBeInTheDocument();
  });

  it('filters by type, subject and source, kept in the URL', async () => {
    const { user, path } = renderApp('/admin/events', {
      admin: true,
      ledger: { events: [placed, reserved, other] },
    });
    await waitFor(() => expect(rowIds()).toHaveLength(3));
    const form = screen.getByRole('form', { name: 'Filter events' });
    await user.type(within(form).getByRole('textbox', { name: 'Subject' }), 'o-1');
    await user.click(within(form).getByRole('button', { name: 'Filter' }));
    await waitFor(() => expect(rowIds()).toEqual(['ce-l-2', 'ce-l-1']));
    expect(path()).toBe('/admin/events?subject=o-1');
    await user.type(within(form).getByRole('textbox', { name: 'Type' }), 'io.stockflow.order.placed');
    await user.click(within(form).getByRole('button', { name: 'Filter' }));
    await waitFor(() => expect(rowIds()).toEqual(['ce-l-1']));
    expect(new URLSearchParams(path().split('?')[1]).get('type')).toBe('io.stockflow.order.placed');

    await user.type(within(form).getByRole('textbox', { name: 'Source' }), '/nowhere');
    await user.click(within(form).getByRole('button', { name: 'Filter' }));
    expect(await screen.findByText('No matching events')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(rowIds()).toHaveLength(3));
    expect(path()).toBe('/admin/events');
    expect(within(form).getByRole('textbox', { name: 'Subject' })).toHaveValue('');
  });

  it('reads the filters from the URL, and a subject links to its own filter', async () => {
    const { user, path } = renderApp('/admin/events?source=%2Finventory', {
      admin: true,
      ledger: { events: [placed, reserved, other] },
    });
    await waitFor(() => expect(rowIds()).toEqual(['ce-l-2']));
    expect(screen.getByRole('textbox', { name: 'Source' })).toHaveValue('/inventory');
    await user.click(screen.getByRole('link', { name: 'o-1' }));
    await waitFor(() => expect(rowIds()).toEqual(['ce-l-2', 'ce-l-1']));
    expect(path()).toBe('/admin/events?subject=o-1');
  });

  it('pages with "Load more"', async () => {
    const many = Array.from({ length: 60 }, (_, i) =>
      ledgerEvent(`m-${i}`, { type: 'io.stockflow.stock.adjusted', subject: 'mug' }),
    );
    const { user } = renderApp('/admin/events', { admin: true, ledger: { events: many } });
    await waitFor(() => expect(rowIds()).toHaveLength(50));
    expect(rowIds()[0]).toBe('ce-m-59');
    await user.click(screen.getByRole('button', { name: 'Load more events' }));
    await waitFor(() => expect(rowIds()).toHaveLength(60));
    expect(rowIds().at(-1)).toBe('ce-m-0');
    expect(screen.queryByRole('button', { name: 'Load more events' })).not.toBeInTheDocument();
  });

  it('shows new events live, matching the filter, holds them while paused, and stops on leaving', async () => {
    const { user, ledger } = renderApp('/admin/events?subject=o-1', {
      admin: true,
      ledger: { events: [placed] },
    });
    await waitFor(() => expect(rowIds()).toEqual(['ce-l-1']));
    expect(await screen.findByText('Live')).toBeInTheDocument();
    await waitFor(() => expect(ledger.streaming()).toBe(1));
    ledger.record(reserved);
    ledger.record(other); // another order: not shown
    await waitFor(() => expect(rowIds()).toEqual(['ce-l-2', 'ce-l-1']));

    await user.click(screen.getByRole('button', { name: 'Pause live updates' }));
    const confirmed = ledgerEvent('l-4', { type: 'io.stockflow.order.confirmed', subject: 'o-1' });
    ledger.record(confirmed);
    expect(await screen.findByText('Paused · 1 new')).toBeInTheDocument();
    expect(rowIds()).toEqual(['ce-l-2', 'ce-l-1']);
    await user.click(screen.getByRole('button', { name: 'Resume live updates' }));
    expect(rowIds()).toEqual(['ce-l-4', 'ce-l-2', 'ce-l-1']);
    expect(screen.getByText('Live')).toBeInTheDocument();

    await user.click(screen.getByRole('link', { name: 'Orders' }));
    await screen.findByRole('heading', { name: 'Orders' });
    await waitFor(() => expect(ledger.streaming()).toBe(0));
  });

  it('shows a failed load with a retry', async () => {
    let fail = true;
    const flaky = http.get('*/api/ledger/events', () =>
      fail
        ? HttpResponse.json(
            {
              title: 'Service Unavailable',
              status: 503,
              detail: 'The ledger function could not be reached.',
            },
            { status: 503, headers: { 'content-type': 'application/problem+json' } },
          )
        : undefined,
    );
    const { user } = renderApp('/admin/events', {
      admin: true,
      overrides: [flaky],
      ledger: { events: [placed] },
    });
    expect(await screen.findByRole('alert')).toHaveTextContent('The ledger function could not be reached.');
    fail = false;
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(rowIds()).toEqual(['ce-l-1']));
  });

  it('says when live updates stop (the stream is refused), and still lists what was recorded', async () => {
    const refused = http.get('*/api/ledger/events/stream', () =>
      HttpResponse.json({ title: 'Unauthorized', status: 401 }, { status: 401 }),
    );
    renderApp('/admin/events', { admin: true, overrides: [refused], ledger: { events: [placed] } });
    expect(await screen.findByText('Live updates stopped')).toBeInTheDocument();
    await waitFor(() => expect(rowIds()).toEqual(['ce-l-1']));
  });

  it('says when the ledger is empty', async () => {
    renderApp('/admin/events', { admin: true });
    expect(await screen.findByText('No events yet')).toBeInTheDocument();
  });
});
