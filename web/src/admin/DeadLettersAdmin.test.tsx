import { screen, waitFor, within } from '@solidjs/testing-library';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { deadLetter } from '../test/fake-ledger.ts';
import { renderApp } from '../test/render.tsx';

const refused = deadLetter('d-1', {
  deadAt: '2026-11-27T10:05:00.000Z',
  errorCode: 400,
  errorData: '{"title":"Bad Request","detail":"items: expected an array"}',
});
const unavailable = deadLetter('d-2', {
  deadAt: '2026-11-27T10:06:00.000Z',
  destination: 'http://orders.default.svc.cluster.local/events',
  errorCode: 503,
  errorData: 'upstream connect error',
  failures: 2,
  event: {
    specversion: '1.0',
    id: 'ce-d-2',
    source: '/inventory',
    type: 'io.stockflow.stock.reserved',
    subject: 'o-2',
    data: { orderId: 'o-2' },
  },
});
const earlier = deadLetter('d-3', {
  deadAt: '2026-11-27T09:00:00.000Z',
  status: 'replayed',
  replays: 1,
  replayedAt: '2026-11-27T09:30:00.000Z',
  errorCode: null,
  errorData: null,
});

const table = () => screen.getByRole('table', { name: 'Dead letters' });
const rowOf = (eventId: string) => within(table()).getByText(eventId).closest('tr')!;

