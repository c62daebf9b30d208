// stdout comparison rules, mirrored in sandbox/harness.py (keep the two in step; test/sandbox/compare.test.ts
// runs both on the same pairs).

/** exact: verl's (rstrip("\n") on both sides). lenient: SandboxFusion's own dataset judges. */
export const COMPARE_MODES = ['exact', 'lenient'] as const;
export type CompareMode = (typeof COMPARE_MODES)[number];

/** verl's rule: equal after stripping trailing newlines from both sides; nothing else is normalised. */
export function exactMatch(expected: string, got: string): boolean {
  return expected.replace(/\n+$/, '') === got.replace(/\n+$/, '');
}

/** Python's str.strip() whitespace (ASCII part, which is all stdout comparison meets in practice). */
const strip = (s: string): string => s.replace(/^[\s\x1c-\x1f]+|[\s\x1c-\x1f]+$/g, '');

function isFloat(s: string): boolean {
  return /^\s*[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|inf(inity)?|nan)\s*$/i.test(s.replace(/_/g, ''));
}

/**
 * SandboxFusion's own dataset judges (check_stdio_test_case): whole outputs stripped, one trailing empty line
 * forgiven, same line count, each line compared stripped and lower-cased, numbers with relative tolerance 1e-5.
 */
export function lenientMatch(expected: string, got: string): boolean {
  let gotLines = strip(got).split('\n');
  let expLines = strip(expected).split('\n');
  if (gotLines.length - expLines.length === 1 && gotLines[gotLines.length - 1] === '') gotLines = gotLines.slice(0, -1);
  if (expLines.length - gotLines.length === 1 && expLines[expLines.length - 1] === '') expLines = expLines.slice(0, -1);
  if (gotLines.length !== expLines.length) return false;
  return gotLines.every((g, i) => {
    const a = strip(g.toLowerCase());
    const b = strip(expLines[i]!.toLowerCase());
    if (a === b) return true;
    if (!isFloat(a) || !isFloat(b)) return false;
    const x = Number(a.replace(/_/g, '').replace(/^([+-]?)inf(inity)?$/, '$1Infinity'));
    const y = Number(b.replace(/_/g, '').replace(/^([+-]?)inf(inity)?$/, '$1Infinity'));
    return Math.abs(x - y) / Math.max(Math.abs(y), 1e-10) < 1e-5;
  });
}

export function outputsMatch(expected: string, got: string, mode: CompareMode = 'exact'): boolean {
  return mode === 'lenient' ? lenientMatch(expected, got) : exactMatch(expected, got);
}
