/**
 * @module The brokers' data plane: accepts events (as the broker ingress does), matches them against
 * every Trigger of their broker, and delivers each match to its subscriber with the Trigger's retry,
 * backoff, timeout and dead-letter rules, routing CloudEvent replies back into the broker. Without a
 * journal, events live in memory only, as with Knative's InMemoryChannel: at-least-once while the
 * mesh runs, no ordering. With one, an event is on disk before the ingress answers 202 and each
 * Trigger's delivery is marked done there, so what a stopped mesh had not finished is delivered by
 * the next one (`resume`), as a durable broker would.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from '@stockflow/kit';
import { oidcSubject } from './auth/names.ts';
import type { TokenProvider } from './auth/token-provider.ts';
import { type Clock, systemClock } from './clock.ts';
import { InvalidEventError, type MeshEvent, readEvent, withAttributes } from './cloudevent.ts';
import { effectiveDelivery, isRetryable, type RetryPolicy, retryWaitMs } from './delivery.ts';
import { type AttemptResult, DispatchError, Dispatcher } from './dispatcher.ts';
import { type EventFilter, passes, triggerFilter } from './filters.ts';
import type { Journal, JournaledEvent } from './journal.ts';
import type { Broker, Destination, KReference, Manifests, Trigger } from './manifests.ts';

/** Knative's extension names (pkg/broker, pkg/channel/attributes). */
export const ARRIVAL_TIME = 'knativearrivaltime';
export const BROKER_TTL = 'knativebrokerttl';
export const ERROR_DEST = 'knativeerrordest';
export const ERROR_CODE = 'knativeerrorcode';
export const ERROR_DATA = 'knativeerrordata';
/** Brokers tell subscribers they take replies (data-plane.md, Derived (Reply) Events). */
const PREFER_REPLY = ['prefer', 'reply'];
const NO_HEADERS: string[] = [];
/** `broker.TTLDefaulter`: replies may bounce through a broker this many times. */
export const DEFAULT_TTL = 255;
/** `KnativeErrorDataExtensionMaxLength`: the base64 error data is cut to this many characters. */
export const ERROR_DATA_MAX = 1024;

/** Finds the base URL of a Knative Service (or other addressable) a `ref` names; undefined if none runs. */
export type Resolver = (ref: Required<Pick<KReference, 'kind' | 'name' | 'namespace'>>) => string | undefined;

/** Where a destination points once resolved. */
type Target =
  /**
   * `address`: the subscriber URI Knative would report (a Service's cluster-local URL) when it differs;
   * `audience`: the Destination's OIDC audience, which deliveries carry a token for when OIDC is on.
   */
  | { kind: 'url'; url: URL; address?: string; audience?: string }
  | { kind: 'broker'; namespace: string; name: string }
  /** A `ref` to nothing running: `address` is where Knative would have sent it. */
  | { kind: 'missing'; address: string; description: string };

export interface AcceptResult {
  status: 202 | 400 | 404 | 503;
  reason?: string;
}

export interface MeshStats {
  accepted: number;
  delivered: number;
  /** Attempts after the first, to subscribers and dead-letter sinks alike. */
  retries: number;
  /** Attempts that got no answer: timed out, refused or reset connections. */
  unanswered: number;
  /** Deliveries a journal handed over from a mesh that stopped before finishing them. */
  resumed: number;
  deadLettered: number;
  dropped: number;
  inFlight: number;
}

export interface BrokerPlaneOptions {
  manifests: Pick<Manifests, 'brokers' | 'triggers'>;
  resolve?: Resolver;
  clock?: Clock;
  log: Logger;
  /** The public ingress URL of a broker (for error extensions and logs). */
  ingressUrl: (namespace: string, name: string) => string;
  /** Deliveries waiting or in flight beyond which the ingress answers 503 (a bounded memory). */
  maxInFlight?: number;
  /** False skips building the per-attempt debug entries (the log level is above debug). */
  logDeliveries?: boolean;
  /** Where accepted events are kept until every Trigger is done with them; memory only without it. */
  journal?: Journal;
}

