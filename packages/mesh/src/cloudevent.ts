/**
 * @module CloudEvents 1.0 over HTTP as a broker moves them: read from a request in binary or
 * structured mode, checked as the Go SDK's `event.Validate()` checks them, kept as string attributes
 * plus the raw data bytes, and written out in binary mode without re-encoding the data. (The JS SDK
 * parses and re-serialises `data` and invents missing ids; a broker must forward bytes as they came.)
 */

/** Context attributes (and extensions) as their canonical strings, plus the data as sent. */
export interface MeshEvent {
  attributes: Record<string, string>;
  data: Buffer;
  /** Its binary-mode headers once computed (events are never changed, only copied). */
  wire?: string[];
}

export class InvalidEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

const STRUCTURED = 'application/cloudevents+json';
const BATCH = 'application/cloudevents-batch+json';
const EXTENSION_NAME = /^[a-z0-9]+$/;
const STRING_ATTRIBUTES = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'subject',
  'time',
  'datacontenttype',
  'dataschema',
]);
// RFC 3339 date-time, as the SDK's timestamp parser accepts it.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function mediaType(contentType: string | undefined): string {
  if (!contentType) return '';
  const semicolon = contentType.indexOf(';');
  return (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

const isJsonType = (type: string) =>
  type === 'application/json' || type.endsWith('+json') || type === 'text/json';

/** The HTTP binding's percent-decoding of a `ce-` header value (only when it holds an escape). */
function headerValue(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The HTTP binding's percent-encoding for header values: space, `"`, `%` and anything not printable ASCII. */
function encodeHeaderValue(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the binding encodes control characters
  if (!/[\u0000-\u0020"%\u007f-\uffff]/.test(value)) return value;
  return value.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the binding encodes control characters
    /[\u0000-\u0020"%\u007f-\uffff]+/g,
    (run) => encodeURIComponent(run).replace(/"/g, '%22'),
  );
}

/**
 * Reads one event from a request (or response). `headers` are lowercase names as node:http gives them.
 * Returns undefined when the message is in neither CloudEvents mode (no `ce-specversion` header and
 * not `application/cloudevents+json`): the caller decides what that means.
 */
export function readEvent(
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): MeshEvent | undefined {
  const contentType = single(headers['content-type']);
  const type = mediaType(contentType);
  if (type === BATCH) throw new InvalidEventError('batched CloudEvents are not accepted');
  if (type === STRUCTURED) return validate(fromStructured(body));
  if (headers['ce-specversion'] === undefined) return undefined;
  const attributes: Record<string, string> = {};
  for (const name in headers) {
    if (name.length > 3 && name.charCodeAt(0) === 99 && name.startsWith('ce-')) {
      attributes[name.slice(3)] = headerValue(single(headers[name]) ?? '');
    }
  }
  if (contentType) attributes.datacontenttype = contentType;
  return validate({ attributes, data: body });
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function fromStructured(body: Buffer): MeshEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new InvalidEventError('the structured event is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidEventError('a structured event must be a JSON object');
  }
  const attributes: Record<string, string> = {};
  let data = Buffer.alloc(0);
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (key === 'data' || key === 'data_base64') continue;
    if (value === null) continue;
    if (typeof value === 'object')
      throw new InvalidEventError(`attribute ${key} must be a string, number or boolean`);
    // The spec's own attributes are strings in the JSON format (the Go SDK reads them as such);
    // only extensions may be numbers or booleans.
    if (typeof value !== 'string' && STRING_ATTRIBUTES.has(key))
      throw new InvalidEventError(`attribute ${key} must be a string`);
    attributes[key] = String(value);
  }
  const object = parsed as { data?: unknown; data_base64?: unknown };
  if (object.data_base64 !== undefined && object.data !== undefined) {
    throw new InvalidEventError('an event has data or data_base64, not both');
  }
  if (typeof object.data_base64 === 'string') data = Buffer.from(object.data_base64, 'base64');
  else if (object.data !== undefined) {
    // JSON format: `data` is JSON unless datacontenttype says otherwise (then a string is the data).
    const type = mediaType(attributes.datacontenttype);
    if (!attributes.datacontenttype) attributes.datacontenttype = 'application/json';
    data =
      typeof object.data === 'string' && type && !isJsonType(type)
        ? Buffer.from(object.data, 'utf8')
        : Buffer.from(JSON.stringify(object.data), 'utf8');
  }
  return { attributes, data };
}

/** The checks of the Go SDK's `EventContextV1.Validate()`; throws InvalidEventError. */
export function validate(event: MeshEvent): MeshEvent {
  const a = event.attributes;
  if (a.specversion === undefined) throw new InvalidEventError('specversion is missing');
  if (a.specversion !== '1.0')
    throw new InvalidEventError(`specversion ${a.specversion} is not supported (1.0)`);
  if (!a.id) throw new InvalidEventError('id is missing or empty');
  if (!a.source) throw new InvalidEventError('source is missing or empty');
  if (/\s/.test(a.source)) throw new InvalidEventError('source is not a URI-reference');
  if (!a.type) throw new InvalidEventError('type is missing or empty');
  if (a.subject !== undefined && !a.subject)
    throw new InvalidEventError('subject, when present, may not be empty');
  if (a.time !== undefined && !RFC3339.test(a.time))
    throw new InvalidEventError('time is not an RFC 3339 timestamp');
  if (a.datacontenttype !== undefined && !a.datacontenttype.trim()) {
    throw new InvalidEventError('datacontenttype, when present, may not be empty');
  }
  if (a.dataschema !== undefined && !/^[a-z][a-z0-9+.-]*:/i.test(a.dataschema)) {
    throw new InvalidEventError('dataschema is not an absolute URI');
  }
  for (const name in a) {
    if (!EXTENSION_NAME.test(name)) throw new InvalidEventError(`attribute name ${name} is not [a-z0-9]+`);
  }
  return event;
}

/** The binary-mode headers of `event` as a flat `[name, value, ...]` list, computed once per event. */
export function wireHeaders(event: MeshEvent): string[] {
  if (event.wire) return event.wire;
  const headers: string[] = [];
  for (const name in event.attributes) {
    const value = event.attributes[name]!;
    if (name === 'datacontenttype') headers.push('content-type', value);
    else headers.push(`ce-${name}`, encodeHeaderValue(value));
  }
  event.wire = headers;
  return headers;
}

/** The event as one structured-mode JSON object (for logs, tests and tools). */
export function toStructured(event: MeshEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { ...event.attributes };
  if (event.data.length) {
    const type = mediaType(event.attributes.datacontenttype);
    if (!type || isJsonType(type)) {
      try {
        out.data = JSON.parse(event.data.toString('utf8'));
        return out;
      } catch {
        // not JSON after all: carried as base64 below
      }
    } else if (type.startsWith('text/')) {
      out.data = event.data.toString('utf8');
      return out;
    }
    out.data_base64 = event.data.toString('base64');
  }
  return out;
}

/** A copy of the event with some attributes set (undefined removes one). */
export function withAttributes(event: MeshEvent, changes: Record<string, string | undefined>): MeshEvent {
  const attributes = { ...event.attributes };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete attributes[name];
    else attributes[name] = value;
  }
  return { attributes, data: event.data };
}
