import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { backendsUnderTest } from '../backends.js';
import { deterministicPart, readMetrics, rl, rlAsync, TINY, tmpDir } from './helpers.js';

const BASE = ['train', '--config', 'configs/demo.yaml', ...TINY];

describe('rl train (CLI)', () => {
  it.each(['grpo', 'rloo', 'reinforce_plus_plus_baseline', 'grpo_passk'])('runs the demo config with %s and writes verl metrics', (est) => {
    const out = tmpDir(`rl-${est}-`);
    const r = rl([...BASE, '--estimator', est, '--steps', '1', '--out', out, 'trainer.test_freq=0']);
    expect(r.code, r.stderr).toBe(0);
    const ms = readMetrics(out);
    const train = ms.find((m) => m.step === 1 && 'critic/score/mean' in m)!;
    for (const k of ['critic/score/mean', 'critic/advantages/mean', 'response_length/mean', 'response_length/clip_ratio', 'actor/pg_loss',
      'actor/pg_clipfrac', 'actor/ppo_kl', 'actor/entropy', 'actor/grad_norm', 'actor/lr', 'timing_s/gen', 'timing_s/reward',
      'timing_s/old_log_prob', 'timing_s/adv', 'timing_s/update_actor', 'timing_s/step', 'perf/throughput']) {
      expect(train, k).toHaveProperty([k]);
      expect(Number.isFinite(train[k]), k).toBe(true);
    }
    expect(ms.some((m) => m.step === 0 && 'val/pass@1' in m)).toBe(true);
    expect(fs.existsSync(path.join(out, 'done.json'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'checkpoints', 'step_000001', 'model', 'model.safetensors'))).toBe(true);
  });

  for (const backend of backendsUnderTest(['wasm'], 'a short run, kill -9 and --resume')) it(`after kill -9, --resume continues from the last checkpoint and matches an uninterrupted run (${backend})`, async () => {
    const args = [...BASE, '--steps', '4', 'trainer.save_freq=2', 'trainer.test_freq=2', '--seed', '7', '--backend', backend];
    const full = tmpDir('rl-full-');
    expect(rl([...args, '--out', full]).code).toBe(0);

    const cut = tmpDir('rl-cut-');
    const child = rlAsync([...args, '--out', cut]);
    // Kill hard once the step-2 checkpoint exists (then step 3 is under way or about to be).
    await new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const poll = setInterval(() => {
        if (fs.existsSync(path.join(cut, 'checkpoints', 'latest'))) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        } else if (Date.now() - t0 > 180_000 || child.exitCode !== null) {
          clearInterval(poll);
          reject(new Error('no checkpoint appeared'));
        }
      }, 20);
    });
    await new Promise((r) => child.once('close', r));
    expect(fs.existsSync(path.join(cut, 'done.json'))).toBe(false);
    const resumed = rl([...args, '--out', cut, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout + resumed.stderr).toMatch(/resumed from .*step_000002/);
    const a = readMetrics(full).map(deterministicPart);
    const b = readMetrics(cut).map(deterministicPart);
    expect(b.map((m) => m.step)).toEqual(a.map((m) => m.step));
    b.forEach((m, i) => {
      for (const [k, v] of Object.entries(a[i]!)) expect(m[k], `step ${m.step} ${k}`).toBeCloseTo(v, 5);
    });
  });

  it('rejects bad options before any work, naming the key', () => {
    const cases: [string[], RegExp][] = [
      [['--estimator', 'ppo2'], /algorithm.adv_estimator: unknown estimator "ppo2"; registered: .*grpo/s],
      [['--n', '-1'], /rollout\.n: .*>0/],
      [['--model', '/nonexistent/model'], /model\.path: directory not found: \/nonexistent\/model/],
      [['--bogus'], /unknown flag --bogus/],
      [['actor.loss_agg_mode=avg'], /actor\.loss_agg_mode/],
    ];
    for (const [extra, re] of cases) {
      const r = rl([...BASE, ...extra, '--out', tmpDir('rl-bad-')], { timeoutMs: 60_000 });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(re);
    }
  });

  it('reports malformed data rows with their line numbers, then skips or fails by option', () => {
    const dir = tmpDir('rl-data-');
    const good = fs.readFileSync('src/data/demo/train.jsonl', 'utf8').split('\n').filter(Boolean).slice(0, 4);
    const file = path.join(dir, 'train.jsonl');
    fs.writeFileSync(file, [good[0], '{"id": "broken", "prompt": 3}', good[1], 'not json', good[2], good[3]].join('\n') + '\n');
    const skip = rl([...BASE, '--data', file, '--steps', '1', '--out', path.join(dir, 'run1'), 'data.val_files=null']);
    expect(skip.code, skip.stderr).toBe(0);
    expect(skip.stdout).toMatch(/line 2/);
    expect(skip.stdout).toMatch(/line 4/);
    const fail = rl([...BASE, '--data', file, '--steps', '1', '--out', path.join(dir, 'run2'), 'data.val_files=null', 'data.on_bad_row=fail']);
    expect(fail.code).not.toBe(0);
    expect(fail.stderr).toMatch(/train\.jsonl line 2/);
  });

  it('SIGINT finishes the step, saves a checkpoint and exits 130; --resume completes the run', async () => {
    const out = tmpDir('rl-int-');
    const args = [...BASE, '--steps', '200', 'trainer.save_freq=0', 'trainer.test_freq=0', 'trainer.val_max_problems=1', '--out', out];
    const child = rlAsync(args);
    let text = '';
    child.stderr.on('data', (d) => (text += d));
    child.stdout.on('data', (d) => (text += d));
    await new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const poll = setInterval(() => {
        if (/step 1\/200/.test(text)) {
          clearInterval(poll);
          child.kill('SIGINT');
          resolve();
        } else if (Date.now() - t0 > 120_000 || child.exitCode !== null) {
          clearInterval(poll);
          reject(new Error(`no step finished: ${text}`));
        }
      }, 20);
    });
    const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
    expect(code, text).toBe(130);
    expect(text).toMatch(/interrupted at step \d/);
    expect(fs.existsSync(path.join(out, 'checkpoints', 'latest'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'done.json'))).toBe(false);
    const r = rl([...args, '--resume']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'done.json'), 'utf8')).steps).toBe(200);
  });
});
