// loadProblems: data files → validated Problems plus a report of every row that was skipped and why.
import { basename, extname } from 'node:path';
import { DataError, describeLocation } from './errors.js';
import { promptChars, type Problem } from './problem.js';
import { readRawRows, type DataFormat } from './readers.js';
import { problemFromRow } from './rows.js';

export interface LoadOptions {
  /** 'fail' throws the first bad row's DataError; 'skip' drops it and reports it in `skipped`. Default 'fail'. */
  onBadRow?: 'skip' | 'fail';
  /** Drop (always skip, never fatal, like verl's filter_overlong_prompts) problems whose prompt is longer. */
  maxPromptChars?: number;
  /** Force a format instead of detecting it from the extension / parquet magic. */
  format?: DataFormat;
}

export interface SkippedRow {
  file: string;
  /** JSONL line number (1-based) or parquet/JSON row index (0-based). */
  row: number;
  /** Full report, e.g. "train.jsonl line 17: reward_model.ground_truth: no test cases". */
  reason: string;
}

export interface LoadResult {
  problems: Problem[];
  skipped: SkippedRow[];
  /** Rows that loaded but may not score as meant, one line per kind: the note, how many rows, the first. */
  warnings: string[];
}

/** Load one or more JSONL / JSON / parquet files of our own rows or verl rows (detected per row). */
export async function loadProblems(paths: string | string[], options: LoadOptions = {}): Promise<LoadResult> {
  const onBadRow = options.onBadRow ?? 'fail';
  if (onBadRow !== 'skip' && onBadRow !== 'fail') throw new Error(`onBadRow must be 'skip' or 'fail', got ${String(onBadRow)}`);
  const maxPromptChars = options.maxPromptChars;
  if (maxPromptChars !== undefined && !(Number.isInteger(maxPromptChars) && maxPromptChars > 0)) {
    throw new Error(`maxPromptChars must be a positive integer, got ${maxPromptChars}`);
  }
  const problems: Problem[] = [];
  const skipped: SkippedRow[] = [];
  const firstSeen = new Map<string, string>();
  const notes = new Map<string, { count: number; first: string }>();

  for (const file of Array.isArray(paths) ? paths : [paths]) {
    const sourceName = basename(file, extname(file));
    for (const raw of await readRawRows(file, options.format)) {
      try {
        if ('error' in raw) throw raw.error;
        const where = describeLocation(raw.loc);
        const onNote = (field: string, note: string) => {
          const seen = notes.get(note);
          if (seen) seen.count++;
          else notes.set(note, { count: 1, first: `${where}: ${field}` });
        };
        const problem = problemFromRow(raw.value, raw.loc, { sourceName, onNote });
        const previous = firstSeen.get(problem.id);
        if (previous) throw new DataError(raw.loc, 'id', `duplicate id ${JSON.stringify(problem.id)} (first at ${previous})`);
        firstSeen.set(problem.id, where);
        if (maxPromptChars !== undefined && promptChars(problem.prompt) > maxPromptChars) {
          const n = promptChars(problem.prompt);
          skipped.push({ file, row: raw.loc.row, reason: `${where}: prompt: ${n} characters > maxPromptChars ${maxPromptChars}` });
          continue;
        }
        problems.push(problem);
      } catch (err) {
        if (!(err instanceof DataError) || onBadRow === 'fail') throw err;
        skipped.push({ file, row: raw.loc.row, reason: err.message });
      }
    }
  }
  const warnings = [...notes].map(([note, n]) => `${note} (${n.count} row${n.count === 1 ? '' : 's'}; first: ${n.first})`);
  return { problems, skipped, warnings };
}
