/**
 * @module notifications: turns order and payment events into emails to the shopper (confirmed,
 * shipped, cancelled, refunded), each sent once over SMTP and retried until the server accepts it;
 * staff read the messages of an order. It emits no events (so it has no SinkBinding); a PingSource
 * ticks its send queue.
 */
import { MessagesQuery } from '@stockflow/contracts';
import { type ConfigOf, defineFunction, envInt, failedItems, readQuery, requireRole } from '@stockflow/kit';
import * as z from 'zod/mini';
import { notificationsEvents } from './events.ts';
import { Mailer } from './mailer.ts';
import { MESSAGES, NotificationsStore } from './store.ts';

const env = {
  /** nodemailer's connection URL, `smtp://user:password@host:587` (a Secret: it holds a password). */
  SMTP_URL: z.string().check(z.regex(/^smtps?:\/\//, 'an smtp:// or smtps:// URL')),
  /** The From of every message. */
  MAIL_FROM: z._default(z.string().check(z.minLength(3)), 'Stockflow <orders@stockflow.example>'),
  /** The first retry's delay after an SMTP failure; each next one doubles, up to MAIL_RETRY_MAX_MS. */
  MAIL_RETRY_MIN_MS: z._default(envInt({ min: 10 }), 30_000),
  MAIL_RETRY_MAX_MS: z._default(envInt({ min: 10 }), 3_600_000),
  /** Attempts before a message is given up (`failed`); the default spans about a day. */
  MAIL_MAX_ATTEMPTS: z._default(envInt({ min: 1, max: 1000 }), 30),
  /**
   * How long one attempt holds its message (the first one from the commit that staged it): longer
   * than nodemailer's timeouts together (50 s, mailer.ts). A message whose process died before
   * sending is due again when it ends.
   */
  MAIL_LEASE_MS: z._default(envInt({ min: 10 }), 120_000),
};

export type NotificationsConfig = ConfigOf<typeof env>;

/** What one notifications instance works with: its store and its mailer (closed with it). */
export interface NotificationsServices {
  store: NotificationsStore;
  mailer: Mailer;
}

export const notifications = defineFunction({
  name: 'notifications',
  env,
  services(rt): NotificationsServices {
    const { SMTP_URL, MAIL_FROM, MAIL_RETRY_MIN_MS, MAIL_RETRY_MAX_MS, MAIL_MAX_ATTEMPTS, MAIL_LEASE_MS } =
      rt.config;
    const store = new NotificationsStore(() => rt.db(), MAIL_LEASE_MS);
    const mailer = new Mailer({
      store,
      log: rt.log,
      smtpUrl: SMTP_URL,
      from: MAIL_FROM,
      retry: { minMs: MAIL_RETRY_MIN_MS, maxMs: MAIL_RETRY_MAX_MS, maxAttempts: MAIL_MAX_ATTEMPTS },
      metrics: rt.metrics,
    });
    rt.onClose(() => mailer.close());
    rt.countUnresolved('messages-failed', (db) => failedItems(db.collection(MESSAGES)));
    return { store, mailer };
  },
  events: notificationsEvents,
  routes(app, _rt, { store }) {
    app.get('/messages', requireRole('viewer'), async (c) => {
      const { orderId } = readQuery(c, MessagesQuery);
      return c.json({ items: await store.listForOrder(orderId) });
    });
  },
});
