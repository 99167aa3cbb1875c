/**
 * @module The outbox's sender token: the OIDC token Knative gives a SinkBinding's subject, read from
 * a file and read again when it changes (Knative renews it before it expires).
 */
import { readFile, stat } from 'node:fs/promises';

/**
 * Where Knative mounts a SinkBinding subject's OIDC token: the Secret with the token for the
 * SinkBinding's own ServiceAccount and the sink's audience is projected at `/oidc`, key `token`
 * (knative/eventing pkg/apis/sources/v1/sinkbinding_lifecycle.go, `oidcTokenVolumeName` and its
 * mount path; pkg/reconciler/sinkbinding/sinkbinding.go writes the Secret). No audience env is set.
 */
export const DEFAULT_TOKEN_FILE = '/oidc/token';

export interface TokenFileOptions {
  /** Least time between two checks of the file for a change (a `stat`). */
  checkIntervalMs?: number;
}

/** A token kept in a file: cached, re-read when the file changes or after `invalidate()`. */
export class TokenFile {
  readonly path: string;
  readonly #checkIntervalMs: number;
  #token: string | undefined;
  /** What the last read saw: a change of either means a new token. */
  #version = '';
  #checkedAt = Number.NEGATIVE_INFINITY;
  #checking: Promise<string | undefined> | undefined;

  constructor(path: string, options: TokenFileOptions = {}) {
    this.path = path;
    this.#checkIntervalMs = options.checkIntervalMs ?? 5_000;
  }

  /** The current token, or undefined when there is no file (a cluster with OIDC off). */
  get(): Promise<string | undefined> {
    if (performance.now() - this.#checkedAt < this.#checkIntervalMs) return Promise.resolve(this.#token);
    this.#checking ??= this.#check().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  /** Makes the next `get()` look at the file again (the sink answered 401: the token may be stale). */
  invalidate(): void {
    this.#checkedAt = Number.NEGATIVE_INFINITY;
  }

  async #check(): Promise<string | undefined> {
    this.#checkedAt = performance.now();
    try {
      const info = await stat(this.path);
      const version = `${info.mtimeMs}:${info.size}:${info.ino}`;
      if (version !== this.#version) {
        this.#token = (await readFile(this.path, 'utf8')).trim() || undefined;
        this.#version = version;
      }
    } catch {
      this.#token = undefined;
      this.#version = '';
    }
    return this.#token;
  }
}
