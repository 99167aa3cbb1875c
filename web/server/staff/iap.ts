/**
 * @module Identity-Aware Proxy on GKE: IAP signs in the person and adds `x-goog-iap-jwt-assertion`
 * to every request it lets through; web verifies it (`jose`: Google's IAP keys, ES256, issuer
 * `https://cloud.google.com/iap`, the backend service's audience) before it believes who it names.
 */

import { loadJose } from '@stockflow/kit';
import type { Context } from 'hono';
import type { JWTVerifyGetKey } from 'jose';
import type { StaffPerson } from './session.ts';

export const IAP_ISSUER = 'https://cloud.google.com/iap';
export const IAP_JWKS_URL = 'https://www.gstatic.com/iap/verify/public_key-jwk';
export const IAP_HEADER = 'x-goog-iap-jwt-assertion';

export interface IapVerifier {
  /** The person IAP vouches for, or undefined when the assertion is absent or does not verify. */
  person(c: Context): Promise<StaffPerson | undefined>;
}

export function iapVerifier(audience: string, givenKeys?: JWTVerifyGetKey): IapVerifier {
  // Google's IAP keys, fetched (and jose loaded) with the first assertion, not at start.
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const keysOf = () => {
    keys ??= givenKeys
      ? Promise.resolve(givenKeys)
      : loadJose().then((jose) => jose.createRemoteJWKSet(new URL(IAP_JWKS_URL)));
    return keys;
  };
  return {
    async person(c) {
      const assertion = c.req.header(IAP_HEADER);
      if (!assertion) return undefined;
      const { jwtVerify } = await loadJose();
      try {
        const { payload } = await jwtVerify(assertion, await keysOf(), {
          issuer: IAP_ISSUER,
          audience,
          algorithms: ['ES256'],
          requiredClaims: ['sub', 'email', 'exp', 'iat'],
        });
        const email = String(payload.email);
        return { subject: String(payload.sub), name: email, email };
      } catch {
        return undefined;
      }
    },
  };
}
