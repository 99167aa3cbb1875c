/**
 * @module The catalog's Firestore adapter (database `catalog`): `products` (each with its sort and
 * search keys), `skus` (one document per sku key, created in the product's transaction: the guard
 * that keeps skus unique under any concurrency), `imports` (applied CSV files and chunks) and `categories` (the count of active products per
 * category, so listing categories reads a handful of documents, not the catalog).
 */
import { createHash } from 'node:crypto';
import type { DocumentData, DocumentReference, Firestore } from '@google-cloud/firestore';
import { type Actor, type Page, Product } from '@stockflow/contracts';
import { readPage, type Work } from '@stockflow/kit';
import * as z from 'zod/mini';
import { normalizeSearch, SkuTakenError, searchKey, searchPrefixes, skuKey } from './product.ts';

const PRODUCTS = 'products';
const SKUS = 'skus';
const CATEGORIES = 'categories';
/** Applied imports: one document per file hash, and one per applied chunk (`hash:index`). */
const IMPORTS = 'imports';
/** Documents per batched read. */
const READ_SLICE = 300;

/** A product as stored: the product plus what queries need. */
interface ProductDocument extends Product {
  /** Sort key of every listing: the name in lower case (then the id). */
  nameKey: string;
  /** Every search query that finds the product (see searchPrefixes). */
  search: string[];
}

const toDocument = (product: Product): ProductDocument => ({
  ...product,
  nameKey: normalizeSearch(product.name),
  search: searchPrefixes(product),
});

function fromDocument(data: DocumentData): Product {
  const { nameKey: _nameKey, search: _search, ...product } = data as ProductDocument;
  return product;
}

const PRODUCT_FIELDS = Object.keys(Product.shape);

/** Document ids cannot hold `/` and are case-sensitive: keys are digests. */
const digest = (value: string) => createHash('sha256').update(value).digest('hex');

/** Where a listing continues: the last item's sort key and id. */
const Position = z.tuple([z.string(), z.string()]);

interface CategoryCount {
  ref: DocumentReference;
  name: string;
  count: number;
}

export interface ProductQuery {
  /** Finds products whose name, a word of the name, or sku starts with it (any case). */
  q?: string;
  category?: string;
  limit: number;
  cursor?: string;
}

export class CatalogStore {
  readonly #db: () => Promise<Firestore>;

  constructor(db: () => Promise<Firestore>) {
    this.#db = db;
  }

