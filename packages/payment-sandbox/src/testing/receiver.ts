/**
 * @module A real webhook receiver on loopback for the sandbox's own tests: it keeps each request as it
 * came (headers and raw body) and answers 200, or the statuses it was told to answer next.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookEvent } from '../webhooks.ts';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  rawBody: string;
  event: WebhookEvent;
  status: number;
  /** When it came (ms since the epoch). */
  at: number;
}

/** An answer to give: a status, or a status with headers (e.g. `Retry-After`). */
export type Answer = number | { status: number; headers: Record<string, string> };

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** The next requests are answered with these, in order; then 200 again. */
  answerNext(...answers: Answer[]): void;
  /** Answers each request only after `ms` (0: at once). */
  delayAnswers(ms: number): void;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const answers: Answer[] = [];
  let delayMs = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const answer = answers.shift() ?? 200;
      const { status, headers } = typeof answer === 'number' ? { status: answer, headers: {} } : answer;
      const event = JSON.parse(rawBody) as WebhookEvent;
      received.push({ headers: req.headers, rawBody, event, status, at: Date.now() });
      setTimeout(() => res.writeHead(status, headers).end(), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`,
    received,
    answerNext: (...next) => void answers.push(...next),
    delayAnswers(ms) {
      delayMs = ms;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
