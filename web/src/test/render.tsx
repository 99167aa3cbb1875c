/** @module Renders the app at a URL in memory, against a fake shop, with a user to drive it. */
import { createMemoryHistory, MemoryRouter } from '@solidjs/router';
import { render } from '@solidjs/testing-library';
import userEvent from '@testing-library/user-event';
import type { RequestHandler } from 'msw';
import { Shell } from '../components/Shell.tsx';
import type { OrderMessage } from '../lib/api.ts';
import { signIn } from '../lib/admin-session.ts';
import { routes } from '../routes.tsx';
import { createFakeLedger, type FakeLedgerOptions } from './fake-ledger.ts';
import { createFakeNotifications } from './fake-notifications.ts';
import { ADMIN_TOKEN, createFakeShop, type FakeShopOptions } from './fake-shop.ts';
import { server } from './server.ts';

export interface RenderOptions extends FakeShopOptions {
  /** Signs in as admin first. */
  admin?: boolean;
  /** The ledger's recorded events and dead letters. */
  ledger?: FakeLedgerOptions;
  /** The emails notifications keeps, of any order. */
  messages?: OrderMessage[];
  /** Handlers that answer before the fake shop (failures, slow answers). */
  overrides?: RequestHandler[];
}

export function renderApp(url: string, options: RenderOptions = {}) {
  const shop = createFakeShop(options);
  const ledger = createFakeLedger(options.ledger);
  // The shop's go first: its catch-all records every request, the ledger's included.
  server.use(...ledger.handlers);
  server.use(...createFakeNotifications(options.messages).handlers);
  server.use(...shop.handlers);
  if (options.overrides) server.use(...options.overrides);
  if (options.admin) signIn(ADMIN_TOKEN);
  const history = createMemoryHistory();
  history.set({ value: url, scroll: false, replace: true });
  const user = userEvent.setup();
  const view = render(() => (
    <MemoryRouter root={Shell} history={history}>
      {routes}
    </MemoryRouter>
  ));
  return { ...view, shop, ledger, user, history, path: () => history.get() };
}
