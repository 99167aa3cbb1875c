/**
 * @module Admin authentication: a bearer token compared in constant time, refused with problem+json.
 * (Hono's bearer-auth middleware answers plain text and cannot tell a handler "admin or not" for
 * routes that show more to admins, so this is the ten lines it would have been.)
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { unauthorized } from './problem.ts';

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

/** True when the request carries the admin token. False when none is configured. */
export function isAdmin(c: Context, adminToken: string | undefined): boolean {
  const token = bearerToken(c);
  return Boolean(adminToken && token && secretsEqual(token, adminToken));
}

/** Refuses (401) any request without the admin token. */
export function requireAdmin(adminToken: string | undefined): MiddlewareHandler {
  return async function requireAdminToken(c, next) {
    if (!isAdmin(c, adminToken)) throw unauthorized('This operation needs the admin token.');
    await next();
  };
}