describe('admin dead letters', () => {
  it('lists dead letters latest first with where and why delivery failed', async () => {
    const { user } = renderApp('/admin', {
      admin: true,
      ledger: { deadLetters: [earlier, refused, unavailable] },
    });
    await user.click(await screen.findByRole('link', { name: 'Dead letters' }));
    await screen.findByRole('table', { name: 'Dead letters' });
    const rows = within(table()).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getByText(/^ce-d-/).textContent)).toEqual([
      'ce-d-2',
      'ce-d-1',
      'ce-d-3',
    ]);

    const first = rowOf('ce-d-1');
    expect(within(first).getByText('order.placed')).toBeInTheDocument();
    expect(within(first).getByText('http://inventory.default.svc.cluster.local/events')).toBeInTheDocument();
    expect(within(first).getByText('400')).toBeInTheDocument();
    // The destination's answer, decoded and pretty-printed.
    expect(within(first).getByText(/"detail": "items: expected an array"/).tagName).toBe('PRE');
    expect(within(first).getByText('Dead', { selector: '.badge' })).toBeInTheDocument();

    const second = rowOf('ce-d-2');
    expect(within(second).getByText('upstream connect error')).toBeInTheDocument();
    expect(within(second).getByText('failed 2 times')).toBeInTheDocument();
    expect(within(first).getByText('failed once')).toBeInTheDocument();

    const third = rowOf('ce-d-3');
    expect(within(third).getByText('no answer')).toBeInTheDocument();
    expect(within(third).getByText('Replayed', { selector: '.badge' })).toBeInTheDocument();
    expect(within(third).getByText(/^replayed once, last/)).toBeInTheDocument();
  });

  it('replays one, shows the outcome and reads the list again', async () => {
    const { user, ledger } = renderApp('/admin/dead-letters', {
      admin: true,
      ledger: { deadLetters: [refused] },
    });
    await user.click(await screen.findByRole('button', { name: 'Replay order.placed ce-d-1' }));
    expect(
      await screen.findByText('Replayed order.placed ce-d-1: it was sent to the broker again.'),
    ).toBeInTheDocument();
    expect(ledger.replayed).toEqual(['d-1']);
    await waitFor(() =>
      expect(within(rowOf('ce-d-1')).getByText('Replayed', { selector: '.badge' })).toBeInTheDocument(),
    );
    // Who asked for it, as the ledger records it.
    expect(within(rowOf('ce-d-1')).getByText(/^replayed once, last .* by Maya Manager$/)).toBeInTheDocument();
  });

  it('replays the selected ones in one call', async () => {
    const { user, ledger, shop } = renderApp('/admin/dead-letters', {
      admin: true,
      ledger: { deadLetters: [earlier, refused, unavailable] },
    });
    const replay = await screen.findByRole('button', { name: 'Replay selected' });
    expect(replay).toBeDisabled();
    await user.click(await screen.findByRole('checkbox', { name: 'Select order.placed ce-d-1' }));
    await user.click(screen.getByRole('checkbox', { name: 'Select stock.reserved ce-d-2' }));
    await user.click(screen.getByRole('button', { name: 'Replay selected (2)' }));
    expect(await screen.findByText('Replayed 2 dead letters: sent to the broker again.')).toBeInTheDocument();
    expect(shop.requests.filter((r) => r.path === '/api/ledger/dead-letters/replay')).toEqual([
      expect.objectContaining({ method: 'POST', body: { ids: ['d-1', 'd-2'] } }),
    ]);
    expect(ledger.replayed.sort()).toEqual(['d-1', 'd-2']);
    // The selection is spent; the list shows both replayed.
    expect(screen.getByRole('button', { name: 'Replay selected' })).toBeDisabled();
    await waitFor(() =>
      expect(within(rowOf('ce-d-2')).getByText('Replayed', { selector: '.badge' })).toBeInTheDocument(),
    );
    expect(within(rowOf('ce-d-1')).getByText('Replayed', { selector: '.badge' })).toBeInTheDocument();
  });

  it('says which selected ones were gone, with "Select all"', async () => {
    const gone = http.post('*/api/ledger/dead-letters/replay', () =>
      HttpResponse.json({ replayed: ['d-1'], notFound: ['d-2', 'd-3'] }, { status: 202 }),
    );
    const { user } = renderApp('/admin/dead-letters', {
      admin: true,
      overrides: [gone],
      ledger: { deadLetters: [earlier, refused, unavailable] },
    });
    await user.click(await screen.findByRole('checkbox', { name: 'Select all' }));
    await user.click(screen.getByRole('button', { name: 'Replay selected (3)' }));
    expect(
      await screen.findByText(
        'Replayed 1 dead letter: sent to the broker again. 2 dead letters were no longer there.',
      ),
    ).toBeInTheDocument();
  });

  it('discards one only after confirming', async () => {
    const { user, ledger } = renderApp('/admin/dead-letters', {
      admin: true,
      ledger: { deadLetters: [refused, unavailable] },
    });
    await user.click(await screen.findByRole('button', { name: 'Discard order.placed ce-d-1' }));
    await user.click(within(rowOf('ce-d-1')).getByRole('button', { name: 'Keep' }));
    expect(ledger.deadLetters.has('d-1')).toBe(true);
    await user.click(screen.getByRole('button', { name: 'Discard order.placed ce-d-1' }));
    expect(within(rowOf('ce-d-1')).getByText('Discard for good?')).toBeInTheDocument();
    await user.click(within(rowOf('ce-d-1')).getByRole('button', { name: 'Yes, discard' }));
    expect(await screen.findByText('Discarded order.placed ce-d-1.')).toBeInTheDocument();
    expect(ledger.deadLetters.has('d-1')).toBe(false);
    await waitFor(() => expect(within(table()).queryByText('ce-d-1')).not.toBeInTheDocument());
    expect(within(table()).getByText('ce-d-2')).toBeInTheDocument();
  });

  it('shows a refused replay, and the list as it now is', async () => {
    const { user, ledger } = renderApp('/admin/dead-letters', {
      admin: true,
      ledger: { deadLetters: [refused] },
    });
    await screen.findByRole('table', { name: 'Dead letters' });
    ledger.deadLetters.delete('d-1'); // discarded meanwhile, in another tab
    await user.click(screen.getByRole('button', { name: 'Replay order.placed ce-d-1' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('That dead letter is no longer there');
    expect(await screen.findByText('No dead letters')).toBeInTheDocument();
  });

  it('filters by status, kept in the URL', async () => {
    const { user, path } = renderApp('/admin/dead-letters', {
      admin: true,
      ledger: { deadLetters: [earlier, refused] },
    });
    await screen.findByRole('table', { name: 'Dead letters' });
    await user.selectOptions(screen.getByRole('combobox', { name: 'Status' }), 'Replayed');
    await waitFor(() => expect(within(table()).queryByText('ce-d-1')).not.toBeInTheDocument());
    expect(within(table()).getByText('ce-d-3')).toBeInTheDocument();
    expect(path()).toBe('/admin/dead-letters?status=replayed');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Status' }), 'Dead');
    await waitFor(() => expect(within(table()).queryByText('ce-d-3')).not.toBeInTheDocument());
  });

  it('shows a failed load with a retry, and the empty state', async () => {
    const down = http.get('*/api/ledger/dead-letters', () => HttpResponse.error());
    renderApp('/admin/dead-letters', { admin: true, overrides: [down] });
    expect(await screen.findByRole('alert')).toHaveTextContent('You seem to be offline');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});
