/**
 * @module The staff area: asks web who is signed in, offers the sign-in (web's OpenID Connect flow,
 * a navigation) to nobody, shows the person and their role, and only the screens their role uses.
 * The API refuses the rest anyway; hiding is for clarity, not for safety.
 */
import { A, type RouteSectionProps, useLocation } from '@solidjs/router';
import { Match, onMount, Switch } from 'solid-js';
import { Loading } from '../components/States.tsx';
import { loadStaff, signInHref, signOut, staff } from '../lib/admin-session.ts';
import { usePageTitle } from '../lib/page-title.ts';

export default function AdminLayout(props: RouteSectionProps) {
  onMount(() => {
    if (staff() === undefined) void loadStaff();
  });
  return (
    <Switch>
      <Match when={staff() === undefined}>
        <Loading label="Checking who is signed in…" />
      </Match>
      <Match when={staff() === null}>
        <SignIn />
      </Match>
      <Match when={staff()?.role === null}>
        <NoRole />
      </Match>
      <Match when={staff()}>
        {(who) => (
          <div class="admin">
            <nav class="admin-nav" aria-label="Management">
              <A href="/admin" activeClass="active" end>
                Overview
              </A>
              <A href="/admin/products" activeClass="active">
                Products
              </A>
              <A href="/admin/stock" activeClass="active">
                Stock
              </A>
              <A href="/admin/board" activeClass="active">
                Stock board
              </A>
              <A href="/admin/locations" activeClass="active">
                Locations
              </A>
              <A href="/admin/transfers" activeClass="active">
                Transfers
              </A>
              <A href="/admin/import" activeClass="active">
                Import
              </A>
              <A href="/admin/reorder" activeClass="active">
                Reorder
              </A>
              <A href="/admin/orders" activeClass="active">
                Orders
              </A>
              <A href="/admin/returns" activeClass="active">
                Returns
              </A>
              <A href="/admin/events" activeClass="active">
                Events
              </A>
              <A href="/admin/dead-letters" activeClass="active">
                Dead letters
              </A>
              <A href="/admin/staff" activeClass="active">
                Staff
              </A>
              <span class="muted admin-who">
                Signed in as {who().name} ({who().role})
              </span>
              <button type="button" class="button button-link" onClick={() => void signOut()}>
                Sign out
              </button>
            </nav>
            <div class="admin-content">{props.children}</div>
          </div>
        )}
      </Match>
    </Switch>
  );
}

function SignIn() {
  usePageTitle(() => 'Manage the shop');
  const location = useLocation();
  return (
    <section class="sign-in card" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Manage the shop</h1>
      <p class="muted">Staff sign in with their own account; what you may do depends on your role.</p>
      <a class="button button-primary" href={signInHref(location.pathname)} rel="external">
        Sign in
      </a>
    </section>
  );
}

function NoRole() {
  usePageTitle(() => 'No role yet');
  return (
    <section class="sign-in card" aria-labelledby="no-role-title">
      <h1 id="no-role-title">No role yet</h1>
      <p>Signed in as {staff()?.name}, who has no role here yet: ask a manager to give you one.</p>
      <button type="button" class="button button-secondary" onClick={() => void signOut()}>
        Sign out
      </button>
    </section>
  );
}
