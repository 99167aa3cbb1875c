/**
 * @module CSV out (RFC 4180), streamed: written with csv-stringify one page of rows at a time (the
 * reader of imported files is `@stockflow/kit/csv`).
 */
type Stringify = typeof import('csv-stringify/sync').stringify;

/** csv-stringify, loaded with the first export: exports are no part of a cold start. */
let loading: Promise<Stringify> | undefined;
const loadStringify = (): Promise<Stringify> => {
  loading ??= import('csv-stringify/sync').then((module) => module.stringify);
  return loading;
};

/**
 * Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first: notes and
 * references come from people) gets a leading `'`, as OWASP advises; numbers are written as they are.
 */
const defuse = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

/** Rows as CSV text (CRLF line ends, quoted where a field needs it, formulas defused). */
export async function csvRows(
  rows: ReadonlyArray<ReadonlyArray<string | number | undefined>>,
): Promise<string> {
  const stringify = await loadStringify();
  return stringify(rows as unknown[][], { record_delimiter: 'windows', cast: { string: defuse } });
}

/** A `text/csv` response streamed from pages of rows (pulled one page at a time). */
export function csvResponse(
  filename: string,
  header: readonly string[],
  pages: AsyncIterable<ReadonlyArray<ReadonlyArray<string | number | undefined>>>,
): Response {
  const encoder = new TextEncoder();
  const iterator = pages[Symbol.asyncIterator]();
  let started = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(await csvRows([header])));
        return;
      }
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(encoder.encode(await csvRows(value)));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${filename}"`,
    },
  });
}
