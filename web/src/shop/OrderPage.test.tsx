import { screen, waitFor, within } from '@solidjs/testing-library';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import type { Order } from '../lib/api.ts';
import { cart } from '../lib/cart.ts';
import { ADDRESS, RETURN_UNTIL } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';
import { rememberPaymentVisit, visitedPayment } from './OrderProgress.tsx';

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
  view.history.set({ value: `/orders/${encodeURIComponent(existing.id)}${link}${token}` });
  return { ...view, token };
}

/** The live region that announces the order's status. */
const statusRegion = () =>
  screen.getAllByRole('status').find((region) => region.textContent?.startsWith('Status:'));
const statusBadge = () =>
  screen.getByText(/^(Pending|Awaiting payment|Confirmed|Rejected|Cancelled|Shipped|Delivered)$/, {
    selector: '.badge',
  });

describe('order page', () => {
  it('opens an order whose id needs encoding from its link, asking the API with it encoded once', async () => {
    const { shop } = openOrder(order({ id: 'o:42' }), {}, '#token=');
    expect(await screen.findByRole('heading', { level: 1, name: 'Order o:42' })).toBeInTheDocument();
    const paths = shop.requests.map((request) => request.url.slice(new URL(request.url).origin.length));
    expect(paths).toContain('/api/orders/o%3A42/session');
    expect(paths.filter((path) => path.includes('%25'))).toEqual([]);
  });

  it('shows the order and follows its status live until it settles', async () => {
    const { shop } = openOrder(order());
    expect(await screen.findByRole('heading', { level: 1, name: 'Order o-42' })).toBeInTheDocument();
    expect(statusBadge()).toHaveTextContent('Pending');
    expect(screen.getByRole('cell', { name: '€39.97' })).toBeInTheDocument();
    await waitFor(() => expect(shop.watching('o-42')).toBe(1));
    expect(await screen.findByText('Live')).toBeInTheDocument();

    // The status sits in a live region: a screen reader hears it change.
    const announced = statusRegion();
    expect(announced).toHaveTextContent('Status: Pending');
    shop.setStatus('o-42', 'confirmed');
    await waitFor(() => expect(statusBadge()).toHaveTextContent('Confirmed'));
    expect(announced).toHaveTextContent('Status: Confirmed');
    const timeline = screen.getByRole('list', { name: 'Order status' });
    expect(within(timeline).getByText('Your payment was accepted.')).toBeInTheDocument();
    expect(within(timeline).getAllByText('Not yet')).toHaveLength(2);

    shop.setStatus('o-42', 'shipped');
    await waitFor(() => expect(statusBadge()).toHaveTextContent('Shipped'));
    expect(screen.getByText('Live')).toBeInTheDocument();
    // Delivered with nothing left to return: settled.
    shop.setStatus('o-42', 'delivered', { deliveredAt: AT, returnUntil: AT });
    await waitFor(() => expect(statusBadge()).toHaveTextContent('Delivered'));
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
    // The pressed button is gone: focus moves to the answer, and back when the shopper keeps it.
    expect(screen.getByRole('button', { name: 'Yes, cancel it' })).toHaveFocus();
    await user.click(screen.getByRole('button', { name: 'Keep my order' }));
    expect(screen.getByRole('button', { name: 'Cancel order' })).toHaveFocus();
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

  it('shows the delivery address as a label would', async () => {
    openOrder(order());
    const address = await screen.findByLabelText('Delivery address');
    expect(address).toHaveTextContent(/Ada Lovelace\s*Hauptstraße 1\s*10115 Berlin\s*GERMANY/);
  });
});

describe('paying for an order', () => {
  const awaiting = () =>
    order({
      status: 'awaiting-payment',
      holdExpiresAt: '2026-11-27T10:15:00.000Z',
      timeline: [
        { status: 'pending', at: AT },
        { status: 'awaiting-payment', at: AT },
      ],
    });

  it('prepares the payment, then offers the Pay button once payment.requested arrives', async () => {
    const { shop, user } = openOrder(awaiting());
    expect(await screen.findByText(/Preparing payment/)).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /^Pay/ })).not.toBeInTheDocument();
    const hold = screen.getByText(/we hold them until/);
    expect(hold.querySelector('time')).toHaveAttribute('datetime', '2026-11-27T10:15:00.000Z');
    expect(hold).toHaveTextContent(/until .*\d.*\. Unpaid by then, the order is cancelled\./);
    await waitFor(() => expect(shop.watching('o-42')).toBe(1));
    shop.setStatus('o-42', 'awaiting-payment', {
      payment: {
        paymentId: 'pay_1',
        status: 'requested',
        checkoutUrl: 'http://127.0.0.1:4010/pay/cs_1',
        expiresAt: '2026-11-27T10:15:00.000Z',
      },
    });
    const pay = await screen.findByRole('link', { name: 'Pay €39.97' });
    // A plain navigation to the provider's hosted page.
    expect(pay).toHaveAttribute('href', 'http://127.0.0.1:4010/pay/cs_1');
    expect(screen.queryByText(/Preparing payment/)).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Cancel order' })).toBeInTheDocument();
    // Following it is remembered in this tab, for when the provider sends the shopper back.
    const stay = (event: Event) => event.preventDefault();
    document.addEventListener('click', stay);
    await user.click(pay);
    document.removeEventListener('click', stay);
    expect(visitedPayment('o-42', 'http://127.0.0.1:4010/pay/cs_1')).toBe(true);
  });

  it('back from the provider before its answer, says the payment is being checked, not "Pay" again', async () => {
    const requested = {
      paymentId: 'pay_1',
      status: 'requested' as const,
      checkoutUrl: 'http://127.0.0.1:4010/pay/cs_1',
      expiresAt: '2026-11-27T10:15:00.000Z',
    };
    rememberPaymentVisit('o-42', requested.checkoutUrl);
    const { shop } = openOrder({ ...awaiting(), payment: requested });
    expect(await screen.findByText(/Checking your payment with our payment provider/)).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /^Pay/ })).not.toBeInTheDocument();
    // Left without paying: the way back is still there.
    expect(screen.getByRole('link', { name: 'Go back to the payment page' })).toHaveAttribute(
      'href',
      requested.checkoutUrl,
    );
    await waitFor(() => expect(shop.watching('o-42')).toBe(1));
    shop.setStatus('o-42', 'confirmed', { payment: { ...requested, status: 'authorized' } });
    expect(await screen.findByText('Paid: €39.97. We are preparing your order.')).toBeInTheDocument();
    expect(screen.queryByText(/Checking your payment/)).not.toBeInTheDocument();
  });

  it('never links to a checkout URL that is not http(s)', async () => {
    openOrder({
      ...awaiting(),
      payment: { paymentId: 'pay_1', status: 'requested', checkoutUrl: 'javascript:alert(1)' },
    });
    expect(await screen.findByText(/Preparing payment/)).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /^Pay/ })).not.toBeInTheDocument();
  });

  it("says why a declined payment cancelled the order, in the provider's words", async () => {
    const { shop, user, path } = openOrder(awaiting());
    await waitFor(() => expect(shop.watching('o-42')).toBe(1));
    shop.setStatus('o-42', 'cancelled', {
      cancelCause: 'payment-declined',
      payment: { paymentId: 'pay_1', status: 'declined', declineMessage: 'Your card was declined.' },
    });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(
      'Your payment was declined: Your card was declined. Nothing was charged and the items were released.',
    );
    expect(screen.queryByRole('link', { name: /^Pay/ })).not.toBeInTheDocument();
    await waitFor(() => expect(shop.watching('o-42')).toBe(0));
    // Checkout emptied the cart: the lines go back in it, to try again with another card.
    await user.click(screen.getByRole('button', { name: 'Put the items back in my cart' }));
    await waitFor(() => expect(path()).toBe('/cart'));
    expect(cart.lines()).toMatchObject([
      { productId: 'mug', name: 'Blue Mug', quantity: 2, priceCents: 1250, currency: 'EUR' },
      { productId: 'tea', name: 'Green Tea', quantity: 3, priceCents: 499, currency: 'EUR' },
    ]);
  });

  it("words the timeline's notes from orders as sentences", async () => {
    openOrder(
      order({
        status: 'cancelled',
        cancelCause: 'payment-declined',
        timeline: [
          { status: 'awaiting-payment', at: AT, reason: 'payment requested' },
          { status: 'cancelled', at: AT, reason: 'the payment was declined' },
        ],
      }),
    );
    const timeline = await screen.findByRole('list', { name: 'Order status' });
    expect(timeline).toHaveTextContent('Payment requested.');
    expect(timeline).toHaveTextContent('The payment was declined.');
  });

  it('says when the time to pay ran out', async () => {
    openOrder(order({ status: 'cancelled', cancelCause: 'payment-expired' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The time to pay ran out, so the order was cancelled and the items were released.',
    );
  });
});

