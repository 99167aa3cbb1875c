/**
 * @module The staff session: who signed in, sealed (encrypted and authenticated, `jose` JWE with a
 * key derived from `STAFF_SESSION_SECRET`) into one HttpOnly, SameSite=Strict cookie. Nothing about
 * it is readable by the SPA's JavaScript; any web instance can open it (no server-side store).
 */
import { createHash } from 'node:crypto';
import { loadJose } from '@stockflow/kit';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

/** The session cookie. */
export const SESSION_COOKIE = 'stockflow_staff';
/** The short-lived cookie that carries a sign-in's PKCE verifier, state and nonce to the callback. */
export const SIGN_IN_COOKIE = 'stockflow_signin';

/** The person a session is for, as the identity provider named them. */
export interface StaffPerson {
  subject: string;
  name: string;
  email?: string;
}

/** Seals and opens small JSON payloads with one secret. */
export class Sealer {
  readonly #key: Uint8Array;

  constructor(secret: string) {
    // A 256-bit key from a secret of any length (at least 32 characters, checked at start).
    this.#key = createHash('sha256').update(`stockflow-staff-session:${secret}`).digest();
  }

  async seal(payload: Record<string, unknown>, ttlSeconds: number): Promise<string> {
    const { EncryptJWT } = await loadJose();
    return new EncryptJWT(payload)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .encrypt(this.#key);
  }

  /** The payload, or undefined when the value is absent, forged, tampered with or expired. */
  async open(value: string | undefined): Promise<Record<string, unknown> | undefined> {
    if (!value) return undefined;
    const { jwtDecrypt } = await loadJose();
    try {
      const { payload } = await jwtDecrypt(value, this.#key, { keyManagementAlgorithms: ['dir'] });
      return payload;
    } catch {
      return undefined;
    }
  }
}

/** True when the browser reached web over https (directly, or as the trusted edge says). */
export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

/** Cookie flags: never readable by scripts, never sent cross-site, Secure over https. */
export function cookieFlags(c: Context, sameSite: 'Strict' | 'Lax', path = '/') {
  return { httpOnly: true, sameSite, secure: isHttps(c), path } as const;
}

export class Sessions {
  constructor(
    private readonly sealer: Sealer,
    private readonly ttlSeconds: number,
  ) {}

  async start(c: Context, person: StaffPerson): Promise<void> {
    const value = await this.sealer.seal({ ...person }, this.ttlSeconds);
    setCookie(c, SESSION_COOKIE, value, { ...cookieFlags(c, 'Strict'), maxAge: this.ttlSeconds });
  }

  async read(c: Context): Promise<StaffPerson | undefined> {
    const payload = await this.sealer.open(getCookie(c, SESSION_COOKIE));
    if (!payload || typeof payload.subject !== 'string' || typeof payload.name !== 'string') return undefined;
    return {
      subject: payload.subject,
      name: payload.name,
      ...(typeof payload.email === 'string' ? { email: payload.email } : {}),
    };
  }

  end(c: Context): void {
    deleteCookie(c, SESSION_COOKIE, cookieFlags(c, 'Strict'));
  }
}
