/**
 * @module Idempotency-Key: a repeated `POST /orders` with the same key and body answers the order the
 * first one placed, with the same token; the same key with another body is refused. A command on an
 * existing order (a return's request) keeps its keys in the order itself (`OrderKey`). The record is
 * keyed by the key's digest and keeps the request's digest and the order token sealed (AES-256-GCM)
 * under a key derived from the Idempotency-Key itself: the client who holds the key gets its token
 * back, while the database alone never reveals a token.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { PlaceOrder, RequestReturn } from '@stockflow/contracts';
import * as z from 'zod/mini';

/** The header's value: visible ASCII, at most 200 characters. */
export const IdempotencyKey = z.string().check(z.regex(/^[\x21-\x7e]{1,200}$/, 'visible ASCII, 1 to 200'));

export interface IdempotencyRecord {
  orderId: string;
  requestHash: string;
  sealedToken: string;
}

/** A second request with a used key but another body. */
export class IdempotencyKeyReusedError extends Error {
  constructor() {
    super('This Idempotency-Key was used for another request.');
    this.name = 'IdempotencyKeyReusedError';
  }
}

/** A key used on one order: what the request was (a replay answers the order as it is). */
export interface OrderKey {
  requestHash: string;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

const byProduct = <L extends { productId: string }>(lines: readonly L[]) =>
  [...lines].sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));

/** The record's document id. */
export const keyDigest = (key: string) => sha256(`idempotency-key\n${key}`);

/** Equal for requests that mean the same order (to the same address): lines in any order, after trimming. */
export function requestDigest({ items, customer }: PlaceOrder): string {
  const lines = byProduct(items).map(({ productId, quantity }) => [productId, quantity]);
  const { line1, line2 = '', city, postalCode, region = '', country } = customer.address;
  const address = [line1, line2, city, postalCode, region, country];
  return sha256(JSON.stringify([lines, customer.name, customer.email, address]));
}

/** Equal for return requests that mean the same return: lines in any order, after trimming. */
export function returnRequestDigest({ items, reason }: RequestReturn): string {
  const lines = byProduct(items).map(({ productId, quantity }) => [productId, quantity]);
  return sha256(JSON.stringify(['return', lines, reason ?? '']));
}

const sealingKey = (idempotencyKey: string, orderId: string) =>
  Buffer.from(hkdfSync('sha256', idempotencyKey, orderId, 'stockflow order token', 32));

export function sealToken(token: string, idempotencyKey: string, orderId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(idempotencyKey, orderId), iv);
  const sealed = Buffer.concat([iv, cipher.update(token, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return sealed.toString('base64url');
}

export function openToken(sealed: string, idempotencyKey: string, orderId: string): string {
  const bytes = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv(
    'aes-256-gcm',
    sealingKey(idempotencyKey, orderId),
    bytes.subarray(0, 12),
  );
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString(
    'utf8',
  );
}
