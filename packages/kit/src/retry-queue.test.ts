/** The in-process driver of a durable queue: attempts now, after a backoff, on a sweep; none after close. */
import { describe, expect, it } from 'vitest';
import { nextAttemptAt, type RetryPolicy, RetryQueue } from './retry-queue.ts';

const policy = { minMs: 20, maxMs: 80, maxAttempts: 5 };

/** A queue whose items fail `failures` times each before they finish, taking `workMs` an attempt. */
class TestQueue extends RetryQueue {
  readonly attempts: string[] = [];
  constructor(
    retry: RetryPolicy,
    private readonly failures: number,
    private readonly workMs = 0,
  ) {
    super(retry, { queue: 'test', batch: 2 });
  }
  protected async attempt(id: string): Promise<boolean> {
    this.attempts.push(id);
    if (this.workMs) await new Promise((resolve) => setTimeout(resolve, this.workMs));
    const tries = this.attempts.filter((seen) => seen === id).length;
    if (tries > this.failures) return true;
    this.retryLater(id, tries);
    return false;
  }
  protected async due(limit: number): Promise<string[]> {
    return ['a', 'b', 'c'].slice(0, limit);
  }
}

describe('RetryQueue', () => {
  it('doubles the delay from minMs up to maxMs', () => {
    expect([1, 2, 3, 4, 5].map((n) => nextAttemptAt(n, policy, 1000))).toEqual([
      1020, 1040, 1080, 1080, 1080,
    ]);
  });

  it('attempts kicked items at once, failed ones again after their backoff, and counts a sweep', async () => {
    const queue = new TestQueue(policy, 2);
    queue.kick(['x']);
    expect(queue.attempts).toEqual(['x']);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(queue.attempts).toEqual(['x', 'x', 'x']);
    const finisher = new TestQueue(policy, 0);
    expect(await finisher.sweep()).toBe(2);
    expect(finisher.attempts).toEqual(['a', 'b']);
    await queue.close();
  });

  it('waits for attempts in flight on close, and starts no retry after it', async () => {
    const queue = new TestQueue(policy, 10, 30);
    queue.kick(['x']);
    await queue.close();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(queue.attempts).toEqual(['x']);
  });
});
