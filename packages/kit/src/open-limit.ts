/**
 * @module A cap on answers open at once per key (event streams per order, per client): the answer
 * over the cap is 429 problem+json with `Retry-After`, and a slot is freed when its answer's body
 * ends or is cancelled (the client went away). Counts live in this instance's memory: each
 * instance holds its own share, as the Firestore listeners behind the streams do.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { Problem } from './problem.ts';

export interface OpenLimitOptions {
  /** Answers open at once per key; 0 turns the cap off. */
  limit: number;
  /** The key of a request (an order id, a client address); undefined: not counted. */
  keyOf: (c: Context) => string | undefined;
  /** What is counted, for the problem's detail: "event streams of one order". */
  what: string;
}

export interface OpenLimit {
  handler: MiddlewareHandler;
  /** Answers open now under `key` (tests, metrics). */
  open(key: string): number;
}

export function limitOpenAnswers({ limit, keyOf, what }: OpenLimitOptions): OpenLimit {
  const counts = new Map<string, number>();
  const release = (key: string) => {
    const left = (counts.get(key) ?? 1) - 1;
    if (left > 0) counts.set(key, left);
    else counts.delete(key);
  };
  const handler: MiddlewareHandler = async function limitOpenAnswer(c, next) {
    const key = limit > 0 ? keyOf(c) : undefined;
    if (key === undefined) return next();
    const open = counts.get(key) ?? 0;
    if (open >= limit) {
      throw new Problem(429, 'Too Many Requests', {
        detail: `At most ${limit} ${what} may be open at once; close one, or retry later.`,
        headers: { 'Retry-After': '10' },
      });
    }
    counts.set(key, open + 1);
    let released = false;
    const releaseOnce = () => {
      if (released) return;
      released = true;
      release(key);
    };
    try {
      await next();
    } catch (error) {
      releaseOnce();
      throw error;
    }
    const body = c.res.body;
    if (!body || c.res.status >= 300) {
      releaseOnce();
      return;
    }
    c.res = new Response(whenEnded(body, releaseOnce), c.res);
  };
  return { handler, open: (key) => counts.get(key) ?? 0 };
}

/** The same body, calling `ended` once it is read to its end, fails, or is cancelled. */
function whenEnded(body: ReadableStream<Uint8Array>, ended: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          ended();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        ended();
        controller.error(error);
      }
    },
    async cancel(reason) {
      ended();
      await reader.cancel(reason);
    },
  });
}
