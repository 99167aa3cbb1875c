/**
 * @module Access to an order without an account: a random bearer token handed out when the order is
 * placed, stored only as its SHA-256 digest and compared in constant time, valid for a number of
 * days. It travels in an `Authorization` header or in the order's cookie (HttpOnly, SameSite=Strict,
 * scoped to the order's path), never in a URL, and is never logged.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ORDER_TOKEN_COOKIE } from '@stockflow/contracts';
import { bearerToken, secretsEqual } from '@stockflow/kit';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

const DAY_MS = 24 * 3600 * 1000;

/** A new order token (256 random bits) and the digest to store in its place. */
export function issueToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: digest(token) };
}

/** True when `token` is the one whose digest is `tokenHash`. */
export function tokenMatches(token: string, tokenHash: string): boolean {
  return secretsEqual(digest(token), tokenHash);
}

/**
 * When a token issued at `issuedAt` stops opening its order: `tokenExpiresAt` as stored, or, for an
 * order placed before tokens expired, `ttlDays` after it was placed.
 */
export function tokenExpiry(issuedAt: string, ttlDays: number, stored?: string): string {
  return stored ?? new Date(Date.parse(issuedAt) + ttlDays * DAY_MS).toISOString();
}

/** The credential a request offers for an order: its bearer token, else the order's cookie. */
export function orderCredential(c: Context): string | undefined {
  return bearerToken(c) ?? getCookie(c, ORDER_TOKEN_COOKIE);
}

/**
 * Sets the order's cookie on the answer: the browser sends it back only to this order's API paths
 * (`<prefix>/<id>`, the prefix being where web forwards to orders), only from this site, never to
 * scripts, over https only when the request came over https, until the token expires.
 */
export function setOrderCookie(c: Context, orderId: string, token: string, expiresAt: string): void {
  const prefix = c.req.header('x-forwarded-prefix') ?? '';
  const secure = (c.req.header('x-forwarded-proto') ?? new URL(c.req.url).protocol).startsWith('https');
  setCookie(c, ORDER_TOKEN_COOKIE, token, {
    path: `${/^(\/[a-z0-9-]+)*$/.test(prefix) ? prefix : ''}/${encodeURIComponent(orderId)}`,
    httpOnly: true,
    sameSite: 'Strict',
    secure,
    maxAge: Math.max(0, Math.floor((Date.parse(expiresAt) - Date.now()) / 1000)),
  });
}
