/** @module Test helpers for catalog's tests: what a function committed to its outbox. */
import { type EventRecord, OUTBOX_COLLECTION, type Runtime } from '@stockflow/kit';

/** The events committed to the outbox, oldest first (one transaction's events share a time). */
export async function outboxRecords(rt: Runtime): Promise<EventRecord[]> {
  const db = await rt.db();
  const snap = await db.collection(OUTBOX_COLLECTION).orderBy('createdAt').get();
  return snap.docs.map((doc) => doc.get('record') as EventRecord);
}
