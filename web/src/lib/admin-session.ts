/**
 * @module Who is signed in to the admin area, as web's session says (`GET /auth/me`). The session
 * itself is an HttpOnly cookie this code never sees: no token lives in JavaScript, storage or a URL.
 * Signing in is a navigation to web's `/auth/login` (the identity provider's page, then back).
 */
import { STAFF_ROLES as ROLES, type SignedIn, type StaffRole } from '@stockflow/contracts';
import { createSignal } from 'solid-js';

export type { StaffRole };

/** The signed-in person (`role` null: no manager has given them one yet); `mode` is web's to know. */
export type Staff = Omit<NonNullable<SignedIn>, 'mode'>;

/** undefined: not asked yet; null: nobody signed in (or sign-in is off). */
const [staff, setStaff] = createSignal<Staff | null | undefined>(undefined);

export { staff };

/** Asks web who is signed in (once per page, and again after a refusal). */
export async function loadStaff(): Promise<Staff | null> {
  try {
    const res = await fetch('/auth/me', { headers: { accept: 'application/json' } });
    const who = res.ok ? ((await res.json()) as Staff | null) : null;
    setStaff(who);
    return who;
  } catch {
    setStaff(null);
    return null;
  }
}

/** Whether the signed-in person's role allows what `role` allows (viewer < clerk < manager). */
export function can(role: StaffRole): boolean {
  const own = staff()?.role;
  return own ? ROLES.indexOf(own) >= ROLES.indexOf(role) : false;
}

/** Where the sign-in button goes: web's login, coming back to `returnTo`. */
export const signInHref = (returnTo: string) => `/auth/login?return=${encodeURIComponent(returnTo)}`;

/** A function refused the session (it expired): ask who is signed in again. */
export function sessionRefused(): void {
  void loadStaff();
}

export async function signOut(): Promise<void> {
  try {
    await fetch('/auth/logout', { method: 'POST' });
  } finally {
    setStaff(null);
  }
}

/** Forgets who was signed in (tests start each from nobody). */
export function resetStaff(value: Staff | null | undefined = undefined): void {
  setStaff(value);
}