interface CompiledTrigger {
  trigger: Trigger;
  label: string;
  /** The Trigger's OIDC identity, which its deliveries (dead letters too) are sent as. */
  subject: string;
  filter: EventFilter;
  policy: RetryPolicy;
  subscriber: Destination;
  deadLetterSink?: Destination;
}

type Outcome =
  | { ok: true; reply?: MeshEvent; status: number }
  | { ok: false; status: number; body: Buffer; dest: string; reason: string };

export class BrokerPlane {
  readonly #brokers = new Map<string, { broker: Broker; triggers: CompiledTrigger[] }>();
  readonly #resolve: Resolver;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #ingressUrl: BrokerPlaneOptions['ingressUrl'];
  readonly #dispatcher = new Dispatcher();
  readonly #maxInFlight: number;
  readonly #logDeliveries: boolean;
  readonly #targets = new Map<Destination, Target>();
  readonly #abort = new AbortController();
  readonly #idle = new Set<() => void>();
  readonly #journal: Journal | undefined;
  #tokens: TokenProvider | undefined;
  readonly #stats: MeshStats = {
    accepted: 0,
    delivered: 0,
    retries: 0,
    unanswered: 0,
    resumed: 0,
    deadLettered: 0,
    dropped: 0,
    inFlight: 0,
  };

  constructor(options: BrokerPlaneOptions) {
    // Every delivery waiting out a backoff listens for the stop: hundreds at once are normal here,
    // not the leak Node warns of past 10 listeners.
    setMaxListeners(0, this.#abort.signal);
    this.#resolve = options.resolve ?? (() => undefined);
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log;
    this.#ingressUrl = options.ingressUrl;
    this.#maxInFlight = options.maxInFlight ?? 10_000;
    this.#logDeliveries = options.logDeliveries ?? true;
    this.#journal = options.journal;
    for (const broker of options.manifests.brokers) {
      this.#brokers.set(key(broker.namespace, broker.name), { broker, triggers: [] });
    }
    for (const trigger of options.manifests.triggers) {
      const entry = this.#brokers.get(key(trigger.namespace, trigger.broker));
      if (!entry) continue; // the manifest loader refuses these
      const { policy, deadLetterSink } = effectiveDelivery(trigger, entry.broker);
      entry.triggers.push({
        trigger,
        label: `${trigger.namespace}/${trigger.name}`,
        subject: oidcSubject({ apiVersion: 'eventing.knative.dev/v1', kind: 'Trigger', ...trigger }),
        filter: triggerFilter(trigger),
        policy,
        subscriber: trigger.subscriber,
        deadLetterSink,
      });
    }
  }

  /**
   * With `authentication-oidc` on: deliveries to a destination with an `audience` carry
   * `Authorization: Bearer` for their sender's identity (the Trigger's, a PingSource's), as Knative's
   * dispatcher does (pkg/broker/filter/filter_handler.go `WithOIDCAuthentication`); without an
   * audience, no token.
   */
  useTokens(tokens: TokenProvider): void {
    this.#tokens = tokens;
  }

  /** Signs the tokens deliveries will need, so the first deliveries wait for no signature. */
  async prepareTokens(others: ReadonlyArray<{ sink: Destination; subject: string }> = []): Promise<void> {
    const tokens = this.#tokens;
    if (!tokens) return;
    const wanted: Array<{ subject: string; destination: Destination; namespace: string }> = [];
    for (const { triggers } of this.#brokers.values()) {
      for (const t of triggers) {
        for (const destination of [t.subscriber, t.deadLetterSink]) {
          if (destination) wanted.push({ subject: t.subject, destination, namespace: t.trigger.namespace });
        }
      }
    }
    for (const { sink, subject } of others) wanted.push({ subject, destination: sink, namespace: '' });
    await Promise.all(
      wanted.map(
        ({ subject, destination }) => destination.audience && tokens.token(subject, destination.audience),
      ),
    );
  }

  /** Whether this plane serves a broker. */
  serves(namespace: string, name: string): boolean {
    return this.#brokers.has(key(namespace, name));
  }

  /** The brokers served, as `namespace/name`. */
  get brokers(): string[] {
    return [...this.#brokers.keys()];
  }

  stats(): MeshStats {
    return { ...this.#stats };
  }

  /** Destinations that resolve to nothing running (logged at start so a missing Service is seen early). */
  unresolved(): Array<{ trigger: string; destination: string }> {
    const out: Array<{ trigger: string; destination: string }> = [];
    for (const { triggers } of this.#brokers.values()) {
      for (const t of triggers) {
        for (const destination of [t.subscriber, t.deadLetterSink]) {
          if (!destination) continue;
          const target = this.#target(destination, t.trigger.namespace);
          if (target.kind === 'missing') out.push({ trigger: t.label, destination: target.description });
        }
      }
    }
    return out;
  }

  /**
   * The broker ingress (pkg/broker/ingress): stamps the arrival time, applies the reply-loop TTL,
   * answers once the event is journaled (at once without a journal) and delivers in the background.
   * 404 for a broker it does not serve, 400 when the TTL is spent, 503 when too much is already in
   * flight, the journal cannot be written, or the mesh is stopping.
   */
  async accept(namespace: string, name: string, event: MeshEvent): Promise<AcceptResult> {
    const entry = this.#brokers.get(key(namespace, name));
    if (!entry) return { status: 404, reason: `no broker ${name} in namespace ${namespace}` };
    // A stopping mesh delivers nothing more: what it took now would be lost (or, journaled, left to
    // the next mesh), so the sender keeps it and retries.
    if (this.#abort.signal.aborted) return { status: 503, reason: 'the broker is stopping; retry later' };
    const ttl = nextTtl(event.attributes[BROKER_TTL]);
    if (ttl <= 0) return { status: 400, reason: 'the event spent its broker TTL (a reply loop?)' };
    if (this.#stats.inFlight >= this.#maxInFlight) {
      return { status: 503, reason: `${this.#stats.inFlight} deliveries are in flight; retry later` };
    }
    const accepted = withAttributes(event, {
      [ARRIVAL_TIME]: new Date(this.#clock.now()).toISOString(),
      [BROKER_TTL]: String(ttl),
    });
    const matched = entry.triggers.filter((trigger) => passes(trigger.filter, accepted.attributes));
    let seq: number | undefined;
    if (this.#journal && matched.length) {
      try {
        seq = await this.#journal.append(
          namespace,
          name,
          accepted,
          matched.map((t) => t.label),
        );
      } catch (error) {
        this.#log.error('the journal could not be written', { error });
        return { status: 503, reason: 'the broker could not store the event; retry later' };
      }
    }
    this.#stats.accepted++;
    // Stopped while the journal wrote it: it is on disk, and the next mesh delivers it.
    if (!this.#abort.signal.aborted) this.#start(entry.broker, matched, accepted, seq);
    return { status: 202 };
  }

  /**
   * Delivers what a previous mesh accepted (its journal's pending events) to the Triggers not done
   * with them; Triggers that no longer exist are skipped.
   */
  resume(pending: readonly JournaledEvent[]): void {
    for (const journaled of pending) {
      const entry = this.#brokers.get(key(journaled.namespace, journaled.broker));
      if (!entry) continue;
      const left = new Set(journaled.triggers);
      const triggers = entry.triggers.filter((t) => left.has(t.label));
      for (const t of entry.triggers) left.delete(t.label);
      for (const gone of left) this.#journal?.settle(journaled.seq, gone);
      this.#stats.resumed += triggers.length;
      this.#start(entry.broker, triggers, journaled.event, journaled.seq);
    }
  }

  #start(broker: Broker, triggers: CompiledTrigger[], accepted: MeshEvent, seq: number | undefined): void {
    if (!triggers.length) return;
    // The filter strips the TTL before subscribers see the event (pkg/broker/filter); one copy serves
    // every Trigger, so its wire headers are written once.
    const toSubscribers = withAttributes(accepted, { [BROKER_TTL]: undefined });
    for (const trigger of triggers) {
      this.#track(
        this.#deliver(broker, trigger, accepted, toSubscribers).then((settled) => {
          if (settled && seq !== undefined) this.#journal?.settle(seq, trigger.label);
        }),
      );
    }
  }

  /** Stops: waits up to `drainMs` for deliveries in flight, then aborts the rest (they are lost). */
  async stop(drainMs = 2_000): Promise<void> {
    if (this.#stats.inFlight > 0 && drainMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, drainMs);
        const idle = this.#idle;
        function done() {
          clearTimeout(timer);
          idle.delete(done);
          resolve();
        }
        idle.add(done);
      });
    }
    this.#abort.abort(new DispatchError('the mesh is stopping'));
    this.#dispatcher.close();
    // Deliveries cut short settle nothing: they stay pending in the journal for the next mesh.
    await this.#journal?.close();
  }

  #track(delivery: Promise<void>): void {
    this.#stats.inFlight++;
    delivery
      .catch((error) => this.#log.error('delivery crashed', { error }))
      .finally(() => {
        this.#stats.inFlight--;
        if (this.#stats.inFlight === 0) for (const wake of [...this.#idle]) wake();
      });
  }

  /**
   * Delivers `toSubscriber` to one Trigger; `event` (with its TTL) is what a dead letter carries.
   * Resolves true once the Trigger is done with the event (delivered, dead-lettered or dropped), false
   * when the mesh stopped first.
   */
  async #deliver(
    broker: Broker,
    t: CompiledTrigger,
    event: MeshEvent,
    toSubscriber: MeshEvent,
  ): Promise<boolean> {
    const ttl = event.attributes[BROKER_TTL];
    const target = this.#target(t.subscriber, t.trigger.namespace);
    const outcome = await this.#attempts(target, toSubscriber, t.policy, t.label, PREFER_REPLY, t.subject);
    if (outcome.ok) {
      this.#stats.delivered++;
      if (!outcome.reply) return true;
      // A reply goes back through the broker's ingress with the TTL the event carried.
      const reply = withAttributes(outcome.reply, { [BROKER_TTL]: ttl });
      const result = await this.accept(broker.namespace, broker.name, reply);
      this.#log.debug('reply', {
        eventId: event.attributes.id,
        replyId: reply.attributes.id,
        replyType: reply.attributes.type,
        trigger: t.label,
        status: result.status,
      });
      if (result.status === 202) return true;
      // Refused because the mesh is stopping: the event stays pending, and its redelivery replies again.
      if (this.#abort.signal.aborted) return false;
      return this.#deadLetter(t, event, {
        ok: false,
        status: result.status,
        body: Buffer.from(result.reason ?? ''),
        dest: this.#ingressUrl(broker.namespace, broker.name),
        reason: `reply refused: ${result.reason}`,
      });
    }
    // Cut short by a stop: not a failure of the subscriber, so no dead letter.
    if (this.#abort.signal.aborted) return false;
    return this.#deadLetter(t, event, outcome);
  }

  async #deadLetter(
    t: CompiledTrigger,
    event: MeshEvent,
    failure: Extract<Outcome, { ok: false }>,
  ): Promise<boolean> {
    const fields = {
      eventId: event.attributes.id,
      type: event.attributes.type,
      trigger: t.label,
      status: failure.status,
      reason: failure.reason,
    };
    if (!t.deadLetterSink) {
      this.#stats.dropped++;
      this.#log.warn('event dropped: delivery failed and the trigger has no dead-letter sink', fields);
      return true;
    }
    // pkg/kncloudevents `dispatchExecutionInfoTransformers`: the original event plus where it failed,
    // the last status and the answer's body in base64, cut to 1024 characters.
    const encoded = failure.body.toString('base64');
    const dead = withAttributes(event, {
      [ERROR_DEST]: failure.dest,
      [ERROR_CODE]: String(failure.status),
      [ERROR_DATA]: encoded.length > ERROR_DATA_MAX ? encoded.slice(0, ERROR_DATA_MAX) : encoded,
    });
    const target = this.#target(t.deadLetterSink, t.trigger.namespace);
    const outcome = await this.#attempts(target, dead, t.policy, t.label, NO_HEADERS, t.subject);
    if (!outcome.ok && this.#abort.signal.aborted) return false;
    if (outcome.ok) {
      this.#stats.deadLettered++;
      this.#log.info('event dead-lettered', { ...fields, deadLetterSink: describe(target) });
    } else {
      this.#stats.dropped++;
      this.#log.error('event dropped: the dead-letter sink failed too', {
        ...fields,
        deadLetterSink: describe(target),
        deadLetterStatus: outcome.status,
        deadLetterReason: outcome.reason,
      });
    }
    return true;
  }

  /**
   * Sends one event to a destination with a retry policy, outside any Trigger (a PingSource's ticks).
   * Resolves true once delivered.
   */
  async send(
    destination: Destination,
    namespace: string,
    event: MeshEvent,
    policy: RetryPolicy,
    label: string,
    sender?: string,
  ): Promise<boolean> {
    let delivered = false;
    const sending = this.#attempts(
      this.#target(destination, namespace),
      event,
      policy,
      label,
      NO_HEADERS,
      sender,
    ).then((outcome) => {
      delivered = outcome.ok;
      if (!outcome.ok) {
        this.#log.warn('event not delivered', {
          eventId: event.attributes.id,
          from: label,
          reason: outcome.reason,
        });
      }
    });
    this.#track(sending);
    await sending;
    return delivered;
  }

  /** Up to `retry + 1` attempts with Knative's retry check and backoff; `sender`: whose token they carry. */
  async #attempts(
    target: Target,
    event: MeshEvent,
    policy: RetryPolicy,
    label: string,
    headers: readonly string[],
    sender?: string,
  ): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#attempt(target, event, policy, headers, sender);
      if (this.#logDeliveries)
        this.#log.debug('delivery', {
          eventId: event.attributes.id,
          type: event.attributes.type,
          trigger: label,
          to: describe(target),
          attempt,
          status: outcome.status,
          ...(outcome.ok ? {} : { reason: outcome.reason }),
        });
      if (outcome.ok) return outcome;
      if (outcome.noResponse) this.#stats.unanswered++;
      // A subscriber that is not running cannot come back within this mesh's life: no retries.
      const retryable =
        target.kind !== 'missing' && isRetryable(outcome.noResponse ? undefined : outcome.status);
      if (!retryable || attempt > policy.retry || this.#abort.signal.aborted) return outcome;
      this.#stats.retries++;
      const wait = retryWaitMs(
        policy,
        attempt - 1,
        { status: outcome.noResponse ? undefined : outcome.status, retryAfter: outcome.retryAfter },
        this.#clock.now(),
      );
      try {
        await this.#clock.sleep(wait, this.#abort.signal);
      } catch {
        return outcome;
      }
    }
  }

  async #attempt(
    target: Target,
    event: MeshEvent,
    policy: RetryPolicy,
    headers: readonly string[],
    sender: string | undefined,
  ): Promise<Outcome & { noResponse?: boolean; retryAfter?: string }> {
    if (target.kind === 'missing') {
      return {
        ok: false,
        status: 500,
        body: Buffer.alloc(0),
        dest: target.address,
        reason: target.description,
      };
    }
    if (target.kind === 'broker') {
      const result = await this.accept(target.namespace, target.name, event);
      if (result.status === 202) return { ok: true, status: 202 };
      return {
        ok: false,
        status: result.status,
        body: Buffer.from(result.reason ?? ''),
        dest: this.#ingressUrl(target.namespace, target.name),
        reason: result.reason ?? '',
      };
    }
    // knativeerrordest names the subscriber as Knative resolved it, not this machine's port.
    const dest = target.address ?? target.url.href;
    let res: AttemptResult;
    try {
      let sent = headers;
      // Each attempt asks for the token (a cache hit): a retry after the token's renewal time gets a new one.
      if (this.#tokens && sender && target.audience) {
        const token = this.#tokens.token(sender, target.audience);
        sent = [...headers, 'authorization', `Bearer ${typeof token === 'string' ? token : await token}`];
      }
      res = await this.#dispatcher.send(target.url, event, sent, { timeoutMs: policy.timeoutMs });
    } catch (error) {
      // executeRequest: no response counts as 500 with the error as the body.
      const message = `dispatch error: ${(error as Error).message}`;
      return { ok: false, status: 500, body: Buffer.from(message), dest, reason: message, noResponse: true };
    }
    if (res.status < 200 || res.status >= 300) {
      const retryAfter = res.headers['retry-after'];
      return {
        ok: false,
        status: res.status,
        body: res.body,
        dest,
        reason: `answered ${res.status}`,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      };
    }
    // pkg/broker/filter `writeResponse`: a 2xx body is either empty or a CloudEvent (the reply);
    // anything else is a failed delivery answered 502, which the channel retries.
    let reply: MeshEvent | undefined;
    try {
      reply = readEvent(res.headers, res.body);
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      return {
        ok: false,
        status: 502,
        body: res.body,
        dest,
        reason: `the reply is not a valid event: ${error.message}`,
      };
    }
    if (!reply && res.body.length > 0) {
      return {
        ok: false,
        status: 502,
        body: res.body,
        dest,
        reason: 'a non-empty 2xx body that is not a CloudEvent',
      };
    }
    return { ok: true, status: res.status, reply };
  }

  #target(destination: Destination, namespace: string): Target {
    const cached = this.#targets.get(destination);
    if (cached) return cached;
    const target = resolveDestination(destination, namespace, this.#resolve);
    this.#targets.set(destination, target);
    return target;
  }
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** The TTL an accepted event carries: 255 when it has none, one less than it had otherwise. */
function nextTtl(current: string | undefined): number {
  if (current === undefined) return DEFAULT_TTL;
  const value = Number.parseInt(current, 10);
  return Number.isNaN(value) ? DEFAULT_TTL : value - 1;
}