describe('returning a delivered order', () => {
  const delivered = (overrides: Partial<Order> = {}) =>
    order({
      status: 'delivered',
      deliveredAt: AT,
      returnUntil: RETURN_UNTIL,
      timeline: [{ status: 'delivered', at: AT }],
      ...overrides,
    });

  it('returns lines up to what may still be returned, with the order cookie', async () => {
    const { user, shop } = openOrder(
      delivered({
        returns: [
          {
            id: 'r-1',
            status: 'refunded',
            items: [{ productId: 'tea', quantity: 1 }],
            refundCents: 499,
            requestedAt: AT,
            updatedAt: AT,
          },
        ],
      }),
    );
    const form = await screen.findByRole('form', { name: 'Return items' });
    expect(screen.getByText(/You can return items until/)).toBeInTheDocument();
    // One tea of three came back already: two left.
    const tea = within(form).getByRole('spinbutton', { name: 'Green Tea: how many to return' });
    expect(tea).toHaveAccessibleDescription('Up to 2');
    const mug = within(form).getByRole('spinbutton', { name: 'Blue Mug: how many to return' });
    await user.click(within(form).getByRole('button', { name: 'Request return' }));
    expect(within(form).getByRole('alert')).toHaveTextContent(
      'Choose how many of at least one item to return.',
    );
    await user.type(tea, '3');
    expect(tea).toHaveAttribute('aria-invalid', 'true');
    expect(tea).toHaveAccessibleDescription(/You can return at most 2\./);
    await user.click(within(form).getByRole('button', { name: 'Request return' }));
    expect(tea).toHaveFocus();
    expect(shop.requests.filter((r) => r.path === '/api/orders/o-42/returns')).toHaveLength(0);

    await user.clear(tea);
    await user.type(tea, '2');
    await user.type(mug, '1');
    await user.type(within(form).getByRole('textbox', { name: /Why are you returning/ }), 'Too small');
    await user.click(within(form).getByRole('button', { name: 'Request return' }));
    await waitFor(() => expect(screen.getByText('Return r-2')).toBeInTheDocument());
    const post = shop.requests.find((r) => r.path === '/api/orders/o-42/returns')!;
    expect(post.body).toEqual({
      items: [
        { productId: 'mug', quantity: 1 },
        { productId: 'tea', quantity: 2 },
      ],
      reason: 'Too small',
    });
    expect(post.headers.get('authorization')).toBeNull();
    const returns = screen.getByRole('list', { name: 'Returns' });
    expect(returns).toHaveTextContent('Refunded · refund €4.99');
    expect(returns).toHaveTextContent('Requested: send the items back');
    // Only one mug is left to return now.
    const after = screen.getByRole('form', { name: 'Return items' });
    expect(within(after).queryByRole('spinbutton', { name: /Green Tea/ })).not.toBeInTheDocument();
    const mugLeft = within(after).getByRole('spinbutton', { name: /Blue Mug/ });
    expect(mugLeft).toHaveAccessibleDescription('Up to 1');
    // The form is empty again, ready for another return.
    expect(mugLeft).toHaveValue(null);
    expect(within(after).getByRole('textbox', { name: /Why are you returning/ })).toHaveValue('');
  });

  it('offers no return after the return window closed', async () => {
    openOrder(delivered({ returnUntil: '2020-01-01T00:00:00.000Z' }));
    expect(await screen.findByText(/You can return items until/)).toBeInTheDocument();
    expect(screen.queryByRole('form', { name: 'Return items' })).not.toBeInTheDocument();
  });
});
