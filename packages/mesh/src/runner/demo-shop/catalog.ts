/**
 * @module The demo shop `npm start` opens with: its products (names, SKUs, descriptions, prices in
 * EUR, six categories), its locations (the default location as the central warehouse, two stores)
 * and how many units of each product each location holds: mostly plenty, a few low (at or under
 * inventory's default threshold of 5 in all), two out of stock, so the shop and the admin look real.
 */
import { DEFAULT_LOCATION_ID } from '@stockflow/contracts';

/** A demo location; `default` is renamed (it always exists), the stores are created. */
export interface DemoLocation {
  id: string;
  name: string;
  priority: number;
}

export const DEMO_LOCATIONS = [
  { id: DEFAULT_LOCATION_ID, name: 'Central warehouse', priority: 0 },
  { id: 'store-amsterdam', name: 'Amsterdam store', priority: 10 },
  { id: 'store-lyon', name: 'Lyon store', priority: 20 },
] as const satisfies readonly DemoLocation[];

export interface DemoProduct {
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  category: string;
  /** Units on hand at each of DEMO_LOCATIONS, in their order (warehouse, Amsterdam, Lyon). */
  stock: readonly [number, number, number];
}

/** Every product is priced in this currency. */
export const DEMO_CURRENCY = 'EUR';

