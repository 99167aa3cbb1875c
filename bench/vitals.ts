/**
 * @module Web vitals in a real browser: the whole stack (startStack, the built bundles) with the demo
 * shop seeded, Lighthouse (the npm package, driving Debian's Chromium through chrome-launcher; no
 * browser is downloaded) with its default mobile emulation (a phone's screen, 4× CPU slowdown and a
 * slow 4G network, simulated) on the home page, a product page and checkout with a cart, RUNS runs
 * each, interleaved so the machine's noise spreads over the pages. Each run starts cold: Lighthouse
 * clears the origin's cache and storage, and the cart goes into localStorage as each new document
 * starts, before the app reads it. Figures: each page's medians, and their worst: LCP, TBT, CLS,
 * `worstRatio` (target ≤ 0.5) and the accessibility (target 100) and best-practices scores.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Product } from '@stockflow/contracts';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse, { type Result } from 'lighthouse';
import puppeteer, { type Browser } from 'puppeteer-core';
import { seedDemoShop } from '../packages/mesh/src/runner/demo-shop/seed.ts';
import { REPO_ROOT } from '../packages/mesh/src/runner/stack.ts';
import { buildBundles, startBenchStack } from './stack.ts';
import {
  type PageRun,
  readRun,
  shouldRetry,
  summarizePage,
  VitalsError,
  vitalsFigures,
} from './vitals-figures.ts';

const RUNS = Number(process.env.VITALS_RUNS ?? 5);
const CHROMIUM = process.env.CHROME_PATH ?? '/usr/bin/chromium';
/** The cart's localStorage key and line shape (web/src/lib/cart.ts). */
const CART_KEY = 'stockflow.cart';
/** Units of each of the cart's products at checkout. */
const CART_PRODUCTS = 2;
/** Attempts at one run when Lighthouse's own trace recording fails (vitals-figures.ts). */
const ATTEMPTS = 3;
/** Where each page's last Lighthouse result goes (JSON, for the Lighthouse viewer or `jq`). */
const REPORTS = join(REPO_ROOT, '.artifacts', 'bench', 'vitals');

interface PagePlan {
  name: string;
  path: string;
  /** localStorage set as each of the page's documents starts (the shopper's cart). */
  storage?: Record<string, string>;
}

