/**
 * @module Products imported from CSV: read as the body streams in and hashed on the way, checked
 * row by row (every error with its line number), planned against the current catalog (each row
 * creates, updates or leaves a product, with the fields it changes), then applied in chunks, each
 * chunk once (deduplicated by the file's hash and the chunk's index), so applying a file twice
 * changes nothing the second time. Planning is pure and runs again inside each chunk's transaction.
 */
import {
  NewProduct,
  PRODUCT_IMPORT_COLUMNS,
  type Product,
  ProductChanges,
  type ProductImportColumn,
  type ProductImportResult,
} from '@stockflow/contracts';
import { type CsvImport, readCsvImport } from '@stockflow/kit/csv';
import * as z from 'zod/mini';
import { archiveProduct, changeProduct, createProduct, type ProductEvent, skuKey } from './product.ts';

/** Rows per applied chunk: one transaction each (a product, its sku, its events and category counts). */
export const IMPORT_CHUNK_ROWS = 100;
/** A file may hold this many rows at most. */
export const MAX_IMPORT_ROWS = 100_000;

const REQUIRED: readonly ProductImportColumn[] = ['sku', 'name', 'priceCents', 'currency'];
/** Optional text fields: a column left out leaves the field as it is; an empty cell removes it. */
const OPTIONAL = ['category', 'description', 'imageUrl'] as const;

export type ImportError = ProductImportResult['errors'][number];
export type PlannedRow = ProductImportResult['rows'][number];

/** A checked row: a product's new values (`null` removes an optional field) and its status. */
export interface ImportRow {
  line: number;
  sku: string;
  values: NewProduct & ProductChanges;
  /** Absent when the file has no status column. */
  status?: Product['status'];
}

export type ReadImport = CsvImport<ImportRow>;

/** Reads and checks a products CSV as it streams; the file's SHA-256 comes with it. */
export function readImport(body: ReadableStream<Uint8Array>): Promise<ReadImport> {
  let columns: ProductImportColumn[] = [];
  return readCsvImport<ImportRow>(body, {
    maxRows: MAX_IMPORT_ROWS,
    header: (fields) => {
      const header = readHeader(fields);
      if (typeof header === 'string') return header;
      columns = header;
      return undefined;
    },
    row: (fields, line) => checkRow(line, fields, columns),
    key: (row) => skuKey(row.sku),
    duplicate: (_key, first) => `the sku is on line ${first} already`,
  });
}

/** The header's columns, or what is wrong with it. */
function readHeader(fields: string[]): ProductImportColumn[] | string {
  const names = fields.map((field) => field.trim());
  const known = new Set<string>(PRODUCT_IMPORT_COLUMNS);
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length)
    return `unknown column ${unknown.join(', ')} (columns: ${PRODUCT_IMPORT_COLUMNS.join(',')})`;
  if (new Set(names).size !== names.length) return 'a column is named twice';
  const missing = REQUIRED.filter((name) => !names.includes(name));
  if (missing.length) return `the header must name ${missing.join(', ')}`;
  return names as ProductImportColumn[];
}

/** A row's values, or what is wrong with it (the first problem, in the words of the API's checks). */
function checkRow(
  line: number,
  fields: string[],
  columns: readonly ProductImportColumn[],
): ImportRow | string {
  if (fields.length !== columns.length) return `expected ${columns.length} fields, found ${fields.length}`;
  const cell = new Map(columns.map((column, i) => [column, fields[i]!.trim()]));
  const price = cell.get('priceCents')!;
  if (!/^\d{1,12}$/.test(price)) return `priceCents must be a whole number of cents, not "${price}"`;
  const values: Record<string, unknown> = {
    sku: cell.get('sku'),
    name: cell.get('name'),
    priceCents: Number(price),
    currency: cell.get('currency'),
  };
  for (const field of OPTIONAL) if (cell.has(field)) values[field] = cell.get(field) || null;
  const status = cell.get('status') || undefined;
  if (status !== undefined && status !== 'active' && status !== 'archived')
    return `status must be active or archived, not "${status}"`;
  // A new product's shape with removals allowed: ProductChanges checks each field as PATCH does.
  const checked = ProductChanges.safeParse(values);
  const required = z.pick(NewProduct, { sku: true, name: true }).safeParse(values);
  const issue = (checked.error ?? required.error)?.issues[0];
  if (issue) return `${issue.path.join('.') || 'row'}: ${issue.message}`;
  return {
    line,
    sku: required.data!.sku,
    values: { ...(checked.data as NewProduct & ProductChanges), sku: required.data!.sku },
    ...(status ? { status } : {}),
  };
}

