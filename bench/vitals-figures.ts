/**
 * @module The vitals bench's arithmetic, apart from any browser: what it reads of one Lighthouse
 * result (LCP, TBT, CLS, the accessibility and best-practices scores), each page's medians over its
 * runs, and the figures the bench prints: each metric's worst page median and `worstRatio`, the
 * largest of LCP ÷ 2500 ms, TBT ÷ 200 ms and CLS ÷ 0.1 over the pages (Google's "good" limits, so
 * 1 is the edge of good and the target ≤ 0.5 is half of it).
 */
import { median, round } from './stats.ts';

/** The "good" limit of each metric (web.dev's Core Web Vitals thresholds; TBT is Lighthouse's). */
export const GOOD = { lcpMs: 2500, tbtMs: 200, cls: 0.1 } as const;
export type Metric = keyof typeof GOOD;

/** The part of a Lighthouse result (an `LH.Result`) the bench reads. */
export interface LighthouseResult {
  finalDisplayedUrl?: string;
  runtimeError?: { code: string; message: string };
  audits: Record<string, { numericValue?: number; score?: number | null } | undefined>;
  categories: Record<string, { score: number | null } | undefined>;
}

/** One Lighthouse run of one page. */
export interface PageRun {
  lcpMs: number;
  tbtMs: number;
  cls: number;
  /** Lighthouse's category scores, 0 to 100. */
  accessibility: number;
  bestPractices: number;
}

export class VitalsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VitalsError';
  }
}

function numeric(lhr: LighthouseResult, audit: string): number {
  const value = lhr.audits[audit]?.numericValue;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new VitalsError(`Lighthouse measured no ${audit} of ${lhr.finalDisplayedUrl ?? 'the page'}`);
  }
  return value;
}

function score(lhr: LighthouseResult, category: string): number {
  const value = lhr.categories[category]?.score;
  if (typeof value !== 'number') {
    throw new VitalsError(`Lighthouse scored no ${category} of ${lhr.finalDisplayedUrl ?? 'the page'}`);
  }
  return Math.round(value * 100);
}

/**
 * Lighthouse's failures that are its own trace recording's, not the page's ("Something went wrong
 * with recording the trace over your page load. Please run Lighthouse again."): seen about once in
 * 30 runs on this machine. Such a run is taken again; any other failure stays an error.
 */
const RETRYABLE_RUNTIME_ERRORS = new Set(['NO_NAVSTART']);

/** Whether Lighthouse asks for the run to be taken again rather than saying the page failed. */
export function shouldRetry(lhr: LighthouseResult): boolean {
  return RETRYABLE_RUNTIME_ERRORS.has(lhr.runtimeError?.code ?? '');
}

/**
 * What one run measured. A run Lighthouse could not complete (`runtimeError`: the page never
 * painted, the server did not answer) is an error, never a run of zeros.
 */
export function readRun(lhr: LighthouseResult): PageRun {
  if (lhr.runtimeError) {
    throw new VitalsError(`Lighthouse failed on ${lhr.finalDisplayedUrl}: ${lhr.runtimeError.message}`);
  }
  return {
    lcpMs: numeric(lhr, 'largest-contentful-paint'),
    tbtMs: numeric(lhr, 'total-blocking-time'),
    cls: numeric(lhr, 'cumulative-layout-shift'),
    accessibility: score(lhr, 'accessibility'),
    bestPractices: score(lhr, 'best-practices'),
  };
}

/** One page's medians over its runs, and its largest ratio to the good limits. */
export interface PageSummary extends PageRun {
  page: string;
  runs: number;
  worstRatio: number;
  /** The metric that set `worstRatio`. */
  worstMetric: Metric;
}

/** The largest of a page's ratios to the good limits, and which metric it is. */
function worstOf(run: Pick<PageRun, Metric>): { worstRatio: number; worstMetric: Metric } {
  const ratios = (Object.keys(GOOD) as Metric[]).map((metric) => ({
    worstMetric: metric,
    worstRatio: run[metric] / GOOD[metric],
  }));
  return ratios.reduce((worst, next) => (next.worstRatio > worst.worstRatio ? next : worst));
}

/** Medians of each figure over a page's runs (each figure's own median, as Lighthouse's docs advise). */
export function summarizePage(page: string, runs: readonly PageRun[]): PageSummary {
  if (!runs.length) throw new VitalsError(`no run of ${page}`);
  const of = (key: keyof PageRun) => median(runs.map((run) => run[key]));
  const medians = {
    lcpMs: of('lcpMs'),
    tbtMs: of('tbtMs'),
    cls: of('cls'),
    accessibility: of('accessibility'),
    bestPractices: of('bestPractices'),
  };
  return { page, runs: runs.length, ...medians, ...worstOf(medians) };
}

/**
 * The bench's final figures: the worst page for each, so one line says whether every page is good.
 * A type, not an interface, so it is the `Record<string, unknown>` bench/run.ts takes.
 */
export type VitalsFigures = {
  lcpMs: number;
  tbtMs: number;
  cls: number;
  worstRatio: number;
  /** `page:metric` that set worstRatio, e.g. `checkout:lcpMs`. */
  worstAt: string;
  accessibility: number;
  bestPractices: number;
  pages: number;
  runsPerPage: number;
};

export function vitalsFigures(pages: readonly PageSummary[]): VitalsFigures {
  if (!pages.length) throw new VitalsError('no page measured');
  const max = (key: Metric) => Math.max(...pages.map((p) => p[key]));
  const min = (key: 'accessibility' | 'bestPractices') => Math.min(...pages.map((p) => p[key]));
  const worst = pages.reduce((a, b) => (b.worstRatio > a.worstRatio ? b : a));
  return {
    lcpMs: Math.round(max('lcpMs')),
    tbtMs: Math.round(max('tbtMs')),
    cls: round(max('cls'), 3),
    // Three digits: two would round 0.504 down to a target-meeting 0.5.
    worstRatio: round(worst.worstRatio, 3),
    worstAt: `${worst.page}:${worst.worstMetric}`,
    accessibility: min('accessibility'),
    bestPractices: min('bestPractices'),
    pages: pages.length,
    runsPerPage: Math.min(...pages.map((p) => p.runs)),
  };
}