  async product(id: string): Promise<Product | undefined> {
    const snap = await (await this.#db()).collection(PRODUCTS).doc(id).get();
    return snap.exists ? fromDocument(snap.data()!) : undefined;
  }

  /** Active products by name, a page at a time. */
  async list({ q, category, limit, cursor }: ProductQuery): Promise<Page<Product>> {
    const db = await this.#db();
    let query = db.collection(PRODUCTS).where('status', '==', 'active');
    if (category) query = query.where('category', '==', category);
    const term = q ? searchKey(q) : '';
    if (term) query = query.where('search', 'array-contains', term);
    // Only the product's own fields: the search keys would multiply what each page transfers.
    query = query
      .select(...PRODUCT_FIELDS, 'nameKey')
      .orderBy('nameKey')
      .orderBy('__name__');
    return readPage(query, {
      limit,
      cursor,
      position: Position,
      at: (doc) => [doc.get('nameKey') as string, doc.id],
      item: (doc) => fromDocument(doc.data()),
    });
  }

  /** Categories that hold at least one active product, in alphabetical order. */
  async categories(): Promise<string[]> {
    const snap = await (await this.#db()).collection(CATEGORIES).orderBy('name').get();
    return snap.docs.map((doc) => doc.get('name') as string);
  }

  /** Reads a product inside a transaction. */
  async read(work: Work, id: string): Promise<Product | undefined> {
    const snap = await work.tx.get(work.db.collection(PRODUCTS).doc(id));
    return snap.exists ? fromDocument(snap.data()!) : undefined;
  }

  /** Adds a new product and claims its sku; throws SkuTakenError when another product has it. */
  async insert(work: Work, product: Product): Promise<void> {
    const holder = await work.tx.get(work.db.collection(SKUS).doc(digest(skuKey(product.sku))));
    if (holder.exists) throw new SkuTakenError(product.sku);
    const counts = await this.#readCategoryCounts(work, [[undefined, product]]);
    this.#create(work, product);
    this.#writeCategoryCounts(work, counts);
  }

  #create(work: Work, product: Product) {
    const skuRef = work.db.collection(SKUS).doc(digest(skuKey(product.sku)));
    work.tx.create(skuRef, { sku: product.sku, productId: product.id });
    work.tx.create(work.db.collection(PRODUCTS).doc(product.id), toDocument(product));
  }

  /** Replaces a product read in the same transaction by its next state. */
  async replace(work: Work, before: Product, after: Product): Promise<void> {
    const counts = await this.#readCategoryCounts(work, [[before, after]]);
    work.tx.set(work.db.collection(PRODUCTS).doc(after.id), toDocument(after));
    this.#writeCategoryCounts(work, counts);
  }

  /**
   * The products holding these skus, keyed by skuKey: read in a transaction when `work` is given
   * (an import's chunk), else as a snapshot (its preview). Reads in slices: a file may name many.
   */
  async bySku(skus: readonly string[], work?: Work): Promise<Map<string, Product>> {
    const db = work?.db ?? (await this.#db());
    const getAll = (refs: DocumentReference[]) =>
      refs.length ? (work ? work.tx.getAll(...refs) : db.getAll(...refs)) : Promise.resolve([]);
    const found = new Map<string, Product>();
    for (let start = 0; start < skus.length; start += READ_SLICE) {
      const slice = skus.slice(start, start + READ_SLICE);
      const holders = await getAll(slice.map((sku) => db.collection(SKUS).doc(digest(skuKey(sku)))));
      const ids = holders.filter((snap) => snap.exists).map((snap) => snap.get('productId') as string);
      const products = await getAll(ids.map((id) => db.collection(PRODUCTS).doc(id)));
      for (const snap of products) {
        if (!snap.exists) continue;
        const product = fromDocument(snap.data()!);
        found.set(skuKey(product.sku), product);
      }
    }
    return found;
  }

  /**
   * Writes several products' new states (read in the same transaction; `before` absent for a new
   * one, which also claims its sku, read absent by bySku) with their category counts summed.
   */
  async writeMany(
    work: Work,
    changes: ReadonlyArray<readonly [Product | undefined, Product]>,
  ): Promise<void> {
    const counts = await this.#readCategoryCounts(work, changes);
    for (const [before, after] of changes) {
      if (before) work.tx.set(work.db.collection(PRODUCTS).doc(after.id), toDocument(after));
      else this.#create(work, after);
    }
    this.#writeCategoryCounts(work, counts);
  }

  /** True when the import with this file hash was applied (or the chunk `hash:index` was). */
  async importApplied(key: string, work?: Work): Promise<boolean> {
    const ref = (work?.db ?? (await this.#db())).collection(IMPORTS).doc(key);
    return (await (work ? work.tx.get(ref) : ref.get())).exists;
  }

  /** Records an applied import (its file hash) or chunk (`hash:index`, in the chunk's transaction). */
  async markImportApplied(key: string, summary: { rows: number; actor: Actor }, work?: Work): Promise<void> {
    const record = { ...summary, appliedAt: new Date().toISOString() };
    if (work) work.tx.create(work.db.collection(IMPORTS).doc(key), record);
    else await (await this.#db()).collection(IMPORTS).doc(key).set(record);
  }

  /** The new active-product count of every category the change touches (reads: before any write). */
  async #readCategoryCounts(
    work: Work,
    changes: ReadonlyArray<readonly [Product | undefined, Product]>,
  ): Promise<CategoryCount[]> {
    const deltas = new Map<string, number>();
    const count = (product: Product | undefined, sign: number) => {
      if (product?.status === 'active' && product.category) {
        deltas.set(product.category, (deltas.get(product.category) ?? 0) + sign);
      }
    };
    for (const [before, after] of changes) {
      count(before, -1);
      count(after, 1);
    }
    const touched = [...deltas].filter(([, delta]) => delta !== 0);
    if (!touched.length) return [];
    const refs = touched.map(([name]) => work.db.collection(CATEGORIES).doc(digest(name)));
    const snaps = await work.tx.getAll(...refs);
    return touched.map(([name, delta], i) => ({
      ref: refs[i]!,
      name,
      count: ((snaps[i]!.get('count') as number | undefined) ?? 0) + delta,
    }));
  }

  #writeCategoryCounts(work: Work, counts: readonly CategoryCount[]) {
    for (const { ref, name, count } of counts) {
      if (count > 0) work.tx.set(ref, { name, count });
      else work.tx.delete(ref);
    }
  }
}
