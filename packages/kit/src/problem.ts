/**
 * @module Errors as RFC 9457 problem details: typed classes thrown anywhere, turned into one
 * `application/problem+json` answer by one handler.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface ProblemFields {
  detail?: string;
  /** Extension members, e.g. `errors` or `shortages`. */
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/**
 * An error that is an HTTP answer. Deliberately no numeric `code` property: the Firestore client
 * retries a transaction whose thrown error carries certain numeric codes.
 */
export class Problem extends Error {
  readonly status: ContentfulStatusCode;
  readonly title: string;
  readonly detail?: string;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(status: ContentfulStatusCode, title: string, fields: ProblemFields = {}) {
    super(fields.detail ?? title);
    this.name = 'Problem';
    this.status = status;
    this.title = title;
    this.detail = fields.detail;
    this.extensions = fields.extensions ?? {};
    this.headers = fields.headers ?? {};
  }

  /** A stable, dereferenceable-looking type URI per status and title. */
  get type(): string {
    return `https://stockflow.dev/problems/${this.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  }
}

export const badRequest = (detail: string, extensions?: Record<string, unknown>) =>
  new Problem(400, 'Bad Request', { detail, extensions });
export const unauthorized = (detail = 'A valid bearer token is required.') =>
  new Problem(401, 'Unauthorized', { detail, headers: { 'WWW-Authenticate': 'Bearer' } });
export const forbidden = (detail: string) => new Problem(403, 'Forbidden', { detail });
export const notFound = (detail: string) => new Problem(404, 'Not Found', { detail });
export const conflict = (detail: string, extensions?: Record<string, unknown>) =>
  new Problem(409, 'Conflict', { detail, extensions });
export const unprocessable = (detail: string, extensions?: Record<string, unknown>) =>
  new Problem(422, 'Unprocessable Content', { detail, extensions });
export const unavailable = (detail: string, retryAfterSeconds = 1) =>
  new Problem(503, 'Service Unavailable', { detail, headers: { 'Retry-After': String(retryAfterSeconds) } });

/** A 400 listing each failed field of a zod validation. */
export function invalid(
  error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> },
  what = 'request body',
): Problem {
  return badRequest(`The ${what} is invalid.`, {
    errors: error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
  });
}

export function problemResponse(c: Context, problem: Problem): Response {
  const body = {
    type: problem.type,
    title: problem.title,
    status: problem.status,
    ...(problem.detail ? { detail: problem.detail } : {}),
    instance: c.req.path,
    ...problem.extensions,
  };
  return new Response(JSON.stringify(body), {
    status: problem.status,
    headers: { 'content-type': 'application/problem+json', ...problem.headers },
  });
}

/** gRPC codes the Firestore client reports for trouble that a retry may cure. */
const TRANSIENT_GRPC = new Set([1, 4, 8, 10, 13, 14]);

/** Maps anything thrown to a Problem: ours as is, Hono's by status, transient Firestore trouble to 503. */
export function toProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    const titles: Record<number, string> = { 401: 'Unauthorized', 413: 'Content Too Large' };
    const headers: Record<string, string> = {};
    const www = error.res?.headers.get('WWW-Authenticate');
    if (www) headers['WWW-Authenticate'] = www;
    return new Problem(status, titles[status] ?? (status >= 500 ? 'Internal Server Error' : 'Bad Request'), {
      detail: error.message || undefined,
      headers,
    });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number' && TRANSIENT_GRPC.has(code)) {
    return unavailable('A storage operation failed transiently; retry.');
  }
  return new Problem(500, 'Internal Server Error', { detail: 'An unexpected error occurred.' });
}
