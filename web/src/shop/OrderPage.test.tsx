import { screen, waitFor, within } from '@solidjs/testing-library';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import type { Order } from '../lib/api.ts';
import { ADDRESS } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';

const AT = '2026-11-27T10:00:00.000Z';

function order(overrides: Partial<Order> = {}): Order {
  return {
    id: 'o-42',
    status: 'pending',
    items: [
      { productId: 'mug', name: 'Blue Mug', quantity: 2, unitPriceCents: 1250 },
      { productId: 'tea', name: 'Green Tea', quantity: 3, unitPriceCents: 499 },
    ],
    totalCents: 2 * 1250 + 3 * 499,
    currency: 'EUR',
    customer: { name: 'Ada Lovelace', email: 'ada@example.com', address: ADDRESS },
    timeline: [{ status: 'pending', at: AT }],
    createdAt: AT,
    updatedAt: AT,
    ...overrides,
  };
}

/** Renders the order page for an order the fake shop holds, opened from its kept link. */
function openOrder(existing: Order, options: Parameters<typeof renderApp>[1] = {}, link = '#token=') {
  let token = '';
  const view = renderApp('/', options);
  token = view.shop.seedOrder(existing);
  view.history.set({ value: `/orders/${existing.id}${link}${token}` });
  return { ...view, token };
}

const statusBadge = () =>
  screen.getByText(/^(Pending|Confirmed|Rejected|Cancelled|Shipped)$/, { selector: '.badge' });

