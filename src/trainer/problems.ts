// Problems for the run: load both splits, render and encode prompts, and the seeded batch order.
import type { TrainConfig } from '../config/schema.js';
import { batchIndices as dataBatchIndices, loadProblems, type Problem } from '../data/index.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';

export async function loadSplits(cfg: TrainConfig, log: (m: string) => void): Promise<{ train: Problem[]; val: Problem[] | null }> {
  const load = async (file: string) => {
    const r = await loadProblems(file, { onBadRow: cfg.data.on_bad_row });
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

/** Chat-template each prompt and encode it; prompts over maxPromptLength tokens are an error naming the problem. */
export function encodePrompts(problems: Problem[], tokenizer: Tokenizer, maxPromptLength: number, _log: (m: string) => void): number[][] {
  return problems.map((p) => {
    const ids = tokenizer.encode(tokenizer.applyChatTemplate(p.prompt, { addGenerationPrompt: true }));
    if (ids.length > maxPromptLength) {
      throw new Error(`problem ${p.id}: prompt has ${ids.length} tokens > data.max_prompt_length=${maxPromptLength}`);
    }
    return ids;
  });
}

/** Problem indices of step `step` (1-based): seeded per-epoch permutations, a pure function of the step (resume-safe). */
export function batchIndices(nProblems: number, batchSize: number, seed: number, step: number): number[] {
  return dataBatchIndices(nProblems, step - 1, { batchSize, seed }).indices;
}
