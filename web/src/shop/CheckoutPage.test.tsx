import { screen, waitFor, within } from '@solidjs/testing-library';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { cart } from '../lib/cart.ts';
import { ADDRESS, product } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';

const mug = product({ id: 'mug', name: 'Blue Mug', priceCents: 1250 });

type User = ReturnType<typeof renderApp>['user'];

/** Types a German delivery address (the browser's locale is en-US: the country is chosen). */
async function fillInAddress(user: User) {
  await user.type(screen.getByRole('textbox', { name: 'Address line 1' }), 'Hauptstraße 1');
  await user.type(screen.getByRole('textbox', { name: 'Postal code' }), '10115');
  await user.type(screen.getByRole('textbox', { name: 'City' }), 'Berlin');
  await user.selectOptions(screen.getByRole('combobox', { name: 'Country' }), 'DE');
}

async function fillIn(user: User, name: string, email: string) {
  if (name) await user.type(await screen.findByRole('textbox', { name: 'Full name' }), name);
  if (email) await user.type(screen.getByRole('textbox', { name: 'Email' }), email);
  await fillInAddress(user);
}

describe('checkout', () => {
  it('checks name and email inline, next to the fields', async () => {
    cart.add(mug, 1);
    const { user, shop } = renderApp('/checkout', { products: [mug] });
    const name = await screen.findByRole('textbox', { name: 'Full name' });
    await user.click(name);
    await user.tab();
    expect(name).toHaveAccessibleDescription('Enter your name.');
    expect(name).toHaveAttribute('aria-invalid', 'true');
    const email = screen.getByRole('textbox', { name: 'Email' });
    await user.type(email, 'ada@');
    await user.tab();
    expect(email).toHaveAccessibleDescription('Enter an email address like name@example.com.');
    await user.click(screen.getByRole('button', { name: 'Place order' }));
    // Nothing is sent while the form is wrong; the first wrong field gets the focus.
    expect(name).toHaveFocus();
    expect(shop.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    await user.type(name, 'Ada Lovelace');
    expect(name).toHaveAttribute('aria-invalid', 'false');
  });

  it('places the order once, even on a double click, and opens its page with the token', async () => {
    cart.add(mug, 2);
    const { user, shop, path } = renderApp('/checkout', { products: [mug] });
    expect(await screen.findAllByText('€25.00')).toHaveLength(2);
    await fillIn(user, 'Ada Lovelace', 'ada@example.com');
    const button = screen.getByRole('button', { name: 'Place order' });
    await user.dblClick(button);
    // The token rides in the fragment, which no request sends.
    await waitFor(() => expect(path()).toBe('/orders/o-1#token=token-o-1'));
    const posts = shop.requests.filter((r) => r.method === 'POST' && r.path === '/api/orders');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.headers.get('idempotency-key')).toMatch(/^[0-9a-f]{32}$/);
    expect(posts[0]!.body).toEqual({
      items: [{ productId: 'mug', quantity: 2 }],
      customer: { name: 'Ada Lovelace', email: 'ada@example.com', address: ADDRESS },
    });
    expect(shop.orders.size).toBe(1);
    expect(cart.lines()).toEqual([]);
    expect(await screen.findByText('Thank you, Ada Lovelace!')).toBeInTheDocument();
  });

  it('takes the thanks back once the placed order is rejected: paying on the page is over', async () => {
    cart.add(mug, 1);
    const { user, shop } = renderApp('/checkout', { products: [mug] });
    await fillIn(user, 'Ada Lovelace', 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Place order' }));
    expect(await screen.findByText('Thank you, Ada Lovelace!')).toBeInTheDocument();
    await waitFor(() => expect(shop.watching('o-1')).toBe(1));
    shop.setStatus('o-1', 'rejected');
    await waitFor(() => expect(screen.queryByText('Thank you, Ada Lovelace!')).not.toBeInTheDocument());
    expect(screen.getByText('Rejected', { selector: '.badge' })).toBeInTheDocument();
  });

  it('retries with the same Idempotency-Key after a lost answer, so one order is made', async () => {
    cart.add(mug, 1);
    const keys: Array<string | null> = [];
    // The first answer never arrives (a dropped connection): the shopper retries.
    const lossy = http.post('*/api/orders', ({ request }) => {
      keys.push(request.headers.get('idempotency-key'));
      return keys.length === 1 ? HttpResponse.error() : undefined;
    });
    const { user, shop, path } = renderApp('/checkout', { products: [mug], overrides: [lossy] });
    await fillIn(user, 'Ada', 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Place order' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('You seem to be offline');
    await user.click(screen.getByRole('button', { name: 'Place order' }));
    await waitFor(() => expect(path()).toMatch(/^\/orders\//));
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    expect(shop.orders.size).toBe(1);
  });

  it('uses a new key when the order changes after a failure', async () => {
    cart.add(mug, 1);
    const keys: Array<string | null> = [];
    const refuseFirst = http.post('*/api/orders', ({ request }) => {
      keys.push(request.headers.get('idempotency-key'));
      if (keys.length > 1) return undefined;
      return HttpResponse.json(
        {
          title: 'Bad Request',
          status: 400,
          errors: [{ path: 'customer.email', message: 'Not a deliverable address.' }],
        },
        { status: 400, headers: { 'content-type': 'application/problem+json' } },
      );
    });
    const { user, path } = renderApp('/checkout', { products: [mug], overrides: [refuseFirst] });
    await fillIn(user, 'Ada', 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Place order' }));
    const email = screen.getByRole('textbox', { name: 'Email' });
    // The server's message lands next to the field it is about.
    await waitFor(() => expect(email).toHaveAccessibleDescription('Not a deliverable address.'));
    await user.clear(email);
    await user.type(email, 'ada@example.org');
    await user.click(screen.getByRole('button', { name: 'Place order' }));
    await waitFor(() => expect(path()).toMatch(/^\/orders\//));
    expect(keys).toHaveLength(2);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('explains an order the shop cannot take', async () => {
    cart.add(mug, 1);
    // The product was archived since it went into the cart.
    const { user } = renderApp('/checkout', { products: [{ ...mug, status: 'archived' }] });
    await fillIn(user, 'Ada', 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Place order' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Your order could not be placed');
    expect(alert).toHaveTextContent('Product mug cannot be ordered.');
    expect(cart.quantityOf('mug')).toBe(1);
  });

  it('checks the delivery address with the contracts, field by field, with a summary', async () => {
    cart.add(mug, 1);
    const { user, shop } = renderApp('/checkout', { products: [mug] });
    await user.type(await screen.findByRole('textbox', { name: 'Full name' }), 'Ada');
    await user.type(screen.getByRole('textbox', { name: 'Email' }), 'ada@example.com');
    // The browser's locale (en-US) chose the country.
    const country = screen.getByRole('combobox', { name: 'Country' });
    // The list comes as the shopper starts on the form.
    await waitFor(() => expect(country).toHaveValue('US'));
    expect(within(country).getByRole('option', { name: 'Germany' })).toBeInTheDocument();
    await user.selectOptions(country, 'DE');
    await user.type(screen.getByRole('textbox', { name: 'Postal code' }), '1011');
    await user.click(screen.getByRole('button', { name: 'Place order' }));

    const line1 = screen.getByRole('textbox', { name: 'Address line 1' });
    expect(line1).toHaveFocus();
    expect(line1).toHaveAttribute('aria-invalid', 'true');
    expect(line1).toHaveAccessibleDescription('Enter the street and house number.');
    const postalCode = screen.getByRole('textbox', { name: 'Postal code' });
    expect(postalCode).toHaveAccessibleDescription('Enter a postal code as used in Germany.');
    expect(screen.getByRole('textbox', { name: 'City' })).toHaveAccessibleDescription(
      'Enter the town or city.',
    );
    // Optional lines stay valid when blank.
    expect(screen.getByRole('textbox', { name: 'Address line 2 (optional)' })).toHaveAttribute(
      'aria-invalid',
      'false',
    );
    const summary = screen.getByRole('alert');
    expect(summary).toHaveTextContent('3 fields need your attention');
    await user.click(within(summary).getByRole('link', { name: /^Postal code/ }));
    expect(postalCode).toHaveFocus();
    expect(shop.requests.filter((r) => r.method === 'POST')).toHaveLength(0);

    await user.type(postalCode, '5');
    expect(postalCode).toHaveAttribute('aria-invalid', 'false');
    await user.type(line1, 'Hauptstraße 1');
    await user.type(screen.getByRole('textbox', { name: 'City' }), 'Berlin');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    // A postal code is checked against the country chosen.
    await user.selectOptions(country, 'GB');
    expect(postalCode).toHaveAccessibleDescription('Enter a postal code as used in United Kingdom.');
    await user.selectOptions(country, 'DE');
    await user.click(screen.getByRole('button', { name: 'Place order' }));
    await waitFor(() => expect(shop.orders.size).toBe(1));
  });

  it("shows the server's refusal of an address next to its field and as a problem", async () => {
    cart.add(mug, 1);
    const refuse = http.post('*/api/orders', () =>
      HttpResponse.json(
        {
          title: 'Unprocessable Content',
          status: 422,
          detail: 'We do not deliver to this address.',
          errors: [{ path: 'customer.address.line1', message: 'We cannot deliver to a post box.' }],
        },
        { status: 422, headers: { 'content-type': 'application/problem+json' } },
      ),
    );
    const { user } = renderApp('/checkout', { products: [mug], overrides: [refuse] });
    await fillIn(user, 'Ada', 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Place order' }));
    const problem = await screen.findByText('We do not deliver to this address.');
    expect(problem.closest('[role="alert"]')).toHaveTextContent('Your order could not be placed');
    const line1 = screen.getByRole('textbox', { name: 'Address line 1' });
    expect(line1).toHaveAccessibleDescription('We cannot deliver to a post box.');
    expect(line1).toHaveAttribute('aria-invalid', 'true');
  });

  it('has nothing to check out with an empty cart', async () => {
    renderApp('/checkout');
    expect(await screen.findByText('There is nothing to check out')).toBeInTheDocument();
  });
});
