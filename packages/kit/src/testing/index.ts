/**
 * @module Test helpers for functions: CloudEvent requests for `app.request()` carrying a delivery
 * token of a test OIDC issuer (one per test file, started when this module loads), a database per
 * test file on the real emulator, a fake sink that records what the outbox relay sends, and a
 * stand-in OTLP collector that records exported spans.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isPartner, PARTNERS, producerOf } from '@stockflow/contracts';
import type { EventRecord } from '../cloudevents.ts';
import { PING_TYPE } from '../events.ts';
import { startTestIssuer, TEST_AUDIENCE, TEST_PING_SUBJECT } from './issuer.ts';

export {
  startTestIssuer,
  TEST_AUDIENCE,
  TEST_PING_SUBJECT,
  TEST_TRIGGER_SUBJECT,
  type TestIssuer,
  type TokenOptions,
} from './issuer.ts';

import { TEST_STAFF_JWKS } from './staff.ts';

export { type CollectedSpan, type OtlpCollector, SpanKind, startOtlpCollector } from './otlp-collector.ts';
export { asStaff, staffToken, TEST_STAFF, TEST_STAFF_JWKS, TEST_STAFF_SIGNING_KEY } from './staff.ts';

/**
 * This test file's issuer: `testEnv` points functions at it, `cloudEventRequest` signs with it. Its
 * server does not keep the process alive. Mint other tokens with `testIssuer.token({...})`.
 */
export const testIssuer = await startTestIssuer();

/** Ready-made delivery tokens (valid for hours), so building a request stays synchronous. */
const DEFAULT_TOKENS = {
  trigger: await testIssuer.token({ expiresIn: 6 * 3600 }),
  ping: await testIssuer.token({ subject: TEST_PING_SUBJECT, expiresIn: 6 * 3600 }),
};

/** The `Authorization` header a delivery of `type` carries by default (a PingSource's for pings). */
export function deliveryHeaders(type?: string, token?: string): { authorization: string } {
  const bearer = token ?? (type === PING_TYPE ? DEFAULT_TOKENS.ping : DEFAULT_TOKENS.trigger);
  return { authorization: `Bearer ${bearer}` };
}

/** The source a type's producer uses (`/<function>`, a partner's prefix); `/tests` for other types. */
export function producerSource(type: string): string {
  const producer = producerOf(type);
  if (!producer) return '/tests';
  return isPartner(producer) ? PARTNERS[producer].sourcePrefix : `/${producer}`;
}

export interface CloudEventInit {
  id?: string;
  source?: string;
  type: string;
  subject?: string;
  data?: unknown;
  extensions?: Record<string, string>;
}

export interface CloudEventRequestOptions {
  mode?: 'binary' | 'structured';
  /**
   * The delivery token: by default a valid one of `testIssuer` (a Trigger's, a PingSource's for
   * pings, audience TEST_AUDIENCE); a string sends that one, false none.
   */
  token?: string | false;
}

/**
 * A `RequestInit` that POSTs one CloudEvent as a Trigger delivers it: binary mode unless told
 * otherwise, with a delivery token, and the source of the type's producer unless one is given.
 */
export function cloudEventRequest(
  event: CloudEventInit,
  options: CloudEventRequestOptions | 'binary' | 'structured' = {},
): RequestInit & { headers: Record<string, string> } {
  const { mode = 'binary', token } = typeof options === 'string' ? { mode: options } : options;
  const id = event.id ?? randomUUID();
  const source = event.source ?? producerSource(event.type);
  const auth = token === false ? {} : deliveryHeaders(event.type, token);
  if (mode === 'structured') {
    return {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', ...auth },
      body: JSON.stringify({
        specversion: '1.0',
        id,
        source,
        type: event.type,
        ...(event.subject ? { subject: event.subject } : {}),
        datacontenttype: 'application/json',
        data: event.data,
        ...event.extensions,
      }),
    };
  }
  const headers: Record<string, string> = {
    ...auth,
    'content-type': 'application/json',
    'ce-specversion': '1.0',
    'ce-id': id,
    'ce-source': source,
    'ce-type': event.type,
  };
  if (event.subject) headers['ce-subject'] = event.subject;
  for (const [key, value] of Object.entries(event.extensions ?? {})) headers[`ce-${key}`] = value;
  return { method: 'POST', headers, body: JSON.stringify(event.data ?? null) };
}

/**
 * Env for a function under test: its own named database on the emulator, deliveries verified
 * against this file's `testIssuer` for the audience TEST_AUDIENCE, the tests' staff token keys
 * (`asStaff`), no break-glass admin token unless `extra` sets one.
 */
export function testEnv(prefix: string, extra: Record<string, string | undefined> = {}) {
  return {
    GOOGLE_CLOUD_PROJECT: 'stockflow-test',
    FIRESTORE_DATABASE: `${prefix}-${randomUUID().slice(0, 8)}`,
    LOG_LEVEL: 'silent',
    OIDC_ISSUER: testIssuer.url,
    EVENTS_AUDIENCE: TEST_AUDIENCE,
    STAFF_JWKS: TEST_STAFF_JWKS,
    ...extra,
  };
}

export interface FakeSink {
  url: string;
  /** Every event received with a 2xx answer, in arrival order (binary mode). */
  readonly events: EventRecord[];
  /** How many requests arrived, answered 2xx or not. */
  readonly attempts: number;
  /** The `Authorization` header of every request, in arrival order (undefined when absent). */
  readonly authorizations: Array<string | undefined>;
  /** The status to answer next requests with (202 by default). */
  answer(status: number): void;
  /** Resolves once `count` events have been accepted. */
  waitFor(count: number, timeoutMs?: number): Promise<EventRecord[]>;
  close(): Promise<void>;
}

/** An HTTP sink on 127.0.0.1 (a stand-in for the broker) recording binary-mode CloudEvents. */
export async function startFakeSink(port = 0): Promise<FakeSink> {
  const events: EventRecord[] = [];
  const authorizations: Array<string | undefined> = [];
  let attempts = 0;
  let status = 202;
  const waiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      attempts++;
      authorizations.push(req.headers.authorization);
      if (status >= 300) {
        res.writeHead(status).end();
        return;
      }
      const record: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(req.headers)) {
        if (key.startsWith('ce-') && typeof value === 'string') record[key.slice(3)] = value;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      record.data = body ? JSON.parse(body) : undefined;
      record.traceparentHeader = req.headers.traceparent;
      events.push(record as EventRecord);
      res.writeHead(status).end();
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/`,
    events,
    authorizations,
    get attempts() {
      return attempts;
    },
    answer(next) {
      status = next;
    },
    waitFor(count, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (events.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(events);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`sink got ${events.length} of ${count} events`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** Waits until `check` passes (work that runs after an answer: outbox, queues), or rethrows its last failure. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * The value of a metric's sample in Prometheus text (`/metrics`) whose labels include `labels`;
 * undefined when there is none.
 */
export function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.indexOf('}'));
    if (Object.entries(labels).every(([k, v]) => inner.includes(`${k}="${v}"`))) {
      return Number(line.slice(line.indexOf('}') + 1).trim());
    }
  }
  return undefined;
}
