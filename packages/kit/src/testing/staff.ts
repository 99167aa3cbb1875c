/**
 * @module Staff credentials for tests: one ES256 key pair per test process (its public JWKS is in
 * every `testEnv`), and tokens for a role minted with it, as web mints them for signed-in people.
 *
 *   const res = await app.request('/products', { method: 'POST', headers: await asStaff('catalog', 'manager') });
 */
import type { StaffRole } from '@stockflow/contracts';
import { exportJWK, generateKeyPair } from 'jose';
import { type StaffActor, signStaffToken } from '../staff.ts';

const keys = await generateKeyPair('ES256', { extractable: true });

/** The private key tokens are signed with (tests that forge or re-sign tokens need it). */
export const TEST_STAFF_SIGNING_KEY = keys.privateKey;
/** `STAFF_JWKS` for functions under test. */
export const TEST_STAFF_JWKS = JSON.stringify({
  keys: [{ ...(await exportJWK(keys.publicKey)), alg: 'ES256' }],
});

/** One person per role, as the tests' events and ledger record them. */
export const TEST_STAFF: Record<StaffRole, StaffActor> = {
  viewer: { subject: 'test-viewer', name: 'Test Viewer', role: 'viewer' },
  clerk: { subject: 'test-clerk', name: 'Test Clerk', role: 'clerk' },
  manager: { subject: 'test-manager', name: 'Test Manager', role: 'manager' },
};

/** A staff token for `audience` (a function's name), valid for an hour so that slow tests keep it. */
export function staffToken(
  audience: string,
  role: StaffRole,
  person: Partial<StaffActor> = {},
): Promise<string> {
  return signStaffToken(
    TEST_STAFF_SIGNING_KEY,
    { ...TEST_STAFF[role], ...person },
    { audience, ttlSeconds: 3600 },
  );
}

/** `{ authorization: 'Bearer <staff token>' }` for a request to `audience` as `role`. */
export async function asStaff(
  audience: string,
  role: StaffRole,
  person: Partial<StaffActor> = {},
): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await staffToken(audience, role, person)}` };
}
