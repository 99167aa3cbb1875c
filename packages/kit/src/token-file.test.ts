import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { counterFunction } from './testing/counter-function.ts';
import { asStaff, type FakeSink, startFakeSink, testEnv } from './testing/index.ts';

const MANAGER = await asStaff('counter', 'manager');

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function setup(tokenCheckMs: number) {
  const dir = await mkdtemp(join(tmpdir(), 'oidc-'));
  const sink = await startFakeSink();
  const file = join(dir, 'token');
  const fn = counterFunction.create({
    env: testEnv('token-file', { K_SINK: sink.url, OIDC_TOKEN_FILE: file }),
    outbox: { baseDelayMs: 20, maxDelayMs: 50 },
    tokenCheckMs,
  });
  cleanup.push(
    () => rm(dir, { recursive: true }),
    () => sink.close(),
  );
  cleanup.push(async () => {
    await fn.rt.outbox.drain(1_000);
    await fn.rt.close();
  });
  /** Writes the token as the kubelet updates a projected Secret: a new file swapped in. */
  const writeToken = async (token: string) => {
    await writeFile(`${file}.new`, `${token}\n`);
    await rename(`${file}.new`, file);
  };
  const increment = () =>
    fn.app.request('/counters', {
      method: 'POST',
      headers: { ...MANAGER, 'content-type': 'application/json' },
      body: JSON.stringify({ counter: 'c', by: 1 }),
    });
  return { fn, sink, writeToken, increment };
}

const delivered = async (sink: FakeSink, count: number) => {
  await sink.waitFor(count);
  return sink.authorizations.at(-1);
};

describe("the outbox's sender token (OIDC_TOKEN_FILE)", () => {
  it('sends no Authorization header while there is no token file', async () => {
    const { sink, increment } = await setup(10);
    expect((await increment()).status).toBe(201);
    expect(await delivered(sink, 1)).toBeUndefined();
  });

  it('sends the token in the file, and the new one once Knative renews it', async () => {
    const { sink, writeToken, increment } = await setup(50);
    await writeToken('first-token');
    expect((await increment()).status).toBe(201);
    expect(await delivered(sink, 1)).toBe('Bearer first-token');
    await writeToken('renewed-token');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect((await increment()).status).toBe(201);
    expect(await delivered(sink, 2)).toBe('Bearer renewed-token');
  });

  it('reads the file again at once when the sink answers 401', async () => {
    // Checks the file no more than once a minute: only the 401 makes it look again.
    const { sink, writeToken, increment } = await setup(60_000);
    await writeToken('old-token');
    expect((await increment()).status).toBe(201);
    expect(await delivered(sink, 1)).toBe('Bearer old-token');
    await writeToken('new-token');
    sink.answer(401);
    expect((await increment()).status).toBe(201);
    await expect.poll(() => sink.attempts).toBeGreaterThan(1);
    sink.answer(202);
    expect(await delivered(sink, 2)).toBe('Bearer new-token');
    expect(sink.authorizations[1]).toBe('Bearer old-token');
  });
});
