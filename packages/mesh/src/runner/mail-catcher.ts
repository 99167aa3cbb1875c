/**
 * @module The local SMTP catcher `npm start` runs in place of a mail relay: an SMTP server on
 * loopback (smtp-server) that keeps every message it accepts, parsed (mailparser), and serves them
 * over HTTP on loopback: `GET /messages` (JSON, newest last; `?to=` filters by recipient) and `GET /`
 * (a page). Tests can make it refuse the next messages with a temporary error, as a relay that is
 * down would.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMessage {
  id: string;
  receivedAt: string;
  /** The SMTP envelope: who it was sent to, whatever the headers say. */
  envelope: { from: string; to: string[] };
  messageId: string | null;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailCatcher {
  /** `smtp://127.0.0.1:<port>`: what SMTP_URL is set to. */
  smtpUrl: string;
  /** The HTTP listing: `<url>/messages`. */
  url: string;
  messages(): CaughtMessage[];
  /** Answers the next `count` messages with `451` (try again later) instead of accepting them. */
  refuseNext(count: number): void;
  stop(): Promise<void>;
}

/** The Secret the manifests take SMTP_URL from; the runner gives it the catcher's URL. */
export const SMTP_SECRET = { name: 'stockflow-smtp', key: 'url' };

/** Messages kept at most (the oldest go first): a long-running stack's memory stays bounded. */
const KEEP = 1000;

export async function startMailCatcher({ smtpPort = 0, httpPort = 0 } = {}): Promise<MailCatcher> {
  const caught: CaughtMessage[] = [];
  let refusals = 0;
  const smtp = new SMTPServer({
    // Loopback only, no TLS, any credentials: a local stand-in, never a relay.
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    onAuth: (_auth, _session, callback) => callback(null, { user: 'local' }),
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          if (refusals > 0) {
            refusals--;
            const error = new Error('4.3.0 The catcher refuses this message (test)') as Error & {
              responseCode: number;
            };
            error.responseCode = 451;
            return callback(error);
          }
          caught.push({
            id: randomUUID(),
            receivedAt: new Date().toISOString(),
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            },
            messageId: mail.messageId ?? null,
            from: mail.from?.text ?? '',
            to: [mail.to ?? []]
              .flat()
              .map((address) => address.text)
              .join(', '),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
          });
          if (caught.length > KEEP) caught.shift();
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(smtpPort, '127.0.0.1', () => resolve());
  });
  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') {
      res.writeHead(405).end();
    } else if (url.pathname === '/messages') {
      const to = url.searchParams.get('to');
      const items = to ? caught.filter((m) => m.envelope.to.includes(to)) : caught;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items }));
    } else if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(listing(caught));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(httpPort, '127.0.0.1', () => resolve());
  });
  const port = (server: { address(): AddressInfo | string | null }) => (server.address() as AddressInfo).port;
  return {
    smtpUrl: `smtp://127.0.0.1:${port(smtp.server)}`,
    url: `http://127.0.0.1:${port(http)}`,
    messages: () => [...caught],
    refuseNext(count) {
      refusals = count;
    },
    async stop() {
      http.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => smtp.close(() => resolve())),
        new Promise<void>((resolve) => http.close(() => resolve())),
      ]);
    },
  };
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page at `/`: every message, newest first, its text part shown as text. */
function listing(messages: readonly CaughtMessage[]): string {
  const items = [...messages]
    .reverse()
    .map(
      (m) =>
        `<article><h2>${escapeHtml(m.subject)}</h2><p>${escapeHtml(m.receivedAt)} · to ${escapeHtml(m.envelope.to.join(', '))}</p><pre>${escapeHtml(m.text)}</pre></article>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Stockflow mail catcher</title></head><body><h1>Mail caught (${messages.length})</h1><p>JSON: <a href="/messages">/messages</a></p>${items}</body></html>`;
}
