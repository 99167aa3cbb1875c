/**
 * @module The sandbox's webhook sender, as a provider's: each event is POSTed as JSON to the webhook URL,
 * signed afresh per attempt, and retried on a non-2xx answer or a network error with a doubling
 * backoff (250 ms, 500 ms, … up to 8 attempts), or after the receiver's `Retry-After` when it asks
 * for longer (a 429 from a rate limit, a 503), then kept as failed. Tests can make it misbehave the
 * ways real providers do: send each event twice, hold events and release them in reverse, or stop
 * sending during an outage (events wait, then leave).
 */
import { newId, type WebhookData, type WebhookType } from './book.ts';
import { SIGNATURE_HEADER, signWebhook } from './signature.ts';

export interface WebhookEvent {
  id: string;
  type: WebhookType;
  /** Unix seconds. */
  created: number;
  data: WebhookData;
}

/** One delivery of an event (a duplicated event has two) and how it went. */
export interface SentWebhook extends WebhookEvent {
  /** `waiting`: delayed (a slow card), or waiting for the outage to end or a webhook URL. */
  state: 'held' | 'waiting' | 'sending' | 'delivered' | 'failed';
  attempts: number;
  /** The receiver's last HTTP status, if it answered. */
  lastStatus?: number;
  /** The last network error, if it did not. */
  lastError?: string;
}

export interface WebhookSenderOptions {
  secret: string;
  url?: string;
  /** The first retry's delay; each next one doubles (250 ms). */
  retryBaseMs?: number;
  /** Attempts before a delivery is kept as failed (8). */
  maxAttempts?: number;
  /** How long one attempt may take (10 s). */
  timeoutMs?: number;
}

interface Delivery {
  record: SentWebhook;
  body: string;
}

export class WebhookSender {
  readonly #secret: string;
  readonly #retryBaseMs: number;
  readonly #maxAttempts: number;
  readonly #timeoutMs: number;
  #url: string | undefined;
  #outage = false;
  #duplicates = false;
  #holding = false;
  #held: Delivery[] = [];
  readonly #log: SentWebhook[] = [];
  /** Deliveries under way (and slow events not yet due): what `settled` waits for. */
  readonly #inFlight = new Set<Promise<unknown>>();
  /** Deliveries waiting for the outage to end or a URL to be set. */
  #waiters: (() => void)[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #sleepers = new Set<() => void>();
  readonly #stopped = new AbortController();

  constructor(options: WebhookSenderOptions) {
    this.#secret = options.secret;
    this.#url = options.url;
    this.#retryBaseMs = options.retryBaseMs ?? 250;
    this.#maxAttempts = options.maxAttempts ?? 8;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  setUrl(url: string | undefined) {
    this.#url = url;
    this.#wake();
  }

  setOutage(on: boolean) {
    this.#outage = on;
    this.#wake();
  }

  setDuplicates(on: boolean) {
    this.#duplicates = on;
  }

  /** From now on events are kept, unsent, until `release`. */
  hold() {
    this.#holding = true;
  }

  /**
   * Sends the held events, in the order they happened or reversed, each one's first attempt answered
   * before the next leaves (so the receiver sees that order); their retries go on in the background.
   */
  async release({ reverse = false }: { reverse?: boolean } = {}): Promise<void> {
    this.#holding = false;
    const held = reverse ? this.#held.reverse() : this.#held;
    this.#held = [];
    for (const delivery of held) await this.#start(delivery);
  }

  /** Queues an event of `type` about `data`, to leave now or after `delayMs`. */
  send(type: WebhookType, data: WebhookData, delayMs = 0): WebhookEvent {
    const event: WebhookEvent = { id: newId('evt'), type, created: Math.floor(Date.now() / 1000), data };
    const body = JSON.stringify(event);
    const copies = this.#duplicates ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const record: SentWebhook = { ...event, state: 'waiting', attempts: 0 };
      this.#log.push(record);
      const delivery = { record, body };
      if (delayMs > 0) {
        this.#track(
          this.#sleep(delayMs).then(() => {
            if (!this.#stopped.signal.aborted) this.#enqueue(delivery);
          }),
        );
      } else {
        this.#enqueue(delivery);
      }
    }
    return event;
  }

  sent(): SentWebhook[] {
    return this.#log.map((record) => ({ ...record, data: { ...record.data } }));
  }

  /** Resolves once no delivery is under way (held events aside): each delivered or failed. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  stop() {
    this.#stopped.abort();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const wake of this.#sleepers) wake();
    this.#sleepers.clear();
    this.#wake();
  }

  #enqueue(delivery: Delivery) {
    if (this.#holding) {
      delivery.record.state = 'held';
      this.#held.push(delivery);
    } else {
      void this.#start(delivery);
    }
  }

  /** Starts a delivery; resolves after its first attempt (the whole delivery is tracked). */
  #start(delivery: Delivery): Promise<void> {
    let firstDone!: () => void;
    const first = new Promise<void>((resolve) => {
      firstDone = resolve;
    });
    this.#track(this.#deliver(delivery, firstDone).finally(firstDone));
    return first;
  }

  async #deliver({ record, body }: Delivery, firstDone: () => void): Promise<void> {
    record.state = 'waiting';
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      const url = await this.#open();
      if (!url) return;
      record.state = 'sending';
      record.attempts = attempt;
      const { ok, retryAfterMs = 0 } = await this.#attempt(url, record, body);
      if (ok) {
        record.state = 'delivered';
        return;
      }
      firstDone();
      if (this.#stopped.signal.aborted) return;
      if (attempt < this.#maxAttempts) {
        record.state = 'waiting';
        await this.#sleep(Math.max(this.#retryBaseMs * 2 ** (attempt - 1), retryAfterMs));
      }
    }
    if (!this.#stopped.signal.aborted) record.state = 'failed';
  }

  /** One signed POST: ok when the receiver answered 2xx, else how long it asked to be left alone. */
  async #attempt(
    url: string,
    record: SentWebhook,
    body: string,
  ): Promise<{ ok: boolean; retryAfterMs?: number }> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'stockflow-payment-sandbox',
          [SIGNATURE_HEADER]: signWebhook(this.#secret, body, Math.floor(Date.now() / 1000)),
        },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(this.#timeoutMs), this.#stopped.signal]),
      });
      record.lastStatus = response.status;
      record.lastError = undefined;
      await response.body?.cancel();
      return { ok: response.ok, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
    } catch (error) {
      record.lastStatus = undefined;
      record.lastError = (error as Error).message;
      return { ok: false };
    }
  }

  /** Waits while an outage is on or no URL is set; the URL, or undefined once stopped. */
  async #open(): Promise<string | undefined> {
    while ((this.#outage || !this.#url) && !this.#stopped.signal.aborted) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    return this.#stopped.signal.aborted ? undefined : this.#url;
  }

  #wake() {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Waits between attempts; `stop` ends every wait at once. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.#stopped.signal.aborted) return resolve();
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#sleepers.delete(resolve);
        resolve();
      }, ms);
      this.#timers.add(timer);
      this.#sleepers.add(resolve);
    });
  }

  #track(promise: Promise<unknown>) {
    this.#inFlight.add(promise);
    void promise.finally(() => this.#inFlight.delete(promise));
  }
}

/** The longest `Retry-After` honoured: a receiver cannot park an event for hours. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/** `Retry-After` (delay-seconds or an HTTP-date, RFC 9110 10.2.3) in ms; 0 when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number {
  if (!value) return 0;
  const ms = /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : 0;
}
