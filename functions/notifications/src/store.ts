/**
 * @module notifications' Firestore adapter (database `notifications`): `orders`, the projection of
 * order.placed (contact, lines, total), `messages`, one document per message (messages.ts) with
 * its content and sending state, and `waiting`, per order the messages that wait for order.placed.
 * A message due for sending carries `dueAt`, and only then: the sweep's query is on that one field
 * (a single-field index, no composite one). A message that is
 * due when the event's transaction writes it is written claimed for its first attempt (attempt 1,
 * `dueAt` at the end of the lease), and the handler sends it after the commit without claiming it
 * again; if the process dies before sending, the message is due once the lease ends and the sweep
 * sends it.
 */
import type {
  DocumentData,
  DocumentReference,
  DocumentSnapshot,
  Firestore,
  Timestamp,
} from '@google-cloud/firestore';
import { dueIds, GroupCommit, type RetryPolicy, recordFailedAttempt, type Work } from '@stockflow/kit';
import {
  type Composed,
  composeMessage,
  type EventFacts,
  type MessageStatus,
  type MessageView,
  messageKey,
  type OrderProjection,
} from './messages.ts';
import type { MessageKind } from './templates.ts';

export const ORDERS = 'orders';
export const MESSAGES = 'messages';
/**
 * Per order, the ids of its messages that wait for order.placed (`{ ids }`): order.placed reads this
 * one document with its dedupe record instead of querying `messages` in its transaction.
 */
export const WAITING = 'waiting';

/** The documents order.placed reads with its dedupe record: the order's list of waiting messages. */
export const projectionDocs = (db: Firestore, orderId: string): [DocumentReference] => [
  db.collection(WAITING).doc(orderId),
];

/** A message claimed for one attempt (its lease counted from the claim): what to send. */
export interface Outgoing {
  id: string;
  orderId: string;
  kind: MessageKind;
  to: string;
  toName: string;
  subject: string;
  text: string;
  html: string;
  attempts: number;
}

export interface StageRequest {
  orderId: string;
  kind: MessageKind;
  /** Which of the order's messages of this kind: a shipment's id, a refund's (messages.ts). */
  part?: string;
  extra: EventFacts;
}

/**
 * What staging a message reads: the message of (order, kind[, part]) and the order's projection. The
 * handler names them with the event's dedupe record, read together in one round trip.
 */
export function stagingDocs(db: Firestore, request: StageRequest): [DocumentReference, DocumentReference] {
  const id = messageKey(request.orderId, request.kind, request.part);
  return [db.collection(MESSAGES).doc(id), db.collection(ORDERS).doc(request.orderId)];
}

const date = (value: unknown) => (value ? (value as Timestamp).toDate() : null);

export class NotificationsStore {
  /**
   * @param leaseMs how long one attempt holds its message (a claim's, or a staging's for the first
   * attempt): longer than the mailer's SMTP timeouts together.
   */
  constructor(
    private readonly db: () => Promise<Firestore>,
    private readonly leaseMs: number,
  ) {}

