// Supervised warm-start examples from problems' bundled solutions, with a chosen right/wrong mix.
import type { ChatMessage } from '../tokenizer/tokenizer.js';
import { completionFor, type Problem } from './problem.js';
import { makeRng, mixSeed, shuffleInPlace } from './rng.js';

export type SftMix =
  /** Every solution once (demo: 170 correct of 470 ≈ 36% correct). */
  | 'all'
  /** Per problem: the correct solution(s) and as many wrong ones, drawn per epoch (≈ 50% correct). */
  | 'balanced'
  /** Only correct solutions (an already-good start; RL then has little to fix). */
  | 'correct';

export interface SftExample {
  problemId: string;
  prompt: ChatMessage[];
  /** "```python\n<code>\n```" — the trainer appends the eos token. */
  completion: string;
  correct: boolean;
}

/** The examples of one SFT epoch, shuffled; a pure function of (problems, mix, seed, epoch). */
export function sftExamples(problems: readonly Problem[], options: { mix: SftMix; seed: number; epoch?: number }): SftExample[] {
  const epoch = options.epoch ?? 0;
  const rng = makeRng(mixSeed(options.seed, epoch, 0x5f7));
  const out: SftExample[] = [];
  for (const p of problems) {
    const right = (p.solutions ?? []).filter((s) => s.correct);
    const wrong = (p.solutions ?? []).filter((s) => !s.correct);
    let chosen = options.mix === 'correct' ? right : options.mix === 'all' ? [...right, ...wrong] : [...right];
    if (options.mix === 'balanced') chosen = chosen.concat(shuffleInPlace(rng, [...wrong]).slice(0, right.length));
    for (const s of chosen) out.push({ problemId: p.id, prompt: p.prompt, completion: completionFor(s.code), correct: s.correct });
  }
  return shuffleInPlace(rng, out);
}
