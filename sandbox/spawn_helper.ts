// Spawning programs through a small long-lived helper process (sandbox/spawn-helper.cjs). Node's spawn forks
// the calling process, and that costs time in proportion to its memory: measured with the tensorflow backend,
// 64 spawns of `python3 -c pass` took 1.1 s from a 0.05 GB process and 16.5 s from a 6 GB trainer. The helper
// is forked once, then every program is started from it. If it cannot start, programs start directly.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from './paths.js';

export interface HelperSpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Own process group, so a deadline kill (process.kill(-pid)) takes the whole tree. */
  detached: boolean;
  /** Written to the program's stdin, which is then closed. */
  stdin: string;
}

export interface SpawnedProgram {
  /** Resolves with the OS pid once started; rejects when the program could not be started. */
  pid: Promise<number>;
  /** The program ended (or failed to start: code null, error set). */
  closed: Promise<{ code: number | null; signal: string | null; error?: string }>;
  onStdout(f: (text: string) => void): void;
  onStderr(f: (text: string) => void): void;
}

type FromHelper =
  | { t: 'pid'; id: number; pid: number }
  | { t: 'out' | 'err'; id: number; s: string }
  | { t: 'close'; id: number; code: number | null; signal: string | null }
  | { t: 'error'; id: number; message: string };

interface Job {
  started: (pid: number) => void;
  failed: (message: string) => void;
  closed: (r: { code: number | null; signal: string | null; error?: string }) => void;
  out: Array<(s: string) => void>;
  err: Array<(s: string) => void>;
}

export class SpawnHelper {
  private child: ChildProcess | null = null;
  private broken = false;
  private nextId = 1;
  private readonly jobs = new Map<number, Job>();

  /** Starts the helper now (do it early, while this process is small), so the first program does not wait. */
  start(): void {
    if (this.child || this.broken) return;
    try {
      const child = fork(join(packageRoot(), 'sandbox', 'spawn-helper.cjs'), [], {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        execArgv: [], // not the trainer's flags (heap size, inspector, vitest's loaders)
        serialization: 'json',
      });
      child.on('message', (m: FromHelper) => this.onMessage(m));
      child.once('exit', () => this.onHelperGone());
      child.once('error', () => this.onHelperGone());
      this.child = child;
      this.updateRef();
    } catch {
      this.broken = true;
    }
  }

  /** Whether programs currently go through the helper (false after it failed: they start directly). */
  get usingHelper(): boolean {
    return !!this.child && !this.broken;
  }

  spawn(cmd: string, args: string[], opts: HelperSpawnOptions): SpawnedProgram {
    this.start();
    if (!this.usingHelper) return spawnDirect(cmd, args, opts);
    const id = this.nextId++;
    const job: Job = { started: () => {}, failed: () => {}, closed: () => {}, out: [], err: [] };
    const pid = new Promise<number>((resolve, reject) => {
      job.started = resolve;
      job.failed = (m) => reject(new Error(m));
    });
    pid.catch(() => undefined); // callers that only await `closed` must not see an unhandled rejection
    const closed = new Promise<{ code: number | null; signal: string | null; error?: string }>((resolve) => (job.closed = resolve));
    this.jobs.set(id, job);
    this.updateRef();
    this.child!.send({ t: 'spawn', id, cmd, args, cwd: opts.cwd, env: opts.env, detached: opts.detached, stdin: opts.stdin });
    return { pid, closed, onStdout: (f) => job.out.push(f), onStderr: (f) => job.err.push(f) };
  }

  close(): void {
    this.child?.disconnect?.();
    this.child = null;
  }

  private onMessage(m: FromHelper): void {
    const job = this.jobs.get(m.id);
    if (!job) return;
    if (m.t === 'pid') job.started(m.pid);
    else if (m.t === 'out') for (const f of job.out) f(m.s);
    else if (m.t === 'err') for (const f of job.err) f(m.s);
    else if (m.t === 'error') this.finish(m.id, { code: null, signal: null, error: m.message });
    else if (m.t === 'close') this.finish(m.id, { code: m.code, signal: m.signal });
  }

  private finish(id: number, r: { code: number | null; signal: string | null; error?: string }): void {
    const job = this.jobs.get(id)!;
    this.jobs.delete(id);
    if (r.error !== undefined) job.failed(r.error);
    job.closed(r);
    this.updateRef();
  }

  /** The helper keeps this process alive only while a program runs through it. */
  private updateRef(): void {
    const c = this.child as (ChildProcess & { channel?: { ref(): void; unref(): void } }) | null;
    if (!c) return;
    if (this.jobs.size > 0) {
      c.ref();
      c.channel?.ref();
    } else {
      c.unref();
      c.channel?.unref();
    }
  }

  private onHelperGone(): void {
    this.broken = true;
    this.child = null;
    for (const id of [...this.jobs.keys()]) this.finish(id, { code: null, signal: null, error: 'the spawn helper process exited' });
  }
}

/** The same interface on a direct spawn (the fallback). */
function spawnDirect(cmd: string, args: string[], opts: HelperSpawnOptions): SpawnedProgram {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, detached: opts.detached, stdio: ['pipe', 'pipe', 'pipe'] });
  const closed = new Promise<{ code: number | null; signal: string | null; error?: string }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.once('error', (e) => resolve({ code: null, signal: null, error: e.message }));
  });
  const pid = child.pid !== undefined ? Promise.resolve(child.pid) : Promise.reject(new Error(`cannot start ${cmd}`));
  pid.catch(() => undefined);
  child.stdin.on('error', () => undefined);
  child.stdin.end(opts.stdin);
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  return {
    pid,
    closed,
    onStdout: (f) => child.stdout.on('data', f),
    onStderr: (f) => child.stderr.on('data', f),
  };
}

let shared: SpawnHelper | null = null;

/** One helper per process, shared by every local sandbox in it. */
export function sharedSpawnHelper(): SpawnHelper {
  shared ??= new SpawnHelper();
  return shared;
}
