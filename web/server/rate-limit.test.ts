/** The per-client limit's refusals and what it logs of them. */
import { createLogger, Problem } from '@stockflow/kit';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { rateLimitPerClient } from './rate-limit.ts';

function limitedApp(options: { limit: number; windowMs: number }) {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({
    service: 'web',
    level: 'info',
    write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  const app = new Hono();
  app.use(rateLimitPerClient({ ...options, trustedProxyHops: 1, what: 'provider webhooks', log }));
  app.post('/', (c) => c.text('ok'));
  app.onError((error, c) => (error instanceof Problem ? c.text(error.message, 429) : c.text('', 500)));
  const send = (client: string) =>
    app.request('/', { method: 'POST', headers: { 'x-forwarded-for': client } });
  const warnings = () => lines.filter((line) => line.severity === 'WARNING');
  return { send, warnings };
}

describe('a rate limit per client', () => {
  it('logs the first refusal of each client in a window, without its address, and again in the next', async () => {
    const { send, warnings } = limitedApp({ limit: 1, windowMs: 1_000 });
    expect((await send('203.0.113.9')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await send('203.0.113.9')).status).toBe(429);
    expect((await send('198.51.100.7')).status).toBe(200);
    expect((await send('198.51.100.7')).status).toBe(429);
    expect(warnings()).toHaveLength(2);
    expect(warnings()[0]).toMatchObject({
      message: 'rate limit reached',
      what: 'provider webhooks',
      limit: 1,
      clientsRefused: 1,
    });
    expect(warnings()[1]).toMatchObject({ clientsRefused: 2 });
    expect(JSON.stringify(warnings())).not.toMatch(/203\.0\.113|198\.51\.100/);

    // The next window: counted afresh, warned afresh.
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    expect((await send('203.0.113.9')).status).toBe(200);
    expect((await send('203.0.113.9')).status).toBe(429);
    expect(warnings()).toHaveLength(3);
  });

  it('stops warning client by client once a hundred were refused in a window, with one line saying so', async () => {
    const { send, warnings } = limitedApp({ limit: 1, windowMs: 60_000 });
    for (let i = 1; i <= 120; i++) {
      const client = `10.0.${Math.floor(i / 250)}.${i % 250}`;
      await send(client);
      expect((await send(client)).status).toBe(429);
    }
    expect(warnings()).toHaveLength(101);
    expect(warnings().at(-1)).toMatchObject({
      message: 'rate limit reached by many clients; no more warnings this window',
      clientsRefused: 101,
    });
  });
});