export const DEMO_PRODUCTS: readonly DemoProduct[] = [
  // Coffee & Tea
  {
    sku: 'COF-YRG-250',
    name: 'Yirgacheffe Whole Beans 250 g',
    category: 'Coffee & Tea',
    priceCents: 1290,
    stock: [64, 12, 9],
    description:
      'Washed Ethiopian coffee with notes of bergamot and apricot. Roasted light in Rotterdam every Tuesday.',
  },
  {
    sku: 'COF-ESP-1000',
    name: 'House Espresso Blend 1 kg',
    category: 'Coffee & Tea',
    priceCents: 2890,
    stock: [40, 8, 6],
    description: 'Brazil and Guatemala for a chocolatey, low-acid shot that stands up to milk.',
  },
  {
    sku: 'TEA-SEN-100',
    name: 'Organic Sencha Loose Leaf 100 g',
    category: 'Coffee & Tea',
    priceCents: 950,
    stock: [3, 1, 0],
    description: 'First-flush green tea from Kagoshima: grassy, sweet and bright. Brew at 70 °C.',
  },
  {
    sku: 'COF-KTL-100',
    name: 'Gooseneck Pour-Over Kettle 1 L',
    category: 'Coffee & Tea',
    priceCents: 5900,
    stock: [22, 4, 3],
    description:
      'Brushed steel kettle with a slim spout for a steady, controllable pour. Works on induction.',
  },
  {
    sku: 'COF-GRN-HND',
    name: 'Ceramic Burr Hand Grinder',
    category: 'Coffee & Tea',
    priceCents: 4450,
    stock: [18, 3, 2],
    description: 'Stepped ceramic burrs from espresso to French press, in a walnut and steel body.',
  },
  {
    sku: 'TEA-PT-CST',
    name: 'Cast Iron Teapot 0.8 L',
    category: 'Coffee & Tea',
    priceCents: 3900,
    stock: [0, 0, 0],
    description: 'Enamelled inside, with a stainless infuser. Keeps tea hot through a long breakfast.',
  },
  // Kitchen
  {
    sku: 'KIT-CHF-20',
    name: 'Chef’s Knife 20 cm',
    category: 'Kitchen',
    priceCents: 8900,
    stock: [26, 5, 4],
    description: 'Forged from one piece of high-carbon steel, hand-sharpened to 15°. Oak handle.',
  },
  {
    sku: 'KIT-BRD-OAK',
    name: 'End-Grain Oak Cutting Board',
    category: 'Kitchen',
    priceCents: 6500,
    stock: [15, 3, 2],
    description: 'Kind to knife edges and heavy enough not to slide. Oiled with food-safe linseed.',
  },
  {
    sku: 'KIT-DUT-26',
    name: 'Enamelled Dutch Oven 26 cm',
    category: 'Kitchen',
    priceCents: 13900,
    stock: [12, 2, 2],
    description: 'Cast iron in a deep green glaze for bread, stews and slow braises. Oven-safe to 260 °C.',
  },
  {
    sku: 'KIT-PAN-28',
    name: 'Carbon Steel Frying Pan 28 cm',
    category: 'Kitchen',
    priceCents: 4900,
    stock: [2, 1, 1],
    description: 'Pre-seasoned, light and fast to heat; it only gets better with every use.',
  },
  {
    sku: 'KIT-LIN-SET',
    name: 'Linen Tea Towels, Set of 3',
    category: 'Kitchen',
    priceCents: 2400,
    stock: [58, 14, 10],
    description: 'Stonewashed European linen in sage, sand and rust. Absorbent and quick to dry.',
  },
  {
    sku: 'KIT-SPC-JAR',
    name: 'Glass Spice Jars, Set of 6',
    category: 'Kitchen',
    priceCents: 2900,
    stock: [33, 6, 5],
    description: 'Airtight cork-lidded jars with chalk labels, sized for a standard drawer.',
  },
  // Home & Living
  {
    sku: 'HOM-THR-WOL',
    name: 'Merino Wool Throw',
    category: 'Home & Living',
    priceCents: 11900,
    stock: [14, 3, 3],
    description: 'Woven in Portugal from soft merino in a herringbone weave, 130 × 180 cm.',
  },
  {
    sku: 'HOM-CND-FIG',
    name: 'Fig & Cedar Scented Candle',
    category: 'Home & Living',
    priceCents: 3200,
    stock: [45, 9, 7],
    description: 'Rapeseed wax in a reusable amber jar; about 50 hours of slow, even burn.',
  },
  {
    sku: 'HOM-VAS-STN',
    name: 'Stoneware Bud Vase',
    category: 'Home & Living',
    priceCents: 2700,
    stock: [1, 2, 0],
    description: 'Wheel-thrown and glazed by hand, so no two are quite the same. 14 cm tall.',
  },
  {
    sku: 'HOM-LMP-BRS',
    name: 'Brass Reading Lamp',
    category: 'Home & Living',
    priceCents: 18900,
    stock: [9, 2, 1],
    description: 'An adjustable arm and a warm LED that is easy on the eyes late at night.',
  },
  {
    sku: 'HOM-CSH-LIN',
    name: 'Linen Cushion Cover 50 × 50',
    category: 'Home & Living',
    priceCents: 3500,
    stock: [38, 7, 6],
    description: 'Washed linen with a hidden zip, in oat. The inner cushion is sold separately.',
  },
  {
    sku: 'HOM-BSK-SEA',
    name: 'Seagrass Storage Basket',
    category: 'Home & Living',
    priceCents: 4200,
    stock: [0, 0, 0],
    description: 'Hand-woven with sturdy handles, for blankets, toys or firewood.',
  },
  // Office
  {
    sku: 'OFF-NTB-A5',
    name: 'Dot Grid Notebook A5',
    category: 'Office',
    priceCents: 1800,
    stock: [120, 25, 18],
    description: 'Lay-flat binding, 192 numbered pages of 100 g/m² paper that fountain pens love.',
  },
  {
    sku: 'OFF-PEN-FTN',
    name: 'Aluminium Fountain Pen',
    category: 'Office',
    priceCents: 4800,
    stock: [30, 6, 4],
    description: 'A medium steel nib in an anodised body; takes standard international cartridges.',
  },
  {
    sku: 'OFF-DSK-MAT',
    name: 'Felt & Leather Desk Mat',
    category: 'Office',
    priceCents: 5600,
    stock: [17, 4, 2],
    description: 'Wool felt on top, vegetable-tanned leather underneath, 80 × 35 cm.',
  },
  {
    sku: 'OFF-STD-LPT',
    name: 'Walnut Laptop Stand',
    category: 'Office',
    priceCents: 7900,
    stock: [3, 0, 1],
    description: 'Raises the screen to eye level; solid walnut with a cable slot at the back.',
  },
  {
    sku: 'OFF-ORG-TRY',
    name: 'Oak Desk Organiser',
    category: 'Office',
    priceCents: 3900,
    stock: [21, 5, 3],
    description: 'Three compartments for pens, cards and a phone, milled from one block of oak.',
  },
  {
    sku: 'OFF-LMP-LED',
    name: 'Dimmable LED Desk Lamp',
    category: 'Office',
    priceCents: 8400,
    stock: [11, 2, 2],
    description: 'Five colour temperatures and a USB-C port in the base for a phone.',
  },
  // Outdoor
  {
    sku: 'OUT-BTL-750',
    name: 'Insulated Steel Bottle 750 ml',
    category: 'Outdoor',
    priceCents: 3400,
    stock: [75, 15, 12],
    description: 'Double-walled: cold for 24 hours, hot for 12, and it does not sweat in a bag.',
  },
  {
    sku: 'OUT-PCK-28',
    name: 'Waxed Canvas Daypack 28 L',
    category: 'Outdoor',
    priceCents: 12900,
    stock: [13, 3, 2],
    description: 'Water-resistant waxed cotton, leather straps and a padded laptop sleeve.',
  },
  {
    sku: 'OUT-HMK-TRV',
    name: 'Parachute Nylon Hammock',
    category: 'Outdoor',
    priceCents: 5900,
    stock: [24, 5, 4],
    description: 'Packs to the size of a grapefruit and holds 180 kg; straps included.',
  },
  {
    sku: 'OUT-LNT-USB',
    name: 'Rechargeable Camp Lantern',
    category: 'Outdoor',
    priceCents: 4500,
    stock: [19, 4, 3],
    description: '300 lumens of warm light for up to 40 hours; charges over USB-C.',
  },
  {
    sku: 'OUT-BLK-PIC',
    name: 'Waterproof Picnic Blanket',
    category: 'Outdoor',
    priceCents: 4900,
    stock: [2, 1, 0],
    description: 'Soft fleece on top and a waterproof backing, folds into its own strap.',
  },
  {
    sku: 'OUT-KNF-FLD',
    name: 'Folding Pocket Knife',
    category: 'Outdoor',
    priceCents: 6900,
    stock: [16, 3, 2],
    description: 'A 7 cm Sandvik steel blade with a liner lock and olive-wood scales.',
  },
  // Audio
  {
    sku: 'AUD-HDP-WRL',
    name: 'Wireless Over-Ear Headphones',
    category: 'Audio',
    priceCents: 19900,
    stock: [20, 4, 3],
    description: 'Active noise cancelling, 30 hours per charge and memory-foam ear cushions.',
  },
  {
    sku: 'AUD-SPK-BT',
    name: 'Portable Bluetooth Speaker',
    category: 'Audio',
    priceCents: 8900,
    stock: [28, 6, 5],
    description: 'Full sound from a fabric-wrapped cylinder; splash-proof and 12 hours of play.',
  },
  {
    sku: 'AUD-TRN-BLT',
    name: 'Belt-Drive Turntable',
    category: 'Audio',
    priceCents: 34900,
    stock: [6, 1, 1],
    description: 'A built-in switchable preamp, a cartridge ready to play, and a solid MDF plinth.',
  },
  {
    sku: 'AUD-EAR-TWS',
    name: 'True Wireless Earbuds',
    category: 'Audio',
    priceCents: 12900,
    stock: [35, 8, 6],
    description: 'Six hours per charge and 24 more from the pocket-sized case.',
  },
  {
    sku: 'AUD-RAD-DAB',
    name: 'DAB+ Kitchen Radio',
    category: 'Audio',
    priceCents: 9900,
    stock: [10, 2, 2],
    description: 'Twenty presets, a kitchen timer and a rotary dial that feels right.',
  },
  {
    sku: 'AUD-CBL-RCA',
    name: 'Braided RCA Cable 1.5 m',
    category: 'Audio',
    priceCents: 1900,
    stock: [48, 10, 8],
    description: 'Oxygen-free copper with gold-plated plugs, for turntables and amplifiers.',
  },
];
