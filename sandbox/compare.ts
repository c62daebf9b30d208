// Output and value comparison rules, shared with sandbox/harness.py (keep the two in step).

/**
 * stdio comparison: trailing whitespace of every line and trailing newlines are ignored, CRLF counts
 * as LF. verl's sandbox_fusion reward strips only trailing newlines; every output it accepts is
 * accepted here too, plus outputs that differ only by invisible trailing spaces.
 */
export function normalizeOutput(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[ \t\r]+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');
}

export function outputsMatch(expected: string, got: string): boolean {
  return normalizeOutput(expected) === normalizeOutput(got);
}

/** JSON values; numbers compare with a 1e-9 tolerance (relative or absolute), booleans only with booleans. */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b;
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b) return true;
    const diff = Math.abs(a - b);
    return diff <= 1e-9 || diff <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => valuesEqual(x, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return (
      ka.length === kb.length &&
      ka.every((k, i) => k === kb[i] && valuesEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return a === b;
}
