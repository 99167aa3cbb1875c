/** @module Renders the app at a URL in memory, against a fake shop, with a user to drive it. */
import { createMemoryHistory, MemoryRouter } from '@solidjs/router';
import { render } from '@solidjs/testing-library';
import userEvent from '@testing-library/user-event';
import type { RequestHandler } from 'msw';
import { Shell } from '../components/Shell.tsx';
import type { OrderMessage } from '../lib/api.ts';
import { routes } from '../routes.tsx';
import { createFakeInventory, type FakeInventoryOptions } from './fake-inventory.ts';
import { createFakeLedger, type FakeLedgerOptions } from './fake-ledger.ts';
import { createFakeNotifications } from './fake-notifications.ts';
import { createFakeOverview, type FakeOverviewOptions } from './fake-overview.ts';
import { createFakeSession, STAFF } from './fake-session.ts';
import { createFakeShop, type FakeShopOptions } from './fake-shop.ts';
import { server } from './server.ts';

export interface RenderOptions extends FakeShopOptions {
  /** Signs in as a manager first. */
  admin?: boolean;
  /** Signs in with this role first (`admin` is `manager`). */
  staff?: 'viewer' | 'clerk' | 'manager';
  /** The ledger's recorded events and dead letters. */
  ledger?: FakeLedgerOptions;
  /** Inventory across locations (answers the inventory routes instead of the shop's). */
  inventory?: FakeInventoryOptions;
  /** The emails notifications keeps, of any order. */
  messages?: OrderMessage[];
  /** The overview's figures (orders per hour, low stock, events per minute). */
  overview?: FakeOverviewOptions;
  /** Handlers that answer before the fake shop (failures, slow answers). */
  overrides?: RequestHandler[];
}

export function renderApp(url: string, options: RenderOptions = {}) {
  const role = options.staff ?? (options.admin ? 'manager' : undefined);
  const session = createFakeSession(role ? STAFF[role] : null);
  const shop = createFakeShop({ ...options, session });
  const ledger = createFakeLedger(options.ledger, session);
  server.use(...session.handlers);
  // The shop's go first: its catch-all records every request, the ledger's included.
  server.use(...ledger.handlers);
  server.use(...createFakeNotifications(options.messages, session).handlers);
  server.use(...shop.handlers);
  const inventory = createFakeInventory(options.inventory, session);
  if (options.inventory) server.use(...inventory.handlers);
  // After the shop's: `/orders/stats` answers before its `/orders/:id`.
  const overview = createFakeOverview(options.overview ?? {}, ledger, session);
  server.use(...overview.handlers);
  if (options.overrides) server.use(...options.overrides);
  const history = createMemoryHistory();
  history.set({ value: url, scroll: false, replace: true });
  const user = userEvent.setup();
  const view = render(() => (
    <MemoryRouter root={Shell} history={history}>
      {routes}
    </MemoryRouter>
  ));
  return { ...view, shop, ledger, inventory, overview, session, user, history, path: () => history.get() };
}
