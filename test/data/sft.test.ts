import { describe, expect, it } from 'vitest';
import { sftExamples, type Problem } from '../../src/data/index.js';

const problem = (id: string, wrong: number): Problem => ({
  id,
  dataSource: 't',
  prompt: [{ role: 'user', content: id }],
  tests: [{ type: 'assert', code: 'assert 1' }],
  language: 'python',
  solutions: [{ code: `ok_${id}`, correct: true }, ...Array.from({ length: wrong }, (_, i) => ({ code: `bad${i}_${id}`, correct: false }))],
});
const problems = [problem('a', 2), problem('b', 1), problem('c', 0), problem('d', 2)];

describe('sftExamples', () => {
  it("'all' uses every solution once in the completion format", () => {
    const ex = sftExamples(problems, { mix: 'all', seed: 1 });
    expect(ex).toHaveLength(9);
    expect(ex.filter((e) => e.correct)).toHaveLength(4);
    expect(ex.find((e) => e.problemId === 'b' && !e.correct)!.completion).toBe('```python\nbad0_b\n```');
  });

  it("'balanced' pairs each correct solution with one wrong one, varying the wrong one by epoch", () => {
    const perEpoch = [0, 1, 2, 3, 4, 5].map((epoch) => sftExamples(problems, { mix: 'balanced', seed: 3, epoch }));
    for (const ex of perEpoch) {
      expect(ex.filter((e) => e.correct)).toHaveLength(4);
      expect(ex.filter((e) => !e.correct)).toHaveLength(3); // c has no wrong variant
    }
    const wrongOfA = new Set(perEpoch.map((ex) => ex.find((e) => e.problemId === 'a' && !e.correct)!.completion));
    expect(wrongOfA.size).toBe(2);
    expect(sftExamples(problems, { mix: 'balanced', seed: 3, epoch: 2 })).toEqual(perEpoch[2]);
  });

  it("'correct' keeps only correct solutions", () => {
    expect(sftExamples(problems, { mix: 'correct', seed: 1 }).every((e) => e.correct)).toBe(true);
  });
});
