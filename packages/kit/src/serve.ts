/**
 * @module Serving a function as Knative runs it: listen on `PORT`, sweep the outbox once started,
 * and on SIGTERM stop accepting, finish in-flight requests and outbox sends, then exit.
 */

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { StockflowFunction } from './app.ts';
import { ConfigError } from './config.ts';

export interface Serving {
  port: number;
  server: Server;
  /** Drains and stops; resolves when done (does not exit the process). */
  shutdown(): Promise<void>;
}

export interface ServeOptions {
  port?: number;
  hostname?: string;
  /** Delay before the start-up outbox sweep (kept off the first request's path). */
  sweepDelayMs?: number;
  /** Period of the in-process outbox sweep while running. */
  sweepIntervalMs?: number;
  /**
   * Load the Firestore client as soon as the server listens, before the first request needs it
   * (a function whose every real answer reads Firestore; not web, which owns no data).
   */
  warmFirestore?: boolean;
}

/** How often, and how many times, the start-up chores wait for requests in flight to finish. */
const CHORES_WAIT_MS = 100;
const CHORES_MAX_WAITS = 20;

export async function serveFunction<C extends { PORT: number; SHUTDOWN_TIMEOUT_MS: number }>(
  fn: StockflowFunction<C>,
  options: ServeOptions = {},
): Promise<Serving> {
  const { rt, app, state } = fn;
  const { sweepDelayMs = 1_500, sweepIntervalMs = 30_000 } = options;
  await rt.tracing.start();
  const server = await new Promise<Server>((resolve) => {
    const s = serve(
      { fetch: app.fetch, port: options.port ?? rt.config.PORT, hostname: options.hostname ?? '0.0.0.0' },
      () => resolve(s as Server),
    ) as Server;
  });
  const port = (server.address() as AddressInfo).port;

  // The issuer's keys load once the server listens (fetch's first use costs a cold start CPU): the
  // first delivery does not wait for them, and readiness does not depend on them (a failure is
  // retried by the next delivery).
  setImmediate(() => rt.senders.warm());
  if (options.warmFirestore) {
    // Off the listen callback's turn: the client's load starts while the first request is on its way.
    setImmediate(() => void rt.db().catch((error) => rt.log.warn('firestore warm-up failed', { error })));
  }

  const sweep = () => rt.outbox.sweep().catch((error) => rt.log.warn('outbox sweep failed', { error }));
  // The start-up chores (outbox sweep, metrics) wait until no request is in flight (a while at
  // most): a cold start's first answers do not share the CPU with them.
  let waits = 0;
  const chores = () => {
    if (state.inFlight > 0 && waits++ < CHORES_MAX_WAITS) {
      first = setTimeout(chores, CHORES_WAIT_MS).unref();
      return;
    }
    void sweep();
    void fn.metrics.load();
  };
  let first = setTimeout(chores, sweepDelayMs).unref();
  const periodic = setInterval(sweep, sweepIntervalMs);
  periodic.unref();

  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      state.ready = false;
      clearTimeout(first);
      clearInterval(periodic);
      const deadline = Date.now() + rt.config.SHUTDOWN_TIMEOUT_MS;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // In-flight requests finish; their connections close as they go idle.
      while (state.inFlight > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        server.closeIdleConnections();
      }
      await rt.outbox.drain(Math.max(0, deadline - Date.now()));
      server.closeAllConnections();
      await closed;
      await rt.tracing.shutdown();
      await rt.close();
    })();
    return stopping;
  };
  return { port, server, shutdown };
}

/** The entry point of a function's process: serve, log where, and drain on SIGTERM/SIGINT. */
export async function runFunction<C extends { PORT: number; SHUTDOWN_TIMEOUT_MS: number }>(
  create: () => StockflowFunction<C>,
  options: Pick<ServeOptions, 'warmFirestore'> = {},
): Promise<void> {
  let fn: StockflowFunction<C>;
  try {
    fn = create();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const serving = await serveFunction(fn, options);
  fn.rt.log.info('listening', { port: serving.port });
  const stop = (signal: string) => {
    fn.rt.log.info('draining', { signal });
    serving.shutdown().then(
      () => {
        fn.rt.log.info('stopped');
        process.exit(0);
      },
      (error) => {
        fn.rt.log.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
