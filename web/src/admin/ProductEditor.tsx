/**
 * @module Creating and editing a product. Fields are checked with the same schema catalog uses
 * (`NewProduct` from @stockflow/contracts), and the server's own field errors land next to the
 * same fields. An existing product also shows its stock, adjustable here by a clerk or a manager.
 */
import { A, useLocation, useNavigate, useParams } from '@solidjs/router';
import { NewProduct } from '@stockflow/contracts';
import { createEffect, createResource, createSignal, For, Match, on, Show, Switch } from 'solid-js';
import { createStore } from 'solid-js/store';
import { Field } from '../components/Field.tsx';
import { ErrorNotice, Loading } from '../components/States.tsx';
import { can } from '../lib/admin-session.ts';
import {
  ApiError,
  archiveProduct,
  createProduct,
  getProduct,
  getStockLevel,
  type Product,
  type StockLevel,
  updateProduct,
} from '../lib/api.ts';
import { moneyInput, parseMoney } from '../lib/money.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { decodeSegment } from '../lib/path-segment.ts';
import { StockAdjuster, ThresholdEditor } from './StockAdjuster.tsx';

type FieldName = 'sku' | 'name' | 'description' | 'price' | 'currency' | 'category' | 'imageUrl';
type Draft = Record<FieldName, string>;
type Errors = Partial<Record<FieldName, string>>;

const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'SEK', 'DKK', 'NOK', 'PLN', 'JPY'];

function draftOf(product?: Product): Draft {
  return {
    sku: product?.sku ?? '',
    name: product?.name ?? '',
    description: product?.description ?? '',
    price: product ? moneyInput(product.priceCents, product.currency) : '',
    currency: product?.currency ?? 'EUR',
    category: product?.category ?? '',
    imageUrl: product?.imageUrl ?? '',
  };
}

/** The form's path for a schema or server error path (`priceCents` is typed as `price`). */
const fieldOf = (path: string): FieldName | undefined => {
  const head = path.split('.')[0];
  if (head === 'priceCents') return 'price';
  return (['sku', 'name', 'description', 'currency', 'category', 'imageUrl'] as const).find(
    (f) => f === head,
  );
};

/** The product a draft describes, or the errors that keep it from being one. */
export function readDraft(draft: Draft): { product?: ReturnType<typeof NewProduct.parse>; errors: Errors } {
  const errors: Errors = {};
  const priceCents = parseMoney(draft.price, draft.currency || 'EUR');
  if (priceCents === undefined) errors.price = 'Enter a price such as 12.50.';
  const candidate = {
    sku: draft.sku,
    name: draft.name,
    description: draft.description.trim() || undefined,
    priceCents: priceCents ?? 0,
    currency: draft.currency.trim().toUpperCase(),
    category: draft.category.trim() || undefined,
    imageUrl: draft.imageUrl.trim() || undefined,
  };
  const parsed = NewProduct.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = fieldOf(issue.path.map(String).join('.'));
      if (field) errors[field] ??= messageFor(field, issue.message);
    }
  }
  return parsed.success && !Object.keys(errors).length ? { product: parsed.data, errors } : { errors };
}

function messageFor(field: FieldName, message: string): string {
  const friendly: Partial<Record<FieldName, string>> = {
    sku: 'Enter a SKU (at most 64 characters).',
    name: 'Enter a name (at most 200 characters).',
    currency: 'Use a three-letter currency code such as EUR.',
    imageUrl: 'Enter a full image address starting with https://.',
    category: 'Use at most 100 characters.',
  };
  return friendly[field] ?? message;
}

