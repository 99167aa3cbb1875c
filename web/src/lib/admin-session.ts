/**
 * @module The inventory manager's admin token: asked once, kept in sessionStorage for this tab's
 * session (gone when the tab closes), forgotten on sign-out or when a function refuses it.
 */
import { createSignal } from 'solid-js';

const KEY = 'stockflow.adminToken';

function stored(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

const [token, setToken] = createSignal<string | undefined>(stored());

/** The admin token of this session, if one was given. */
export const adminToken = token;

export function signIn(value: string): void {
  try {
    sessionStorage.setItem(KEY, value);
  } catch {
    // Private mode without storage: the token lives as long as the page.
  }
  setToken(value);
}

export function signOut(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing stored.
  }
  setToken(undefined);
}
