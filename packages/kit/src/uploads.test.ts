import { afterEach, describe, expect, it } from 'vitest';
import { defineFunction } from './app.ts';
import { testEnv } from './testing/index.ts';

/** A function with one upload route beside an ordinary one; both answer the size they read. */
const uploader = defineFunction({
  name: 'uploader',
  uploads: /^\/imports\/?$/,
  routes(app) {
    app.post('/imports', async (c) => c.json({ bytes: (await c.req.arrayBuffer()).byteLength }));
    app.post('/notes', async (c) => c.json({ bytes: (await c.req.arrayBuffer()).byteLength }));
  },
});

const running: Array<{ rt: { close(): Promise<void> } }> = [];
afterEach(async () => {
  for (const fn of running.splice(0)) await fn.rt.close();
});

function start(limits: Record<string, string>) {
  const fn = uploader.create({ env: testEnv('uploads', { ...limits, STOCKFLOW_INSECURE_EVENTS: '1' }) });
  running.push(fn);
  return fn;
}

const post = (fn: ReturnType<typeof start>, path: string, bytes: number) =>
  fn.app.request(path, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'x'.repeat(bytes) });

describe('upload routes', () => {
  it('take bodies up to UPLOAD_LIMIT_BYTES where every other route keeps BODY_LIMIT_BYTES', async () => {
    const fn = start({ BODY_LIMIT_BYTES: '1000', UPLOAD_LIMIT_BYTES: '5000' });
    expect(await (await post(fn, '/imports', 4000)).json()).toEqual({ bytes: 4000 });
    expect((await post(fn, '/notes', 4000)).status).toBe(413);
    expect(await (await post(fn, '/notes', 900)).json()).toEqual({ bytes: 900 });
    const tooLarge = await post(fn, '/imports', 6000);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('default to 16 MiB for uploads and 256 KiB for the rest', async () => {
    const fn = start({});
    expect(await (await post(fn, '/imports', 1024 * 1024)).json()).toEqual({ bytes: 1024 * 1024 });
    expect((await post(fn, '/notes', 300 * 1024)).status).toBe(413);
  });
});
