/** @module One product in the catalog grid: picture, name, price, availability, add to cart. */
import { A } from '@solidjs/router';
import { createSignal, onCleanup } from 'solid-js';
import { AvailabilityBadge } from '../components/Badges.tsx';
import { ProductImage } from '../components/ProductImage.tsx';
import type { Product } from '../lib/api.ts';
import { cart } from '../lib/cart.ts';
import { formatMoney } from '../lib/money.ts';

export function ProductCard(props: {
  product: Product;
  available: number | undefined;
  /** On screen at first (the top of the grid): its picture loads at once. */
  priority?: boolean;
}) {
  const [added, setAdded] = createSignal(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  const add = () => {
    cart.add(props.product, 1);
    setAdded(true);
    clearTimeout(timer);
    timer = setTimeout(() => setAdded(false), 1500);
  };
  return (
    <li class="card product-card">
      <A href={`/products/${encodeURIComponent(props.product.id)}`} class="product-card-link">
        <ProductImage
          name={props.product.name}
          imageUrl={props.product.imageUrl}
          priority={props.priority}
          decorative
        />
        <h2 class="product-card-name">{props.product.name}</h2>
      </A>
      <div class="product-card-meta">
        <span class="price">{formatMoney(props.product.priceCents, props.product.currency)}</span>
        <AvailabilityBadge available={props.available} />
      </div>
      <button
        type="button"
        class="button button-primary button-block"
        disabled={props.available === 0}
        onClick={add}
      >
        {/* The visible words start the accessible name (WCAG 2.5.3); the product tells cards apart. */}
        {props.available === 0 ? 'Out of stock' : added() ? 'Added ✓' : 'Add to cart'}
        <span class="visually-hidden">: {props.product.name}</span>
      </button>
    </li>
  );
}
