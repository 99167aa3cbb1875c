/**
 * @module One HTTP attempt to deliver an event: a binary-mode POST over pooled keep-alive
 * connections (node:http), bounded by a timeout, answering the status, the headers that matter and
 * the body. No retries here: the broker decides those.
 */
import { Agent, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { binaryHeaders, type MeshEvent } from './cloudevent.ts';

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

export class Dispatcher {
  readonly #http: Agent;
  readonly #https: HttpsAgent;
  readonly #maxResponseBytes: number;

  constructor({ maxSockets = 128, maxResponseBytes = 4 * 1024 * 1024 }: DispatcherOptions = {}) {
    this.#http = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' });
    this.#https = new HttpsAgent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
    this.#maxResponseBytes = maxResponseBytes;
  }

  /** POSTs `event` in binary mode to `url` with `extraHeaders`; throws DispatchError when no answer came. */
  send(
    url: URL,
    event: MeshEvent,
    extraHeaders: Record<string, string>,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<AttemptResult> {
    const secure = url.protocol === 'https:';
    const headers = { ...binaryHeaders(event), ...extraHeaders, 'content-length': String(event.data.length) };
    return new Promise((resolve, reject) => {
      const req = (secure ? httpsRequest : request)(url, {
        method: 'POST',
        headers,
        agent: secure ? this.#https : this.#http,
        signal: options.signal,
      });
      let timer: NodeJS.Timeout | undefined;
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(
          () => req.destroy(new DispatchError(`no answer within ${options.timeoutMs} ms`)),
          options.timeoutMs,
        );
      }
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error instanceof DispatchError ? error : new DispatchError(error.message || error.name));
      };
      req.on('error', fail);
      req.on('response', (res) => {
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
            body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
          });
        });
      });
      req.end(event.data);
    });
  }

  /** Closes pooled connections (in-flight requests are aborted by their signals). */
  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}
