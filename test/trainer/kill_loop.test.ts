// kill -9 many times in a row (issue 14): a short demo-shaped run is killed 20 times at seeded random points —
// during start-up and SFT, inside steps (generation, judging, the update) and inside a checkpoint write — and
// resumed with --resume each time. Every restart must start from an intact checkpoint (or afresh before the
// first), and the run, once let finish, must end with the metrics of an uninterrupted run.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { makeRng } from '../../src/data/rng.js';
import { deterministicPart, readMetrics, rlAwait, rlWatched, tmpDir } from './helpers.js';

const KILLS = 20;
const STEPS = 12;
const ARGS = [
  'train', '--config', 'configs/demo.yaml',
  'model.tiny.hidden_size=32', 'model.tiny.num_hidden_layers=1', 'model.tiny.intermediate_size=64',
  // A brief SFT warm-start makes most responses hold a code fence, so steps send work to the sandbox.
  'sft.steps=80', 'sft.lr=0.01', 'data.train_batch_size=4', 'rollout.n=4', 'actor.ppo_mini_batch_size=4',
  `trainer.total_steps=${STEPS}`, 'trainer.test_freq=0', 'trainer.val_max_problems=2', 'trainer.val_n=2',
  'trainer.save_freq=1', 'trainer.progress=lines', 'trainer.seed=5',
];

const interruptedSaves = (out: string) => {
  const root = path.join(out, 'checkpoints');
  return fs.existsSync(root) ? fs.readdirSync(root).filter((d) => d.startsWith('.tmp_')) : [];
};

/** SIGKILL the run the moment a save's temp folder appears in checkpoints/ (the write is under way). */
async function killAtNextSave(out: string, run: ReturnType<typeof rlWatched>): Promise<void> {
  const root = path.join(out, 'checkpoints');
  await run.until(() => fs.existsSync(root), 'a first checkpoint');
  await new Promise<void>((resolve, reject) => {
    const watcher = fs.watch(root, (_event, name) => {
      if (!name?.startsWith('.tmp_')) return;
      run.child.kill('SIGKILL');
      watcher.close();
      resolve();
    });
    void run.closed.then(() => {
      watcher.close();
      reject(new Error(`the run ended before a checkpoint write:\n${run.log.text}`));
    });
  });
}

describe('kill -9 at random points, 20 times in a row', () => {
  it('each --resume starts from an intact checkpoint and the run ends with the uninterrupted metrics', async () => {
    const full = tmpDir('rl-kill-ref-');
    const ref = await rlAwait([...ARGS, '--out', full], { timeoutMs: 300_000 });
    expect(ref.code, ref.stderr).toBe(0);
    const reference = readMetrics(full).map(deterministicPart);
    const stepTimes = readMetrics(full).flatMap((m) => (typeof m['timing_s/step'] === 'number' ? [m['timing_s/step']] : [])).sort((a, b) => a - b);
    const medianStepMs = 1000 * stepTimes[Math.floor(stepTimes.length / 2)]!;

    const rand = makeRng(14);
    const out = tmpDir('rl-kill-');
    const where: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      const run = rlWatched([...ARGS, '--out', out, ...(k > 0 ? ['--resume'] : [])]);
      const kind = k % 5 === 4 ? 'checkpoint write' : k % 5 === 3 ? 'start-up' : 'training';
      if (kind === 'checkpoint write') {
        await killAtNextSave(out, run);
      } else if (kind === 'start-up') {
        await new Promise((r) => setTimeout(r, rand() * 2500));
      } else {
        await run.until('sandbox: ');
        await new Promise((r) => setTimeout(r, rand() * 1.2 * medianStepMs));
      }
      if (kind !== 'checkpoint write') {
        expect(run.ended(), `the run finished before kill ${k + 1}; the schedule must leave it work`).toBe(false);
        run.child.kill('SIGKILL');
      }
      expect(await run.closed).toBeNull();
      const resumed = /resumed from \S+ \(step (\d+)\)/.exec(run.log.text);
      const last = [...run.log.text.matchAll(/^step (\d+)\//gm)].at(-1);
      where.push(`${kind}: resumed at ${resumed ? resumed[1] : '-'}, killed after ${last ? `step ${last[1]}` : 'no step'}${kind === 'checkpoint write' ? ` (temp folder ${interruptedSaves(out).join(',') || 'gone'})` : ''}`);
      // A restart after a kill never meets a damaged checkpoint.
      expect(run.log.text).not.toMatch(/damaged/);
    }
    console.log(`kill -9 loop (step ≈ ${medianStepMs.toFixed(0)} ms):\n  ${where.join('\n  ')}`);

    const last = rlWatched([...ARGS, '--out', out, '--resume']);
    const code = await last.closed;
    expect(code, last.log.text).toBe(0);
    expect(interruptedSaves(out), 'temp folders of interrupted saves are cleared').toEqual([]);
    const got = readMetrics(out).map(deterministicPart);
    expect(got.map((m) => m.step)).toEqual(reference.map((m) => m.step));
    got.forEach((m, i) => {
      expect(Object.keys(m).sort()).toEqual(Object.keys(reference[i]!).sort());
      for (const [key, v] of Object.entries(reference[i]!)) expect(m[key], `step ${m.step} ${key}`).toBeCloseTo(v, 5);
    });
  }, 900_000);
});
