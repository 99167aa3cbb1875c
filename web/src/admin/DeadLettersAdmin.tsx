/**
 * @module Dead letters: events Knative gave up delivering, latest failure first, with where and why
 * delivery failed. A manager replays one, replays a selection, or discards one after confirming;
 * the outcome is shown and the list read again.
 */

import { useSearchParams } from '@solidjs/router';
import { createSignal, For, Show } from 'solid-js';
import { PagedView } from '../components/PagedView.tsx';
import { EmptyState, ErrorNotice } from '../components/States.tsx';
import { can } from '../lib/admin-session.ts';
import {
  type DeadLetter,
  type DeadLetterStatus,
  discardDeadLetter,
  listDeadLetters,
  replayDeadLetter,
  replayDeadLetters,
} from '../lib/api.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { createPagedList } from '../lib/paging.ts';
import { EventDetail, formatEventTime, shortType } from './EventDetail.tsx';

const STATUS_LABEL: Record<DeadLetterStatus, string> = { dead: 'Dead', replayed: 'Replayed' };
const STATUSES = Object.keys(STATUS_LABEL) as DeadLetterStatus[];
/** The most ids one bulk replay takes (docs/api.md). */
const REPLAY_BATCH = 100;

type Outcome = { ok: true; message: string } | { ok: false; error: unknown };

export default function DeadLettersAdmin() {
  usePageTitle(() => 'Dead letters');
  const [params, setParams] = useSearchParams<{ status?: string }>();
  const status = () => STATUSES.find((s) => s === params.status);
  const letters = createPagedList(status, (value, cursor) =>
    listDeadLetters({ status: value, cursor, limit: 50 }),
  );
  const [selected, setSelected] = createSignal<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = createSignal(false);
  const [outcome, setOutcome] = createSignal<Outcome>();

  /** Runs one action at a time, shows how it went, and reads the list again. */
  async function act(run: () => Promise<string>) {
    setBusy(true);
    setOutcome(undefined);
    try {
      setOutcome({ ok: true, message: await run() });
      setSelected(new Set<string>());
    } catch (error) {
      setOutcome({ ok: false, error });
    } finally {
      setBusy(false);
      letters.reload();
    }
  }

  const replayOne = (letter: DeadLetter) =>
    act(async () => {
      await replayDeadLetter(letter.id);
      return `Replayed ${shortType(letter.event.type)} ${letter.event.id}: it was sent to the broker again.`;
    });

  const discardOne = (letter: DeadLetter) =>
    act(async () => {
      await discardDeadLetter(letter.id);
      return `Discarded ${shortType(letter.event.type)} ${letter.event.id}.`;
    });

  const replaySelected = () =>
    act(async () => {
      const ids = [...selected()];
      let replayed = 0;
      let notFound = 0;
      for (let i = 0; i < ids.length; i += REPLAY_BATCH) {
        const answer = await replayDeadLetters(ids.slice(i, i + REPLAY_BATCH));
        replayed += answer.replayed.length;
        notFound += answer.notFound.length;
      }
      const gone = notFound ? ` ${countOf(notFound, 'was', 'were')} no longer there.` : '';
      return `Replayed ${countOf(replayed)}: sent to the broker again.${gone}`;
    });

  function toggle(id: string, on: boolean) {
    const next = new Set(selected());
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  }
  const allSelected = () =>
    letters.list.items.length > 0 && letters.list.items.every((letter) => selected().has(letter.id));

  return (
    <section aria-labelledby="dead-letters-title">
      <div class="page-head">
        <h1 id="dead-letters-title">Dead letters</h1>
        <div class="filters">
          <label for="dead-letter-status">Status</label>
          <select
            id="dead-letter-status"
            class="input"
            value={status() ?? ''}
            onChange={(event) => {
              setSelected(new Set<string>());
              setParams({ status: event.currentTarget.value || undefined });
            }}
          >
            <option value="">All</option>
            <For each={STATUSES}>{(s) => <option value={s}>{STATUS_LABEL[s]}</option>}</For>
          </select>
        </div>
        <Show when={can('manager')}>
          <button
            type="button"
            class="button button-primary"
            disabled={busy() || selected().size === 0}
            onClick={replaySelected}
          >
            Replay selected{selected().size ? ` (${selected().size})` : ''}
          </button>
        </Show>
      </div>
      <Show when={outcome()}>
        {(result) => {
          const shown = result();
          return shown.ok ? (
            <p class="notice notice-success" role="status">
              {shown.message}
            </p>
          ) : (
            <ErrorNotice error={shown.error} titles={{ 404: 'That dead letter is no longer there' }} />
          );
        }}
      </Show>
      <PagedView
        paged={letters}
        noun="dead letters"
        empty={
          <EmptyState
            title={status() ? `No ${STATUS_LABEL[status()!].toLowerCase()} letters` : 'No dead letters'}
          >
            <p class="muted">Every event reached the functions that consume it.</p>
          </EmptyState>
        }
      >
        <div class="table-wrap">
          <table class="table dead-letter-table" aria-label="Dead letters">
            <thead>
              <tr>
                <th scope="col">
                  <input
                    type="checkbox"
                    class="checkbox"
                    aria-label="Select all"
                    checked={allSelected()}
                    onChange={(event) =>
                      setSelected(
                        new Set(
                          event.currentTarget.checked ? letters.list.items.map((letter) => letter.id) : [],
                        ),
                      )
                    }
                  />
                </th>
                <th scope="col">Failed</th>
                <th scope="col">Event</th>
                <th scope="col">Destination</th>
                <th scope="col">Error</th>
                <th scope="col">Status</th>
                <th scope="col" class="actions-cell">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              <For each={letters.list.items}>
                {(letter) => (
                  <DeadLetterRow
                    letter={letter}
                    selected={selected().has(letter.id)}
                    busy={busy()}
                    onSelect={(on) => toggle(letter.id, on)}
                    onReplay={() => replayOne(letter)}
                    onDiscard={() => discardOne(letter)}
                  />
                )}
              </For>
            </tbody>
          </table>
        </div>
      </PagedView>
    </section>
  );
}

