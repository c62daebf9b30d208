// The sweep runner with a fake trainer: one run per (configuration, seed), killed sweeps resume without
// redoing finished runs, a folder is never reused for a different plan, failures are reported.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSweep, planGroup, runDir, runSweep, trainArgs } from '../../src/bench/index.js';
import { FAKE_CMD, tempDir, writeSweep } from './helpers.js';

interface Call {
  cmd: string;
  out: string;
  seed: number;
  steps: number;
  resume: boolean;
  overrides: Record<string, string>;
}
const calls = (file: string): Call[] =>
  existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Call) : [];

describe('runSweep', () => {
  it('runs every (configuration, seed) once with the planned arguments, seed-major', async () => {
    const dir = tempDir();
    const plan = planGroup(loadSweep(writeSweep(dir, { labels: ['rloo', 'grpo'], seeds: 2, steps: 3 })));
    const log = join(dir, 'calls.jsonl');
    const lines: string[] = [];
    const res = await runSweep({ sweepDir: join(dir, 'out'), groups: [plan], trainer: FAKE_CMD, env: { ...process.env, FAKE_TRAINER_LOG: log }, log: (l) => lines.push(l) });
    expect(res).toMatchObject({ total: 4, fresh: 4, resumed: 0, skipped: 0, failed: [] });
    const c = calls(log);
    expect(c.map((x) => [x.overrides['algorithm.adv_estimator'], x.seed])).toEqual([['rloo', 1], ['grpo', 1], ['rloo', 2], ['grpo', 2]]);
    expect(c.every((x) => x.steps === 3 && !x.resume && x.overrides['trainer.test_freq'] === '2')).toBe(true);
    expect(c[0]!.out).toBe(runDir(join(dir, 'out'), 'estimators', 'rloo', 1));
    expect(lines[0]).toMatch(/^\[bench\] run 1\/4  estimators  rloo  seed 1: starting/);
    expect(lines.some((l) => /run 4\/4 .*finished in .*best val\/pass@1 0\.\d{3} at step \d/.test(l))).toBe(true);
  });

  it('resumes a sweep killed during its second run: the finished run is not redone, the killed one continues', async () => {
    const dir = tempDir();
    const plan = planGroup(loadSweep(writeSweep(dir, { labels: ['rloo', 'grpo', 'grpo_passk'], seeds: 1, steps: 20 })));
    const out = join(dir, 'out');
    const log = join(dir, 'calls.jsonl');
    const env = { ...process.env, FAKE_TRAINER_LOG: log, FAKE_TRAINER_STEP_MS: '60' };
    const ac = new AbortController();
    const first = runSweep({
      sweepDir: out,
      groups: [plan],
      trainer: FAKE_CMD,
      env,
      signal: ac.signal,
      log: (l) => {
        // Kill the sweep part-way through run 2, once its trainer has logged a few steps (polling: the machine may be busy).
        if (!(l.includes('run 2/3') && l.includes('starting'))) return;
        const metrics = join(runDir(out, 'estimators', 'grpo', 1), 'metrics.jsonl');
        const poll = setInterval(() => {
          if (existsSync(metrics) && readFileSync(metrics, 'utf8').split('\n').length > 3) {
            clearInterval(poll);
            ac.abort();
          }
        }, 20);
      },
    });
    await expect(first).rejects.toThrow(/interrupted/);
    const d = (label: string) => runDir(out, 'estimators', label, 1);
    expect(existsSync(join(d('rloo'), 'done.json'))).toBe(true);
    expect(existsSync(join(d('grpo'), 'metrics.jsonl'))).toBe(true);
    expect(existsSync(join(d('grpo'), 'done.json'))).toBe(false);
    expect(existsSync(d('grpo_passk'))).toBe(false);
    const before = readFileSync(join(d('rloo'), 'metrics.jsonl'), 'utf8');
    expect(calls(log)).toHaveLength(2);

    const res = await runSweep({ sweepDir: out, groups: [plan], trainer: FAKE_CMD, env: { ...env, FAKE_TRAINER_STEP_MS: '0' }, log: () => {} });
    expect(res).toMatchObject({ total: 3, skipped: 1, resumed: 1, fresh: 1 });
    const second = calls(log).slice(2);
    expect(second.map((c) => [c.overrides['algorithm.adv_estimator'], c.resume])).toEqual([['grpo', true], ['grpo_passk', false]]);
    // The finished run's files are untouched; the resumed run has every step exactly once.
    expect(readFileSync(join(d('rloo'), 'metrics.jsonl'), 'utf8')).toBe(before);
    const steps = readFileSync(join(d('grpo'), 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step);
    expect(steps).toEqual(Array.from({ length: 21 }, (_, i) => i));
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\| grpo_passk \| 1\/1 \|/);

    // A third invocation has nothing left to do.
    const again = await runSweep({ sweepDir: out, groups: [plan], trainer: FAKE_CMD, env, log: () => {} });
    expect(again).toMatchObject({ skipped: 3, resumed: 0, fresh: 0 });
    expect(calls(log)).toHaveLength(4);
  });

  it('passes --resume only when the trainer has written into the folder', () => {
    const run = { group: 'g', label: 'x', slug: 'x', seed: 3, steps: 5, base: '/b.yaml', overrides: ['a.b=1'] };
    expect(trainArgs(run, '/o', false)).toEqual(['train', '--config', '/b.yaml', 'a.b=1', '--out', '/o', '--steps', '5', '--seed', '3']);
    expect(trainArgs(run, '/o', true).at(-1)).toBe('--resume');
  });

  it('refuses to reuse a sweep folder for a different plan, but adds seeds and configurations', async () => {
    const dir = tempDir();
    const sweep = loadSweep(writeSweep(dir, { labels: ['rloo'], seeds: 1, steps: 2 }));
    const out = join(dir, 'out');
    await runSweep({ sweepDir: out, groups: [planGroup(sweep)], trainer: FAKE_CMD, log: () => {} });
    await expect(runSweep({ sweepDir: out, groups: [planGroup(sweep, { steps: 3 })], trainer: FAKE_CMD, log: () => {} })).rejects.toThrow(
      /already holds group "estimators" run with a different plan \(steps 2 vs 3\)/,
    );
    await expect(
      runSweep({ sweepDir: out, groups: [planGroup(sweep, { extraOverrides: ['actor.optim.lr=1e-3'] })], trainer: FAKE_CMD, log: () => {} }),
    ).rejects.toThrow(/configuration "rloo" overrides/);
    const more = await runSweep({ sweepDir: out, groups: [planGroup(sweep, { seeds: 2 })], trainer: FAKE_CMD, log: () => {} });
    expect(more).toMatchObject({ skipped: 1, fresh: 1 });
    const record = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as { groups: { seeds: number[] }[] };
    expect(record.groups[0]!.seeds).toEqual([1, 2]);
  });

  it('stops at a failing run naming its log, or with keepGoing finishes the others', async () => {
    const dir = tempDir();
    const plan = planGroup(loadSweep(writeSweep(dir, { labels: ['rloo', 'grpo', 'grpo_passk'], seeds: 1, steps: 2 })));
    const env = { ...process.env, FAKE_TRAINER_FAIL: 'grpo' };
    await expect(runSweep({ sweepDir: join(dir, 'a'), groups: [plan], trainer: FAKE_CMD, env, log: () => {} })).rejects.toThrow(
      /run 2\/3 +estimators +grpo +seed 1: FAILED: the trainer exited with code 1 \(log: .*grpo\/seed-1\/train\.log\)\n[^]*failing on purpose/,
    );
    expect(existsSync(runDir(join(dir, 'a'), 'estimators', 'grpo_passk', 1))).toBe(false);
    const res = await runSweep({ sweepDir: join(dir, 'b'), groups: [plan], trainer: FAKE_CMD, env, keepGoing: true, log: () => {} });
    expect(res.failed.map((f) => f.run.label)).toEqual(['grpo']);
    expect(existsSync(join(runDir(join(dir, 'b'), 'estimators', 'grpo_passk', 1), 'done.json'))).toBe(true);
  });

  it('reports a trainer that exits 0 without done.json, and a trainer that cannot start', async () => {
    const dir = tempDir();
    const plan = planGroup(loadSweep(writeSweep(dir, { labels: ['rloo'], seeds: 1, steps: 2 })));
    await expect(runSweep({ sweepDir: join(dir, 'a'), groups: [plan], trainer: [process.execPath, '-e', ''], log: () => {} })).rejects.toThrow(
      /exited with code 0 but wrote no done\.json/,
    );
    await expect(runSweep({ sweepDir: join(dir, 'b'), groups: [plan], trainer: [join(dir, 'no-such-trainer')], log: () => {} })).rejects.toThrow(
      /cannot start the trainer/,
    );
  });
});