  /**
   * Keeps the order's contact and lines (order.placed) and composes the messages that waited for
   * them. Returns the messages now due, claimed for their first attempt: the caller sends them once
   * the transaction committed.
   */
  async projectOrder(work: Work, orderId: string, order: OrderProjection): Promise<Outgoing[]> {
    const [waitingRef] = projectionDocs(work.db, orderId);
    // Declared with the event's dedupe record (events.ts): it comes from that read, no round trip.
    const waitingList = await work.get(waitingRef);
    const ids = waitingList.exists ? (waitingList.get('ids') as string[]) : [];
    const waiting = ids.length
      ? await work.tx.getAll(...ids.map((id) => work.db.collection(MESSAGES).doc(id)))
      : [];
    work.tx.set(work.db.collection(ORDERS).doc(orderId), order);
    if (waitingList.exists) work.tx.delete(waitingRef);
    const claimed: Outgoing[] = [];
    for (const doc of waiting) {
      if (doc.get('status') !== 'waiting') continue;
      const kind = doc.get('kind') as MessageKind;
      const composed = composeMessage(orderId, kind, order, JSON.parse(doc.get('extra')));
      work.tx.update(doc.ref, this.#composedFields(composed));
      if (composed.status === 'pending') claimed.push(firstAttempt(doc.id, orderId, kind, composed));
    }
    return claimed;
  }

  /**
   * Creates the message of (order, kind[, part]) unless it exists. Returns it, claimed for its first
   * attempt, when it is due now (the caller sends it once the transaction committed); undefined
   * when it existed already or cannot be sent yet.
   */
  async stageMessage(work: Work, request: StageRequest): Promise<Outgoing | undefined> {
    const [ref, orderRef] = stagingDocs(work.db, request);
    const id = ref.id;
    // Declared with the event's dedupe record (events.ts): both come from its read, no round trip.
    const [existing, order] = await Promise.all([work.get(ref), work.get(orderRef)]);
    if (existing.exists) return undefined;
    const now = new Date();
    const base = {
      orderId: request.orderId,
      kind: request.kind,
      part: request.part ?? null,
      extra: JSON.stringify(request.extra),
      attempts: 0,
      lastError: null,
      createdAt: now,
      sentAt: null,
    };
    if (!order.exists) {
      work.tx.create(ref, {
        ...base,
        status: 'waiting',
        to: null,
        toName: null,
        subject: null,
        text: null,
        html: null,
      });
      // Listed for order.placed, which composes it (a blind write: the list is not read here).
      const { FieldValue } = await import('@google-cloud/firestore');
      work.tx.set(
        work.db.collection(WAITING).doc(request.orderId),
        { ids: FieldValue.arrayUnion(id) },
        { merge: true },
      );
      return undefined;
    }
    const composed = composeMessage(
      request.orderId,
      request.kind,
      order.data() as OrderProjection,
      request.extra,
    );
    work.tx.create(ref, { ...base, ...this.#composedFields(composed) });
    return composed.status === 'pending'
      ? firstAttempt(id, request.orderId, request.kind, composed)
      : undefined;
  }

  /**
   * Claims a due message for one attempt (a retry, or the sweep's): counts the attempt and moves
   * `dueAt` past the lease, so no other sweep sends it meanwhile. Undefined when it is not due
   * (sent, or claimed by another).
   */
  async claim(id: string): Promise<Outgoing | undefined> {
    const db = await this.db();
    return db.runTransaction(async (tx) => {
      const ref = db.collection(MESSAGES).doc(id);
      const doc = await tx.get(ref);
      const now = Date.now();
      const dueAt = date(doc.get('dueAt'));
      if (!doc.exists || doc.get('status') !== 'pending' || !dueAt || dueAt.getTime() > now) return undefined;
      const attempts = (doc.get('attempts') as number) + 1;
      tx.update(ref, { attempts, dueAt: new Date(now + this.leaseMs) });
      const data = doc.data()!;
      return {
        id,
        orderId: data.orderId,
        kind: data.kind,
        to: data.to,
        toName: data.toName,
        subject: data.subject,
        text: data.text,
        html: data.html,
        attempts,
      };
    });
  }

  /** The SMTP server accepted the message: it is sent and never due again. */
  markSent(id: string, response: string): Promise<void> {
    return this.#sent.add({ id, response });
  }

  /**
   * Sent marks that come while one batch commits go together in the next: one commit for the
   * mails of many orders under load, where each cost a commit of its own (a Firestore call is about
   * a millisecond of client CPU). A mark for a message that is gone fails alone (GroupCommit).
   */
  readonly #sent = new GroupCommit<{ id: string; response: string }, undefined>({
    commit: async (marks) => {
      const { FieldValue } = await import('@google-cloud/firestore');
      const db = await this.db();
      const batch = db.batch();
      const sentAt = new Date();
      for (const { id, response } of marks) {
        batch.update(db.collection(MESSAGES).doc(id), {
          status: 'sent',
          sentAt,
          smtpResponse: response,
          lastError: null,
          dueAt: FieldValue.delete(),
        });
      }
      await batch.commit();
      return marks.map(() => undefined);
    },
  });

  /** An attempt failed: due again after the backoff, or failed for good after too many attempts. */
  async markFailed(id: string, attempts: number, error: string, policy: RetryPolicy): Promise<MessageStatus> {
    const db = await this.db();
    return recordFailedAttempt(db.collection(MESSAGES).doc(id), { attempts, error, policy });
  }

  /** Ids of messages due now, soonest first. */
  async due(limit: number): Promise<string[]> {
    return dueIds((await this.db()).collection(MESSAGES), limit);
  }

  /** The messages of one order, oldest first (an order has a handful: sorted here, no index). */
  async listForOrder(orderId: string): Promise<MessageView[]> {
    const db = await this.db();
    const snapshot = await db.collection(MESSAGES).where('orderId', '==', orderId).get();
    return snapshot.docs
      .map(toView)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** A composed message's fields: one that can be sent is claimed for its first attempt. */
  #composedFields(composed: Composed): DocumentData {
    const { status, ...content } = composed;
    if (status !== 'pending') return { status, ...content };
    return { status, ...content, attempts: 1, dueAt: new Date(Date.now() + this.leaseMs) };
  }
}

/** A message composed and claimed in the same transaction: its first attempt. */
function firstAttempt(id: string, orderId: string, kind: MessageKind, composed: Composed): Outgoing {
  return {
    id,
    orderId,
    kind,
    to: composed.to!,
    toName: composed.toName!,
    subject: composed.subject,
    text: composed.text,
    html: composed.html,
    attempts: 1,
  };
}

function toView(doc: DocumentSnapshot): MessageView {
  const data = doc.data()!;
  return {
    id: doc.id,
    orderId: data.orderId,
    kind: data.kind,
    status: data.status,
    to: data.to ?? null,
    subject: data.subject || null,
    text: data.text || null,
    attempts: data.attempts,
    lastError: data.lastError ?? null,
    createdAt: date(data.createdAt)!.toISOString(),
    sentAt: date(data.sentAt)?.toISOString() ?? null,
  };
}
