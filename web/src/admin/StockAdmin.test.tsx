import { screen, waitFor, within } from '@solidjs/testing-library';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { product } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';

const products = [product({ id: 'mug', name: 'Blue Mug' }), product({ id: 'tea', name: 'Green Tea' })];

describe('admin stock', () => {
  it('shows levels per product with low stock highlighted, and filters to low stock', async () => {
    const { user, path } = renderApp('/admin/stock', { admin: true, products, stock: { mug: 20, tea: 2 } });
    const table = await screen.findByRole('table');
    const teaRow = (await within(table).findByRole('link', { name: 'Green Tea' })).closest('tr')!;
    expect(teaRow).toHaveClass('row-low');
    expect(within(teaRow).getByText('Low')).toBeInTheDocument();
    const mugRow = within(table).getByRole('link', { name: 'Blue Mug' }).closest('tr')!;
    expect(mugRow).not.toHaveClass('row-low');
    expect(
      within(mugRow)
        .getAllByRole('cell')
        .map((cell) => cell.textContent),
    ).toEqual(['Blue Mug', '20', '0', '20', '3', 'Adjust']);
    await user.click(screen.getByRole('checkbox', { name: 'Low stock only' }));
    await waitFor(() => expect(screen.queryByRole('link', { name: 'Blue Mug' })).not.toBeInTheDocument());
    expect(screen.getByRole('link', { name: 'Green Tea' })).toBeInTheDocument();
    expect(path()).toBe('/admin/stock?low=true');
  });

  it('adjusts a level with a reason, and shows a refused change in place', async () => {
    const { user, shop } = renderApp('/admin/stock', { admin: true, products, stock: { mug: 5 } });
    await user.click(await screen.findByRole('button', { name: 'Adjust stock of Blue Mug' }));
    const form = screen.getByRole('form', { name: 'Adjust stock of Blue Mug' });
    await user.type(within(form).getByRole('textbox', { name: 'Change' }), '1.5');
    await user.click(within(form).getByRole('button', { name: 'Adjust' }));
    expect(within(form).getByRole('textbox', { name: 'Change' })).toHaveAccessibleDescription(
      'Enter a whole number other than 0 (negative to remove).',
    );
    expect(within(form).getByRole('textbox', { name: 'Reason' })).toHaveAccessibleDescription(
      'Say why (a delivery, a stock count, breakage…).',
    );
    await user.clear(within(form).getByRole('textbox', { name: 'Change' }));
    await user.type(within(form).getByRole('textbox', { name: 'Change' }), '-8');
    await user.type(within(form).getByRole('textbox', { name: 'Reason' }), 'Stock count');
    await user.click(within(form).getByRole('button', { name: 'Adjust' }));
    // Inventory refuses to go below what is reserved; nothing changes.
    expect(await within(form).findByRole('alert')).toHaveTextContent(
      'onHand cannot drop below the 0 reserved.',
    );
    expect(shop.levelOf('mug').onHand).toBe(5);
    await user.clear(within(form).getByRole('textbox', { name: 'Change' }));
    await user.type(within(form).getByRole('textbox', { name: 'Change' }), '-2');
    await user.type(within(form).getByRole('textbox', { name: 'Reason' }), 'Stock count');
    await user.click(within(form).getByRole('button', { name: 'Adjust' }));
    const row = screen.getByRole('link', { name: 'Blue Mug' }).closest('tr')!;
    expect(await within(form).findByText('Removed 2. On hand now 3.')).toBeInTheDocument();
    expect(within(row).getAllByRole('cell')[1]).toHaveTextContent('3');
    expect(shop.levelOf('mug').onHand).toBe(3);
  });

  it('opens the adjuster with focus in it, closes it with Escape, and focuses a wrong field', async () => {
    const { user } = renderApp('/admin/stock', { admin: true, products, stock: { mug: 5 } });
    const opener = await screen.findByRole('button', { name: 'Adjust stock of Blue Mug' });
    opener.focus();
    await user.keyboard('{Enter}');
    const form = screen.getByRole('form', { name: 'Adjust stock of Blue Mug' });
    const change = within(form).getByRole('textbox', { name: 'Change' });
    expect(change).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('form', { name: 'Adjust stock of Blue Mug' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Adjust stock of Blue Mug' })).toHaveFocus();

    await user.keyboard('{Enter}');
    const reopened = screen.getByRole('form', { name: 'Adjust stock of Blue Mug' });
    await user.click(within(reopened).getByRole('textbox', { name: 'Reason' }));
    await user.keyboard('{Enter}');
    const invalid = within(reopened).getByRole('textbox', { name: 'Change' });
    expect(invalid).toHaveAttribute('aria-invalid', 'true');
    expect(invalid).toHaveFocus();
  });

  it('shows the conflict when a change would go below what is reserved', async () => {
    const refuse = http.post('*/api/inventory/stock/:id/adjustments', () =>
      HttpResponse.json(
        { title: 'Conflict', status: 409, detail: 'onHand cannot drop below the 4 reserved.' },
        { status: 409, headers: { 'content-type': 'application/problem+json' } },
      ),
    );
    const { user } = renderApp('/admin/stock', {
      admin: true,
      products,
      stock: { mug: 5 },
      overrides: [refuse],
    });
    await user.click(await screen.findByRole('button', { name: 'Adjust stock of Blue Mug' }));
    const form = screen.getByRole('form', { name: 'Adjust stock of Blue Mug' });
    await user.type(within(form).getByRole('textbox', { name: 'Change' }), '-3');
    await user.type(within(form).getByRole('textbox', { name: 'Reason' }), 'Breakage');
    await user.click(within(form).getByRole('button', { name: 'Adjust' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent(
      'onHand cannot drop below the 4 reserved.',
    );
  });

  it('shows empty and failed states', async () => {
    const { user } = renderApp('/admin/stock?low=true', { admin: true, products, stock: { mug: 50 } });
    expect(await screen.findByText('Nothing is running low')).toBeInTheDocument();
    await user.click(screen.getByRole('checkbox', { name: 'Low stock only' }));
    expect(await screen.findByRole('link', { name: 'Blue Mug' })).toBeInTheDocument();
  });

  it('shows a failure to load with a retry', async () => {
    const down = http.get('*/api/inventory/stock', () => new HttpResponse(null, { status: 503 }));
    renderApp('/admin/stock', { admin: true, products, overrides: [down] });
    expect(await screen.findByRole('alert')).toHaveTextContent('The shop is having trouble');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('shows a viewer the levels without an Adjust column', async () => {
    renderApp('/admin/stock', { staff: 'viewer', products, stock: { mug: 20 } });
    const table = await screen.findByRole('table');
    await within(table).findByRole('link', { name: 'Blue Mug' });
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((cell) => cell.textContent),
    ).toEqual(['Product', 'On hand', 'Reserved', 'Available', 'Low at']);
    expect(within(table).queryByRole('button')).not.toBeInTheDocument();
  });
});
