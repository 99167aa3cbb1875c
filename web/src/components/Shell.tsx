/** @module The page around every screen: skip link, header with the cart count, main, footer. */
import { A, type RouteSectionProps, useLocation } from '@solidjs/router';
import { createEffect, on, onCleanup, Show } from 'solid-js';
import { cart } from '../lib/cart.ts';
import { focusMainHeading } from '../lib/focus-heading.ts';

export function Shell(props: RouteSectionProps) {
  const location = useLocation();
  let main: HTMLElement | undefined;
  // After a navigation, keyboard and screen-reader users start at the new screen's heading.
  createEffect(
    on(
      () => location.pathname,
      () => {
        if (main) onCleanup(focusMainHeading(main));
      },
      { defer: true },
    ),
  );
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="site-header">
        <div class="container header-inner">
          <A href="/" class="brand" end>
            <svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true">
              <rect width="32" height="32" rx="7" />
              <path d="M9 11h14l-1.5 12h-11z" />
              <path d="M12.5 11a3.5 3.5 0 0 1 7 0" />
            </svg>
            <span class="brand-name">Stockflow</span>
          </A>
          <nav class="site-nav" aria-label="Main">
            <A href="/" end activeClass="active">
              Shop
            </A>
            <A href="/admin" activeClass="active">
              Manage
            </A>
            <A
              href="/cart"
              class="cart-link"
              activeClass="active"
              aria-label={`Cart, ${cart.count()} ${cart.count() === 1 ? 'item' : 'items'}`}
            >
              <svg viewBox="0 0 24 24" aria-hidden="true" class="icon">
                <path d="M3 4h2l2.4 11.2a2 2 0 0 0 2 1.6h7.7a2 2 0 0 0 2-1.5L21 8H6.2" />
                <circle cx="10" cy="20" r="1.4" />
                <circle cx="17" cy="20" r="1.4" />
              </svg>
              <span>Cart</span>
              {/* A space, so the visible "Cart 2" reads as part of the name "Cart, 2 items" (WCAG 2.5.3). */}{' '}
              <Show when={cart.count() > 0}>
                <span class="cart-count" aria-hidden="true">
                  {cart.count()}
                </span>
              </Show>
            </A>
          </nav>
        </div>
      </header>
      <main id="main" class="container" tabindex="-1" ref={main}>
        {props.children}
      </main>
      <footer class="site-footer">
        <div class="container">
          <p>Stockflow · prices include VAT · pay securely once your items are reserved</p>
        </div>
      </footer>
    </>
  );
}