describe('warm start', () => {
  it('runs the warm-start command once per seed, starts every run from its model, and skips it on a rerun', async () => {
    const dir = tempDir();
    const file = writeSweep(dir, { labels: ['rloo', 'grpo'], seeds: 2, steps: 2 });
    writeFileSync(file, readFileSync(file, 'utf8') + 'warm_start:\n  command: sft\n  overrides: { sft.steps: 7 }\n');
    const plan = planGroup(loadSweep(file));
    const out = join(dir, 'out');
    const log = join(dir, 'calls.jsonl');
    const lines: string[] = [];
    const env = { ...process.env, FAKE_TRAINER_LOG: log };
    await runSweep({ sweepDir: out, groups: [plan], trainer: FAKE_CMD, env, log: (l) => lines.push(l) });
    const c = calls(log);
    expect(c.map((x) => `${x.cmd}:${x.seed}`)).toEqual(['sft:1', 'train:1', 'train:1', 'sft:2', 'train:2', 'train:2']);
    expect(c[0]!.overrides).toMatchObject({ 'trainer.test_freq': '2', 'sft.steps': '7' });
    expect(c[0]!.overrides['algorithm.adv_estimator']).toBeUndefined();
    const ws1 = join(out, 'estimators', '_warm-start', 'seed-1');
    expect(c[0]!.out).toBe(ws1);
    for (const t of c.filter((x) => x.cmd === 'train')) {
      expect(t.overrides['model.path']).toBe(join(out, 'estimators', '_warm-start', `seed-${t.seed}`, 'model'));
      expect(t.overrides['sft.steps']).toBe('0');
    }
    expect(lines.filter((l) => l.includes('warm start'))).toHaveLength(4);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('warm start: "rl sft" once per seed');

    // Remove one finished run: the rerun redoes only that run, not the warm start.
    rmSync(runDir(out, 'estimators', 'grpo', 2), { recursive: true });
    await runSweep({ sweepDir: out, groups: [plan], trainer: FAKE_CMD, env, log: () => {} });
    expect(calls(log).slice(6).map((x) => `${x.cmd}:${x.seed}:${x.overrides['algorithm.adv_estimator']}`)).toEqual(['train:2:grpo']);
  });

  it('reports a warm start that fails', async () => {
    const dir = tempDir();
    const file = writeSweep(dir, { labels: ['rloo'], seeds: 1, steps: 2 });
    writeFileSync(file, readFileSync(file, 'utf8') + 'warm_start: { command: sft }\n');
    const plan = planGroup(loadSweep(file));
    await expect(runSweep({ sweepDir: join(dir, 'out'), groups: [plan], trainer: [process.execPath, '-e', 'process.exit(4)'], log: () => {} })).rejects.toThrow(
      /warm start +estimators +seed 1 +\(rl sft\): FAILED: it exited with code 4/,
    );
  });
});
