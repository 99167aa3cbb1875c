/**
 * @module CSV in (RFC 4180), streamed: records read with csv-parse's web-stream parser as the body
 * arrives, each with its line number, for every function that imports a file (inventory's stock
 * counts, catalog's products): checked row by row with every error's line number, and hashed. A subpath of its own (`@stockflow/kit/csv`): functions that import
 * no files never load csv-parse.
 */
import { createHash } from 'node:crypto';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { CsvError } from 'csv-parse/stream';
import type { Context } from 'hono';
import { badRequest, Problem } from './problem.ts';

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
  // csv-parse loads with the first import, not with the function: imports are no part of a cold start.
  const { parse } = await import('csv-parse/stream');
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

/** An imported file's rows in chunks of `size` (one transaction each), in file order. */
export const chunksOf = <T>(rows: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(rows.length / size) }, (_, i) => rows.slice(i * size, (i + 1) * size));

/** A line of an imported file and what is wrong with it (line 0: the file as a whole). */
export interface CsvLineError {
  line: number;
  message: string;
}

/** How one kind of import reads its file: the header, each row, and what makes two rows the same. */
export interface CsvImportShape<Row> {
  /** At most this many rows (and errors) are read; the next line is an error that ends the file. */
  maxRows: number;
  /** What is wrong with the header, if anything (it ends the file). */
  header(fields: string[]): string | undefined;
  /** The row's values, or what is wrong with it. */
  row(fields: string[], line: number): Row | string;
  /** Rows with the same key are one row given twice: the second is an error. */
  key(row: Row): string;
  duplicate(key: string, firstLine: number): string;
}

export interface CsvImport<Row> {
  /** The file's SHA-256 (hex): what makes applying it idempotent. */
  fileHash: string;
  rows: Row[];
  errors: CsvLineError[];
}

/**
 * Reads an imported CSV file as it streams, hashing it on the way: the header, then each row
 * checked (every error with its line number, reading on), duplicates refused, in file order.
 */
export async function readCsvImport<Row>(
  body: ReadableStream<Uint8Array>,
  shape: CsvImportShape<Row>,
): Promise<CsvImport<Row>> {
  const hash = createHash('sha256');
  const rows: Row[] = [];
  const errors: CsvLineError[] = [];
  const seen = new Map<string, number>();
  let header = true;
  try {
    for await (const record of readCsv(body, (bytes) => hash.update(bytes))) {
      if ('error' in record) {
        errors.push({ line: record.line, message: record.error });
        continue;
      }
      const { line, fields } = record;
      if (header) {
        header = false;
        const problem = shape.header(fields);
        if (problem === undefined) continue;
        errors.push({ line, message: problem });
        break;
      }
      if (rows.length + errors.length >= shape.maxRows) {
        errors.push({ line, message: `a file may hold at most ${shape.maxRows} rows` });
        break;
      }
      const row = shape.row(fields, line);
      if (typeof row === 'string') {
        errors.push({ line, message: row });
        continue;
      }
      const key = shape.key(row);
      const first = seen.get(key);
      if (first !== undefined) {
        errors.push({ line, message: shape.duplicate(key, first) });
        continue;
      }
      seen.set(key, line);
      rows.push(row);
    }
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    errors.push({ line: 0, message: 'the file is not UTF-8 text' });
  }
  if (header && !errors.length) errors.push({ line: 1, message: 'the file is empty' });
  return { fileHash: hash.digest('hex'), rows, errors };
}

/** The body of a CSV upload as a stream: 415 unless it is `text/csv`, 400 when there is none. */
export function csvBody(c: Context): ReadableStream<Uint8Array> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'text/csv') {
    throw new Problem(415, 'Unsupported Media Type', { detail: 'Send the file as text/csv.' });
  }
  const body = c.req.raw.body;
  if (!body) throw badRequest('The body is empty.');
  return body;
}
