/**
 * @module Test helpers for the mesh: a real HTTP subscriber on 127.0.0.1 that records every request
 * (headers, body, and when it came by the mesh's clock) and answers as a test tells it to, and the
 * `config-features` ConfigMap a test's manifests turn sender identity on with.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from './clock.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** `clock.now()` when it arrived (the real time without a clock). */
  at: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type Responder = (request: RecordedRequest, index: number) => Answer | Promise<Answer>;

export interface TestSubscriber {
  url: string;
  readonly requests: RecordedRequest[];
  /** Changes how later requests are answered. */
  respond(responder: Responder): void;
  /** Resolves once `count` requests arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

export async function startSubscriber(
  responder: Responder = () => ({ status: 202 }),
  clock?: Clock,
): Promise<TestSubscriber> {
  const requests: RecordedRequest[] = [];
  let respond = responder;
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
        at: clock ? clock.now() : Date.now(),
      };
      requests.push(recorded);
      for (const wake of waiters) wake();
      const answer = await respond(recorded, requests.length - 1);
      res.writeHead(answer.status, answer.headers).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond(next) {
      respond = next;
    },
    waitFor(count, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (requests.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(requests.slice(0, count));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the subscriber got ${requests.length} of ${count} requests`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** Knative's `config-features` ConfigMap as a YAML document (ending in `---`), e.g. OIDC on, deny-all. */
export function configFeaturesYaml(data: Record<string, string>): string {
  const lines = Object.entries(data).map(([key, value]) => `  ${key}: ${value}`);
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: config-features
  namespace: knative-eventing
data:
${lines.join('\n')}
---
`;
}