function countOf(n: number, singular = '', plural = singular) {
  const verb = n === 1 ? singular : plural;
  return `${n} dead letter${n === 1 ? '' : 's'}${verb ? ` ${verb}` : ''}`;
}

/** The destination's answer, pretty-printed when it is JSON (a problem+json body usually is). */
function readableErrorData(data: string): string {
  try {
    const parsed: unknown = JSON.parse(data);
    if (parsed && typeof parsed === 'object') return JSON.stringify(parsed, null, 2);
  } catch {
    // Plain text (or base64 of bytes that were not UTF-8): shown as it is.
  }
  return data;
}

function DeadLetterRow(props: {
  letter: DeadLetter;
  selected: boolean;
  busy: boolean;
  onSelect: (selected: boolean) => void;
  onReplay: () => void;
  onDiscard: () => void;
}) {
  const [confirming, setConfirming] = createSignal(false);
  const name = () => `${shortType(props.letter.event.type)} ${props.letter.event.id}`;
  return (
    <tr classList={{ 'row-dead': props.letter.status === 'dead' }}>
      <td>
        <input
          type="checkbox"
          class="checkbox"
          aria-label={`Select ${name()}`}
          checked={props.selected}
          onChange={(event) => props.onSelect(event.currentTarget.checked)}
        />
      </td>
      <td>
        <time datetime={props.letter.deadAt}>{formatEventTime(props.letter.deadAt)}</time>
        <Show when={props.letter.firstDeadAt !== props.letter.deadAt}>
          <div class="muted">first {formatEventTime(props.letter.firstDeadAt)}</div>
        </Show>
      </td>
      <td>
        <details>
          <summary>
            <span class="mono nowrap" title={props.letter.event.type}>
              {shortType(props.letter.event.type)}
            </span>
            <span class="mono muted event-id">{props.letter.event.id}</span>
          </summary>
          <EventDetail event={props.letter.event} />
        </details>
        <Show when={props.letter.event.subject}>
          {(subject) => <div class="muted mono">subject {subject()}</div>}
        </Show>
      </td>
      <td class="mono cell-id">{props.letter.destination ?? 'unknown'}</td>
      <td>
        <strong>{props.letter.errorCode ?? 'no answer'}</strong>
        <Show when={props.letter.errorData}>
          {(data) => <pre class="json">{readableErrorData(data())}</pre>}
        </Show>
      </td>
      <td>
        <span class={`badge badge-${props.letter.status}`}>{STATUS_LABEL[props.letter.status]}</span>
        <div class="muted nowrap">
          {props.letter.failures === 1 ? 'failed once' : `failed ${props.letter.failures} times`}
        </div>
        <Show when={props.letter.replayedAt}>
          {(at) => (
            <div class="muted">
              replayed {props.letter.replays === 1 ? 'once' : `${props.letter.replays} times`}, last{' '}
              {formatEventTime(at())}
              {props.letter.replayedBy ? ` by ${props.letter.replayedBy.name}` : ''}
            </div>
          )}
        </Show>
      </td>
      <td class="actions-cell">
        <Show when={can('manager')}>
          <Show
            when={confirming()}
            fallback={
              <div class="row-actions">
                <button
                  type="button"
                  class="button button-secondary button-small"
                  disabled={props.busy}
                  aria-label={`Replay ${name()}`}
                  onClick={() => props.onReplay()}
                >
                  Replay
                </button>
                <button
                  type="button"
                  class="button button-link danger"
                  disabled={props.busy}
                  aria-label={`Discard ${name()}`}
                  onClick={() => setConfirming(true)}
                >
                  Discard
                </button>
              </div>
            }
          >
            <span class="confirm">
              <span>Discard for good?</span>
              <button
                type="button"
                class="button button-danger button-small"
                disabled={props.busy}
                onClick={() => {
                  setConfirming(false);
                  props.onDiscard();
                }}
              >
                Yes, discard
              </button>
              <button
                type="button"
                class="button button-secondary button-small"
                onClick={() => setConfirming(false)}
              >
                Keep
              </button>
            </span>
          </Show>
        </Show>
      </td>
    </tr>
  );
}
