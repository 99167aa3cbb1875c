/**
 * @module web's staff session as the SPA sees it: `/auth/me` and `/auth/logout`, and whether the
 * (HttpOnly, so invisible) session cookie would carry a role. The fake shop and ledger ask it
 * instead of a bearer token, as the real functions get web's staff token instead.
 */
import { HttpResponse, http } from 'msw';
import type { Staff, StaffRole } from '../lib/admin-session.ts';

export const STAFF: Record<StaffRole, Staff> = {
  viewer: { subject: 'vera', name: 'Vera Viewer', email: 'vera@stockflow.local', role: 'viewer' },
  clerk: { subject: 'colin', name: 'Colin Clerk', email: 'colin@stockflow.local', role: 'clerk' },
  manager: { subject: 'maya', name: 'Maya Manager', email: 'maya@stockflow.local', role: 'manager' },
};
const ORDER: StaffRole[] = ['viewer', 'clerk', 'manager'];

export type FakeSession = ReturnType<typeof createFakeSession>;

export function createFakeSession(initial: Staff | null = null) {
  let current = initial;
  return {
    get staff() {
      return current;
    },
    signInAs(who: Staff | null) {
      current = who;
    },
    /** True when the session's role allows `role` (viewer by default: any staff member). */
    allows(role: StaffRole = 'viewer') {
      return Boolean(current?.role && ORDER.indexOf(current.role) >= ORDER.indexOf(role));
    },
    handlers: [
      http.get('*/auth/me', () => HttpResponse.json(current)),
      http.post('*/auth/logout', () => {
        current = null;
        return new HttpResponse(null, { status: 204 });
      }),
    ],
  };
}
