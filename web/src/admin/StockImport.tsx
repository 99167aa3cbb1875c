/**
 * @module The CSV import of stock counts: pick a file, see a dry run first (every row's change and
 * every row's error, by line number), then apply it. A file with errors applies nothing, so Apply
 * waits for a clean preview; applying the same file twice changes nothing (inventory keys it by
 * its hash and says so). The file goes to the server as the text it holds, never parsed here.
 * Importing is a clerk's (even the dry run changes nothing but is refused to a viewer): a viewer
 * gets a note pointing at the stock board instead.
 */
import { A } from '@solidjs/router';
import { createSignal, For, Match, Show, Switch } from 'solid-js';
import { Field } from '../components/Field.tsx';
import { ErrorNotice } from '../components/States.tsx';
import { can } from '../lib/admin-session.ts';
import { type ImportResult, importCsv } from '../lib/api.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { useLocations, useProductNames } from './inventory-data.ts';

type Step =
  | { kind: 'choose' }
  | { kind: 'previewing' }
  | { kind: 'preview'; result: ImportResult }
  | { kind: 'applying'; result: ImportResult }
  | { kind: 'applied'; result: ImportResult }
  | { kind: 'failed'; error: unknown; preview?: ImportResult };

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

export default function StockImport() {
  usePageTitle(() => 'Import');
  const productName = useProductNames();
  const { nameOf: locationName } = useLocations();
  const [file, setFile] = createSignal<File>();
  const [fileError, setFileError] = createSignal<string>();
  const [step, setStep] = createSignal<Step>({ kind: 'choose' });
  let results: HTMLHeadingElement | undefined;
  const showResults = () => queueMicrotask(() => results?.focus());

  async function preview(event: SubmitEvent) {
    event.preventDefault();
    const chosen = file();
    if (!chosen) {
      setFileError('Choose a CSV file.');
      return;
    }
    setStep({ kind: 'previewing' });
    try {
      setStep({ kind: 'preview', result: await importCsv(await chosen.text(), true) });
    } catch (error) {
      setStep({ kind: 'failed', error });
    }
    showResults();
  }

  async function apply(preview: ImportResult) {
    const chosen = file();
    if (!chosen) return;
    setStep({ kind: 'applying', result: preview });
    try {
      setStep({ kind: 'applied', result: await importCsv(await chosen.text(), false) });
    } catch (error) {
      setStep({ kind: 'failed', error, preview });
    }
    showResults();
  }

  const shown = () => {
    const current = step();
    return 'result' in current ? current.result : current.kind === 'failed' ? current.preview : undefined;
  };

  return (
    <section aria-labelledby="import-title">
      <div class="page-head">
        <h1 id="import-title">Import stock counts</h1>
      </div>
      <Show
        when={can('clerk')}
        fallback={
          <p class="notice">
            Importing stock counts needs a clerk or a manager. The <A href="/admin/board">stock board</A>{' '}
            shows the counts as they stand.
          </p>
        }
      >
        <form class="card form" aria-label="Choose a file to import" onSubmit={preview} noValidate>
          <Field
            label="CSV file"
            error={fileError()}
            hint="Stock counts with the header productId,locationId,counted (an empty locationId is the default location). You see what it would change before anything is applied."
          >
            {(control) => (
              <input
                {...control}
                type="file"
                class="input"
                accept=".csv,text/csv"
                onChange={(event) => {
                  setFile(event.currentTarget.files?.[0]);
                  setFileError(undefined);
                  setStep({ kind: 'choose' });
                }}
              />
            )}
          </Field>
          <div class="actions">
            <button type="submit" class="button button-primary" disabled={step().kind === 'previewing'}>
              {step().kind === 'previewing' ? 'Checking…' : 'Preview changes'}
            </button>
          </div>
        </form>

        <Show when={step().kind !== 'choose' && step().kind !== 'previewing'}>
          <section class="import-results" aria-labelledby="import-results-title">
            <h2 id="import-results-title" ref={results} tabindex="-1">
              <Switch>
                <Match when={step().kind === 'applied'}>Applied {file()?.name}</Match>
                <Match when={step().kind === 'failed'}>Import of {file()?.name} failed</Match>
                <Match when={true}>Preview of {file()?.name}</Match>
              </Switch>
            </h2>
            <Show when={step().kind === 'failed' && step()}>
              {(failed) => <ErrorNotice error={(failed() as { error: unknown }).error} />}
            </Show>
            <Show when={shown()}>
              {(result) => (
                <>
                  <Summary result={result()} applied={step().kind === 'applied'} />
                  <Show when={result().errors.length > 0}>
                    <h3>Errors</h3>
                    <div class="table-wrap">
                      <table class="table import-errors">
                        <caption class="visually-hidden">Rows with errors</caption>
                        <thead>
                          <tr>
                            <th scope="col" class="num">
                              Line
                            </th>
                            <th scope="col">Error</th>
                          </tr>
                        </thead>
                        <tbody>
                          <For each={result().errors}>
                            {(error) => (
                              <tr class="row-error">
                                <th scope="row" class="num">
                                  {error.line}
                                </th>
                                <td>{error.message}</td>
                              </tr>
                            )}
                          </For>
                        </tbody>
                      </table>
                    </div>
                  </Show>
                  <Show when={result().rows.length > 0}>
                    <h3>Rows</h3>
                    <div class="table-wrap">
                      <table class="table import-changes">
                        <caption class="visually-hidden">Rows and what they change</caption>
                        <thead>
                          <tr>
                            <th scope="col" class="num">
                              Line
                            </th>
                            <th scope="col">Product</th>
                            <th scope="col">Location</th>
                            <th scope="col" class="num">
                              Before
                            </th>
                            <th scope="col" class="num">
                              After
                            </th>
                            <th scope="col" class="num">
                              Change
                            </th>
                          </tr>
                        </thead>
                        <tbody>
                          <For each={result().rows}>
                            {(row) => (
                              <tr>
                                <th scope="row" class="num">
                                  {row.line}
                                </th>
                                <td>{productName(row.productId)}</td>
                                <td>{locationName(row.locationId)}</td>
                                <td class="num">{row.before}</td>
                                <td class="num">{row.after}</td>
                                <td class="num strong">
                                  {row.delta === 0
                                    ? 'no change'
                                    : row.delta > 0
                                      ? `+${row.delta}`
                                      : row.delta}
                                </td>
                              </tr>
                            )}
                          </For>
                        </tbody>
                      </table>
                    </div>
                  </Show>
                  <Show when={step().kind === 'preview' || step().kind === 'applying'}>
                    <div class="actions">
                      <button
                        type="button"
                        class="button button-primary"
                        disabled={result().errors.length > 0 || step().kind === 'applying'}
                        onClick={() => apply(result())}
                      >
                        {step().kind === 'applying'
                          ? 'Applying…'
                          : `Apply ${plural(result().rows.length, 'row')}`}
                      </button>
                      <Show when={result().errors.length > 0}>
                        <p class="muted">
                          Fix the errors in the file and preview it again; nothing is applied until then.
                        </p>
                      </Show>
                    </div>
                  </Show>
                </>
              )}
            </Show>
          </section>
        </Show>
      </Show>
    </section>
  );
}

function Summary(props: { result: ImportResult; applied: boolean }) {
  const changes = () => props.result.rows.filter((row) => row.delta !== 0).length;
  const outcome = () => {
    if (props.result.alreadyApplied) return ' This file was applied before: nothing changed now.';
    return props.applied ? ' Applied.' : '';
  };
  return (
    <p class={`notice ${props.result.errors.length ? 'notice-error' : 'notice-success'}`}>
      {plural(props.result.rows.length + props.result.errors.length, 'row')}: {plural(changes(), 'change')},{' '}
      {plural(props.result.errors.length, 'error')}.{outcome()}
    </p>
  );
}
