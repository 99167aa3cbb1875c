/**
 * @module Stock counts imported from CSV (`productId,locationId,counted`; an empty location is the
 * default one): read as the body streams in and hashed on the way, checked row by row (every error
 * with its line number), previewed against the current levels (every row's change), then applied as
 * cycle counts in chunks, each chunk once (deduplicated by the file's hash and the chunk's index
 * like a consumed event), so applying a file twice changes nothing the second time.
 */
import {
  DEFAULT_LOCATION_ID,
  type ImportResult,
  type Location,
  LocationId,
  Product,
} from '@stockflow/contracts';
import { type CsvImport, readCsvImport } from '@stockflow/kit/csv';
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

export type ReadImport = CsvImport<ImportRow>;

/** Reads and checks a CSV import as it streams; the file's SHA-256 comes with it. */
export function readImport(
  body: ReadableStream<Uint8Array>,
  locations: readonly Location[],
): Promise<ReadImport> {
  const known = new Set(locations.map((location) => location.id));
  return readCsvImport<ImportRow>(body, {
    maxRows: MAX_IMPORT_ROWS,
    header: (fields) =>
      fields.map((field) => field.trim()).join(',') === IMPORT_HEADER.join(',')
        ? undefined
        : `the header must be ${IMPORT_HEADER.join(',')}`,
    row: (fields, line) => {
      const row = checkRow(fields, known);
      return typeof row === 'string' ? row : { line, ...row };
    },
    key: (row) => `${row.productId}@${row.locationId}`,
    duplicate: (key, first) => `${key} was counted on line ${first} already`,
  });
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
