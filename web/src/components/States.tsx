/** @module Loading, error and empty states, the same on every screen. */
import { type JSX, Show } from 'solid-js';
import { ApiError } from '../lib/api.ts';

export function Loading(props: { label?: string }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      <span>{props.label ?? 'Loading…'}</span>
    </div>
  );
}

/** What to tell a person about an error: a problem's title and detail, or a plain apology. */
export function describeError(error: unknown): { title: string; detail: string } {
  if (error instanceof ApiError) {
    return { title: error.problem.title, detail: error.problem.detail ?? '' };
  }
  return { title: 'Something went wrong', detail: 'An unexpected error occurred. Please try again.' };
}

/** The one line a form shows under itself when its change was refused: the detail, else the title. */
export function errorText(error: unknown): string {
  const { title, detail } = describeError(error);
  return detail || title;
}

/** Under a form: what went wrong (announced at once) or what was done (announced politely). */
export function FormOutcome(props: { failure?: string | undefined; done?: string | undefined }) {
  return (
    <>
      <Show when={props.failure}>
        <p class="field-error form-message" role="alert">
          {props.failure}
        </p>
      </Show>
      <Show when={props.done}>
        <p class="form-message success" role="status">
          {props.done}
        </p>
      </Show>
    </>
  );
}

export function ErrorNotice(props: {
  error: unknown;
  onRetry?: () => void;
  /** Headlines for particular statuses (`{ 409: 'Too late to cancel' }`), else the problem's title. */
  titles?: Partial<Record<number, string>>;
}) {
  const described = () => describeError(props.error);
  const title = () =>
    (props.error instanceof ApiError ? props.titles?.[props.error.status] : undefined) ?? described().title;
  return (
    <div class="state state-error" role="alert">
      <p class="state-title">{title()}</p>
      <Show when={described().detail}>
        <p class="state-detail">{described().detail}</p>
      </Show>
      <Show when={props.onRetry}>
        {(retry) => (
          <button type="button" class="button button-secondary" onClick={() => retry()()}>
            Try again
          </button>
        )}
      </Show>
    </div>
  );
}

export function EmptyState(props: { title: string; children?: JSX.Element }) {
  return (
    <div class="state state-empty">
      <p class="state-title">{props.title}</p>
      {props.children}
    </div>
  );
}
