/**
 * @module The CSV import of stock counts (inventory) or products (catalog): choose which, pick a
 * file, see a dry run first (every row's change and every row's error, by line number), then apply
 * it. A file with errors applies nothing, so Apply waits for a clean preview; applying the same
 * file twice changes nothing (the function keys it by its hash and says so). The file goes to the
 * server as the text it holds, never parsed here. Importing stock counts is a clerk's, products a
 * manager's (even a dry run is refused below that): each sees the kinds their role may import, and a
 * viewer gets a note pointing at the stock board instead.
 */
import { A } from '@solidjs/router';
import { batch, createSignal, For, type JSX, Match, Show, Switch } from 'solid-js';
import { Field } from '../components/Field.tsx';
import { ErrorNotice } from '../components/States.tsx';
import { can, type StaffRole } from '../lib/admin-session.ts';
import { type ImportResult, importCsv, importProductsCsv, type ProductImportResult } from '../lib/api.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { useLocations, useProductNames } from './inventory-data.ts';

/** What a file holds, and where it goes. */
type ImportKind = 'stock' | 'products';
type AnyImport = ImportResult | ProductImportResult;
type StockRow = ImportResult['rows'][number];
type ProductRow = ProductImportResult['rows'][number];

const KINDS: Record<
  ImportKind,
  {
    label: string;
    hint: string;
    role: StaffRole;
    send: (csv: string, dryRun: boolean) => Promise<AnyImport>;
  }
> = {
  stock: {
    label: 'Stock counts',
    role: 'clerk',
    hint: 'Stock counts with the header productId,locationId,counted (an empty locationId is the default location).',
    send: importCsv,
  },
  products: {
    label: 'Products',
    role: 'manager',
    hint: 'Products with the header sku,name,priceCents,currency and any of category,description,imageUrl,status: a known sku updates its product, a new one creates it.',
    send: importProductsCsv,
  },
};

/** A products import's rows (told by their shape: the choice may change while a result shows). */
const isProductRows = (rows: AnyImport['rows']): rows is ProductRow[] => rows.some((row) => 'change' in row);

/** Whether a row changes anything. */
const changes = (row: StockRow | ProductRow) =>
  'delta' in row ? row.delta !== 0 : row.change !== 'unchanged';

type Step =
  | { kind: 'choose' }
  | { kind: 'previewing' }
  | { kind: 'preview'; result: AnyImport }
  | { kind: 'applying'; result: AnyImport }
  | { kind: 'applied'; result: AnyImport }
  | { kind: 'failed'; error: unknown; preview?: AnyImport };

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

