/**
 * A newcomer's first day, as the README tells it: on a clone where `npm ci` ran (CI's own fresh
 * clone), `npm start` with nothing else set — no emulator of the test run, no admin token — builds,
 * starts everything, seeds the demo shop, and Chromium shows a shop with products and their
 * pictures; Ctrl-C then stops it all. Only the ports are moved off the defaults, so that the test
 * does not collide with a developer's own `npm start`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../packages/kit/src/free-port.ts';
import { DEMO_PRODUCTS } from '../../packages/mesh/src/runner/demo-shop/catalog.ts';
import { REPO_ROOT } from '../../packages/mesh/src/runner/stack.ts';
import { CATALOG_FIRST_PAGE } from '../../web/src/lib/first-page.ts';
import { type Browser, launchBrowser, shot, watchForErrors } from './browser.ts';

describe('a newcomer runs `npm start` and opens the shop', () => {
  let start: ChildProcess;
  let output = '';
  let webUrl = '';
  let browser: Browser;

  beforeAll(async () => {
    const [port, brokerPort, issuerPort, sandboxPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    // The newcomer's environment: the test run's emulator, admin token and settings are not theirs.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) =>
          !['FIRESTORE_EMULATOR_HOST', 'ADMIN_TOKEN', 'SEED'].includes(name) && !name.startsWith('VITEST'),
      ),
    );
    start = spawn('npm', ['start'], {
      cwd: REPO_ROOT,
      env: {
        ...env,
        PORT: String(port),
        BROKER_PORT: String(brokerPort),
        STAFF_ISSUER_PORT: String(issuerPort),
        PAYMENT_SANDBOX_PORT: String(sandboxPort),
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const up = new Promise<void>((resolve, reject) => {
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        if (/demo shop\s+(seeded|not seeded|seeding failed)/.test(output) && /Stockflow is up/.test(output))
          resolve();
      };
      start.stdout!.on('data', read);
      start.stderr!.on('data', read);
      start.on('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output.slice(-4000)}`)));
    });
    await up;
    webUrl = /web \(shop, admin, \/api\)\s+(\S+)/.exec(output)?.[1] ?? '';
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    // A test that failed before Ctrl-C leaves nothing running.
    if (start?.pid && groupAlive(start.pid)) process.kill(-start.pid, 'SIGKILL');
  }, 60_000);

  it('prints where the shop is and that it seeded the demo shop', () => {
    expect(webUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(output).toMatch(new RegExp(`demo shop\\s+seeded ${DEMO_PRODUCTS.length} products`));
    expect(output).toMatch(/test cards: /);
  });

  it('shows products with their pictures in Chromium, with nothing broken on the page', async () => {
    const page = await browser.page();
    const errors = watchForErrors(page);
    await page.goto(webUrl);
    const cards = page.locator('li.product-card');
    await cards.first().waitFor({ timeout: 30_000 });
    // The first screen's page of the catalog, then more as the list's end comes near.
    expect(await cards.count()).toBeGreaterThanOrEqual(CATALOG_FIRST_PAGE);
    await shot(page, 'newcomer-shop');
    await cards.last().scrollIntoViewIfNeeded();
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBeGreaterThan(CATALOG_FIRST_PAGE);
    await page.evaluate(() => window.scrollTo(0, 0));
    const first = DEMO_PRODUCTS[0]!;
    await page.getByRole('searchbox', { name: 'Search products' }).fill(first.name);
    await page.getByRole('heading', { level: 2, name: first.name }).waitFor({ timeout: 15_000 });
    // Every picture on the page loads (a data: SVG each, allowed by web's CSP).
    const pictures = () =>
      page
        .locator('li.product-card img')
        .evaluateAll((imgs) =>
          (imgs as HTMLImageElement[]).map((img) => ({ complete: img.complete, width: img.naturalWidth })),
        );
    await expect
      .poll(async () => {
        const images = await pictures();
        return images.length > 0 && images.every((img) => img.complete && img.width > 0);
      })
      .toBe(true);
    await shot(page, 'newcomer-search');
    expect(errors).toEqual([]);
  });

  it("on a phone's screen, asks for the catalog's next page only once the shopper scrolls", async () => {
    // Lighthouse's mobile screen: the first page fills it and more, so nothing more is due yet.
    const page = await browser.page({ width: 412, height: 823 });
    const asked: string[] = [];
    page.on('request', (request) => asked.push(new URL(request.url()).pathname));
    await page.goto(webUrl);
    const cards = page.locator('li.product-card');
    await expect.poll(() => cards.count(), { timeout: 30_000 }).toBe(CATALOG_FIRST_PAGE);
    await page.locator('li.product-card .badge').first().waitFor();
    await page.waitForTimeout(500);
    // The first page came in web's page itself; the next one is not asked for.
    expect(asked.filter((path) => path === '/api/catalog/products')).toEqual([]);
    expect(await cards.count()).toBe(CATALOG_FIRST_PAGE);
    await cards.last().scrollIntoViewIfNeeded();
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBeGreaterThan(CATALOG_FIRST_PAGE);
    await page.close();
  });

  it('stops every process it started on Ctrl-C', async () => {
    // The terminal sends Ctrl-C to the whole foreground group: npm and what it runs.
    process.kill(-start.pid!, 'SIGINT');
    const deadline = Date.now() + 45_000;
    while (groupAlive(start.pid!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(groupAlive(start.pid!), 'a process of npm start outlived Ctrl-C').toBe(false);
    expect(output).toMatch(/SIGINT, stopping every process/);
    await expect(fetch(webUrl, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  }, 60_000);
});

/** Whether any process of the group `pid` leads is still running. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}
