import { screen } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { adminToken, signIn } from '../lib/admin-session.ts';
import { ADMIN_TOKEN, product } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';

describe('admin sign-in', () => {
  it('asks for the token once, checks it, and keeps it for the session', async () => {
    const { user, path } = renderApp('/admin', { products: [product({ id: 'mug', name: 'Blue Mug' })] });
    const token = await screen.findByLabelText('Admin token');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(token).toHaveAccessibleDescription('Enter the admin token.');
    await user.type(token, 'wrong-token');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('This token was not accepted.')).toBeInTheDocument();
    expect(adminToken()).toBeUndefined();
    await user.clear(token);
    await user.type(token, ADMIN_TOKEN);
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Products' })).toBeInTheDocument();
    expect(path()).toBe('/admin/products');
    expect(sessionStorage.getItem('stockflow.adminToken')).toBe(ADMIN_TOKEN);
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByLabelText('Admin token')).toBeInTheDocument();
    expect(sessionStorage.getItem('stockflow.adminToken')).toBeNull();
  });

  it('asks again when a function refuses the kept token', async () => {
    signIn('expired-token');
    const { shop } = renderApp('/admin/stock');
    // The screen loads with the stale token, gets 401, and the token is forgotten.
    expect(await screen.findByLabelText('Admin token')).toBeInTheDocument();
    expect(adminToken()).toBeUndefined();
    expect(shop.requests.some((r) => r.headers.get('authorization') === 'Bearer expired-token')).toBe(true);
  });
});
