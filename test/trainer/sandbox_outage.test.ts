// The trainer through a sandbox outage (issue 14): `rl train` judging through a remote `rl sandbox serve` that is
// killed mid-run. Restarted within sandbox.retry_for_s, the run waits it out and ends with the metrics of an
// undisturbed run; never restarted, the run stops with a message naming the sandbox, and the last checkpoint
// resumes once the server is back. An infrastructure failure is never scored.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { deterministicPart, readMetrics, RL, rlAwait, rlWatched, ROOT, tmpDir } from './helpers.js';

const T = { timeoutMs: 240_000 };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** `rl sandbox serve --provider local` on this port; resolves once it listens. */
function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [RL, 'sandbox', 'serve', '--provider', 'local', '--port', String(port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  servers.add(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`sandbox server did not start: ${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d;
      if (out.includes('listening on')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d));
    child.once('exit', (code) => reject(new Error(`sandbox server exited (${code}): ${out}`)));
  });
}

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

const servers = new Set<ChildProcess>();
afterAll(async () => {
  for (const s of servers) await killHard(s);
});

function runArgs(port: number, out: string, extra: string[] = []): string[] {
  // A brief SFT warm-start makes ~15 of 16 responses hold a code fence, so every step sends work to the sandbox.
  return [
    'train', '--config', 'configs/demo.yaml',
    'model.tiny.hidden_size=32', 'model.tiny.num_hidden_layers=1', 'model.tiny.intermediate_size=64',
    'sft.steps=80', 'sft.lr=0.01', 'data.train_batch_size=4', 'rollout.n=4', 'actor.ppo_mini_batch_size=4',
    'trainer.total_steps=4', 'trainer.test_freq=0', 'trainer.val_max_problems=2', 'trainer.val_n=2', 'trainer.save_freq=1', 'trainer.progress=lines', 'trainer.seed=3',
    'sandbox.provider=remote', `sandbox.url=http://127.0.0.1:${port}`, 'sandbox.retries=1',
    '--out', out, ...extra,
  ];
}

// Metrics that count the outage itself; everything else must equal the undisturbed run's.
const OUTAGE_COUNTERS = ['reward/sandbox_retries', 'reward/sandbox_errors'];
function comparable(m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(deterministicPart(m)).filter(([k]) => !OUTAGE_COUNTERS.includes(k)));
}

function expectSameRun(a: Record<string, number>[], b: Record<string, number>[]): void {
  expect(b.map((m) => m.step)).toEqual(a.map((m) => m.step));
  b.forEach((m, i) => {
    const want = comparable(a[i]!);
    const got = comparable(m);
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const [k, v] of Object.entries(want)) expect(got[k], `step ${m.step} ${k}`).toBeCloseTo(v, 5);
  });
}

describe('rl train through a sandbox outage (remote sandbox killed mid-run)', () => {
  let reference: Record<string, number>[] = [];

  it('restarted within retry_for_s: the run waits, then ends with the undisturbed run\'s metrics', async () => {
    const port = await freePort();
    let server = await startServer(port);
    const calm = tmpDir('rl-outage-ref-');
    const r0 = await rlAwait([...runArgs(port, calm), 'sandbox.retry_for_s=90'], T);
    expect(r0.code, r0.stderr).toBe(0);
    reference = readMetrics(calm);
    expect(reference.filter((m) => 'reward/no_code_ratio' in m).every((m) => m['reward/no_code_ratio']! < 0.5)).toBe(true);

    const out = tmpDir('rl-outage-');
    const { log, closed, until } = rlWatched([...runArgs(port, out), 'sandbox.retry_for_s=90']);
    await until('step 1/4');
    await killHard(server);
    await until('sandbox (remote) failed'); // step 2's judging met the dead server and is retrying
    server = await startServer(port);
    const code = await closed;
    expect(code, log.text).toBe(0);
    const disturbed = readMetrics(out);
    expectSameRun(reference, disturbed);
    const retried = disturbed.reduce((a, m) => a + (m['reward/sandbox_retries'] ?? 0), 0);
    expect(retried, log.text).toBeGreaterThan(0);
    await killHard(server);
  });

  it('never back: the run stops naming the sandbox, the last checkpoint stays intact and resumes once it is', async () => {
    const port = await freePort();
    const server = await startServer(port);
    const out = tmpDir('rl-outage-stop-');
    const { log, closed, until } = rlWatched([...runArgs(port, out), 'sandbox.retry_for_s=3']);
    await until('checkpoint: step 1');
    await killHard(server);
    const code = await closed;
    expect(code, log.text).not.toBe(0);
    expect(log.text).toMatch(/sandbox/i);
    expect(log.text).toContain(`127.0.0.1:${port}`);
    expect(fs.existsSync(path.join(out, 'done.json'))).toBe(false);
    const latest = fs.readFileSync(path.join(out, 'checkpoints', 'latest'), 'utf8').trim();
    expect(latest).toMatch(/^step_00000[12]$/);
    // No scored step was written for the step the sandbox never answered.
    const steps = readMetrics(out).map((m) => m.step);
    expect(Math.max(...steps)).toBe(Number(latest.slice(5)));

    const back = await startServer(port);
    const resumed = await rlAwait([...runArgs(port, out), 'sandbox.retry_for_s=90', '--resume'], T);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout + resumed.stderr).toMatch(new RegExp(`resumed from .*${latest}`));
    if (reference.length) expectSameRun(reference, readMetrics(out));
    await killHard(back);
  });
});
