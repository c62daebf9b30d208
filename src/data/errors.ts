// Bad-row errors that name the file, the line/row, and the field path of the problem.
import type { z } from 'zod';

/** Where a row came from: "train.jsonl line 17" or "train.parquet row 3". */
export interface RowLocation {
  file: string;
  /** JSONL: 1-based line number. Parquet: 0-based row index (as pandas/verl number rows). */
  row: number;
  kind: 'line' | 'row';
}

export function describeLocation(loc: RowLocation): string {
  return `${loc.file} ${loc.kind} ${loc.row}`;
}

/** A row that cannot become a Problem. `message` is the full human-readable report. */
export class DataError extends Error {
  constructor(
    readonly location: RowLocation | undefined,
    /** Dotted field path inside the row ('' for the whole row). */
    readonly fieldPath: string,
    readonly reason: string,
  ) {
    const where = location ? describeLocation(location) + ': ' : '';
    super(`${where}${fieldPath ? fieldPath + ': ' : ''}${reason}`);
    this.name = 'DataError';
  }
}

/** "a.b[2].c" from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += (out ? '.' : '') + String(key);
  }
  return out;
}

export function joinPath(prefix: string, rest: string): string {
  if (!prefix) return rest;
  if (!rest) return prefix;
  return rest.startsWith('[') ? prefix + rest : `${prefix}.${rest}`;
}

/** Turn the first zod issue into a DataError; the others are counted so the report stays one line. */
export function dataErrorFromZod(error: z.ZodError, prefix: string, location?: RowLocation): DataError {
  const [first] = error.issues;
  if (!first) return new DataError(location, prefix, 'invalid value');
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more issue(s))` : '';
  return new DataError(location, joinPath(prefix, formatPath(first.path)), first.message + more);
}
