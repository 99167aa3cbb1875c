/**
 * @module Forwarding `/api/<function>/<rest>` to the function's Service: method, query, body and a
 * short allowlist of request headers go through; small bodies go whole, larger ones and event
 * streams stream both ways (an SSE answer reaches the browser event by event); the function's
 * internal endpoints are never reachable from outside.
 *
 * The upstream call is plain `node:http` on kept-alive connections, not `fetch` (`hono/proxy`):
 * 0.85 instead of 1.54 ms of CPU per forwarded request. The answer is still a web `Response` returned
 * to Hono, so the kit's middleware (security headers, metrics, traces, access log) applies to it as
 * to any other. undici's `request()` was measured too, about 15% cheaper again, but it adds 520 KiB
 * to what web loads at start (or ~115 ms to the first request, loaded lazily) for that margin.
 */

import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { FUNCTIONS, type FunctionName, ORDER_TOKEN_COOKIE } from '@stockflow/contracts';
import { type AppEnv, formatTraceparent, logScope, notFound, Problem } from '@stockflow/kit';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import * as z from 'zod/mini';
import type { StaffAuthorization } from './staff/index.ts';

/** The env var that says where a function is (knative/base/web.yaml, written by `npm run generate`). */
export const upstreamKey = <N extends FunctionName>(name: N) =>
  `UPSTREAM_${name.toUpperCase()}` as `UPSTREAM_${Uppercase<N>}`;

/** web's config of the functions' addresses, one optional URL per function (unset: it answers 503). */
export const upstreamEnv = Object.fromEntries(
  FUNCTIONS.map((name) => [upstreamKey(name), z.optional(z.url())]),
) as { [N in FunctionName as `UPSTREAM_${Uppercase<N>}`]: z.ZodMiniOptional<z.ZodMiniURL> };

/** Request headers a function may see; everything else (cookies, hop-by-hop, forwarding) stays here. */
const FORWARDED_REQUEST_HEADERS = [
  'accept',
  'authorization',
  'content-type',
  'idempotency-key',
  'last-event-id',
  'cache-control',
];

/** Request headers one function sees besides those: the payment provider's webhook signature. */
const FUNCTION_REQUEST_HEADERS: Partial<Record<FunctionName, readonly string[]>> = {
  payments: ['sandbox-signature'],
};

/**
 * The public routes of functions that are no one's session: a payment provider's webhooks
 * (`/api/payments/webhooks/<provider>`), whose signature is their credential. Neither a staff token
 * nor the browser's credentials go with them.
 */
export const WEBHOOK_PATH = /^\/api\/payments\/+webhooks\/+[a-z0-9-]+\/*$/;

/**
 * Cookies a function owns: only it may set them (its `Set-Cookie` passes through web) and only it
 * sees them. orders' order-token cookie (HttpOnly, SameSite=Strict, scoped to the order's path) lets
 * the order page's EventSource authenticate without a token in its URL.
 */
const FUNCTION_COOKIES: Partial<Record<FunctionName, readonly string[]>> = {
  orders: [ORDER_TOKEN_COOKIE],
};

/** Response headers that describe web's hop to the function, not the answer (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Connections to the functions, kept alive between requests. One idle for 4 s is closed (as fetch
 * did), or a second before the idle timeout a function's server announces in `Keep-Alive`, so that
 * a request rarely meets a connection the function is closing (reads are then sent again).
 * The timeout closes idle connections only: a quiet event stream stays open.
 */
const agentOptions = { keepAlive: true, timeout: 4_000 };
const agents = { 'http:': new HttpAgent(agentOptions), 'https:': new HttpsAgent(agentOptions) };

/** Paths the platform serves on every function (probes, metrics): never reachable from outside. */
const INTERNAL_SEGMENTS = new Set(['healthz', 'readyz', 'metrics']);

/**
 * Knative's endpoints: `POST /events` (Triggers, PingSources) and the ledger's `POST /dead-letters`
 * (the dead-letter sink). Reads under `/events` stay reachable: the ledger's event explorer is there.
 */
const KNATIVE_ENDPOINTS = new Set(['/events', '/dead-letters']);

export type Upstreams = Partial<Record<FunctionName, string>>;

const isFunctionName = (name: string): name is FunctionName =>
  (FUNCTIONS as readonly string[]).includes(name);

/**
 * True when a function path must not be reached through web: decoded (the function decodes
 * percent-escapes when it routes), its first segment names a probe or metrics, or it is one of
 * Knative's endpoints (any other method than a read: a forged event or dead letter).
 */
export function isInternalPath(rest: string, method = 'POST'): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return true;
  }
  // Resolved as the URL parser resolves the forwarded path: `.` and `..` (`%2e%2e` too) are steps.
  const segments: string[] = [];
  for (const segment of decoded.toLowerCase().split('/')) {
    if (segment === '..') segments.pop();
    else if (segment !== '' && segment !== '.') segments.push(segment);
  }
  if (INTERNAL_SEGMENTS.has(segments[0] ?? '')) return true;
  const reads = method === 'GET' || method === 'HEAD';
  return !reads && (segments[0] === 'events' || KNATIVE_ENDPOINTS.has(`/${segments.join('/')}`));
}

