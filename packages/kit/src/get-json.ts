/**
 * @module A GET of a small JSON document (an issuer's discovery document and JWKS) over `node:http`,
 * shaped as the part of a fetch `Response` its callers read (`status`, `ok`, `json()`).
 *
 * Hand-written rather than `fetch`: a function's first `fetch` costs 10-45 ms of CPU on a cold
 * start (Node compiles its WHATWG fetch on first use), and the issuer's keys are fetched while the
 * first delivery is being answered. `node:http` is already loaded; the same GET costs ~9 ms cold.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** What a caller of `fetch` reads of a JSON answer. */
export interface JsonAnswer {
  status: number;
  ok: boolean;
  json(): Promise<unknown>;
}

export interface GetJsonInit {
  signal?: AbortSignal;
  /** A fetch `Headers` (as jose passes) or a plain record. */
  headers?: Headers | Record<string, string>;
}

/** Bodies above this are refused: a discovery document or a key set is a few KiB. */
const MAX_BYTES = 1024 * 1024;

export function getJson(url: string | URL, init: GetJsonInit = {}): Promise<JsonAnswer> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.headers instanceof Headers) {
    for (const [key, value] of init.headers) headers[key] = value;
  } else Object.assign(headers, init.headers);
  return new Promise<JsonAnswer>((resolve, reject) => {
    const req = send(target, { method: 'GET', headers, signal: init.signal }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BYTES)
          req.destroy(new Error(`${target.origin} answered more than ${MAX_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status, ok: status >= 200 && status < 300, json: async () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}