/** The demo shop's first products, once catalog lists them through web. */
async function shopProducts(web: string): Promise<Product[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${web}/api/catalog/products?limit=${CART_PRODUCTS}`);
    const { items } = (await res.json()) as { items: Product[] };
    if (res.ok && items.length >= CART_PRODUCTS) return items;
    if (Date.now() > deadline) throw new VitalsError(`catalog listed ${items?.length ?? 0} products`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function plans(products: Product[]): PagePlan[] {
  const cart = products.map((p) => ({
    productId: p.id,
    name: p.name,
    priceCents: p.priceCents,
    currency: p.currency,
    imageUrl: p.imageUrl,
    quantity: 1,
  }));
  return [
    { name: 'home', path: '/' },
    { name: 'product', path: `/products/${products[0]!.id}` },
    { name: 'checkout', path: '/checkout', storage: { [CART_KEY]: JSON.stringify(cart) } },
  ];
}

/** One Lighthouse run of a page in a new tab (mobile, simulated throttling: Lighthouse's defaults). */
async function measure(
  browser: Browser,
  url: string,
  plan: PagePlan,
  attempt = 1,
): Promise<PageRun & { lhr: Result }> {
  const tab = await browser.newPage();
  try {
    if (plan.storage) {
      // Runs in every new document of the tab before its scripts: Lighthouse's storage reset
      // (before it navigates) cannot undo it. about:blank has no localStorage: skipped there.
      await tab.evaluateOnNewDocument((entries: Record<string, string>) => {
        if (location.protocol !== 'http:') return;
        for (const [key, value] of Object.entries(entries)) localStorage.setItem(key, value);
      }, plan.storage);
    }
    const result = await lighthouse(
      url,
      {
        logLevel: 'error',
        onlyCategories: ['performance', 'accessibility', 'best-practices'],
        // The full-page screenshot is for the HTML report, which the bench does not write.
        skipAudits: ['full-page-screenshot'],
      },
      undefined,
      tab,
    );
    if (!result) throw new VitalsError(`Lighthouse returned nothing for ${url}`);
    if (shouldRetry(result.lhr) && attempt < ATTEMPTS) {
      console.log(`${plan.name}: ${result.lhr.runtimeError!.code}, taking the run again`);
      return await measure(browser, url, plan, attempt + 1);
    }
    return { ...readRun(result.lhr), lhr: result.lhr };
  } finally {
    await tab.close();
  }
}

/** The ids of a result's failing audits in the given categories, for the log. */
function failingAudits(lhr: Result, categories: string[]): string {
  const ids = categories.flatMap((id) =>
    (lhr.categories[id]?.auditRefs ?? [])
      .filter((ref) => ref.weight > 0 && lhr.audits[ref.id]?.score === 0)
      .map((ref) => ref.id),
  );
  return [...new Set(ids)].join(', ');
}

export async function run() {
  buildBundles();
  const { stack, recentLogs } = await startBenchStack('vitals');
  let chrome: chromeLauncher.LaunchedChrome | undefined;
  try {
    const web = stack.urls.web;
    if (!web) throw new VitalsError('the stack has no web: is web/ built?');
    const seeded = await seedDemoShop(stack);
    if (!seeded.seeded) throw new VitalsError(`the demo shop was not seeded: ${seeded.reason}`);
    const pages = plans(await shopProducts(web));

    chrome = await chromeLauncher.launch({
      chromePath: CHROMIUM,
      chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
    const runs = new Map(pages.map((page) => [page.name, [] as PageRun[]]));
    mkdirSync(REPORTS, { recursive: true });
    const loadAtStart = loadavg()[0]!.toFixed(2);
    for (let round = 0; round < RUNS; round++) {
      for (const page of pages) {
        const started = performance.now();
        const { lhr, ...measured } = await measure(browser, `${web}${page.path}`, page);
        runs.get(page.name)!.push(measured);
        writeFileSync(join(REPORTS, `${page.name}.json`), JSON.stringify(lhr));
        const failing = failingAudits(lhr, ['accessibility', 'best-practices']);
        console.log(
          `${page.name.padEnd(9)} run ${round + 1}/${RUNS}: LCP ${Math.round(measured.lcpMs)} ms, ` +
            `TBT ${Math.round(measured.tbtMs)} ms, CLS ${measured.cls.toFixed(3)}, ` +
            `a11y ${measured.accessibility}, best practices ${measured.bestPractices} ` +
            `(${((performance.now() - started) / 1000).toFixed(1)} s)${failing ? `; failing: ${failing}` : ''}`,
        );
      }
    }
    await browser.disconnect();

    console.log(`each page's last Lighthouse result (JSON): ${REPORTS}`);
    const summaries = pages.map((page) => summarizePage(page.name, runs.get(page.name)!));
    for (const s of summaries) {
      console.log(
        `${s.page.padEnd(9)} median of ${s.runs}: LCP ${Math.round(s.lcpMs)} ms, TBT ${Math.round(s.tbtMs)} ms, ` +
          `CLS ${s.cls.toFixed(3)}; worst ratio ${s.worstRatio.toFixed(3)} (${s.worstMetric}); ` +
          `a11y ${s.accessibility}, best practices ${s.bestPractices}`,
      );
    }
    console.log(
      `load average (1 min) ${loadAtStart} at the first run, ${loadavg()[0]!.toFixed(2)} at the last`,
    );
    return vitalsFigures(summaries);
  } catch (error) {
    console.error(recentLogs());
    throw error;
  } finally {
    await chrome?.kill();
    await stack.stop();
  }
}