/** What a row does to the catalog: the product after it and the events announcing it. */
export interface RowOutcome {
  planned: PlannedRow;
  before?: Product;
  after?: Product;
  events: ProductEvent[];
}

const DIFFED = ['name', 'priceCents', 'currency', 'category', 'description', 'imageUrl', 'status'] as const;

/** The fields that differ between two states of a product (either may be absent). */
function fieldChanges(before: Product | undefined, after: Product): PlannedRow['fields'] {
  const fields: PlannedRow['fields'] = {};
  for (const field of DIFFED) {
    if (before?.[field] === after[field]) continue;
    fields[field] = {
      ...(before?.[field] !== undefined ? { before: before[field] } : {}),
      ...(after[field] !== undefined ? { after: after[field] } : {}),
    };
  }
  return fields;
}

/**
 * Decides one row against the product holding its sku (if any): create, update (changed fields,
 * then an archive when the row says so) or unchanged; an error for what the catalog refuses.
 */
export function planRow(
  row: ImportRow,
  existing: Product | undefined,
  newId: () => string,
  now: string,
): RowOutcome | ImportError {
  if (!existing) {
    if (row.status === 'archived')
      return { line: row.line, message: `a new product (${row.sku}) cannot start archived` };
    const { product, event } = createProduct(newId(), stripRemovals(row.values), now);
    return {
      planned: { line: row.line, sku: row.sku, change: 'create', fields: fieldChanges(undefined, product) },
      after: product,
      events: [event],
    };
  }
  // The sku is the row's key: a different spelling (case) of the same sku is not a change.
  const changes = { ...row.values, sku: undefined };
  if (existing.status === 'archived') {
    // An archived product takes no changes, but a row that repeats it as it is (a file exported
    // and imported again) is no error.
    if (row.status === 'active')
      return { line: row.line, message: `${row.sku} is archived and cannot be made active again` };
    if (changeProduct({ ...existing, status: 'active' }, changes, now).event)
      return { line: row.line, message: `${row.sku} is archived and cannot change` };
    return { planned: unchanged(row, existing), before: existing, events: [] };
  }
  const events: ProductEvent[] = [];
  const changed = changeProduct(existing, changes, now);
  let product = changed.product;
  if (changed.event) events.push(changed.event);
  if (row.status === 'archived') {
    const archived = archiveProduct(product, now);
    product = archived.product;
    if (archived.event) events.push(archived.event);
  }
  if (!events.length) return { planned: unchanged(row, existing), before: existing, events };
  const planned: PlannedRow = {
    line: row.line,
    sku: row.sku,
    productId: existing.id,
    change: 'update',
    fields: fieldChanges(existing, product),
  };
  return { planned, before: existing, after: product, events };
}

const unchanged = (row: ImportRow, product: Product): PlannedRow => ({
  line: row.line,
  sku: row.sku,
  productId: product.id,
  change: 'unchanged',
  fields: {},
});

/** A new product takes no removals: `null` means "none" there. */
function stripRemovals(values: ImportRow['values']): NewProduct {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null)) as NewProduct;
}

/** Each row's plan against the products holding their skus, and the errors (all, by line). */
export function previewImport(
  read: ReadImport,
  bySku: ReadonlyMap<string, Product>,
  now: string,
): Pick<ProductImportResult, 'rows' | 'errors'> {
  const errors = [...read.errors];
  const rows: PlannedRow[] = [];
  for (const row of read.rows) {
    const outcome = planRow(row, bySku.get(skuKey(row.sku)), () => '', now);
    if ('message' in outcome) errors.push(outcome);
    else rows.push(outcome.planned);
  }
  errors.sort((a, b) => a.line - b.line);
  return { rows, errors };
}
