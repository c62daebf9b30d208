// The bundled demo dataset: shape constraints for a tiny character-level policy, and the data check
// (correct solutions pass every test, wrong ones fail at least one), all programs in one python3 process.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { completionFor, demoDataPaths, DEMO_FAMILIES, loadProblems, type Problem } from '../../src/data/index.js';
import { generateDemo, TEST_PER_FAMILY, TRAIN_PER_FAMILY, toJsonl } from '../../src/data/demo/generate.js';
import { runPythonBatch, sameOutputStrict } from '../../src/data/demo/python.js';
import { verifySolutions } from '../../src/data/demo/verify.js';
import { DEMO_OPERATIONS } from '../../src/data/demo/families.js';

let train: Problem[];
let test: Problem[];
beforeAll(async () => {
  const paths = demoDataPaths();
  train = (await loadProblems(paths.train, { onBadRow: 'fail' })).problems;
  test = (await loadProblems(paths.test, { onBadRow: 'fail' })).problems;
});

const family = (p: Problem) => p.extra!['family'] as string;
const kOf = (p: Problem) => p.extra!['k'] as number;

/** Levenshtein distance: how many characters separate a wrong variant from the correct code. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

describe('demo dataset', () => {
  it('has >= 150 train and >= 50 held-out problems, spread evenly over the families', () => {
    expect(train.length).toBeGreaterThanOrEqual(150);
    expect(test.length).toBeGreaterThanOrEqual(50);
    expect(DEMO_FAMILIES.length).toBeGreaterThanOrEqual(12);
    for (const f of DEMO_FAMILIES) {
      expect(train.filter((p) => family(p) === f.name)).toHaveLength(TRAIN_PER_FAMILY);
      expect(test.filter((p) => family(p) === f.name)).toHaveLength(TEST_PER_FAMILY);
    }
  });

  it('holds out different parameter values of the same families (no id or prompt overlap)', () => {
    const trainIds = new Set(train.map((p) => p.id));
    const trainPrompts = new Set(train.map((p) => p.prompt[0]!.content));
    for (const p of test) {
      expect(trainIds.has(p.id)).toBe(false);
      expect(trainPrompts.has(p.prompt[0]!.content)).toBe(false);
    }
    for (const p of [...train, ...test]) expect(p.id).toBe(`demo/${family(p)}/${kOf(p)}`);
  });

  it('uses short chat prompts and very short solutions in the exact completion format', () => {
    for (const p of [...train, ...test]) {
      expect(p.prompt).toHaveLength(1);
      expect(p.prompt[0]!.role).toBe('user');
      expect(p.prompt[0]!.content.length).toBeLessThanOrEqual(90);
      expect(p.prompt[0]!.content).toContain(DEMO_OPERATIONS[kOf(p)]!); // k names the operation
      const [correct, ...wrong] = p.solutions!;
      expect(correct!.correct).toBe(true);
      expect(wrong.length).toBeGreaterThanOrEqual(1);
      expect(wrong.length).toBeLessThanOrEqual(2);
      for (const s of p.solutions!) {
        expect(s.code.length).toBeLessThanOrEqual(90);
        // the operation as a lambda, reading the input (and naming x), printing f(x)
        expect(s.code).toMatch(/^f=lambda x:[^\n]+\n(x=[^\n]+|[^\n]+\nx=[^\n]+)\nprint\(f\(x\)\)$/);
        expect(completionFor(s.code)).toBe('```python\n' + s.code + '\n```');
        expect(/^[\x20-\x7e\n]*$/.test(s.code + p.prompt[0]!.content)).toBe(true); // printable ASCII only
      }
      // the right/wrong branch is a small edit of the correct code
      for (const w of wrong) expect(editDistance(correct!.code, w.code)).toBeLessThanOrEqual(9);
      expect(p.tests.length).toBeGreaterThanOrEqual(3);
      expect(p.tests.length).toBeLessThanOrEqual(5);
      for (const t of p.tests) expect(t.type).toBe('stdio');
      expect(new Set(p.tests.map((t) => (t as { stdin: string }).stdin)).size).toBe(p.tests.length);
    }
  });

  it('every correct solution passes all its tests and every wrong one fails at least one', () => {
    const report = verifySolutions([...train, ...test]);
    expect(report.failures).toEqual([]);
    expect(report.runs).toBeGreaterThan(2000); // 208 problems × (1 right + 2 wrong) × 4 tests
  });

  it('the check catches a mislabelled solution', () => {
    const p = structuredClone(train[0]!);
    p.solutions = p.solutions!.map((s) => ({ ...s, correct: !s.correct }));
    const report = verifySolutions([p]);
    expect(report.failures.some((f) => f.includes('correct solution fails'))).toBe(true);
    expect(report.failures.some((f) => f.includes('wrong solution passes every test'))).toBe(true);
  });

  it('the one-process runner matches real python3 runs', () => {
    // Every family's correct solution, plus wrong ones that print a float and that raise (error parity).
    const sample = DEMO_FAMILIES.map((f) => train.find((p) => family(p) === f.name)!);
    const stdinOf = (p: Problem) => (p.tests[0] as { stdin: string }).stdin;
    const jobs = sample.map((p) => ({ code: p.solutions![0]!.code, stdin: stdinOf(p) }));
    // Plus a wrong twin that prints a float ("halved, rounded down" written /2) and a program that raises.
    const halved = train.find((p) => p.prompt[0]!.content.includes('halved'))!;
    jobs.push({ code: halved.solutions![1]!.code, stdin: stdinOf(halved) });
    jobs.push({ code: 'print(1//0)', stdin: '' });
    const batch = runPythonBatch(jobs);
    jobs.forEach((job, i) => {
      const real = spawnSync('python3', ['-c', job.code], { input: job.stdin, encoding: 'utf8' });
      expect(batch[i]!.error === null).toBe(real.status === 0);
      if (real.status === 0) expect(sameOutputStrict(batch[i]!.stdout, real.stdout)).toBe(true);
    });
  });

  it('the committed files are exactly what the deterministic generator writes', () => {
    const regenerated = generateDemo();
    const paths = demoDataPaths();
    expect(readFileSync(paths.train, 'utf8')).toBe(toJsonl(regenerated.train));
    expect(readFileSync(paths.test, 'utf8')).toBe(toJsonl(regenerated.test));
    expect(toJsonl(generateDemo(99).train)).not.toBe(toJsonl(regenerated.train));
  });
});
