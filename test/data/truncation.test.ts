// verl's handling of over-long prompts: truncation modes and filter_overlong_prompts.
import { describe, expect, it } from 'vitest';
import { keptIndices, truncatePrompt } from '../../src/data/truncation.js';

const ids = [1, 2, 3, 4, 5, 6, 7];

describe('over-long prompts (verl postprocess_data / filter_overlong_prompts)', () => {
  it('cuts as verl does: left keeps the end, right the start, middle floor(max/2) first + the rest last', () => {
    expect(truncatePrompt(ids, 4, 'left', 'p')).toEqual([4, 5, 6, 7]);
    expect(truncatePrompt(ids, 4, 'right', 'p')).toEqual([1, 2, 3, 4]);
    expect(truncatePrompt(ids, 5, 'middle', 'p')).toEqual([1, 2, 5, 6, 7]);
    expect(truncatePrompt(ids, 4, 'middle', 'p')).toEqual([1, 2, 6, 7]);
    expect(truncatePrompt(ids, 7, 'error', 'p')).toBe(ids);
  });

  it('error names the problem, the length and the options', () => {
    expect(() => truncatePrompt(ids, 4, 'error', 'problem abc')).toThrow(/problem abc: prompt has 7 tokens > data.max_prompt_length=4 .*filter_overlong_prompts.*truncation/);
  });

  it('filter keeps the prompts that fit, all when off', () => {
    expect(keptIndices([3, 9, 4, 5], 4, true)).toEqual([0, 2]);
    expect(keptIndices([3, 9, 4, 5], 4, false)).toEqual([0, 1, 2, 3]);
  });
});
