// Problems for the run: load both splits, render and encode prompts, and the seeded batch order.
import type { TrainConfig } from '../config/schema.js';
import { batchIndices as dataBatchIndices, loadProblems, type Problem } from '../data/index.js';
import { keptIndices, truncatePrompt, type Truncation } from '../data/truncation.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';

export async function loadSplits(cfg: TrainConfig, log: (m: string) => void): Promise<{ train: Problem[]; val: Problem[] | null }> {
  const load = async (file: string) => {
    const r = await loadProblems(file, { onBadRow: cfg.data.on_bad_row });
    for (const w of r.warnings) log(`warning: ${w}`);
    for (const s of r.skipped.slice(0, 5)) log(`skipped ${s.reason}`);
    if (r.skipped.length > 5) log(`... and ${r.skipped.length - 5} more bad rows skipped in ${file}`);
    if (r.problems.length === 0) throw new Error(`${file}: no usable problems`);
    return r.problems;
  };
  const train = await load(cfg.data.train_files);
  const val = cfg.data.val_files ? await load(cfg.data.val_files) : null;
  log(`data: ${train.length} training problems${val ? `, ${val.length} held-out` : ''}`);
  return { train, val };
}

function renderIds(p: Problem, tokenizer: Tokenizer): number[] {
  return tokenizer.encode(tokenizer.applyChatTemplate(p.prompt, { addGenerationPrompt: true }));
}

/** Chat-template each prompt and encode it; prompts over maxPromptLength tokens are cut by `truncation` (verl). */
export function encodePrompts(problems: Problem[], tokenizer: Tokenizer, maxPromptLength: number, truncation: Truncation = 'error'): number[][] {
  return problems.map((p) => truncatePrompt(renderIds(p, tokenizer), maxPromptLength, truncation, `problem ${p.id}`));
}

/** verl's filter_overlong_prompts at load: the problems whose rendered prompt fits max_prompt_length (all when off). */
export function filterOverlong(
  problems: Problem[],
  tokenizer: Tokenizer,
  data: Pick<TrainConfig['data'], 'max_prompt_length' | 'filter_overlong_prompts'>,
  split: string,
  log: (m: string) => void,
): Problem[] {
  if (!data.filter_overlong_prompts) return problems;
  const kept = keptIndices(problems.map((p) => renderIds(p, tokenizer).length), data.max_prompt_length, true).map((i) => problems[i]!);
  if (kept.length < problems.length) log(`data: ${problems.length - kept.length} ${split} prompts over data.max_prompt_length=${data.max_prompt_length} tokens dropped (data.filter_overlong_prompts)`);
  if (kept.length === 0) throw new Error(`every ${split} prompt is longer than data.max_prompt_length=${data.max_prompt_length} tokens`);
  return kept;
}

/** Problem indices of step `step` (1-based): seeded per-epoch permutations, a pure function of the step (resume-safe). */
export function batchIndices(nProblems: number, batchSize: number, seed: number, step: number): number[] {
  return dataBatchIndices(nProblems, step - 1, { batchSize, seed }).indices;
}
