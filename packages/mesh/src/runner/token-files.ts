/**
 * @module The SinkBindings' tokens as files, as Knative gives them to a SinkBinding's subjects with
 * `authentication-oidc` on (pkg/reconciler/sinkbinding/sinkbinding.go keeps a Secret with the
 * SinkBinding identity's token for the sink's audience; pkg/apis/sources/v1/sinkbinding_lifecycle.go
 * projects it at /oidc/token): one file per SinkBinding in the stack's state folder, written before
 * the processes start and rewritten well before the tokens expire (Knative renews the Secret too), by
 * an atomic rename so a reader never sees half a token.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Issuer } from '../auth/issuer.ts';
import { TOKEN_LIFETIME_SECONDS } from '../auth/issuer.ts';
import { brokerAudience, oidcSubject } from '../auth/names.ts';
import type { SinkBinding } from '../manifests.ts';

/** The audience of a SinkBinding's sink: a Broker's own, else the Destination's `audience`, else none. */
export function sinkAudience(binding: SinkBinding): string | undefined {
  const { ref, audience } = binding.sink;
  if (audience) return audience;
  if (ref?.kind === 'Broker') return brokerAudience(ref.namespace ?? binding.namespace, ref.name);
  return undefined;
}

/** The identity a SinkBinding's subjects send as: `<name>-oidc-sources.knative.dev-sinkbinding`. */
export function sinkBindingSubject(binding: SinkBinding): string {
  return oidcSubject({ apiVersion: 'sources.knative.dev/v1', kind: 'SinkBinding', ...binding });
}

export class TokenFiles {
  readonly #dir: string;
  readonly #bindings: ReadonlyArray<{ binding: SinkBinding; audience: string; file: string }>;
  readonly #issuer: () => Issuer;
  #timer: NodeJS.Timeout | undefined;

  /** `issuer` is asked at each renewal: a restarted mesh is a new issuer object with the same key. */
  constructor(dir: string, bindings: readonly SinkBinding[], issuer: () => Issuer) {
    this.#dir = dir;
    this.#issuer = issuer;
    this.#bindings = bindings.flatMap((binding) => {
      const audience = sinkAudience(binding);
      if (!audience) return [];
      return [{ binding, audience, file: join(dir, `${binding.namespace}.${binding.name}`, 'token') }];
    });
  }

  /** The token file of a SinkBinding (undefined when its sink has no audience: no token, as Knative). */
  fileOf(binding: SinkBinding): string | undefined {
    return this.#bindings.find((b) => b.binding === binding)?.file;
  }

  /** Writes every file now, and again every `renewEveryMs` (half a token's life by default). */
  async start(renewEveryMs = (TOKEN_LIFETIME_SECONDS * 1000) / 2): Promise<void> {
    await this.writeAll();
    this.#timer = setInterval(() => {
      this.writeAll().catch((error) => process.stderr.write(`token files: ${(error as Error).message}\n`));
    }, renewEveryMs);
    this.#timer.unref();
  }

  async writeAll(): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    await Promise.all(
      this.#bindings.map(async ({ binding, audience, file }) => {
        const token = await this.#issuer().issue(sinkBindingSubject(binding), audience);
        const folder = join(file, '..');
        await mkdir(folder, { recursive: true, mode: 0o700 });
        const next = `${file}.next`;
        await writeFile(next, token, { mode: 0o600 });
        await rename(next, file);
      }),
    );
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
