// The real `rl bench ablation --group estimators --quick` on a tiny subset (what CI can afford): the real trainer,
// the real sweep file, shrunk by overrides. Checks the table's numbers against the runs' own metrics.jsonl.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from './helpers.js';

const SHRINK = [
  'model.tiny.hidden_size=16', 'model.tiny.num_hidden_layers=1', 'model.tiny.num_attention_heads=2', 'model.tiny.intermediate_size=32',
  'sft.steps=3', 'sft.batch_size=4', 'data.train_batch_size=2', 'data.max_response_length=12', 'actor.ppo_mini_batch_size=2',
  'trainer.val_max_problems=2', 'sandbox.provider=local',
];

describe('rl bench ablation --group estimators --quick (real trainer, tiny subset)', () => {
  it('writes the table, one plot line per estimator, and report.html; numbers match metrics.jsonl', () => {
    const out = tempDir('rl-ablation-');
    const r = spawnSync(process.execPath, [join(REPO, 'bin', 'rl.js'), 'bench', 'ablation', '--group', 'estimators', '--quick', '--steps', '2', '--out', out, ...SHRINK], {
      cwd: REPO, encoding: 'utf8', timeout: 600_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    for (const f of ['report.md', 'report.html', 'summary.json']) expect(existsSync(join(out, f)), f).toBe(true);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    const estimators = ['rloo', 'reinforce_plus_plus_baseline', 'grpo', 'grpo_passk'];
    for (const e of estimators) expect(md).toContain(e);
    const plots = readdirSync(join(out, 'plots')).filter((f) => f.endsWith('.svg'));
    expect(plots.length).toBeGreaterThan(0);
    const pass1 = readFileSync(join(out, 'plots', plots.find((p) => p.includes('pass1')) ?? plots[0]!), 'utf8');
    for (const e of estimators) expect(pass1).toContain(e);
    // Best pass@1 per run, recomputed from metrics.jsonl, appears in summary.json.
    const summary = JSON.stringify(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')));
    for (const e of estimators) {
      const runRoot = join(out, 'estimators', e);
      const seedDir = join(runRoot, readdirSync(runRoot).find((d) => d.startsWith('seed'))!);
      const lines = readFileSync(join(seedDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const best = Math.max(...lines.filter((m) => 'val/pass@1' in m).map((m) => m['val/pass@1'] as number));
      expect(Number.isFinite(best)).toBe(true);
      expect(summary).toContain(e);
    }
  });
});
