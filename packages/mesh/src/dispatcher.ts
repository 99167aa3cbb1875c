/**
 * @module One HTTP attempt to deliver an event: a binary-mode POST over pooled keep-alive
 * connections (node:http), bounded by a timeout, answering the status, the headers that matter and
 * the body. No retries here: the broker decides those.
 */
import { Agent, type ClientRequest, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type MeshEvent, wireHeaders } from './cloudevent.ts';

export interface AttemptResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** No response at all: refused, reset, timed out or aborted. */
export class DispatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DispatchError';
  }
}

export interface DispatcherOptions {
  /** Connections kept per subscriber host; further requests queue for one. */
  maxSockets?: number;
  /** Bodies of answers are read up to this many bytes (the rest is dropped). */
  maxResponseBytes?: number;
}

const EMPTY = Buffer.alloc(0);

export class Dispatcher {
  /** Requests in flight, destroyed by close() (one AbortSignal per request would cost a listener each). */
  readonly #inFlight = new Set<ClientRequest>();
  readonly #http: Agent;
  readonly #https: HttpsAgent;
  readonly #maxResponseBytes: number;
  #closed = false;

  constructor({ maxSockets = 128, maxResponseBytes = 4 * 1024 * 1024 }: DispatcherOptions = {}) {
    this.#http = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' });
    this.#https = new HttpsAgent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
    this.#maxResponseBytes = maxResponseBytes;
  }

  /** POSTs `event` in binary mode to `url` with `extraHeaders`; throws DispatchError when no answer came. */
  send(
    url: URL,
    event: MeshEvent,
    extraHeaders: readonly string[],
    options: { timeoutMs?: number } = {},
  ): Promise<AttemptResult> {
    const secure = url.protocol === 'https:';
    // Headers as a flat list (as `rawHeaders`): node:http writes them as they are instead of
    // validating and storing each one, the largest cost of a request after the syscalls.
    const headers = [
      'host',
      url.host,
      ...wireHeaders(event),
      ...extraHeaders,
      'content-length',
      String(event.data.length),
    ];
    return this.#request(url, secure, headers, event.data, options.timeoutMs, true);
  }

  #request(
    url: URL,
    secure: boolean,
    headers: string[],
    body: Buffer,
    timeoutMs: number | undefined,
    mayRetryStale: boolean,
  ): Promise<AttemptResult> {
    // A destroyed agent would still open new connections: a closed dispatcher sends nothing more.
    if (this.#closed) return Promise.reject(new DispatchError('the dispatcher is closed'));
    return new Promise((resolve, reject) => {
      const req = (secure ? httpsRequest : request)({
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers,
        agent: secure ? this.#https : this.#http,
      });
      this.#inFlight.add(req);
      req.once('close', () => this.#inFlight.delete(req));
      let timer: NodeJS.Timeout | undefined;
      if (timeoutMs !== undefined) {
        // The subscriber's time starts once the request has a connection (new or pooled), not while
        // it queues behind `maxSockets` others: Knative's dispatcher opens as many connections as it
        // needs, so its timeout never counts a local queue. Counting it made a congested mesh time
        // out answers that had arrived, and retry deliveries the subscriber had already refused.
        req.once('socket', () => {
          timer = setTimeout(
            () => req.destroy(new DispatchError(`no answer within ${timeoutMs} ms`)),
            timeoutMs,
          );
        });
      }
      let answered = false;
      const fail = (error: Error) => {
        clearTimeout(timer);
        // A kept-alive connection the server closed as we reused it: the request never reached a
        // handler, so it is sent again on a fresh connection (Go's transport, which Knative uses,
        // does the same) rather than counted as a failed attempt.
        if (
          mayRetryStale &&
          req.reusedSocket &&
          !answered &&
          (error as NodeJS.ErrnoException).code === 'ECONNRESET'
        ) {
          resolve(this.#request(url, secure, headers, body, timeoutMs, false));
          return;
        }
        reject(error instanceof DispatchError ? error : new DispatchError(error.message || error.name));
      };
      req.on('error', fail);
      req.on('response', (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= this.#maxResponseBytes) chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
          });
        });
      });
      req.end(body);
    });
  }

  /** Aborts requests in flight and closes pooled connections. */
  close(): void {
    this.#closed = true;
    for (const req of this.#inFlight) req.destroy(new DispatchError('the dispatcher is closing'));
    this.#http.destroy();
    this.#https.destroy();
  }
}