/** `https` or `http`: the first `X-Forwarded-Proto` (the outermost proxy's), else web's own. */
export function browserScheme(url: URL, forwardedProto: string | undefined): 'http' | 'https' {
  const proto = forwardedProto?.split(',')[0]?.trim().toLowerCase();
  if (proto === 'https' || proto === 'http') return proto;
  return url.protocol === 'https:' ? 'https' : 'http';
}

/**
 * The handler for `/api/:function/*`. For a signed-in staff member, `staffAuthorization` gives the
 * staff token the function gets instead of the browser's `Authorization`.
 */
export function forwardToFunctions(
  upstreams: Upstreams,
  options: { staffAuthorization?: StaffAuthorization } = {},
) {
  return async function forwardToFunction(c: Context<AppEnv>): Promise<Response> {
    const url = new URL(c.req.url);
    const match = /^\/api\/([^/]+)(\/.*)?$/.exec(url.pathname);
    const name = match?.[1] ?? '';
    const rest = match?.[2] ?? '/';
    if (!isFunctionName(name)) throw notFound(`There is no function named "${name}".`);
    // Metrics and spans per function, not one `/api/*` for every forwarded call.
    c.set('route', `/api/${name}/*`);
    if (isInternalPath(rest, c.req.method)) throw notFound(`No route for ${c.req.method} ${url.pathname}.`);
    const base = upstreams[name];
    if (!base) {
      throw new Problem(503, 'Service Unavailable', {
        detail: `The ${name} function is not configured here.`,
        headers: { 'Retry-After': '5' },
      });
    }

    const webhook = WEBHOOK_PATH.test(url.pathname);
    const headers: OutgoingHttpHeaders = {};
    for (const header of [...FORWARDED_REQUEST_HEADERS, ...(FUNCTION_REQUEST_HEADERS[name] ?? [])]) {
      const value = c.req.header(header);
      if (value !== undefined && !(webhook && header === 'authorization')) headers[header] = value;
    }
    const staff = webhook ? undefined : await options.staffAuthorization?.(c, name);
    if (staff) headers.authorization = staff;
    // This hop's span, in the caller's trace (or the trace the kit started for this request).
    const trace = logScope.getStore()?.trace;
    if (trace) headers.traceparent = formatTraceparent(trace);
    const cookies = (webhook ? [] : (FUNCTION_COOKIES[name] ?? []))
      .map((cookie) => [cookie, getCookie(c, cookie)] as const)
      .filter(([, value]) => value !== undefined);
    if (cookies.length) headers.cookie = cookies.map(([cookie, value]) => `${cookie}=${value}`).join('; ');
    // Where the function is seen from the browser: the Path of the cookies it sets.
    headers['x-forwarded-prefix'] = `/api/${name}`;
    const host = c.req.header('host');
    if (host) headers['x-forwarded-host'] = host;
    // The scheme the browser used: the load balancer's word (web itself is plain http behind
    // Knative), so a function marks the cookies it sets Secure when they travel over https.
    headers['x-forwarded-proto'] = browserScheme(url, c.req.header('x-forwarded-proto'));

    const method = c.req.method;
    let body: Body = null;
    if (method !== 'GET' && method !== 'HEAD') {
      const length = c.req.header('content-length');
      const chunked = c.req.header('transfer-encoding') !== undefined;
      if (length !== undefined && !chunked) {
        headers['content-length'] = length;
        body = Number(length) <= WHOLE_BODY_BYTES ? await wholeBody(c) : c.req.raw.body;
      } else if (chunked) body = c.req.raw.body;
    }

    const target = new URL(base);
    target.pathname = `${target.pathname.replace(/\/$/, '')}${rest}`;
    target.search = url.search;
    try {
      return await forward(target, method, headers, body, c.req.raw.signal, FUNCTION_COOKIES[name] ?? []);
    } catch {
      throw new Problem(502, 'Bad Gateway', {
        detail: `The ${name} function could not be reached.`,
        headers: { 'Retry-After': '1' },
      });
    }
  };
}

/**
 * Bodies up to this size go whole, both ways: read in one piece (the request's straight off the
 * socket) and written in one. A web stream per body, as the larger ones and event streams still
 * take, was a third of web's CPU for the small JSON of an order or a webhook.
 */
const WHOLE_BODY_BYTES = 256 * 1024;

/** A request body: none, whole, or the client's stream. */
type Body = Buffer | ReadableStream<Uint8Array> | null;

/** The request's body, read whole; a 400 when the client broke off sending it. */
async function wholeBody(c: Context<AppEnv>): Promise<Buffer> {
  try {
    return Buffer.from(await c.req.arrayBuffer());
  } catch {
    throw new Problem(400, 'Bad Request', { detail: 'The request body was cut off.' });
  }
}