describe('order page', () => {
  it('shows the order and follows its status live until it settles', async () => {
    const { shop } = openOrder(order());
    expect(await screen.findByRole('heading', { level: 1, name: 'Order o-42' })).toBeInTheDocument();
    expect(statusBadge()).toHaveTextContent('Pending');
    expect(screen.getByRole('cell', { name: '€39.97' })).toBeInTheDocument();
    await waitFor(() => expect(shop.watching('o-42')).toBe(1));
    expect(await screen.findByText('Live')).toBeInTheDocument();

    shop.setStatus('o-42', 'confirmed');
    await waitFor(() => expect(statusBadge()).toHaveTextContent('Confirmed'));
    const timeline = screen.getByRole('list', { name: 'Order status' });
    expect(within(timeline).getByText('Your items are reserved for you.')).toBeInTheDocument();
    expect(within(timeline).getByText('Not yet')).toBeInTheDocument();

    shop.setStatus('o-42', 'shipped');
    await waitFor(() => expect(statusBadge()).toHaveTextContent('Shipped'));
    // Settled: the stream is closed and the live marker gone.
    await waitFor(() => expect(shop.watching('o-42')).toBe(0));
    expect(screen.queryByText('Live')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Cancel order' })).not.toBeInTheDocument();
  });

  it('shows which items were short when the order is rejected', async () => {
    const { shop } = openOrder(order());
    await screen.findByText('Live');
    shop.setStatus('o-42', 'rejected', {
      shortages: [{ productId: 'tea', requested: 3, available: 1 }],
    });
    const shortages = await screen.findByText('Not enough stock for:');
    const notice = shortages.closest('.notice') as HTMLElement;
    expect(notice).toHaveTextContent('Green Tea: you asked for 3, only 1 available.');
    expect(notice).not.toHaveTextContent('Blue Mug');
    expect(statusBadge()).toHaveTextContent('Rejected');
  });

  it('cancels after a confirmation, while that is allowed', async () => {
    const { user, shop } = openOrder(
      order({
        status: 'confirmed',
        timeline: [
          { status: 'pending', at: AT },
          { status: 'confirmed', at: AT },
        ],
      }),
    );
    await user.click(await screen.findByRole('button', { name: 'Cancel order' }));
    await user.click(screen.getByRole('button', { name: 'Keep my order' }));
    expect(shop.orders.get('o-42')!.order.status).toBe('confirmed');
    await user.click(screen.getByRole('button', { name: 'Cancel order' }));
    await user.click(screen.getByRole('button', { name: 'Yes, cancel it' }));
    await waitFor(() => expect(statusBadge()).toHaveTextContent('Cancelled'));
    expect(shop.orders.get('o-42')!.order.status).toBe('cancelled');
    // The cancel goes with the order's cookie, no token.
    const cancel = shop.requests.find((r) => r.path === '/api/orders/o-42/cancel')!;
    expect(cancel.headers.get('authorization')).toBeNull();
  });

  it('says when it is too late to cancel', async () => {
    const tooLate = http.post('*/api/orders/:id/cancel', () =>
      HttpResponse.json(
        { title: 'Conflict', status: 409, detail: 'A shipped order cannot be cancelled.' },
        { status: 409 },
      ),
    );
    const { user } = openOrder(order(), { overrides: [tooLate] });
    await user.click(await screen.findByRole('button', { name: 'Cancel order' }));
    await user.click(screen.getByRole('button', { name: 'Yes, cancel it' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('This order can no longer be cancelled');
    expect(alert).toHaveTextContent('A shipped order cannot be cancelled.');
  });

  it('needs the token or its cookie: without either, or with a wrong token, there is no order', async () => {
    const { history, shop } = renderApp('/orders/o-42');
    shop.seedOrder(order());
    expect(await screen.findByRole('heading', { name: 'We could not find this order' })).toBeInTheDocument();
    history.set({ value: '/orders/o-42#token=guess' });
    expect(await screen.findByRole('heading', { name: 'We could not find this order' })).toBeInTheDocument();
    expect(shop.watching('o-42')).toBe(0);
    expect(shop.hasCookie('o-42')).toBe(false);
  });

  it("exchanges the link's token for the cookie once; no request carries the token in its URL", async () => {
    const { shop, token } = openOrder(order());
    await waitFor(() => expect(shop.watching('o-42')).toBe(1));
    expect(shop.hasCookie('o-42')).toBe(true);
    const exchanges = shop.requests.filter((r) => r.path === '/api/orders/o-42/session');
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]!.headers.get('authorization')).toBe(`Bearer ${token}`);
    for (const request of shop.requests) expect(request.url).not.toContain(token);
  });

  it('opens an old ?token= link once, then moves the token from the query string to the fragment', async () => {
    const { shop, token, path } = openOrder(order(), {}, '?token=');
    expect(await screen.findByRole('heading', { level: 1, name: 'Order o-42' })).toBeInTheDocument();
    await waitFor(() => expect(path()).toBe(`/orders/o-42#token=${token}`));
    await waitFor(() => expect(shop.watching('o-42')).toBe(1));
    expect(shop.requests.filter((r) => r.path === '/api/orders/o-42/session')).toHaveLength(1);
    for (const request of shop.requests) expect(request.url).not.toContain(token);
  });

  it('says when live updates stop, and resumes them on request', async () => {
    let refuse = true;
    const streamDown = http.get('*/api/orders/:id/events', () =>
      refuse ? HttpResponse.json({ title: 'Not Found', status: 404 }, { status: 404 }) : undefined,
    );
    const { user, shop } = openOrder(order(), { overrides: [streamDown] });
    expect(await screen.findByText('Updates paused')).toBeInTheDocument();
    refuse = false;
    shop.setStatus('o-42', 'confirmed');
    await user.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() => expect(statusBadge()).toHaveTextContent('Confirmed'));
    expect(await screen.findByText('Live')).toBeInTheDocument();
    expect(shop.watching('o-42')).toBe(1);
  });

  it('offers a retry when the order cannot be loaded', async () => {
    let down = true;
    const flaky = http.post('*/api/orders/:id/session', () =>
      down ? new HttpResponse('upstream', { status: 502 }) : undefined,
    );
    const { user } = openOrder(order(), { overrides: [flaky] });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The shop is having trouble');
    down = false;
    await user.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Order o-42' })).toBeInTheDocument();
  });
});
