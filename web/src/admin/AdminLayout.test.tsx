import { screen, waitFor } from '@solidjs/testing-library';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { product } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';
import { server } from '../test/server.ts';

const products = [product({ id: 'mug', name: 'Blue Mug' })];

describe('staff sign-in', () => {
  it('offers web’s sign-in to nobody, and keeps no token in the page, storage or a URL', async () => {
    const { shop } = renderApp('/admin/stock', { products });
    const link = await screen.findByRole('link', { name: 'Sign in' });
    expect(link).toHaveAttribute('href', '/auth/login?return=%2Fadmin%2Fstock');
    expect(screen.queryByLabelText(/token/i)).not.toBeInTheDocument();
    expect(sessionStorage.length + localStorage.length).toBe(0);
    expect(shop.requests.every((r) => !r.headers.has('authorization'))).toBe(true);
  });

  it('shows a viewer who is signed in, and hides what a viewer may not do', async () => {
    const { user } = renderApp('/admin/products', { products, stock: { mug: 4 }, staff: 'viewer' });
    expect(await screen.findByText('Signed in as Vera Viewer (viewer)')).toBeInTheDocument();
    expect(await screen.findByText('Blue Mug')).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'New product' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Archive Blue Mug' })).not.toBeInTheDocument();
    await user.click(screen.getByRole('link', { name: 'Stock' }));
    expect(await screen.findByRole('heading', { name: 'Stock' })).toBeInTheDocument();
    await screen.findByText('Blue Mug');
    expect(screen.queryByRole('button', { name: /Adjust stock/ })).not.toBeInTheDocument();
  });

  it('shows a manager everything, and a clerk stock but not the catalog', async () => {
    renderApp('/admin/products', { products, staff: 'manager' });
    expect(await screen.findByRole('link', { name: 'New product' })).toBeInTheDocument();
    expect(await screen.findByRole('button', { name: 'Archive Blue Mug' })).toBeInTheDocument();
  });

  it('lets a clerk adjust stock but not add products', async () => {
    renderApp('/admin/stock', { products, stock: { mug: 4 }, staff: 'clerk' });
    expect(await screen.findByRole('button', { name: 'Adjust stock of Blue Mug' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'New product' })).not.toBeInTheDocument();
  });

  it('signs out through web, and asks again when the session ends', async () => {
    const { user, session } = renderApp('/admin/products', { products, staff: 'manager' });
    await user.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('link', { name: 'Sign in' })).toBeInTheDocument();
    expect(session.staff).toBeNull();
  });

  it('says so when the person has no role yet', async () => {
    const { session } = renderApp('/admin', { products });
    session.signInAs({ subject: 'nora', name: 'Nora Newcomer', role: null });
    expect(await screen.findByRole('heading', { name: 'No role yet' })).toBeInTheDocument();
  });
});

describe('staff roles', () => {
  it('lets a manager change another person’s role, not their own', async () => {
    const members = [
      {
        id: 'm1',
        subject: 'maya',
        name: 'Maya Manager',
        role: 'manager',
        lastSeenAt: '2026-12-01T00:00:00Z',
      },
      { id: 'n1', subject: 'nora', name: 'Nora Newcomer', role: null, lastSeenAt: '2026-12-01T00:00:00Z' },
    ];
    const changes: unknown[] = [];
    const { user } = renderApp('/admin/staff', { staff: 'manager' });
    server.use(
      http.get('*/api/staff/users', () => HttpResponse.json({ items: members })),
      http.put('*/api/staff/users/:id/role', async ({ request, params }) => {
        const body = (await request.json()) as { role: string };
        changes.push({ id: params.id, ...body });
        return HttpResponse.json({ ...members[1], role: body.role });
      }),
    );
    const select = await screen.findByRole('combobox', { name: 'Role of Nora Newcomer' });
    expect(screen.queryByRole('combobox', { name: 'Role of Maya Manager' })).not.toBeInTheDocument();
    await user.selectOptions(select, 'clerk');
    await waitFor(() => expect(changes).toEqual([{ id: 'n1', role: 'clerk' }]));
  });
});
