/**
 * @module A demo product's picture: a small SVG drawn from its SKU (the same SKU, the same picture),
 * in its category's palette, with a shape the SKU picks and the product's initials, as a
 * `data:image/svg+xml;base64,…` URL. A data URL because it is the product's `imageUrl` as is: web's
 * Content-Security-Policy allows `img-src data:`, nothing needs serving, and it stays valid whatever
 * host or port the shop is opened on (an absolute `http://127.0.0.1:8080/…` would not).
 */

/** Colours of one category: the background's two ends, the shape and the lettering. */
interface Palette {
  from: string;
  to: string;
  shape: string;
  ink: string;
}

const PALETTES: Record<string, Palette> = {
  'Coffee & Tea': { from: '#f3e3cf', to: '#d9b48f', shape: '#8b5a3c', ink: '#fff8ef' },
  Kitchen: { from: '#e3efe6', to: '#a9cdb4', shape: '#2f6b4f', ink: '#f4fbf6' },
  'Home & Living': { from: '#f6e4e1', to: '#e0aaa2', shape: '#a4463c', ink: '#fff6f4' },
  Office: { from: '#e4e9f4', to: '#aab8dc', shape: '#34477f', ink: '#f5f7fd' },
  Outdoor: { from: '#eaf0dc', to: '#bccf8f', shape: '#55702a', ink: '#fafcf3' },
  Audio: { from: '#ece4f4', to: '#bca7d8', shape: '#553a7d', ink: '#f9f5fd' },
};
const FALLBACK: Palette = { from: '#eceff1', to: '#b0bec5', shape: '#455a64', ink: '#fafafa' };

/** FNV-1a: a stable number from a SKU, so a picture never changes between runs. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return hash;
}

/** Shapes centred on (200, 150), about 170 wide: what a 4:3 card and a square crop both show. */
const SHAPES = [
  (fill: string) => `<circle cx="200" cy="150" r="88" fill="${fill}"/>`,
  (fill: string) => `<rect x="115" y="65" width="170" height="170" rx="36" fill="${fill}"/>`,
  (fill: string) => `<polygon points="200,58 288,108 288,192 200,242 112,192 112,108" fill="${fill}"/>`,
  (fill: string) => `<polygon points="200,55 295,150 200,245 105,150" fill="${fill}"/>`,
  (fill: string) => `<path d="M120 230V140a80 80 0 0 1 160 0v90z" fill="${fill}"/>`,
];

/**
 * The first letter or digit of the name's first two words (`Chef’s Knife 20 cm` → `CK`): nothing
 * XML would read as markup, so it goes into the SVG as it is.
 */
export function initialsOf(name: string): string {
  const firsts = name.split(/\s+/).flatMap((word) => word.match(/[\p{L}\p{N}]/u) ?? []);
  return firsts.slice(0, 2).join('').toUpperCase() || '?';
}

/** The SVG document of a product's picture (400 × 300). */
export function productSvg(product: { sku: string; name: string; category: string }): string {
  const palette = PALETTES[product.category] ?? FALLBACK;
  const hash = hashOf(product.sku);
  const shape = SHAPES[hash % SHAPES.length]!(palette.shape);
  const tilt = ((hash >>> 8) % 31) - 15;
  const dot = { x: 60 + ((hash >>> 16) % 60), y: 40 + ((hash >>> 22) % 50) };
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300" width="400" height="300">',
    '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">',
    `<stop offset="0" stop-color="${palette.from}"/><stop offset="1" stop-color="${palette.to}"/>`,
    '</linearGradient></defs>',
    '<rect width="400" height="300" fill="url(#g)"/>',
    `<circle cx="${400 - dot.x}" cy="${300 - dot.y}" r="46" fill="${palette.ink}" opacity=".35"/>`,
    `<circle cx="${dot.x}" cy="${dot.y}" r="22" fill="${palette.shape}" opacity=".25"/>`,
    `<g transform="rotate(${tilt} 200 150)">${shape}</g>`,
    `<text x="200" y="150" dy=".35em" text-anchor="middle" font-family="system-ui,sans-serif" font-size="64" font-weight="700" fill="${palette.ink}">`,
    `${initialsOf(product.name)}</text>`,
    '</svg>',
  ].join('');
}

/** The picture as the product's `imageUrl`. */
export function productImageUrl(product: { sku: string; name: string; category: string }): string {
  return `data:image/svg+xml;base64,${Buffer.from(productSvg(product)).toString('base64')}`;
}
