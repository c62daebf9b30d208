// Shared pieces of the bench tests: temp folders, the fake trainer, small sweep files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const FAKE_TRAINER = join(HERE, 'fake-trainer.mjs');
export const FAKE_CMD = [process.execPath, FAKE_TRAINER];
export const REPO = join(HERE, '..', '..');

export function tempDir(prefix = 'rl-bench-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A sweep file over estimators in dir; base points at a dummy config next to it. */
export function writeSweep(dir: string, opts: { labels?: string[]; seeds?: number; steps?: number; testFreq?: number; valN?: number; name?: string } = {}): string {
  const labels = opts.labels ?? ['rloo', 'grpo', 'grpo_passk'];
  writeFileSync(join(dir, 'base.yaml'), 'trainer:\n  total_steps: 5\n');
  const file = join(dir, opts.name ?? 'sweep.yaml');
  const yaml = [
    'group: estimators',
    "title: 'Test estimators'",
    'description: a small test sweep',
    'base: base.yaml',
    'swept: algorithm.adv_estimator',
    `seeds: ${opts.seeds ?? 2}`,
    `steps: ${opts.steps ?? 6}`,
    'overrides:',
    `  trainer.test_freq: ${opts.testFreq ?? 2}`,
    `  trainer.val_n: ${opts.valN ?? 5}`,
    'configurations:',
    ...labels.flatMap((l) => [`  - label: ${l}`, `    overrides: { algorithm.adv_estimator: ${l} }`]),
    'quick:',
    '  steps: 2',
    '  overrides: { rollout.n: 2 }',
    `  configurations: [${labels[0]}]`,
  ].join('\n');
  writeFileSync(file, yaml + '\n');
  return file;
}
