/**
 * @module A product's picture, or a tidy placeholder (its initials on a colour of its own) when it
 * has none or the image fails to load. A picture the shopper sees first (`priority`: the top of the
 * grid, a product's page) loads and decodes at once: lazy loading and async decoding would hold back
 * the page's largest paint (LCP) for what is already on screen. A picture beside its product's name
 * in the same link (`decorative`, a catalog card) has an empty alt: the name said twice is noise.
 */
import { createSignal, Show } from 'solid-js';

/** Placeholder colours (`.hue-0` … `.hue-7` in the stylesheet: no inline styles under our CSP). */
const HUE_COUNT = 8;

function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  return (
    words
      .slice(0, 2)
      .map((word) => word[0]!.toUpperCase())
      .join('') || '?'
  );
}

function hueOf(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % HUE_COUNT;
}

export function ProductImage(props: {
  name: string;
  imageUrl?: string | undefined;
  size?: 'card' | 'large' | 'thumb';
  priority?: boolean;
  /** The product's name is already next to it, in the same link or control. */
  decorative?: boolean;
}) {
  const [failed, setFailed] = createSignal(false);
  return (
    <div class={`product-image product-image-${props.size ?? 'card'}`}>
      <Show
        when={props.imageUrl && !failed()}
        fallback={
          <Show
            when={props.decorative}
            fallback={
              <div class={`product-placeholder hue-${hueOf(props.name)}`} role="img" aria-label={props.name}>
                <span aria-hidden="true">{initials(props.name)}</span>
              </div>
            }
          >
            <div class={`product-placeholder hue-${hueOf(props.name)}`} aria-hidden="true">
              <span>{initials(props.name)}</span>
            </div>
          </Show>
        }
      >
        <img
          src={props.imageUrl}
          alt={props.decorative ? '' : props.name}
          loading={props.priority ? 'eager' : 'lazy'}
          decoding={props.priority ? 'auto' : 'async'}
          fetchpriority={props.priority ? 'high' : 'auto'}
          onError={() => setFailed(true)}
        />
      </Show>
    </div>
  );
}
