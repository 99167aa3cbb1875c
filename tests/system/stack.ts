/**
 * @module One Stockflow stack per system test file: `startTestStack()` runs what `npm start` runs
 * (startStack) on free ports, with a generated admin token, the vitest run's Firestore emulator and a
 * Firestore project of its own (so test files never see each other's data). Output is kept, not
 * printed: `logs()` shows it, and `STACK_LOGS=1` prints it live.
 *
 *   let stack: TestStack;
 *   beforeAll(async () => { stack = await startTestStack(); });
 *   afterAll(() => stack?.stop());
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { brokerAudience, serviceAccountSubject, sinkBindingSubject } from '../../packages/mesh/src/index.ts';
import { type Stack, type StackOptions, startStack } from '../../packages/mesh/src/runner/stack.ts';

export interface TestStack extends Stack {
  /** A break-glass admin token each test stack turns on (tests that are not about staff use it). */
  adminToken: string;
  /** POSTs one CloudEvent in binary mode to the broker ingress; resolves with the answer's status. */
  publish(event: {
    type: string;
    source?: string;
    id?: string;
    subject?: string;
    data?: unknown;
    /**
     * Who sends it (a `system:serviceaccount:…` subject) when identity is on; by default the
     * SinkBinding named after a `/<fn>` source, or the partner of a `/partners/<name>` source.
     */
    sender?: string;
  }): Promise<number>;
  /** The last lines every process and the mesh wrote (for a failing test's message). */
  logs(): string;
}

/** The identity that would send an event from `source`: a function's SinkBinding or a partner's ServiceAccount. */
export function senderOf(stack: Stack, source: string): string | undefined {
  const partner = /^\/partners\/([a-z0-9-]+)/.exec(source);
  if (partner) return serviceAccountSubject('default', partner[1]!);
  const binding = stack.manifests.sinkBindings.find((b) => source === `/${b.name}`);
  return binding && sinkBindingSubject(binding);
}

export async function startTestStack(options: Partial<StackOptions> = {}): Promise<TestStack> {
  const lines: string[] = [];
  const live = Boolean(process.env.STACK_LOGS);
  const adminToken = randomBytes(24).toString('base64url');
  const stack = await startStack({
    port: 0,
    brokerPort: 0,
    issuerPort: 0,
    adminToken,
    projectId: `stockflow-system-${randomUUID().slice(0, 8)}`,
    logLevel: live ? 'debug' : 'info',
    readyTimeoutMs: 90_000,
    write(text) {
      if (live) process.stdout.write(text);
      lines.push(text);
      if (lines.length > 400) lines.shift();
    },
    ...options,
    // Tests place many orders from one address: web's per-client limit must not refuse them.
    // Tests place many orders from one address, and probe with more units than exist (a rejected
    // order): web's rate and orders' per-line cap are lifted unless a test sets them.
    env: { ORDER_RATE_LIMIT: '100000', MAX_LINE_QUANTITY: '1000000', ...options.env },
  });
  return {
    ...stack,
    adminToken: stack.adminToken ?? adminToken,
    async publish(event) {
      const headers: Record<string, string> = {
        'ce-specversion': '1.0',
        'ce-id': event.id ?? randomUUID(),
        'ce-source': event.source ?? '/tests/system',
        'ce-type': event.type,
        'content-type': 'application/json',
      };
      if (event.subject) headers['ce-subject'] = event.subject;
      const sender = event.sender ?? senderOf(stack, headers['ce-source']!);
      if (stack.identity && sender) {
        const token = await stack.mesh.issuer.issue(sender, brokerAudience('default', 'default'));
        headers.authorization = `Bearer ${token}`;
      }
      const res = await fetch(stack.urls.broker, {
        method: 'POST',
        headers,
        body: JSON.stringify(event.data ?? null),
      });
      await res.arrayBuffer();
      return res.status;
    },
    logs: () => lines.join(''),
  };
}
