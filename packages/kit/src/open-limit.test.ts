import { Hono } from 'hono';
import { streamText } from 'hono/streaming';
import { describe, expect, it } from 'vitest';
import { limitOpenAnswers } from './open-limit.ts';
import { Problem, problemResponse, toProblem } from './problem.ts';

/** An app whose `/open/:key` answers stream until cancelled, and `/fail/:key` throws. */
function app(limit: number) {
  const cap = limitOpenAnswers({ limit, keyOf: (c) => c.req.param('key'), what: 'streams of one key' });
  const hono = new Hono();
  hono.onError((error, c) => problemResponse(c, toProblem(error)));
  hono.get('/open/:key', cap.handler, (c) =>
    streamText(c, async (stream) => {
      await stream.write('open');
      await new Promise<void>((resolve) => stream.onAbort(resolve));
    }),
  );
  hono.get('/fail/:key', cap.handler, () => {
    throw new Problem(404, 'Not Found');
  });
  return { hono, cap };
}

describe('limitOpenAnswers', () => {
  it('refuses the answer over the cap with 429 problem+json and Retry-After, per key', async () => {
    const { hono, cap } = app(2);
    const first = await hono.request('/open/a');
    const second = await hono.request('/open/a');
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(cap.open('a')).toBe(2);
    const third = await hono.request('/open/a');
    expect(third.status).toBe(429);
    expect(third.headers.get('content-type')).toBe('application/problem+json');
    expect(third.headers.get('retry-after')).toBe('10');
    expect((await hono.request('/open/b')).status).toBe(200);
    // A cancelled body (the client went away) frees its slot.
    await first.body!.cancel();
    expect(cap.open('a')).toBe(1);
    expect((await hono.request('/open/a')).status).toBe(200);
  });

  it('frees the slot of an answer that failed or was no stream, and counts nothing when off', async () => {
    const { hono, cap } = app(1);
    expect((await hono.request('/fail/a')).status).toBe(404);
    expect((await hono.request('/fail/a')).status).toBe(404);
    expect(cap.open('a')).toBe(0);
    const off = app(0);
    const answers = await Promise.all([1, 2, 3].map(() => off.hono.request('/open/a')));
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200]);
    expect(off.cap.open('a')).toBe(0);
    for (const res of answers) await res.body!.cancel();
  });
});
