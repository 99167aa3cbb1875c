/**
 * @module The app's routes. The shop's front page, product page and checkout are in the first
 * download, so a shopper's way to an order needs no code but the page's own two files (on a phone's
 * network a further chunk is a connection and a round trip of its own before the page paints); every
 * other screen is its own chunk, fetched when a link to it is hovered or followed (the admin area
 * never reaches a shopper's browser unless they go there). Each route sits in its own error boundary.
 */
import type { RouteDefinition } from '@solidjs/router';
import { lazy } from 'solid-js';
import { guarded } from './components/RouteBoundary.tsx';
import Catalog from './shop/Catalog.tsx';
import CheckoutPage from './shop/CheckoutPage.tsx';
import ProductPage from './shop/ProductPage.tsx';

export const routes: RouteDefinition[] = [
  { path: '/', component: guarded(Catalog) },
  { path: '/products/:id', component: guarded(ProductPage) },
  { path: '/cart', component: guarded(lazy(() => import('./shop/CartPage.tsx'))) },
  { path: '/checkout', component: guarded(CheckoutPage) },
  { path: '/orders/:id', component: guarded(lazy(() => import('./shop/OrderPage.tsx'))) },
  {
    path: '/admin',
    component: guarded(lazy(() => import('./admin/AdminLayout.tsx'))),
    children: [
      { path: '/', component: guarded(lazy(() => import('./admin/Overview.tsx'))) },
      { path: '/products', component: guarded(lazy(() => import('./admin/ProductsAdmin.tsx'))) },
      {
        path: ['/products/new', '/products/:id'],
        component: guarded(lazy(() => import('./admin/ProductEditor.tsx'))),
      },
      { path: '/stock', component: guarded(lazy(() => import('./admin/StockAdmin.tsx'))) },
      { path: '/locations', component: guarded(lazy(() => import('./admin/LocationsAdmin.tsx'))) },
      { path: '/board', component: guarded(lazy(() => import('./admin/StockBoard.tsx'))) },
      {
        path: '/movements/:id',
        component: guarded(lazy(() => import('./admin/ProductMovements.tsx'))),
      },
      { path: '/transfers', component: guarded(lazy(() => import('./admin/TransfersAdmin.tsx'))) },
      { path: '/import', component: guarded(lazy(() => import('./admin/StockImport.tsx'))) },
      { path: '/reorder', component: guarded(lazy(() => import('./admin/ReorderView.tsx'))) },
      { path: '/orders', component: guarded(lazy(() => import('./admin/OrderListAdmin.tsx'))) },
      { path: '/orders/:id', component: guarded(lazy(() => import('./admin/OrderDetailAdmin.tsx'))) },
      { path: '/returns', component: guarded(lazy(() => import('./admin/ReturnsAdmin.tsx'))) },
      { path: '/events', component: guarded(lazy(() => import('./admin/EventsAdmin.tsx'))) },
      { path: '/dead-letters', component: guarded(lazy(() => import('./admin/DeadLettersAdmin.tsx'))) },
      { path: '/staff', component: guarded(lazy(() => import('./admin/StaffAdmin.tsx'))) },
    ],
  },
  { path: '*', component: guarded(lazy(() => import('./shop/NotFound.tsx'))) },
];
