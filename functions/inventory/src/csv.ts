/**
 * @module CSV out (RFC 4180), streamed: written with csv-stringify one page of rows at a time (the
 * reader of imported files is `@stockflow/kit/csv`).
 */
import { stringify } from 'csv-stringify/sync';

/**
 * Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first: notes and
 * references come from people) gets a leading `'`, as OWASP advises; numbers are written as they are.
 */
const defuse = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

/** Rows as CSV text (CRLF line ends, quoted where a field needs it, formulas defused). */
export const csvRows = (rows: ReadonlyArray<ReadonlyArray<string | number | undefined>>): string =>
  stringify(rows as unknown[][], { record_delimiter: 'windows', cast: { string: defuse } });

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
        controller.enqueue(encoder.encode(csvRows([header])));
        return;
      }
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(encoder.encode(csvRows(value)));
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
