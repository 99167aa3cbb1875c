/**
 * @module Forwarding `/api/<function>/<rest>` to the function's Service: method, query, body and a
 * short allowlist of request headers go through; bodies stream both ways (an SSE answer reaches the
 * browser event by event); the function's internal endpoints are never reachable from outside.
 */

import { type AppEnv, formatTraceparent, logScope, notFound, Problem } from '@stockflow/kit';
import type { Context } from 'hono';
import { proxy } from 'hono/proxy';

/** The functions web forwards to, each from `UPSTREAM_<NAME>`. */
export const FUNCTIONS = ['catalog', 'inventory', 'orders', 'ledger'] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

/** Request headers a function may see; everything else (cookies, hop-by-hop, forwarding) stays here. */
const FORWARDED_REQUEST_HEADERS = [
  'accept',
  'authorization',
  'content-type',
  'idempotency-key',
  'last-event-id',
  'cache-control',
];

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

/** The handler for `/api/:function/*`. */
export function forwardToFunctions(upstreams: Upstreams) {
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

    const headers = new Headers();
    for (const header of FORWARDED_REQUEST_HEADERS) {
      const value = c.req.header(header);
      if (value !== undefined) headers.set(header, value);
    }
    // This hop's span, in the caller's trace (or the trace the kit started for this request).
    const trace = logScope.getStore()?.trace;
    if (trace) headers.set('traceparent', formatTraceparent(trace));
    const host = c.req.header('host');
    if (host) headers.set('x-forwarded-host', host);
    headers.set('x-forwarded-proto', url.protocol.replace(':', ''));

    const target = new URL(base);
    target.pathname = `${target.pathname.replace(/\/$/, '')}${rest}`;
    target.search = url.search;
    try {
      const res = await proxy(target, { raw: c.req.raw, headers });
      // Upstream cookies belong to no one here; web sets none and forwards none.
      res.headers.delete('set-cookie');
      if (!res.body) return res;
      return new Response(endQuietlyWhenAborted(res.body, c.req.raw.signal), {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
      });
    } catch {
      throw new Problem(502, 'Bad Gateway', {
        detail: `The ${name} function could not be reached.`,
        headers: { 'Retry-After': '1' },
      });
    }
  };
}

/**
 * The upstream body, ended rather than failed when the browser went away (an event stream it
 * closed): the aborted upstream read is expected then, not an error worth a log line.
 */
function endQuietlyWhenAborted(body: ReadableStream<Uint8Array>, signal: AbortSignal) {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        if (signal.aborted) controller.close();
        else controller.error(error);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
