import { screen, waitFor, within } from '@solidjs/testing-library';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../test/render.tsx';

const inventory = {
  locations: [
    { id: 'north', name: 'North warehouse', priority: 1 },
    { id: 'shop', name: 'City shop', priority: 2, active: false },
  ],
};

describe('admin locations', () => {
  it('lists locations in priority order with their state in words', async () => {
    renderApp('/admin/locations', { admin: true, inventory });
    const table = await screen.findByRole('table', { name: 'Locations' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => row.textContent)).toEqual([
      'North warehousenorth1ActiveEdit',
      'City shopshop2InactiveEdit',
    ]);
    expect(within(rows[0]!).getByRole('link', { name: 'North warehouse' })).toHaveAttribute(
      'href',
      '/admin/board?location=north',
    );
  });

  it('creates a location, checking the form first', async () => {
    const { user, inventory: fake } = renderApp('/admin/locations', { admin: true, inventory });
    const form = await screen.findByRole('form', { name: 'New location' });
    const field = (name: string) => within(form).getByRole('textbox', { name });
    expect(field('Priority')).toHaveValue('3');
    await user.type(field('Id'), 'south depot');
    await user.clear(field('Priority'));
    await user.type(field('Priority'), '-1');
    await user.click(within(form).getByRole('button', { name: 'Add location' }));
    expect(field('Id')).toHaveAccessibleDescription(
      'Enter an id: letters, digits and _ . : - (like north or store-12).',
    );
    expect(field('Name')).toHaveAccessibleDescription('Enter a name.');
    expect(field('Priority')).toHaveAccessibleDescription('Enter a whole number, 0 or more.');
    expect(fake.requests.filter((r) => r.method === 'POST')).toEqual([]);
    await user.clear(field('Id'));
    await user.type(field('Id'), 'south');
    await user.type(field('Name'), 'South depot');
    await user.clear(field('Priority'));
    await user.type(field('Priority'), '3');
    await user.click(within(form).getByRole('button', { name: 'Add location' }));
    expect(await screen.findByText('Added South depot.')).toBeInTheDocument();
    expect(fake.locations.get('south')).toEqual({
      id: 'south',
      name: 'South depot',
      priority: 3,
      active: true,
    });
    const table = screen.getByRole('table', { name: 'Locations' });
    expect(within(table).getByRole('link', { name: 'South depot' })).toBeInTheDocument();
    expect(field('Name')).toHaveValue('');
    // A taken id is refused by inventory and said in place.
    await user.type(field('Id'), 'north');
    await user.type(field('Name'), 'Another north');
    await user.click(within(form).getByRole('button', { name: 'Add location' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent('A location "north" exists.');
  });

  it('edits a name, priority and active state in place', async () => {
    const { user, inventory: fake } = renderApp('/admin/locations', { admin: true, inventory });
    await user.click(await screen.findByRole('button', { name: 'Edit City shop' }));
    const form = screen.getByRole('form', { name: 'Edit City shop' });
    const name = within(form).getByRole('textbox', { name: 'Name' });
    await user.clear(name);
    await user.type(name, 'High street shop');
    await user.clear(within(form).getByRole('textbox', { name: 'Priority' }));
    await user.type(within(form).getByRole('textbox', { name: 'Priority' }), '1');
    await user.click(within(form).getByRole('checkbox', { name: 'Active' }));
    await user.click(within(form).getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(fake.locations.get('shop')).toEqual({
        id: 'shop',
        name: 'High street shop',
        priority: 1,
        active: true,
      }),
    );
    const table = screen.getByRole('table', { name: 'Locations' });
    const row = within(table).getByRole('link', { name: 'High street shop' }).closest('tr')!;
    expect(within(row).getByText('Active')).toBeInTheDocument();
    expect(screen.queryByRole('form', { name: /^Edit/ })).not.toBeInTheDocument();
  });

  it('says when there are none yet', async () => {
    renderApp('/admin/locations', { admin: true, inventory: { locations: [] } });
    expect(await screen.findByText('No locations yet')).toBeInTheDocument();
  });

  it('shows a failure to load with a retry', async () => {
    const down = http.get('*/api/inventory/locations', () => new HttpResponse(null, { status: 503 }));
    renderApp('/admin/locations', { admin: true, inventory, overrides: [down] });
    expect(await screen.findByRole('alert')).toHaveTextContent('The shop is having trouble');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it.each(['viewer', 'clerk'] as const)(
    'shows a %s the locations, with no way to add or edit one',
    async (role) => {
      renderApp('/admin/locations', { staff: role, inventory });
      const table = await screen.findByRole('table', { name: 'Locations' });
      expect(
        within(table)
          .getAllByRole('row')
          .map((row) => row.textContent),
      ).toEqual(['NameIdPriorityState', 'North warehousenorth1Active', 'City shopshop2Inactive']);
      const page = screen.getByRole('region', { name: 'Locations' });
      expect(within(page).queryByRole('button')).not.toBeInTheDocument();
      expect(screen.queryByRole('form', { name: 'New location' })).not.toBeInTheDocument();
    },
  );

  it('gives a manager Edit on each location and the form for a new one', async () => {
    renderApp('/admin/locations', { staff: 'manager', inventory });
    expect(await screen.findByRole('button', { name: 'Edit North warehouse' })).toBeInTheDocument();
    expect(screen.getByRole('form', { name: 'New location' })).toBeInTheDocument();
  });
});
