/**
 * @module A labelled form field with its hint and error next to it. The control gets the ids that
 * tie the label, hint and error to it (`aria-describedby`), and `aria-invalid` while it is wrong.
 * `focusFirstInvalid` takes a refused form's user to its first wrong field, whose error is then read.
 */
import { createUniqueId, type JSX, Show } from 'solid-js';

export interface ControlAttributes {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
}

export function Field(props: {
  label: string;
  error?: string | undefined;
  hint?: string;
  class?: string;
  children: (control: ControlAttributes) => JSX.Element;
}) {
  const id = createUniqueId();
  const described = () =>
    [props.hint ? `${id}-hint` : '', props.error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const control: ControlAttributes = {
    id,
    get 'aria-invalid'() {
      return Boolean(props.error);
    },
    get 'aria-describedby'() {
      return described();
    },
  };
  return (
    <div class={`field ${props.class ?? ''}`} classList={{ 'field-invalid': Boolean(props.error) }}>
      <label for={id}>{props.label}</label>
      {props.children(control)}
      <Show when={props.hint}>
        <p class="field-hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      </Show>
      <Show when={props.error}>
        <p class="field-error" id={`${id}-error`}>
          {props.error}
        </p>
      </Show>
    </div>
  );
}

/**
 * Moves focus to the first field of `form` marked invalid: a screen reader then reads its label and
 * error (its description), and a keyboard user is where the fix goes. Forms with a summary of errors
 * announce that instead.
 */
export function focusFirstInvalid(form: HTMLFormElement): void {
  form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
}
