/**
 * @module The Firestore side of a RetryQueue's items (notifications' messages, payments' jobs): a
 * document carries `dueAt` while it is due; a failed attempt makes it due again after the backoff, or
 * `failed` for good, and keeps its last error either way.
 */
import type { CollectionReference, DocumentReference, Query } from '@google-cloud/firestore';
import { firestoreModule } from './firestore.ts';
import { nextAttemptAt, type RetryPolicy } from './retry-queue.ts';

/** The collection's items given up for good (`recordFailedAttempt`'s `failed`). */
export const failedItems = (items: CollectionReference): Query => items.where('status', '==', 'failed');

/** Ids of the collection's items due now, soonest first. */
export async function dueIds(items: CollectionReference, limit: number): Promise<string[]> {
  const snapshot = await items.where('dueAt', '<=', new Date()).orderBy('dueAt').limit(limit).get();
  return snapshot.docs.map((doc) => doc.id);
}

/**
 * Records a failed attempt: due again after the backoff, or `failed` for good after the policy's last
 * attempt (or at once with `giveUp`, a refusal), then also with the `done` fields.
 */
export async function recordFailedAttempt(
  item: DocumentReference,
  {
    attempts,
    error,
    policy,
    giveUp = false,
    done = {},
  }: {
    attempts: number;
    error: string;
    policy: RetryPolicy;
    giveUp?: boolean;
    done?: Record<string, unknown>;
  },
): Promise<'pending' | 'failed'> {
  const { FieldValue } = await firestoreModule();
  const givenUp = giveUp || attempts >= policy.maxAttempts;
  await item.update({
    lastError: error,
    ...(givenUp
      ? { status: 'failed', ...done, dueAt: FieldValue.delete() }
      : { dueAt: new Date(nextAttemptAt(attempts, policy, Date.now())) }),
  });
  return givenUp ? 'failed' : 'pending';
}
