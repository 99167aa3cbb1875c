/**
 * @module Stock counts imported from CSV (`productId,locationId,counted`; an empty location is the
 * default one): read as the body streams in and hashed on the way, checked row by row (every error
 * with its line number), previewed against the current levels (every row's change), then applied as
 * cycle counts in chunks, each chunk once (deduplicated by the file's hash and the chunk's index
 * like a consumed event), so applying a file twice changes nothing the second time.
 */
import { createHash } from 'node:crypto';
import {
  DEFAULT_LOCATION_ID,
  type ImportResult,
  type Location,
  LocationId,
  Product,
} from '@stockflow/contracts';
import { readCsv } from './csv.ts';
import { levelsAt, type StockItem } from './stock.ts';

export const IMPORT_HEADER = ['productId', 'locationId', 'counted'] as const;
/** Rows per applied chunk: one group commit each (a stock document, a movement and an event per row). */
export const IMPORT_CHUNK_ROWS = 100;
/** A file may hold this many rows at most. */
export const MAX_IMPORT_ROWS = 100_000;

export interface ImportRow {
  line: number;
  productId: string;
  locationId: string;
  counted: number;
}

export interface ReadImport {
  fileHash: string;
  rows: ImportRow[];
  errors: ImportResult['errors'];
}

/** Reads and checks a CSV import as it streams; the file's SHA-256 comes with it. */
export async function readImport(
  body: ReadableStream<Uint8Array>,
  locations: readonly Location[],
): Promise<ReadImport> {
  const hash = createHash('sha256');
  const rows: ImportRow[] = [];
  const errors: ImportResult['errors'] = [];
  const seen = new Map<string, number>();
  const known = new Set(locations.map((location) => location.id));
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
        const names = fields.map((field) => field.trim());
        if (names.join(',') !== IMPORT_HEADER.join(',')) {
          errors.push({ line, message: `the header must be ${IMPORT_HEADER.join(',')}` });
          break;
        }
        continue;
      }
      if (rows.length + errors.length >= MAX_IMPORT_ROWS) {
        errors.push({ line, message: `a file may hold at most ${MAX_IMPORT_ROWS} rows` });
        break;
      }
      const problem = checkRow(fields, known);
      if (typeof problem === 'string') {
        errors.push({ line, message: problem });
        continue;
      }
      const key = `${problem.productId}@${problem.locationId}`;
      const first = seen.get(key);
      if (first !== undefined) {
        errors.push({ line, message: `${key} was counted on line ${first} already` });
        continue;
      }
      seen.set(key, line);
      rows.push({ line, ...problem });
    }
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    errors.push({ line: 0, message: 'the file is not UTF-8 text' });
  }
  if (header && !errors.length) errors.push({ line: 1, message: 'the file is empty' });
  return { fileHash: hash.digest('hex'), rows, errors };
}

/** A row's values, or what is wrong with it. */
function checkRow(fields: string[], known: ReadonlySet<string>): Omit<ImportRow, 'line'> | string {
  if (fields.length !== IMPORT_HEADER.length)
    return `expected ${IMPORT_HEADER.length} fields, found ${fields.length}`;
  const [productId, location, counted] = fields.map((field) => field.trim()) as [string, string, string];
  if (!Product.shape.id.safeParse(productId).success) return `"${productId}" cannot be a product id`;
  const locationId = location || DEFAULT_LOCATION_ID;
  if (!LocationId.safeParse(locationId).success || !known.has(locationId))
    return `there is no location "${locationId}"`;
  if (!/^\d{1,10}$/.test(counted) || Number(counted) > 1_000_000_000) {
    return `counted must be a whole number from 0 to 1000000000, not "${counted}"`;
  }
  return { productId, locationId, counted: Number(counted) };
}

/** Each row's change against the current levels; a count below what is reserved there is an error. */
export function previewImport(
  read: ReadImport,
  items: ReadonlyMap<string, StockItem>,
): Pick<ImportResult, 'rows' | 'errors'> {
  const errors = [...read.errors];
  const rows: ImportResult['rows'] = [];
  for (const row of read.rows) {
    const at = levelsAt(items.get(row.productId), row.locationId);
    if (row.counted < at.reserved) {
      errors.push({
        line: row.line,
        message: `${row.productId} has ${at.reserved} reserved at ${row.locationId}: counted ${row.counted} is less`,
      });
      continue;
    }
    rows.push({
      line: row.line,
      productId: row.productId,
      locationId: row.locationId,
      before: at.onHand,
      after: row.counted,
      delta: row.counted - at.onHand,
    });
  }
  errors.sort((a, b) => a.line - b.line);
  return { rows, errors };
}

/** The rows in chunks of IMPORT_CHUNK_ROWS, in file order. */
export const chunksOf = <T>(rows: readonly T[], size = IMPORT_CHUNK_ROWS): T[][] =>
  Array.from({ length: Math.ceil(rows.length / size) }, (_, i) => rows.slice(i * size, (i + 1) * size));