/**
 * One call to a function: its answer as a `Response` once its head arrived (rejects if none does).
 * A request without a body is sent again, once, when a kept-alive connection turned out closed.
 */
function forward(
  target: URL,
  method: string,
  headers: OutgoingHttpHeaders,
  body: Body,
  signal: AbortSignal,
  cookies: readonly string[],
  retried = false,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const secure = target.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    const upstream = send(target, { method, headers, agent: agents[secure ? 'https:' : 'http:'] });
    // The browser went away: the function's work for it (an event stream above all) ends too.
    const abort = () => upstream.destroy();
    signal.addEventListener('abort', abort, { once: true });
    const settle = () => signal.removeEventListener('abort', abort);
    upstream.once('error', (error: NodeJS.ErrnoException) => {
      settle();
      const stale = upstream.reusedSocket && !body && !retried && error.code === 'ECONNRESET';
      if (stale && !signal.aborted) resolve(forward(target, method, headers, body, signal, cookies, true));
      else reject(error);
    });
    upstream.once('response', (res) => {
      upstream.removeAllListeners('error');
      // Later failures end the body (see `bodyOf`); a late socket error must not go unheard.
      upstream.on('error', () => undefined);
      res.once('close', settle);
      resolve(answer(res, method, signal, cookies));
    });
    if (Buffer.isBuffer(body)) upstream.end(body);
    else if (body) void writeBody(body, upstream);
    else upstream.end();
  });
}

/**
 * The function's answer as web sends it: its status, headers and body, minus hop-by-hop headers and
 * any cookie but those it owns (`cookies`).
 */
function answer(
  res: IncomingMessage,
  method: string,
  signal: AbortSignal,
  cookies: readonly string[],
): Response | Promise<Response> {
  const status = res.statusCode ?? 502;
  const connection = String(res.headers.connection ?? '')
    .toLowerCase()
    .split(',')
    .map((token) => token.trim());
  const headers = new Headers();
  for (const [key, value] of Object.entries(res.headers)) {
    if (value === undefined || HOP_BY_HOP.has(key) || connection.includes(key)) continue;
    if (key === 'set-cookie') {
      for (const cookie of [value].flat()) {
        if (cookies.includes(cookie.split('=', 1)[0]!.trim())) headers.append('set-cookie', cookie);
      }
      continue;
    }
    headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const init = { status, statusText: res.statusMessage, headers };
  const bodiless = method === 'HEAD' || status === 204 || status === 205 || status === 304;
  if (bodiless) {
    res.resume();
    return new Response(null, init);
  }
  const length = Number(res.headers['content-length'] ?? Number.NaN);
  if (length <= WHOLE_BODY_BYTES && !String(res.headers['content-type']).startsWith('text/event-stream')) {
    return wholeAnswer(res).then((bytes) => new Response(bytes, init));
  }
  return new Response(bodyOf(res, signal), init);
}

/** A function's answer of known, small length, read whole; rejects if it is cut off. */
function wholeAnswer(res: IncomingMessage): Promise<Uint8Array<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    // Buffer.concat's bytes sit in an ArrayBuffer of their own (never a SharedArrayBuffer).
    res.once('end', () => resolve(Buffer.concat(chunks) as Uint8Array<ArrayBuffer>));
    res.once('close', () => {
      if (!res.complete) reject(res.errored ?? new Error('The function closed the connection mid-answer.'));
    });
    res.on('error', () => undefined);
  });
}

/**
 * The function's body as it arrives (an SSE answer event by event), read only as fast as the
 * browser takes it. It ends rather than fails when the browser went away (an event stream it
 * closed): the cut-off upstream read is expected then, not an error worth a log line.
 */
function bodyOf(res: IncomingMessage, signal: AbortSignal): ReadableStream<Uint8Array> {
  let finished = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      res.on('data', (chunk: Buffer) => {
        if (finished) return;
        controller.enqueue(chunk);
        if ((controller.desiredSize ?? 0) <= 0) res.pause();
      });
      res.once('end', () => {
        if (finished) return;
        finished = true;
        controller.close();
      });
      res.once('close', () => {
        if (finished) return;
        finished = true;
        if (signal.aborted) controller.close();
        else controller.error(res.errored ?? new Error('The function closed the connection mid-answer.'));
      });
      res.on('error', () => undefined);
    },
    pull() {
      res.resume();
    },
    cancel() {
      finished = true;
      res.destroy();
    },
  });
}

/** Streams the client's body to the function as it is read, no faster than the function takes it. */
async function writeBody(body: ReadableStream<Uint8Array>, upstream: ClientRequest): Promise<void> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (upstream.destroyed) return void reader.cancel().catch(() => undefined);
      if (done) return void upstream.end();
      if (!upstream.write(value)) {
        await new Promise<void>((resolve) => {
          const go = () => {
            upstream.off('drain', go);
            upstream.off('close', go);
            resolve();
          };
          upstream.on('drain', go);
          upstream.on('close', go);
        });
      }
    }
  } catch (error) {
    // The client's upload broke off: the function must not take half a body for a whole one.
    upstream.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}
