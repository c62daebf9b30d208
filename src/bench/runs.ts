// Reading what `rl train` leaves in a run folder: config.json, metrics.jsonl, done.json.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One line of metrics.jsonl: "step" plus verl-named numbers. */
export type MetricsLine = { step: number } & Record<string, number>;

export interface DoneRecord {
  steps: number;
  wall_s: number;
}

/** Everything the report needs from one run folder. */
export interface RunData {
  group: string;
  label: string;
  seed: number;
  dir: string;
  /** Lines merged per step (a step logged twice after a resume keeps its latest values), ascending by step. */
  steps: MetricsLine[];
  done: DoneRecord | null;
  /** Line numbers of metrics.jsonl that were not JSON (torn by a kill) and were skipped. */
  tornLines?: number[];
}

export const METRICS_FILE = 'metrics.jsonl';
export const DONE_FILE = 'done.json';
export const CONFIG_FILE = 'config.json';

/** Parse metrics.jsonl text. Non-numeric fields are dropped; lines that are not JSON (torn by a kill) are
 * skipped and their numbers pushed to `torn`; a JSON line without a valid "step" is an error naming file and line. */
export function parseMetrics(text: string, file: string, torn?: number[]): MetricsLine[] {
  const out: MetricsLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      // A trainer killed mid-write leaves a torn line; the step is redone after --resume, so skip it.
      torn?.push(i + 1);
      continue;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new Error(`${file}:${i + 1}: expected a JSON object`);
    const rec = obj as Record<string, unknown>;
    if (typeof rec.step !== 'number' || !Number.isInteger(rec.step) || rec.step < 0) {
      throw new Error(`${file}:${i + 1}: "step" must be a non-negative integer`);
    }
    const m: Record<string, number> = {};
    for (const [k, v] of Object.entries(rec)) if (typeof v === 'number' && Number.isFinite(v)) m[k] = v;
    out.push(m as MetricsLine);
  }
  return out;
}

/** Merge lines of the same step (later lines win), ascending by step. */
export function mergeSteps(lines: MetricsLine[]): MetricsLine[] {
  const byStep = new Map<number, MetricsLine>();
  for (const l of lines) byStep.set(l.step, { ...(byStep.get(l.step) ?? {}), ...l });
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

export function readDone(dir: string): DoneRecord | null {
  const file = join(dir, DONE_FILE);
  if (!existsSync(file)) return null;
  let obj: unknown;
  try {
    obj = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new Error(`${file}: not valid JSON`);
  }
  const rec = obj as Record<string, unknown>;
  if (typeof rec?.steps !== 'number' || typeof rec?.wall_s !== 'number') throw new Error(`${file}: expected { "steps": number, "wall_s": number }`);
  return { steps: rec.steps, wall_s: rec.wall_s };
}

export function isFinished(dir: string): boolean {
  return existsSync(join(dir, DONE_FILE));
}

/** Whether the trainer has started writing into the folder (so the next attempt must --resume). */
export function hasStarted(dir: string): boolean {
  return [METRICS_FILE, CONFIG_FILE, 'checkpoints'].some((f) => existsSync(join(dir, f)));
}

export function loadRun(dir: string, ids: { group: string; label: string; seed: number }): RunData {
  const file = join(dir, METRICS_FILE);
  const tornLines: number[] = [];
  const lines = existsSync(file) ? parseMetrics(readFileSync(file, 'utf8'), file, tornLines) : [];
  return { ...ids, dir, steps: mergeSteps(lines), done: readDone(dir), tornLines };
}