export default function ProductEditor() {
  const params = useParams<{ id?: string }>();
  const isNew = () => !params.id || params.id === 'new';
  usePageTitle(() =>
    isNew() ? 'New product' : product.error ? 'Product' : (product.latest?.name ?? 'Product'),
  );
  const [product, { mutate, refetch }] = createResource(
    // Decoded once (lib/path-segment.ts): api.ts encodes it once.
    () => (isNew() ? undefined : decodeSegment(params.id!)),
    (id) => getProduct(id),
  );
  return (
    <Switch>
      <Match when={isNew()}>
        <ProductForm onSaved={mutate} />
      </Match>
      <Match when={product.error}>{(error) => <ErrorNotice error={error()} onRetry={refetch} />}</Match>
      <Match when={product.latest}>{(loaded) => <ProductForm product={loaded()} onSaved={mutate} />}</Match>
      <Match when={product.loading}>
        <Loading label="Loading product…" />
      </Match>
    </Switch>
  );
}

function ProductForm(props: { product?: Product; onSaved: (product: Product) => void }) {
  const navigate = useNavigate();
  const location = useLocation<{ created?: boolean }>();
  const [draft, setDraft] = createStore<Draft>(draftOf(props.product));
  const [errors, setErrors] = createStore<Errors>({});
  const [failure, setFailure] = createSignal<unknown>();
  const [saving, setSaving] = createSignal(false);
  const [saved, setSaved] = createSignal(false);
  let form: HTMLFormElement | undefined;

  createEffect(
    on(
      () => props.product,
      (product) => setDraft(draftOf(product)),
      { defer: true },
    ),
  );

  const edit = (field: FieldName, value: string) => {
    setDraft(field, value);
    setErrors(field, undefined);
    setSaved(false);
  };

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setFailure(undefined);
    setSaved(false);
    const { product, errors: found } = readDraft(draft);
    setErrors({
      sku: undefined,
      name: undefined,
      description: undefined,
      price: undefined,
      currency: undefined,
      category: undefined,
      imageUrl: undefined,
      ...found,
    });
    if (!product) {
      queueMicrotask(() => form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    setSaving(true);
    try {
      if (props.product) {
        const { sku: _sku, ...changes } = product;
        const updated = await updateProduct(props.product.id, {
          ...changes,
          description: changes.description ?? null,
          category: changes.category ?? null,
          imageUrl: changes.imageUrl ?? null,
        });
        props.onSaved(updated);
        setSaved(true);
      } else {
        const created = await createProduct(product);
        navigate(`/admin/products/${encodeURIComponent(created.id)}`, { state: { created: true } });
      }
    } catch (error) {
      if (error instanceof ApiError) {
        const byField: Errors = {};
        for (const [path, message] of Object.entries(error.fieldErrors)) {
          const field = fieldOf(path);
          if (field) byField[field] = message;
        }
        if (error.status === 409 && !props.product) byField.sku = 'A product with this SKU exists already.';
        setErrors(byField);
      }
      setFailure(error);
    } finally {
      setSaving(false);
    }
  }

  const control = (field: FieldName) => ({
    class: 'input',
    name: field,
    value: draft[field],
    onInput: (event: InputEvent & { currentTarget: HTMLInputElement | HTMLTextAreaElement }) =>
      edit(field, event.currentTarget.value),
  });

  return (
    <section aria-labelledby="editor-title">
      <nav class="breadcrumbs" aria-label="Breadcrumb">
        <A href="/admin/products">Products</A>
      </nav>
      <div class="page-head">
        <h1 id="editor-title">{props.product ? props.product.name : 'New product'}</h1>
        <Show when={props.product?.status === 'archived'}>
          <span class="badge badge-cancelled">Archived</span>
        </Show>
      </div>
      <div class="editor-layout">
        <form class="card form" ref={form} onSubmit={submit} noValidate>
          <div class="form-row">
            <Field label="SKU" error={errors.sku} hint={props.product ? 'A SKU cannot change.' : undefined}>
              {(attrs) => (
                <input {...attrs} {...control('sku')} disabled={Boolean(props.product)} autocomplete="off" />
              )}
            </Field>
            <Field label="Category" error={errors.category}>
              {(attrs) => <input {...attrs} {...control('category')} />}
            </Field>
          </div>
          <Field label="Name" error={errors.name}>
            {(attrs) => <input {...attrs} {...control('name')} />}
          </Field>
          <Field label="Description" error={errors.description}>
            {(attrs) => <textarea {...attrs} {...control('description')} rows={4} />}
          </Field>
          <div class="form-row">
            <Field label="Price" error={errors.price}>
              {(attrs) => <input {...attrs} {...control('price')} inputmode="decimal" placeholder="12.50" />}
            </Field>
            <Field label="Currency" error={errors.currency}>
              {(attrs) => (
                <select
                  {...attrs}
                  class="input"
                  value={draft.currency}
                  onChange={(event) => edit('currency', event.currentTarget.value)}
                >
                  <For each={[...new Set([...CURRENCIES, draft.currency])]}>
                    {(code) => <option value={code}>{code}</option>}
                  </For>
                </select>
              )}
            </Field>
          </div>
          <Field
            label="Image address"
            error={errors.imageUrl}
            hint="Optional: an https:// link to a picture."
          >
            {(attrs) => <input {...attrs} {...control('imageUrl')} type="url" inputmode="url" />}
          </Field>
          <Show when={failure()}>
            {(error) => <ErrorNotice error={error()} titles={{ 400: 'Please correct the marked fields' }} />}
          </Show>
          <Show when={props.product && location.state?.created && !saved()}>
            <p class="notice notice-success" role="status">
              Product created. Add its stock on the right.
            </p>
          </Show>
          <Show when={saved()}>
            <p class="notice notice-success" role="status">
              Saved.
            </p>
          </Show>
          <Show
            when={can('manager')}
            fallback={<p class="muted">Only a manager changes the catalog and its prices.</p>}
          >
            <div class="actions">
              <button
                type="submit"
                class="button button-primary"
                disabled={saving() || props.product?.status === 'archived'}
              >
                {saving() ? 'Saving…' : props.product ? 'Save changes' : 'Create product'}
              </button>
              <Show when={props.product?.status === 'active'}>
                <ArchiveButton product={props.product!} onArchived={props.onSaved} />
              </Show>
            </div>
          </Show>
        </form>
        <Show when={props.product}>{(existing) => <StockPanel productId={existing().id} />}</Show>
      </div>
    </section>
  );
}

function ArchiveButton(props: { product: Product; onArchived: (product: Product) => void }) {
  const [failure, setFailure] = createSignal<unknown>();
  const [busy, setBusy] = createSignal(false);
  async function archive() {
    setBusy(true);
    setFailure(undefined);
    try {
      props.onArchived(await archiveProduct(props.product.id));
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" class="button button-danger-outline" disabled={busy()} onClick={archive}>
        Archive product
      </button>
      <Show when={failure()}>{(error) => <ErrorNotice error={error()} />}</Show>
    </>
  );
}

function StockPanel(props: { productId: string }) {
  const [level, { mutate, refetch }] = createResource(() => props.productId, getStockLevel);
  return (
    <aside class="card" aria-labelledby="stock-title">
      <h2 id="stock-title">Stock</h2>
      <Switch>
        <Match when={level.error}>{(error) => <ErrorNotice error={error()} onRetry={refetch} />}</Match>
        <Match when={level.latest}>
          {(current) => (
            <>
              <dl class="stock-figures">
                <div>
                  <dt>On hand</dt>
                  <dd>{current().onHand}</dd>
                </div>
                <div>
                  <dt>Reserved</dt>
                  <dd>{current().reserved}</dd>
                </div>
                <div classList={{ low: current().low }}>
                  <dt>Available</dt>
                  <dd>{current().available}</dd>
                </div>
              </dl>
              <Show when={can('clerk')}>
                <ThresholdEditor level={current()} onChanged={(next) => mutate(next)} />
              </Show>
            </>
          )}
        </Match>
        <Match when={level.loading}>
          <Loading label="Loading stock…" />
        </Match>
      </Switch>
      <Show when={can('clerk')}>
        <h3 class="panel-subtitle">Adjust stock</h3>
        <StockAdjuster productId={props.productId} onAdjusted={(next: StockLevel) => mutate(next)} />
      </Show>
      <p>
        <A href={`/admin/movements/${encodeURIComponent(props.productId)}`}>Movements per location</A>
      </p>
    </aside>
  );
}
