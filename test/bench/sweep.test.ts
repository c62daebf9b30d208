// Sweep files: validation with clear errors, planning (quick subset, override order, seeds), and the
// project's own sweep files for the paper's three groups.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandRuns, loadSweep, parseSweep, planGroup, slugify } from '../../src/bench/index.js';
import { REPO, tempDir, writeSweep } from './helpers.js';

describe('sweep files', () => {
  it('name the field that is wrong', () => {
    const base = 'group: g\ntitle: t\nbase: b.yaml\nconfigurations:\n  - label: a\n';
    expect(() => parseSweep(base, 'f.yaml')).toThrow(/f\.yaml: steps: /);
    expect(() => parseSweep(base + 'steps: 0\n', 'f.yaml')).toThrow(/steps: /);
    expect(() => parseSweep(base.replace('group: g', 'group: Bad Name') + 'steps: 2\n', 'f.yaml')).toThrow(/group: lower-case name/);
    expect(() => parseSweep(base + 'steps: 2\nfoo: 1\n', 'f.yaml')).toThrow(/foo|unrecognized/i);
    expect(() => parseSweep(base + 'steps: 2\nquick: { steps: 1, configurations: [zz] }\n', 'f.yaml')).toThrow(/quick\.configurations names "zz"/);
    expect(() => parseSweep(base + 'steps: 2\n  - label: "a"\n', 'f.yaml')).toThrow(/not valid YAML|f\.yaml/);
    expect(() => parseSweep('group: g\ntitle: t\nbase: b\nsteps: 2\nconfigurations:\n  - label: a b\n  - label: a/b\n', 'f.yaml')).toThrow(
      /configurations\.1 "a\/b" has the same folder name/,
    );
    expect(() => parseSweep(base + 'steps: 2\noverrides: { "bad key": 1 }\n', 'f.yaml')).toThrow(/dotted key/);
    expect(() => loadSweep('/nonexistent/s.yaml')).toThrow(/does not exist/);
  });

  it('plan: quick subset and settings, override order (common, quick, configuration, command line)', () => {
    const dir = tempDir();
    const sweep = loadSweep(writeSweep(dir, { labels: ['rloo', 'grpo'], seeds: 3, steps: 9 }));
    const full = planGroup(sweep, { extraOverrides: ['actor.optim.lr=0.001'] });
    expect(full.seeds).toEqual([1, 2, 3]);
    expect(full.steps).toBe(9);
    expect(full.base).toBe(join(dir, 'base.yaml'));
    expect(full.configurations[1]!.overrides).toEqual(['trainer.test_freq=2', 'trainer.val_n=5', 'algorithm.adv_estimator=grpo', 'actor.optim.lr=0.001']);
    const quick = planGroup(sweep, { quick: true });
    expect(quick).toMatchObject({ quick: true, steps: 2, seeds: [1] });
    expect(quick.configurations.map((c) => c.label)).toEqual(['rloo']);
    expect(quick.configurations[0]!.overrides).toEqual(['trainer.test_freq=2', 'trainer.val_n=5', 'rollout.n=2', 'algorithm.adv_estimator=rloo']);
    expect(planGroup(sweep, { quick: true, seeds: 2, steps: 5 })).toMatchObject({ steps: 5, seeds: [1, 2] });
    expect(() => planGroup(sweep, { extraOverrides: ['algorithm.adv_estimator=grpo'] })).toThrow(/would overwrite algorithm\.adv_estimator/);
    expect(() => planGroup(sweep, { extraOverrides: ['novalue'] })).toThrow(/expected key=value/);
    expect(() => planGroup(sweep, { seeds: 0 })).toThrow(/seeds must be a positive integer/);
    expect(expandRuns([full]).map((r) => `${r.label}/${r.seed}`)).toEqual(['rloo/1', 'grpo/1', 'rloo/2', 'grpo/2', 'rloo/3', 'grpo/3']);
    const noQuick = join(dir, 'nq.yaml');
    writeFileSync(noQuick, 'group: g\ntitle: t\nbase: b.yaml\nsteps: 2\nconfigurations:\n  - label: a\n');
    expect(() => planGroup(loadSweep(noQuick), { quick: true })).toThrow(/has no "quick" section/);
    expect(slugify('N = 4 / x')).toBe('N_=_4___x');
  });

  it("the project's sweep files mirror the paper's three groups", () => {
    const file = (g: string) => join(REPO, 'configs', 'sweeps', `${g}.yaml`);
    const est = loadSweep(file('estimators'));
    expect(est.configurations.map((c) => c.label)).toEqual(['rloo', 'reinforce_plus_plus_baseline', 'grpo', 'grpo_passk']);
    // The check: the quick estimator sweep still shows one line per estimator.
    expect(planGroup(est, { quick: true }).configurations).toHaveLength(4);
    for (const g of ['estimators', 'max-len', 'n']) {
      const s = loadSweep(file(g));
      expect(s.group).toBe(g);
      expect(s.base).toBe('../demo.yaml');
      for (const quick of [false, true]) {
        const p = planGroup(s, { quick });
        expect(p.configurations.length).toBeGreaterThanOrEqual(2);
        // Every configuration sets the swept key, to distinct values.
        const values = p.configurations.map((c) => c.overrides.filter((o) => o.startsWith(`${s.swept}=`)).at(-1));
        expect(values.every(Boolean)).toBe(true);
        expect(new Set(values).size).toBe(values.length);
      }
      expect(s.quick!.seeds).toBe(1);
      // One shared SFT warm start per seed instead of one inside every run.
      expect(planGroup(s).warmStart).toEqual({ command: 'sft', overrides: planGroup(s).configurations[0]!.overrides.filter((o) => !o.startsWith(`${s.swept}=`)) });
      expect(s.paper!.length).toBeGreaterThanOrEqual(4);
    }
    expect(planGroup(loadSweep(file('n'))).configurations.map((c) => c.overrides.at(-1))).toEqual(['rollout.n=4', 'rollout.n=8', 'rollout.n=16', 'rollout.n=32', 'rollout.n=64']);
  });
});
