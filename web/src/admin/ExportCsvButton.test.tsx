import { screen } from '@solidjs/testing-library';
import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderApp } from '../test/render.tsx';

const inventory = { locations: [{ id: 'north', name: 'North warehouse' }], stock: { mug: { north: 3 } } };

const { createObjectURL, revokeObjectURL } = URL;

describe('CSV exports', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    Object.assign(URL, { createObjectURL, revokeObjectURL });
  });

  it('downloads stock.csv with the admin token, as a file', async () => {
    let authorization: string | null = null;
    const csv = http.get('*/api/inventory/export/stock.csv', ({ request }) => {
      authorization = request.headers.get('authorization');
      return new HttpResponse('productId,locationId,onHand\nmug,north,3\n', {
        headers: { 'content-type': 'text/csv' },
      });
    });
    // jsdom has no object URLs and does not download: record what the page asks for.
    const files: Blob[] = [];
    URL.createObjectURL = (file: Blob) => {
      files.push(file);
      return 'blob:stock';
    };
    URL.revokeObjectURL = () => undefined;
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      expect(this.download).toBe('stock.csv');
      expect(this.href).toBe('blob:stock');
    });
    const { user } = renderApp('/admin/board', { admin: true, inventory, overrides: [csv] });
    await user.click(await screen.findByRole('button', { name: 'Export stock.csv' }));
    await vi.waitFor(() => expect(clicked).toHaveBeenCalledOnce());
    // The session cookie carries the staff member: the SPA sends no token of its own.
    expect(authorization).toBeNull();
    expect(await files[0]!.text()).toBe('productId,locationId,onHand\nmug,north,3\n');
  });

  it('says when an export failed', async () => {
    const down = http.get('*/api/inventory/export/stock.csv', () => new HttpResponse(null, { status: 503 }));
    const { user } = renderApp('/admin/board', { admin: true, inventory, overrides: [down] });
    await user.click(await screen.findByRole('button', { name: 'Export stock.csv' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The export failed; try again.');
  });
});
