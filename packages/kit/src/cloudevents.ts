/**
 * @module CloudEvents over HTTP through the `cloudevents` SDK, with the SDK's gaps closed: the
 * content type is normalised before parsing, the event is validated, a message without its own
 * `id` is refused (the SDK would invent one and defeat deduplication), and sending has a timeout
 * and checks the sink's status.
 */
import type { CloudEvent, CloudEventV1 } from 'cloudevents';
import { badRequest } from './problem.ts';

/**
 * A CommonJS package's exports from `import()`. Bundled with code splitting (scripts/bundle.ts),
 * import() of a CommonJS package resolves to its chunk's namespace, which holds module.exports as
 * `default` only; run from source, the names are on the namespace itself.
 */
function commonJs<M extends object>(namespace: M, name: keyof M): M {
  return name in namespace ? namespace : (namespace as unknown as { default: M }).default;
}

let sdk: Promise<typeof import('cloudevents')> | undefined;
/** The SDK (and its JSON schema validator) is loaded on first use, off the cold-start path. */
const loadSdk = () => {
  sdk ??= import('cloudevents').then((sdkModule) => commonJs(sdkModule, 'HTTP'));
  return sdk;
};

let undici: Promise<typeof import('undici')> | undefined;
/**
 * undici's `request` (on its kept-alive pool) sends events: a quarter of the CPU per event of Node's
 * `fetch`, which builds WHATWG Request/Response objects around the same client (measured 63-100 µs
 * against 326-536 µs a request, both ends). Loaded with the first send, off the cold-start path.
 */
const loadUndici = () => {
  undici ??= import('undici').then((undiciModule) => commonJs(undiciModule, 'request'));
  return undici;
};

/** The JSON shape of an event as we keep it (outbox, ledger) and send it. */
export type EventRecord = {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject?: string;
  datacontenttype?: string;
  data?: unknown;
} & Record<string, unknown>;

const CE_JSON = 'application/cloudevents+json';
const CE_BATCH = 'application/cloudevents-batch+json';

function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Reads a CloudEvent from an HTTP request in binary or structured mode, or throws a 400 Problem.
 * `headers` are the request's headers; `body` its raw text.
 */
export async function readCloudEvent(headers: Headers, body: string): Promise<CloudEvent<unknown>> {
  const { HTTP, ValidationError } = await loadSdk();
  const type = mediaType(headers.get('content-type'));
  if (type === CE_BATCH) throw badRequest('Batched CloudEvents are not accepted.');
  const plain: Record<string, string> = {};
  headers.forEach((value, key) => {
    plain[key] = value;
  });
  if (type === CE_JSON) {
    plain['content-type'] = CE_JSON;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw badRequest('The structured CloudEvent is not valid JSON.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw badRequest('A structured CloudEvent must be a JSON object.');
    }
    if (typeof (parsed as { id?: unknown }).id !== 'string' || !(parsed as { id: string }).id) {
      throw badRequest('The CloudEvent has no id.');
    }
    // The SDK would default a missing specversion to 1.0, and keeps any `time` it is given.
    if ((parsed as { specversion?: unknown }).specversion !== '1.0') {
      throw badRequest('The CloudEvent has no specversion 1.0.');
    }
    checkTime((parsed as { time?: unknown }).time);
  } else {
    if (!plain['ce-id']) throw badRequest('The CloudEvent has no id (ce-id header).');
    // Without it the message is no binary-mode CloudEvent at all (the SDK would assume 1.0).
    if (!plain['ce-specversion'])
      throw badRequest('The CloudEvent has no specversion (ce-specversion header).');
    checkTime(plain['ce-time']);
    // The SDK picks its data parser by the literal content type: strip parameters from JSON types.
    if (type === 'application/json' || type.endsWith('+json')) plain['content-type'] = type;
  }
  try {
    const event = withoutStacks(() => HTTP.toEvent({ headers: plain, body }));
    if (Array.isArray(event)) throw badRequest('Batched CloudEvents are not accepted.');
    const ce = event as CloudEvent<unknown>;
    ce.validate();
    if (ce.specversion !== '1.0') throw badRequest(`Unsupported specversion ${ce.specversion}.`);
    return ce;
  } catch (error) {
    if (error instanceof ValidationError) {
      const details = Array.isArray(error.errors) ? error.errors.map((e) => String(e)).join('; ') : '';
      throw badRequest(`Invalid CloudEvent: ${error.message}${details ? ` (${details})` : ''}`);
    }
    if (error instanceof SyntaxError) throw badRequest('The CloudEvent data is not valid JSON.');
    throw error;
  }
}

/**
 * Runs `parse` with no stack captured for the errors it makes. The SDK's parsers build a
 * ValidationError for each check whether it fails or not (`isDefinedOrThrow(payload, new
 * ValidationError(...))`), and capturing the stack was a quarter of reading an event; a thrown one
 * only becomes a 400's message, where a stack is no use.
 */
function withoutStacks<T>(parse: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parse();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

// RFC 3339 date-time, as CloudEvents' `time` must be.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A `time` attribute, when present, is an RFC 3339 timestamp (the SDK does not check it). */
function checkTime(time: unknown): void {
  if (time === undefined) return;
  if (typeof time !== 'string' || !RFC3339.test(time) || Number.isNaN(Date.parse(time))) {
    throw badRequest('The CloudEvent time is not an RFC 3339 timestamp.');
  }
}

/** The record (plain JSON) of a received CloudEvent. */
export function toRecord(event: CloudEventV1<unknown>): EventRecord {
  return JSON.parse(JSON.stringify(event)) as EventRecord;
}

export interface SendOptions {
  timeoutMs: number;
  /** This hop's trace context, sent as the `traceparent` HTTP header. */
  traceparent?: string;
  /** A bearer token for a sink that authenticates its senders. */
  token?: string;
}

export class SinkError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SinkError';
  }
}

/** POSTs one event in binary mode; resolves only when the sink answered 2xx. */
export async function sendEvent(sink: string, record: EventRecord, options: SendOptions): Promise<void> {
  const { CloudEvent, HTTP } = await loadSdk();
  const message = HTTP.binary(new CloudEvent(record, false));
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(message.headers))
    if (typeof value === 'string') headers[key] = value;
  if (options.traceparent) headers.traceparent = options.traceparent;
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const { request } = await loadUndici();
  let status: number;
  try {
    const res = await request(sink, {
      method: 'POST',
      headers,
      body: message.body as string,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    status = res.statusCode;
    // Drain the body so the connection returns to the pool.
    await res.body.dump();
  } catch (error) {
    throw new SinkError(`sink unreachable: ${(error as Error).message}`);
  }
  if (status < 200 || status > 299) throw new SinkError(`sink answered ${status}`, status);
}