export default function StockImport() {
  usePageTitle(() => 'Import');
  const productName = useProductNames();
  const { nameOf: locationName } = useLocations();
  const [what, setWhat] = createSignal<ImportKind>('stock');
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
      setStep({ kind: 'preview', result: await KINDS[what()].send(await chosen.text(), true) });
    } catch (error) {
      setStep({ kind: 'failed', error });
    }
    showResults();
  }

  async function apply(preview: AnyImport) {
    const chosen = file();
    if (!chosen) return;
    setStep({ kind: 'applying', result: preview });
    try {
      setStep({ kind: 'applied', result: await KINDS[what()].send(await chosen.text(), false) });
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
        <h1 id="import-title">Import {KINDS[what()].label.toLowerCase()}</h1>
      </div>
      <Show
        when={can('clerk')}
        fallback={
          <p class="notice">
            Importing stock counts needs a clerk or a manager (products: a manager). The{' '}
            <A href="/admin/board">stock board</A> shows the counts as they stand.
          </p>
        }
      >
        <form class="card form" aria-label="Choose a file to import" onSubmit={preview} noValidate>
          <fieldset class="choice">
            <legend>The file holds</legend>
            <For
              each={(Object.entries(KINDS) as Array<[ImportKind, (typeof KINDS)[ImportKind]]>).filter(
                ([, kind]) => can(kind.role),
              )}
            >
              {([kind, { label }]) => (
                <label class="choice-option">
                  <input
                    type="radio"
                    name="import-kind"
                    value={kind}
                    checked={what() === kind}
                    onChange={() =>
                      batch(() => {
                        setStep({ kind: 'choose' });
                        setWhat(kind);
                      })
                    }
                  />{' '}
                  {label}
                </label>
              )}
            </For>
          </fieldset>
          <Field
            label="CSV file"
            error={fileError()}
            hint={`${KINDS[what()].hint} You see what it would change before anything is applied.`}
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
                    <Show
                      when={isProductRows(result().rows)}
                      fallback={
                        <StockRows
                          rows={result().rows as StockRow[]}
                          productName={productName}
                          locationName={locationName}
                        />
                      }
                    >
                      <ProductRows rows={result().rows as ProductRow[]} />
                    </Show>
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

function Summary(props: { result: AnyImport; applied: boolean }) {
  const changed = () => (props.result.rows as Array<StockRow | ProductRow>).filter(changes).length;
  const outcome = () => {
    if (props.result.alreadyApplied) return ' This file was applied before: nothing changed now.';
    return props.applied ? ' Applied.' : '';
  };
  return (
    <p class={`notice ${props.result.errors.length ? 'notice-error' : 'notice-success'}`}>
      {plural(props.result.rows.length + props.result.errors.length, 'row')}: {plural(changed(), 'change')},{' '}
      {plural(props.result.errors.length, 'error')}.{outcome()}
    </p>
  );
}

/** The rows of an import as a table: the line, then the kind's own columns (`num` ones right-aligned). */
function RowsTable<Row extends { line: number }>(props: {
  columns: Array<[label: string, numeric?: boolean]>;
  rows: Row[];
  cells: (row: Row) => JSX.Element;
}) {
  return (
    <div class="table-wrap">
      <table class="table import-changes">
        <caption class="visually-hidden">Rows and what they change</caption>
        <thead>
          <tr>
            <th scope="col" class="num">
              Line
            </th>
            <For each={props.columns}>
              {([label, numeric]) => (
                <th scope="col" class={numeric ? 'num' : undefined}>
                  {label}
                </th>
              )}
            </For>
          </tr>
        </thead>
        <tbody>
          <For each={props.rows}>
            {(row) => (
              <tr>
                <th scope="row" class="num">
                  {row.line}
                </th>
                {props.cells(row)}
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </div>
  );
}

function StockRows(props: {
  rows: StockRow[];
  productName: (id: string) => string;
  locationName: (id: string) => string;
}) {
  return (
    <RowsTable
      columns={[['Product'], ['Location'], ['Before', true], ['After', true], ['Change', true]]}
      rows={props.rows}
      cells={(row) => (
        <>
          <td>{props.productName(row.productId)}</td>
          <td>{props.locationName(row.locationId)}</td>
          <td class="num">{row.before}</td>
          <td class="num">{row.after}</td>
          <td class="num strong">
            {row.delta === 0 ? 'no change' : row.delta > 0 ? `+${row.delta}` : row.delta}
          </td>
        </>
      )}
    />
  );
}

const shownValue = (value: string | number | undefined) => (value === undefined ? '(none)' : String(value));

/** A products import's rows: what each does to the product with its sku, field by field. */
function ProductRows(props: { rows: ProductRow[] }) {
  return (
    <RowsTable
      columns={[['SKU'], ['Change'], ['Fields']]}
      rows={props.rows}
      cells={(row) => (
        <>
          <td>{row.sku}</td>
          <td class="strong">{row.change === 'unchanged' ? 'no change' : row.change}</td>
          <td>
            {Object.entries(row.fields)
              .map(([field, { before, after }]) =>
                row.change === 'create'
                  ? `${field}: ${shownValue(after)}`
                  : `${field}: ${shownValue(before)} → ${shownValue(after)}`,
              )
              .join('; ')}
          </td>
        </>
      )}
    />
  );
}
