/**
 * @module The inventory managers' area: asks for the admin token once per browser session, checks
 * it, and keeps it until sign-out (or until a function refuses it, when it is asked for again).
 */
import { A, type RouteSectionProps } from '@solidjs/router';
import { createSignal, Show } from 'solid-js';
import { Field } from '../components/Field.tsx';
import { ErrorNotice } from '../components/States.tsx';
import { adminToken, signIn, signOut } from '../lib/admin-session.ts';
import { checkAdminToken } from '../lib/api.ts';
import { usePageTitle } from '../lib/page-title.ts';

export default function AdminLayout(props: RouteSectionProps) {
  return (
    <Show when={adminToken()} fallback={<SignIn />}>
      <div class="admin">
        <nav class="admin-nav" aria-label="Management">
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
          <A href="/admin/events" activeClass="active">
            Events
          </A>
          <A href="/admin/dead-letters" activeClass="active">
            Dead letters
          </A>
          <button type="button" class="button button-link" onClick={signOut}>
            Sign out
          </button>
        </nav>
        <div class="admin-content">{props.children}</div>
      </div>
    </Show>
  );
}

function SignIn() {
  usePageTitle(() => 'Manage the shop');
  const [token, setToken] = createSignal('');
  const [error, setError] = createSignal<string>();
  const [failure, setFailure] = createSignal<unknown>();
  const [checking, setChecking] = createSignal(false);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const value = token().trim();
    setFailure(undefined);
    if (!value) {
      setError('Enter the admin token.');
      return;
    }
    setChecking(true);
    try {
      if (await checkAdminToken(value)) signIn(value);
      else setError('This token was not accepted.');
    } catch (problem) {
      setFailure(problem);
    } finally {
      setChecking(false);
    }
  }

  return (
    <section class="sign-in card" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Manage the shop</h1>
      <p class="muted">Enter the admin token. It is kept for this browser tab until you sign out.</p>
      <form class="form" onSubmit={submit} noValidate>
        <Field label="Admin token" error={error()}>
          {(control) => (
            <input
              {...control}
              class="input"
              type="password"
              autocomplete="current-password"
              value={token()}
              onInput={(event) => {
                setToken(event.currentTarget.value);
                setError(undefined);
              }}
            />
          )}
        </Field>
        <Show when={failure()}>{(problem) => <ErrorNotice error={problem()} />}</Show>
        <button type="submit" class="button button-primary" disabled={checking()}>
          {checking() ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </section>
  );
}
