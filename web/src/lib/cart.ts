/**
 * @module The shopping cart: lines kept in localStorage (a reload or a new tab keeps them, other
 * tabs follow changes), quantities bounded, totals per currency (an order has one currency).
 */
import { createRoot, createSignal } from 'solid-js';
import type { Product } from './api.ts';

export interface CartLine {
  productId: string;
  name: string;
  priceCents: number;
  currency: string;
  imageUrl?: string;
  quantity: number;
}

export interface CartTotal {
  currency: string;
  cents: number;
}

export const MAX_QUANTITY = 99;
const KEY = 'stockflow.cart';

function isLine(value: unknown): value is CartLine {
  const line = value as CartLine;
  return (
    typeof line === 'object' &&
    line !== null &&
    typeof line.productId === 'string' &&
    typeof line.name === 'string' &&
    Number.isInteger(line.priceCents) &&
    typeof line.currency === 'string' &&
    Number.isInteger(line.quantity) &&
    line.quantity > 0
  );
}

/** The stored cart; anything unreadable (old format, edited by hand) is dropped, never thrown. */
function load(): CartLine[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter(isLine) : [];
  } catch {
    return [];
  }
}

const clamp = (quantity: number) => Math.max(1, Math.min(MAX_QUANTITY, Math.floor(quantity)));

function createCart() {
  const [lines, setLines] = createSignal<CartLine[]>(load());

  const save = (next: CartLine[]) => {
    setLines(next);
    try {
      localStorage.setItem(KEY, JSON.stringify(next));
    } catch {
      // Storage full or disabled: the cart still works for this page.
    }
  };

  if (typeof window !== 'undefined') {
    window.addEventListener('storage', (event) => {
      if (event.key === KEY || event.key === null) setLines(load());
    });
  }

  return {
    lines,
    /** Number of units, for the header badge. */
    count: () => lines().reduce((sum, line) => sum + line.quantity, 0),
    quantityOf: (productId: string) => lines().find((line) => line.productId === productId)?.quantity ?? 0,
    totals(): CartTotal[] {
      const byCurrency = new Map<string, number>();
      for (const line of lines()) {
        byCurrency.set(line.currency, (byCurrency.get(line.currency) ?? 0) + line.priceCents * line.quantity);
      }
      return [...byCurrency].map(([currency, cents]) => ({ currency, cents }));
    },
    add(product: Pick<Product, 'id' | 'name' | 'priceCents' | 'currency' | 'imageUrl'>, quantity = 1) {
      const current = lines();
      const existing = current.find((line) => line.productId === product.id);
      if (existing) {
        save(
          current.map((line) =>
            line.productId === product.id ? { ...line, quantity: clamp(line.quantity + quantity) } : line,
          ),
        );
        return;
      }
      const line: CartLine = {
        productId: product.id,
        name: product.name,
        priceCents: product.priceCents,
        currency: product.currency,
        quantity: clamp(quantity),
        ...(product.imageUrl ? { imageUrl: product.imageUrl } : {}),
      };
      save([...current, line]);
    },
    setQuantity(productId: string, quantity: number) {
      if (!Number.isFinite(quantity)) return;
      if (quantity <= 0) {
        save(lines().filter((line) => line.productId !== productId));
        return;
      }
      save(
        lines().map((line) => (line.productId === productId ? { ...line, quantity: clamp(quantity) } : line)),
      );
    },
    remove(productId: string) {
      save(lines().filter((line) => line.productId !== productId));
    },
    clear() {
      save([]);
    },
    /** Re-reads storage (tests, and a tab coming back). */
    reload() {
      setLines(load());
    },
  };
}

export type Cart = ReturnType<typeof createCart>;

/** The one cart of this page. */
export const cart: Cart = createRoot(createCart);
