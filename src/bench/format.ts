// Number formatting shared by the Markdown and HTML tables, so both show exactly the same text.
import type { Stat } from './summary.js';

export const DIGITS = { pass: 3, step: 1, wallS: 1, tokensPerS: 1 } as const;

export const MISSING = '–';

export function fmtNumber(x: number | null | undefined, digits: number): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return MISSING;
  return x.toFixed(digits);
}

/** Step numbers are integers per seed; their mean is shown with one decimal only when it is not whole. */
export function fmtStep(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return MISSING;
  return Number.isInteger(x) ? String(x) : x.toFixed(DIGITS.step);
}

/** "mean ± std" (sample std over seeds); a single seed shows the value alone. */
export function fmtStat(s: Stat | null, digits: number, asStep = false): string {
  if (s === null) return MISSING;
  const mean = asStep ? fmtStep(s.mean) : fmtNumber(s.mean, digits);
  if (s.n < 2) return mean;
  return `${mean} ± ${s.std.toFixed(asStep ? DIGITS.step : digits)}`;
}
