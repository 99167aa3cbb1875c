/** The in-process driver of a durable queue: attempts now, after a backoff, on a sweep; none after close. */
import { describe, expect, it } from 'vitest';
import { nextAttemptAt, RetryQueue } from './retry-queue.ts';

const policy = { minMs: 20, maxMs: 80, maxAttempts: 5 };

describe('RetryQueue', () => {
  it('doubles the delay from minMs up to maxMs', () => {
    expect([1, 2, 3, 4, 5].map((n) => nextAttemptAt(n, policy, 1000))).toEqual([
      1020, 1040, 1080, 1080, 1080,
    ]);
  });

  it('attempts kicked items at once, failed ones again after their backoff, and counts a sweep', async () => {
    const attempts: string[] = [];
    const queue: RetryQueue = new RetryQueue({
      attempt: async (id) => {
        attempts.push(id);
        const tries = attempts.filter((seen) => seen === id).length;
        if (id === 'flaky' && tries < 3) {
          queue.retryLater(id, tries);
          return false;
        }
        return true;
      },
      due: async (limit) => ['a', 'b', 'c'].slice(0, limit),
      retry: policy,
      batch: 2,
    });
    queue.kick(['flaky', 'ok']);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(attempts.filter((id) => id === 'flaky')).toHaveLength(3);
    expect(await queue.sweep()).toBe(2);
    expect(attempts.slice(-2)).toEqual(['a', 'b']);
    await queue.close();
  });

  it('waits for attempts in flight on close, and starts no retry after it', async () => {
    let finished = 0;
    let started = 0;
    const queue: RetryQueue = new RetryQueue({
      attempt: async (id) => {
        started++;
        await new Promise((resolve) => setTimeout(resolve, 30));
        finished++;
        queue.retryLater(id, 1);
        return false;
      },
      due: async () => [],
      retry: policy,
    });
    queue.kick(['x']);
    await queue.close();
    expect(finished).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(started).toBe(1);
  });
});
