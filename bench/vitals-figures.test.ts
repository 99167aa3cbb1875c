/** @module The vitals bench's arithmetic over sample Lighthouse results (no browser runs here). */
import { describe, expect, it } from 'vitest';
import {
  type LighthouseResult,
  type PageRun,
  readRun,
  shouldRetry,
  summarizePage,
  VitalsError,
  vitalsFigures,
} from './vitals-figures.ts';

/** A Lighthouse result as far as the bench reads it, with the given figures. */
function lhr({
  lcp = 1000,
  tbt = 20,
  cls = 0,
  a11y = 1,
  bp = 0.96,
}: {
  lcp?: number;
  tbt?: number;
  cls?: number;
  a11y?: number | null;
  bp?: number;
} = {}): LighthouseResult {
  return {
    finalDisplayedUrl: 'http://127.0.0.1:8080/',
    audits: {
      'largest-contentful-paint': { numericValue: lcp, score: 0.9 },
      'total-blocking-time': { numericValue: tbt, score: 1 },
      'cumulative-layout-shift': { numericValue: cls, score: 1 },
      'first-contentful-paint': { numericValue: 800, score: 1 },
    },
    categories: {
      performance: { score: 0.97 },
      accessibility: { score: a11y },
      'best-practices': { score: bp },
    },
  };
}

const run = (figures: Partial<PageRun>): PageRun => ({
  lcpMs: 1000,
  tbtMs: 20,
  cls: 0,
  accessibility: 100,
  bestPractices: 96,
  ...figures,
});

describe('readRun', () => {
  it('reads LCP, TBT, CLS and the scores as 0 to 100', () => {
    expect(readRun(lhr({ lcp: 1234.5, tbt: 56, cls: 0.012, a11y: 0.93, bp: 0.78 }))).toEqual({
      lcpMs: 1234.5,
      tbtMs: 56,
      cls: 0.012,
      accessibility: 93,
      bestPractices: 78,
    });
  });

  it('refuses a run Lighthouse could not complete rather than counting zeros', () => {
    const failed = { ...lhr(), runtimeError: { code: 'NO_FCP', message: 'The page did not paint' } };
    expect(() => readRun(failed)).toThrow(/did not paint/);
  });

  it("takes a run again only when Lighthouse's own trace recording failed", () => {
    const traceLost = { code: 'NO_NAVSTART', message: 'Please run Lighthouse again.' };
    expect(shouldRetry({ ...lhr(), runtimeError: traceLost })).toBe(true);
    expect(
      shouldRetry({ ...lhr(), runtimeError: { code: 'NO_FCP', message: 'The page did not paint' } }),
    ).toBe(false);
    expect(shouldRetry(lhr())).toBe(false);
  });

  it('refuses a result without a metric or a score', () => {
    const noLcp = lhr();
    delete noLcp.audits['largest-contentful-paint'];
    expect(() => readRun(noLcp)).toThrow(VitalsError);
    expect(() => readRun(lhr({ a11y: null }))).toThrow(/accessibility/);
  });
});

describe('summarizePage', () => {
  it('takes each figure’s own median over the runs', () => {
    const summary = summarizePage('home', [
      run({ lcpMs: 1500, tbtMs: 10 }),
      run({ lcpMs: 900, tbtMs: 300 }),
      run({ lcpMs: 1100, tbtMs: 40 }),
      run({ lcpMs: 5000, tbtMs: 30, accessibility: 90 }),
      run({ lcpMs: 1000, tbtMs: 20 }),
    ]);
    expect(summary).toMatchObject({ page: 'home', runs: 5, lcpMs: 1100, tbtMs: 30, accessibility: 100 });
  });

  it('names the metric furthest past its good limit: LCP ÷ 2500, TBT ÷ 200, CLS ÷ 0.1', () => {
    expect(summarizePage('p', [run({ lcpMs: 1000, tbtMs: 20, cls: 0.01 })])).toMatchObject({
      worstRatio: 0.4,
      worstMetric: 'lcpMs',
    });
    expect(summarizePage('p', [run({ lcpMs: 1000, tbtMs: 120, cls: 0.01 })])).toMatchObject({
      worstRatio: 0.6,
      worstMetric: 'tbtMs',
    });
    const shifted = summarizePage('p', [run({ lcpMs: 1000, tbtMs: 20, cls: 0.25 })]);
    expect(shifted.worstMetric).toBe('cls');
    expect(shifted.worstRatio).toBeCloseTo(2.5);
  });

  it('refuses a page with no run', () => {
    expect(() => summarizePage('home', [])).toThrow(VitalsError);
  });
});

describe('vitalsFigures', () => {
  it('reports the worst page for each figure and where worstRatio comes from', () => {
    const pages = [
      summarizePage('home', [run({ lcpMs: 1000, tbtMs: 10, cls: 0.002 })]),
      summarizePage('product', [run({ lcpMs: 1400, tbtMs: 0, cls: 0.031, bestPractices: 100 })]),
      summarizePage('checkout', [run({ lcpMs: 1200, tbtMs: 90, cls: 0, accessibility: 96 })]),
    ];
    expect(vitalsFigures(pages)).toEqual({
      lcpMs: 1400,
      tbtMs: 90,
      cls: 0.031,
      // checkout's TBT: 90 ÷ 200 = 0.45 is below product's LCP 1400 ÷ 2500 = 0.56.
      worstRatio: 0.56,
      worstAt: 'product:lcpMs',
      accessibility: 96,
      bestPractices: 96,
      pages: 3,
      runsPerPage: 1,
    });
  });

  it('keeps three digits of worstRatio, so a miss never rounds to the target', () => {
    const figures = vitalsFigures([summarizePage('home', [run({ lcpMs: 1260 })])]);
    expect(figures.worstRatio).toBe(0.504);
    expect(figures.worstRatio).toBeGreaterThan(0.5);
  });

  it('computes the figures end to end from Lighthouse results', () => {
    const results = [lhr({ lcp: 2000 }), lhr({ lcp: 2600 }), lhr({ lcp: 2200 })];
    const figures = vitalsFigures([summarizePage('home', results.map(readRun))]);
    expect(figures).toMatchObject({ lcpMs: 2200, worstRatio: 0.88, worstAt: 'home:lcpMs' });
  });

  it('refuses no pages', () => {
    expect(() => vitalsFigures([])).toThrow(VitalsError);
  });
});
