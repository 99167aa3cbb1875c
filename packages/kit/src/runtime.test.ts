import { describe, expect, it } from 'vitest';
import { counterFunction } from './testing/counter-function.ts';
import { testEnv } from './testing/index.ts';

describe('Runtime.close', () => {
  it('stops what registered with onClose (listeners) before the client closes, and not what unregistered', async () => {
    const { rt } = counterFunction.create({ env: testEnv('runtime') });
    const db = await rt.db();
    const seen: string[] = [];
    const unsubscribe = db.collection('counters').onSnapshot(
      () => undefined,
      () => undefined,
    );
    rt.onClose(() => {
      seen.push('listener');
      unsubscribe();
    });
    const forget = rt.onClose(() => seen.push('forgotten'));
    forget();
    await rt.close();
    expect(seen).toEqual(['listener']);
  });

  it('stops at once what registers after the close began (a listener that finished opening meanwhile)', async () => {
    const { rt } = counterFunction.create({ env: testEnv('runtime') });
    await rt.db();
    const closing = rt.close();
    const seen: string[] = [];
    const forget = rt.onClose(() => {
      seen.push('late');
      // Its own unregistering, as a stream's stop calls it: in hand by then.
      forget();
    });
    expect(seen).toEqual([]);
    await closing;
    expect(seen).toEqual(['late']);
  });

  it('waits for what a closer returns (a read in flight) before the client terminates', async () => {
    const { rt } = counterFunction.create({ env: testEnv('runtime') });
    const db = await rt.db();
    let read: Promise<unknown> | undefined;
    rt.onClose(() => {
      // A read that starts as the close begins: it must reach the client before it terminates.
      read = new Promise((resolve) => setTimeout(resolve, 50)).then(() => db.collection('counters').get());
      return read;
    });
    await rt.close();
    await expect(read).resolves.toBeDefined();
  });

  it('lets a listener that was opening its stream as it stopped start its call before terminating', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // Stopped at each point of its start, one microtask further each time.
      for (let ticks = 0; ticks < 12; ticks++) {
        const { rt } = counterFunction.create({ env: testEnv('runtime') });
        const db = await rt.db();
        const unsubscribe = db.collection('counters').onSnapshot(
          () => undefined,
          () => undefined,
        );
        rt.onClose(unsubscribe);
        for (let i = 0; i < ticks; i++) await new Promise((resolve) => setTimeout(resolve, 0));
        // Then as far in as microtasks go.
        for (let i = 0; i < ticks; i++) await Promise.resolve();
        await rt.close();
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});
