/**
 * @module CSV in and out (RFC 4180), streamed both ways: read with csv-parse's web-stream parser as
 * the body arrives, written with csv-stringify one page of rows at a time.
 */
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { type CsvError, parse } from 'csv-parse/stream';
import { stringify } from 'csv-stringify/sync';

/** A record longer than this is an error (a file without line breaks would otherwise pile up in memory). */
export const MAX_LINE_CHARS = 4096;

/** One CSV record. */
export interface CsvRecord {
  /** 1-based line number in the file where the record ends (the header is line 1). */
  line: number;
  fields: string[];
}

/** A record the parser could not read (a quoted field that never closes: it runs to the file's end). */
export interface CsvProblem {
  line: number;
  error: string;
}

/**
 * Hands each chunk of bytes to `onBytes` (to hash the file on the way) and passes it on unchanged;
 * errors the stream (a TypeError) when the bytes are not UTF-8, which csv-parse would decode with
 * replacement characters instead.
 */
function checkedUtf8(onBytes: (bytes: Uint8Array) => void): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return new TransformStream({
    transform(chunk, controller) {
      onBytes(chunk);
      decoder.decode(chunk, { stream: true });
      controller.enqueue(chunk);
    },
    flush() {
      decoder.decode();
    },
  });
}

/**
 * The records of a CSV byte stream as they arrive, in file order with their line numbers; blank
 * lines are skipped, a record the parser cannot read is a problem of its line and reading goes on,
 * and a record longer than MAX_LINE_CHARS is a problem that ends the file. Fields keep their
 * spaces; how many a record has is the caller's to check.
 */
export async function* readCsv(
  body: ReadableStream<Uint8Array>,
  onBytes: (bytes: Uint8Array) => void = () => {},
): AsyncGenerator<CsvRecord | CsvProblem> {
  // Problems arrive through on_skip as the parser meets them, ahead of the records read after them.
  const problems: CsvProblem[] = [];
  const parser = parse({
    bom: true,
    info: true,
    relax_column_count: true,
    // A stray quote stays in its field (`"a"b` is `"a"b`), which the caller's checks refuse with its
    // line; strict, csv-parse would lose its place and swallow the lines after it.
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_LINE_CHARS,
    // Either line end, even both in one file (edited in two tools): csv-parse would keep the first.
    record_delimiter: ['\r\n', '\n'],
    on_skip(error) {
      // Thrown from on_skip, the error ends the parse: an overlong record does not end by itself.
      if (error?.code === 'CSV_MAX_RECORD_SIZE') throw error;
      if (error) problems.push({ line: Number(error.lines), error: problemOf(error) });
    },
  });
  const problemsBefore = function* (line: number) {
    while (problems.length && problems[0]!.line <= line) yield problems.shift()!;
  };
  try {
    const records = body
      .pipeThrough(checkedUtf8(onBytes))
      .pipeThrough(parser) as unknown as NodeReadableStream<{ record: string[]; info: { lines: number } }>;
    for await (const { record, info } of records) {
      yield* problemsBefore(info.lines);
      // A line of spaces is blank too.
      if (record.length === 1 && !record[0]!.trim()) continue;
      yield { line: info.lines, fields: record };
    }
  } catch (error) {
    if ((error as CsvError).code !== 'CSV_MAX_RECORD_SIZE') throw error;
    yield* problemsBefore(Number.POSITIVE_INFINITY);
    yield {
      line: Number((error as CsvError).lines),
      error: `a line is longer than ${MAX_LINE_CHARS} characters`,
    };
    return;
  }
  yield* problemsBefore(Number.POSITIVE_INFINITY);
}

/** What is wrong with a record csv-parse skipped, in the words of the import's other errors. */
function problemOf(error: CsvError): string {
  return error.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quoted field does not close' : error.message;
}

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
