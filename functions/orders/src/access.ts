/**
 * @module Access to an order without an account: a random bearer token handed out when the order is
 * placed, stored only as its SHA-256 digest and compared in constant time. Never logged.
 */
import { createHash, randomBytes } from 'node:crypto';
import { secretsEqual } from '@stockflow/kit';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new order token (256 random bits) and the digest to store in its place. */
export function issueToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: digest(token) };
}

/** True when `token` is the one whose digest is `tokenHash`. */
export function tokenMatches(token: string, tokenHash: string): boolean {
  return secretsEqual(digest(token), tokenHash);
}
