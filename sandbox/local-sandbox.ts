// The `local` provider: the same judging harness, run as a host subprocess with rlimits and a
// private temp dir. Much weaker isolation than Docker (no network or filesystem isolation, no
// process sweep): for machines without Docker, and only when asked for (`auto` never picks it).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxUnavailableError } from './contract.js';
import { harnessPath } from './paths.js';
import {
  DEFAULT_MEMORY_MB, OutcomeBuilder, hardBudgetMs, harnessRequestForJudge, harnessRequestForRunCode, toJudgeResult,
  toRunCodeResponse, type HarnessOutcome, type HarnessRequest,
} from './protocol.js';
import { parseJudgeRequest, parseRunCodeRequest } from './schemas.js';
import { Semaphore } from './semaphore.js';
import { sharedSpawnHelper } from './spawn_helper.js';
import type { JudgeRequest, JudgeResult, RunCodeRequest, RunCodeResponse, SandboxProvider } from './contract.js';

export const LOCAL_WARNING =
  '[rl sandbox] WARNING: the `local` sandbox runs untrusted code as a host subprocess with only rlimits and a ' +
  'private temp dir: it can reach the network and read your files. Use Docker (`bash .ci/docker.sh`) for real isolation.';

export interface LocalSandboxOptions {
  concurrency?: number;
  /** Default address-space limit of python/C++ programs in MB (RLIMIT_AS). */
  memoryMB?: number;
  /** Python interpreter (default: the real binary behind `python3`, resolved once). */
  python?: string;
  /** Print LOCAL_WARNING (default true). */
  warn?: boolean;
}

/** The interpreter behind `python3` (resolving shims such as pyenv's once, not on every run). */
export function resolvePython(): string {
  const probe = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  const exe = probe.stdout?.trim();
  if (probe.status !== 0 || !exe) throw new SandboxUnavailableError('the local sandbox needs python3 on PATH');
  return exe;
}

export class LocalSandbox implements SandboxProvider {
  readonly name = 'local' as const;
  private readonly slots: Semaphore;
  private readonly python: string;
  private readonly memoryMB: number;
  private readonly children = new Set<number>();

  constructor(opts: LocalSandboxOptions = {}) {
    this.slots = new Semaphore(opts.concurrency ?? Math.max(1, availableParallelism()));
    this.python = opts.python ?? resolvePython();
    this.memoryMB = opts.memoryMB ?? DEFAULT_MEMORY_MB;
    if (opts.warn ?? true) console.warn(LOCAL_WARNING);
    sharedSpawnHelper().start();
  }

  async judge(req: JudgeRequest): Promise<JudgeResult> {
    const hreq = harnessRequestForJudge(parseJudgeRequest(req));
    hreq.memory_mb ??= this.memoryMB;
    return toJudgeResult(hreq, await this.execute(hreq));
  }

  async runCode(req: RunCodeRequest): Promise<RunCodeResponse> {
    const hreq = harnessRequestForRunCode(parseRunCodeRequest(req));
    hreq.memory_mb ??= this.memoryMB;
    return toRunCodeResponse(hreq, await this.execute(hreq));
  }

  execute(hreq: HarnessRequest): Promise<HarnessOutcome> {
    return this.slots.run(() => this.runHarness(hreq));
  }

  async close(): Promise<void> {
    for (const pid of this.children) killGroup(pid);
    this.children.clear();
  }

  private async runHarness(hreq: HarnessRequest): Promise<HarnessOutcome> {
    const t0 = performance.now();
    const dir = mkdtempSync(join(tmpdir(), 'rl-local-sandbox-'));
    const builder = new OutcomeBuilder();
    try {
      // Through the spawn helper: a spawn from the trainer itself would fork all of its memory.
      const child = sharedSpawnHelper().spawn(this.python, [harnessPath()], {
        cwd: dir,
        detached: true, // own process group: a deadline kill takes the whole tree
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: dir,
          TMPDIR: dir,
          LANG: 'C.UTF-8',
          PYTHONDONTWRITEBYTECODE: '1',
          RL_WORKDIR: join(dir, 'work'),
        },
        stdin: JSON.stringify(hreq),
      });
      let lineParts: string[] = [];
      child.onStdout((text: string) => {
        let nl: number;
        while ((nl = text.indexOf('\n')) >= 0) {
          lineParts.push(text.slice(0, nl));
          builder.add(lineParts.join(''));
          lineParts = [];
          text = text.slice(nl + 1);
        }
        if (text) lineParts.push(text);
      });
      let stderr = '';
      child.onStderr((text: string) => (stderr = (stderr + text).slice(-4000)));
      let pid: number;
      try {
        pid = await child.pid;
      } catch {
        throw new SandboxUnavailableError(`cannot start ${this.python}`);
      }
      this.children.add(pid);
      let timer: NodeJS.Timeout | undefined;
      const how = await new Promise<'exit' | 'deadline' | 'spawn-error'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), hardBudgetMs(hreq));
        void child.closed.then((r) => resolve(r.error !== undefined ? 'spawn-error' : 'exit'));
      });
      clearTimeout(timer);
      killGroup(pid); // programs that outlived the harness
      this.children.delete(pid);
      if (how === 'spawn-error') throw new SandboxUnavailableError(`cannot run ${this.python}`);
      const out = builder.outcome;
      if (out.termination !== 'done') {
        out.termination = how === 'deadline' ? 'deadline' : 'died';
        out.reason = how === 'deadline' ? 'killed: the submission exceeded its hard time budget' : `the harness died: ${stderr.trim().split('\n').pop() ?? ''}`;
      }
      out.wallS = (performance.now() - t0) / 1000;
      return out;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
