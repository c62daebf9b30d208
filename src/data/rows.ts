// One raw row (our own JSONL shape or a verl row) → a validated Problem, or a DataError naming the field.
import { z } from 'zod';
import { DataError, dataErrorFromZod, type RowLocation } from './errors.js';
import { groundTruthAt } from './groundTruth.js';
import { chatMessageSchema, problemSchema, solutionSchema, type Problem } from './problem.js';
import { datasetRowShape, fromDatasetRow } from './dataset_rows.js';

/** A plain string prompt is one user message (preprocessed, so errors point at prompt[i].field, not "invalid union"). */
const promptSchema = z.preprocess(
  (v) => (typeof v === 'string' ? (v ? [{ role: 'user', content: v }] : []) : v),
  z.array(chatMessageSchema).min(1, 'prompt is empty'),
);

const ownRowSchema = z.object({
  id: z.string().min(1).optional(),
  dataSource: z.string().min(1).optional(),
  prompt: promptSchema,
  tests: z.array(z.unknown()).min(1, 'no test cases'),
  language: z.literal('python').optional(),
  solutions: z.array(solutionSchema).optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
});

const verlRowSchema = z.object({
  data_source: z.string().min(1),
  prompt: promptSchema,
  ability: z.string().nullish(),
  reward_model: z.object({
    style: z.string().nullish(),
    ground_truth: z.unknown().refine((v) => v !== undefined && v !== null, 'ground_truth is required'),
  }),
  extra_info: z.record(z.string(), z.unknown()).nullish(),
});

export type RowShape = 'verl' | 'livecodebench' | 'mbpp' | 'humaneval' | 'own';

/** verl rows carry `reward_model`; raw LiveCodeBench/MBPP/HumanEval rows their own fields; the rest is ours. */
export function detectRowShape(row: Record<string, unknown>): RowShape {
  if ('reward_model' in row || 'data_source' in row) return 'verl';
  return datasetRowShape(row) ?? 'own';
}

export interface RowDefaults {
  /** Used for ids and the data source when a row of our own shape omits them. */
  sourceName: string;
  /** Told of rows that load but may not score as their author meant (see groundTruth's notes). */
  onNote?: (field: string, note: string) => void;
}

export function problemFromRow(raw: unknown, loc: RowLocation, defaults: RowDefaults): Problem {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new DataError(loc, '', `expected a JSON object, got ${Array.isArray(raw) ? 'a list' : raw === null ? 'null' : typeof raw}`);
  }
  const row = raw as Record<string, unknown>;
  const shape = detectRowShape(row);
  const problem =
    shape === 'verl' ? fromVerlRow(row, loc, defaults) : shape === 'own' ? fromOwnRow(row, loc, defaults) : fromDatasetRow(shape, row, loc);
  // Final check against the schema the trainer relies on (catches anything the converters let through).
  const checked = problemSchema.safeParse(problem);
  if (!checked.success) throw dataErrorFromZod(checked.error, '', loc);
  return checked.data;
}

function fromOwnRow(row: Record<string, unknown>, loc: RowLocation, defaults: RowDefaults): Problem {
  const parsed = ownRowSchema.safeParse(row);
  if (!parsed.success) throw dataErrorFromZod(parsed.error, '', loc);
  const r = parsed.data;
  return {
    id: r.id ?? `${defaults.sourceName}/${loc.row}`,
    dataSource: r.dataSource ?? defaults.sourceName,
    prompt: r.prompt,
    tests: groundTruthAt({ tests: r.tests }, '', loc),
    language: 'python',
    ...(r.solutions ? { solutions: r.solutions } : {}),
    ...(r.extra ? { extra: r.extra } : {}),
  };
}

function fromVerlRow(row: Record<string, unknown>, loc: RowLocation, defaults: RowDefaults): Problem {
  const parsed = verlRowSchema.safeParse(row);
  if (!parsed.success) throw dataErrorFromZod(parsed.error, '', loc);
  const r = parsed.data;
  const extraInfo = r.extra_info ?? {};
  const language = extraInfo['language'];
  if (language !== undefined && language !== null && String(language).toLowerCase() !== 'python') {
    throw new DataError(loc, 'extra_info.language', `only python problems are supported, got ${JSON.stringify(language)}`);
  }
  const fnName = extraInfo['fn_name'] ?? extraInfo['func_name'];
  const tests = groundTruthAt(r.reward_model.ground_truth, 'reward_model.ground_truth', loc, {
    ...(typeof fnName === 'string' ? { fnName } : {}),
    ...(defaults.onNote ? { onNote: defaults.onNote } : {}),
  });
  const index = extraInfo['index'];
  const key = typeof index === 'number' || (typeof index === 'string' && index) ? String(index) : String(loc.row);
  const extra: Record<string, unknown> = { ...extraInfo };
  if (r.ability) extra['ability'] = r.ability;
  if (r.reward_model.style) extra['reward_style'] = r.reward_model.style;
  return {
    id: `${r.data_source}/${key}`,
    dataSource: r.data_source,
    prompt: r.prompt,
    tests,
    language: 'python',
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}

