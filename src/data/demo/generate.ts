// Deterministic generator of the bundled demo dataset (src/data/demo/train.jsonl and test.jsonl).
//
//   npm run build && node dist/src/data/demo/generate.js          # rewrite the two files
//   node dist/src/data/demo/generate.js --check                    # exit 1 if the committed files are stale
//   npx vite-node src/data/demo/generate.ts [-- --check]           # the same without a build
//
// For each family (families.ts) it draws TRAIN_PER_FAMILY + TEST_PER_FAMILY distinct parameter values k with a
// seeded RNG: the first ones are train problems, the rest held-out, so both splits hold the same families with
// different k. Test inputs come from the family's input generator; expected outputs are what the correct
// solution prints under the host's python3. Inputs are redrawn until every wrong variant fails at least one test.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Problem } from '../problem.js';
import { makeRng, mixSeed, shuffleInPlace, type Rng } from '../rng.js';
import { FAMILIES, type Family } from './families.js';
import { runPythonBatch, sameOutputLenient } from './python.js';
import { demoDataPaths } from './paths.js';
import { verifySolutions } from './verify.js';

export const DEMO_SEED = 1234;
export const TRAIN_PER_FAMILY = 12;
export const TEST_PER_FAMILY = 4;
const MAX_INPUT_DRAWS = 20;

export interface DemoDataset {
  train: Problem[];
  test: Problem[];
}

interface Draft {
  family: Family;
  k: number;
  split: 'train' | 'test';
  rng: Rng;
  inputs: string[];
  expected?: string[];
}

export function generateDemo(seed = DEMO_SEED): DemoDataset {
  const drafts: Draft[][] = FAMILIES.map((family, f) => {
    const need = TRAIN_PER_FAMILY + TEST_PER_FAMILY;
    if (family.kPool.length < need) throw new Error(`family ${family.name}: kPool has ${family.kPool.length} values, needs ${need}`);
    const ks = shuffleInPlace(makeRng(mixSeed(seed, f)), [...family.kPool]).slice(0, need);
    const bySplit = [ks.slice(0, TRAIN_PER_FAMILY).sort((a, b) => a - b), ks.slice(TRAIN_PER_FAMILY).sort((a, b) => a - b)];
    return bySplit.flatMap((split, s) =>
      split.map((k): Draft => {
        const rng = makeRng(mixSeed(seed, f, k));
        return { family, k, split: s === 0 ? 'train' : 'test', rng, inputs: distinctInputs(family, k, rng) };
      }),
    );
  });
  settleInputs(drafts.flat());

  const build = (d: Draft): Problem => ({
    id: `demo/${d.family.name}/${d.k}`,
    dataSource: 'demo',
    prompt: [{ role: 'user', content: d.family.prompt(d.k) }],
    tests: d.inputs.map((stdin, i) => ({ type: 'stdio', stdin, stdout: d.expected![i]! })),
    language: 'python',
    solutions: [{ code: d.family.correct(d.k), correct: true }, ...d.family.wrong.map((w) => ({ code: w(d.k), correct: false }))],
    extra: { family: d.family.name, k: d.k, split: d.split },
  });
  // Interleave families (round-robin) so any prefix of a file covers every family.
  const interleave = (split: 'train' | 'test'): Problem[] => {
    const perFamily = drafts.map((ds) => ds.filter((d) => d.split === split));
    const out: Problem[] = [];
    for (let i = 0; i < Math.max(...perFamily.map((p) => p.length)); i++) {
      for (const p of perFamily) if (p[i]) out.push(build(p[i]!));
    }
    return out;
  };
  const dataset = { train: interleave('train'), test: interleave('test') };
  const report = verifySolutions([...dataset.train, ...dataset.test]);
  if (report.failures.length) throw new Error(`demo dataset is invalid:\n${report.failures.join('\n')}`);
  return dataset;
}

/** A family's test inputs, redrawn until no two tests of the problem are the same. */
function distinctInputs(family: Family, k: number, rng: Rng): string[] {
  for (let attempt = 0; attempt < 50; attempt++) {
    const inputs = family.inputs(k, rng);
    if (new Set(inputs).size === inputs.length) return inputs;
  }
  throw new Error(`family ${family.name} k=${k}: cannot draw distinct test inputs`);
}

/** Run the correct and wrong solutions on each draft's inputs; redraw inputs where a wrong variant survives. */
function settleInputs(drafts: Draft[]): void {
  let pending = drafts;
  for (let draw = 0; draw < MAX_INPUT_DRAWS && pending.length; draw++) {
    if (draw > 0) for (const d of pending) d.inputs = distinctInputs(d.family, d.k, d.rng);
    const programs = (d: Draft) => [d.family.correct(d.k), ...d.family.wrong.map((w) => w(d.k))];
    const jobs = pending.flatMap((d) => programs(d).flatMap((code) => d.inputs.map((stdin) => ({ code, stdin }))));
    const results = runPythonBatch(jobs);
    let next = 0;
    const stillPending: Draft[] = [];
    for (const d of pending) {
      const [correct, ...wrong] = programs(d).map(() => d.inputs.map(() => results[next++]!));
      const crashed = correct!.find((r) => r.error !== null);
      if (crashed) throw new Error(`family ${d.family.name} k=${d.k}: correct solution raised ${crashed.error}`);
      d.expected = correct!.map((r) => r.stdout);
      const survives = wrong.some((runs) => runs.every((r, i) => r.error === null && sameOutputLenient(r.stdout, d.expected![i]!)));
      if (survives) stillPending.push(d);
    }
    pending = stillPending;
  }
  if (pending.length) {
    throw new Error(`could not find discriminating tests for: ${pending.map((d) => `${d.family.name} k=${d.k}`).join(', ')}`);
  }
}

export function toJsonl(problems: Problem[]): string {
  return problems.map((p) => JSON.stringify(p)).join('\n') + '\n';
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const dataset = generateDemo();
  const paths = demoDataPaths();
  const files = [
    [paths.train, toJsonl(dataset.train)],
    [paths.test, toJsonl(dataset.test)],
  ] as const;
  if (check) {
    const stale = files.filter(([path, text]) => !existsSync(path) || readFileSync(path, 'utf8') !== text).map(([p]) => p);
    if (stale.length) {
      console.error(`stale demo data (rerun the generator): ${stale.join(', ')}`);
      return 1;
    }
    console.log('demo data is up to date');
    return 0;
  }
  for (const [path, text] of files) writeFileSync(path, text);
  console.log(`wrote ${dataset.train.length} train and ${dataset.test.length} held-out problems from ${FAMILIES.length} families to ${dirname(paths.train)}`);
  return 0;
}

// Entry point under plain node (compiled) or vite-node (which hides the script path from argv).
const entry = process.argv[1] ?? '';
if (import.meta.url === pathToFileURL(entry).href || /vite-node(\.js)?$/.test(entry)) {
  process.exitCode = main(process.argv.slice(2));
}
