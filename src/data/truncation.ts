// Over-long prompts as verl handles them (RLHFDataset + postprocess_data): `filter_overlong_prompts` drops the
// problems whose rendered prompt exceeds max_prompt_length tokens when the data is loaded; what is left over
// that length is cut by `truncation`: left keeps the last tokens, right the first, middle the first
// ⌊max/2⌋ and the last ⌈max/2⌉, and error stops the run naming the problem.
export const TRUNCATION_MODES = ['error', 'left', 'right', 'middle'] as const;
export type Truncation = (typeof TRUNCATION_MODES)[number];

/** Cut `ids` to at most `max` tokens (verl's postprocess_data); `what` names the prompt in the error. */
export function truncatePrompt(ids: number[], max: number, mode: Truncation, what: string): number[] {
  if (ids.length <= max) return ids;
  switch (mode) {
    case 'left':
      return ids.slice(ids.length - max);
    case 'right':
      return ids.slice(0, max);
    case 'middle': {
      const left = Math.floor(max / 2);
      return [...ids.slice(0, left), ...ids.slice(ids.length - (max - left))];
    }
    case 'error':
      throw new Error(
        `${what}: prompt has ${ids.length} tokens > data.max_prompt_length=${max} ` +
          '(set data.filter_overlong_prompts=true to drop such prompts, or data.truncation=left|right|middle to cut them)',
      );
  }
}

/** Indices of the prompts kept by filter_overlong_prompts (all when off). */
export function keptIndices(lengths: number[], max: number, filter: boolean): number[] {
  return lengths.map((n, i) => (filter && n > max ? -1 : i)).filter((i) => i >= 0);
}
