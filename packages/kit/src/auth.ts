/**
 * @module Bearer credentials: reading `Authorization: Bearer` and comparing secrets in constant time.
 * (Hono's bearer-auth middleware answers plain text and cannot tell a handler "staff or not" for
 * routes that show more to staff; staff.ts builds the roles on these.)
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time comparison of two secrets of any length. */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** The token of an `Authorization: Bearer <token>` header value, or undefined when absent or malformed. */
export function parseBearer(header: string | undefined): string | undefined {
  const match = header ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header) : null;
  return match?.[1];
}

/** The bearer token of a request, or undefined when the header is absent or malformed. */
export function bearerToken(c: Context): string | undefined {
  return parseBearer(c.req.header('authorization'));
}
