// The host's temp folder full (issue 14): the local sandbox, which runs programs in a private folder under
// TMPDIR, answers SandboxError naming the cause, and the scorer retries then stops with SandboxUnavailableError —
// never a wrong-answer or runtime-error verdict and never a score of 0. The Docker sandbox does not use the
// host's temp folder and keeps giving right results. TMPDIR is a 1 MiB tmpfs filled to the brim (needs root).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxUnavailableError } from '../../sandbox/contract.js';
import { DockerSandbox } from '../../sandbox/docker-sandbox.js';
import { LocalSandbox } from '../../sandbox/local-sandbox.js';
import { computeScore } from '../../src/reward/score.js';
import { dockerReady } from './docker-env.js';

const isRoot = process.getuid?.() === 0;
if (!isRoot && process.env.CI === 'true') throw new Error('CI=true: the full-/tmp test needs root (mount -t tmpfs)');
if (!isRoot) console.warn('\n*** SKIPPING the full host /tmp test: it mounts a tmpfs and needs root\n');

const double = { code: 'print(int(input()) * 2)', language: 'python' as const };
const tests = [{ type: 'stdio' as const, stdin: '21', stdout: '42' }];

describe.skipIf(!isRoot)('the host temp folder is full', () => {
  const full = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-full-tmp-'));
  const savedTmp = process.env.TMPDIR;

  beforeAll(() => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', full]);
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${path.join(full, 'fill')}`, 'bs=64k'], { stdio: 'ignore' });
    } catch {
      // dd stops with "No space left on device": the folder is full, as wanted
    }
    process.env.TMPDIR = full; // os.tmpdir() reads it on every call
  });
  afterAll(() => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    execFileSync('umount', [full]);
    fs.rmSync(full, { recursive: true, force: true });
  });

  it('local sandbox: SandboxError naming the cause; the scorer stops with SandboxUnavailableError, no verdict', async () => {
    expect(fs.statfsSync(full).bavail).toBe(0);
    const sb = new LocalSandbox({ concurrency: 1 });
    try {
      const r = await sb.runCode({ ...double, stdin: '21', run_timeout: 5 });
      expect(r.status, JSON.stringify(r)).toBe('SandboxError');
      expect(r.message).toMatch(/No space left on device/);
      const judged = await sb.judge({ ...double, tests });
      expect(judged.cases.map((c) => c.verdict)).toEqual(['sandbox_error']);
      const err = await computeScore({ completion: '```python\nprint(int(input()) * 2)\n```', tests }, sb, { retries: 1, retryDelayS: 0.05 }).then(
        (s) => new Error(`scored while the sandbox could not run anything: ${JSON.stringify(s)}`),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SandboxUnavailableError);
      expect((err as Error).message).toMatch(/No space left on device/);
    } finally {
      await sb.close();
    }
  });

  it.skipIf(!dockerReady)('Docker sandbox: right results (it does not write to the host temp folder)', async () => {
    const sb = await DockerSandbox.create({ concurrency: 1, poolSize: 1 });
    try {
      const judged = await sb.judge({ ...double, tests });
      expect(judged.cases.map((c) => c.verdict)).toEqual(['pass']);
    } finally {
      await sb.close();
    }
  });
});