function describe(target: Target): string {
  if (target.kind === 'url') return target.url.href;
  if (target.kind === 'broker') return `broker ${target.namespace}/${target.name}`;
  return target.description;
}

const CLUSTER_LOCAL = /^([a-z0-9-]+)\.([a-z0-9-]+)(\.svc(\.cluster\.local)?)?$/;

/**
 * A Destination as Knative resolves it (duck/v1 `Destination`): a `ref` to a Service or Broker, with
 * `uri` as a path relative to it; or an absolute `uri`, where a cluster-local Service address is
 * rewritten to the Service's local URL.
 */
function resolveDestination(destination: Destination, namespace: string, resolve: Resolver): Target {
  const { ref, uri, audience } = destination;
  if (ref) {
    const refNamespace = ref.namespace ?? namespace;
    if (ref.kind === 'Broker') return { kind: 'broker', namespace: refNamespace, name: ref.name };
    const base = resolve({ kind: ref.kind, name: ref.name, namespace: refNamespace });
    const address = new URL(uri ?? '', `http://${ref.name}.${refNamespace}.svc.cluster.local`).href;
    if (!base)
      return {
        kind: 'missing',
        address,
        description: `${ref.kind} ${refNamespace}/${ref.name} is not running`,
      };
    return { kind: 'url', url: new URL(uri ?? '', base), address, audience };
  }
  const url = new URL(uri!);
  const local = CLUSTER_LOCAL.exec(url.hostname);
  if (local && (local[3] || !url.port)) {
    const base = resolve({ kind: 'Service', name: local[1]!, namespace: local[2]! });
    if (base)
      return { kind: 'url', url: new URL(`${url.pathname}${url.search}`, base), address: url.href, audience };
  }
  return { kind: 'url', url, audience };
}
