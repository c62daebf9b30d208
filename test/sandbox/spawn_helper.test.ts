// The local sandbox starts programs from a small helper process, not from the (possibly huge) trainer: the
// program's parent is the helper, output and exit codes round-trip, deadlines still kill the whole group, and a
// dead helper falls back to direct spawns.
import { describe, expect, it } from 'vitest';
import { LocalSandbox, resolvePython } from '../../sandbox/local-sandbox.js';
import { SpawnHelper, sharedSpawnHelper } from '../../sandbox/spawn_helper.js';

const python = resolvePython();
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

async function run(h: SpawnHelper, code: string, stdin = '') {
  const p = h.spawn(python, ['-c', code], { cwd: process.cwd(), env, detached: true, stdin });
  let out = '';
  let err = '';
  p.onStdout((s) => (out += s));
  p.onStderr((s) => (err += s));
  const pid = await p.pid;
  return { pid, out, err, ...(await p.closed), get stdout() { return out; }, get stderr() { return err; } };
}

describe('spawn helper', () => {
  it('starts programs from the helper process, with stdin, stdout, stderr and exit codes', async () => {
    const h = new SpawnHelper();
    try {
      const r = await run(h, 'import os, sys; d = sys.stdin.read(); print(os.getppid()); print(d.upper()); sys.stderr.write("e\\u00e9"); sys.exit(3)', 'héllo');
      expect(h.usingHelper).toBe(true);
      const [ppid, echoed] = r.stdout.trim().split('\n');
      expect(Number(ppid)).not.toBe(process.pid); // not forked from this process
      expect(echoed).toBe('HÉLLO');
      expect(r.stderr).toBe('eé');
      expect(r.code).toBe(3);
    } finally {
      h.close();
    }
  });

  it('runs many programs concurrently, each with its own output', async () => {
    const h = new SpawnHelper();
    try {
      const rs = await Promise.all(Array.from({ length: 12 }, (_, i) => run(h, `print(${i} * 7)`)));
      expect(rs.map((r) => Number(r.stdout.trim()))).toEqual(Array.from({ length: 12 }, (_, i) => i * 7));
      expect(rs.every((r) => r.code === 0)).toBe(true);
    } finally {
      h.close();
    }
  });

  it('a program that cannot start is an error, not a hang', async () => {
    const h = new SpawnHelper();
    try {
      const p = h.spawn('/nonexistent/program', [], { cwd: process.cwd(), env, detached: true, stdin: '' });
      await expect(p.pid).rejects.toThrow(/ENOENT/);
      expect((await p.closed).error).toMatch(/ENOENT/);
    } finally {
      h.close();
    }
  });

  it('after the helper dies, running programs fail and new ones start directly', async () => {
    const h = new SpawnHelper();
    const slow = h.spawn(python, ['-c', 'import time; time.sleep(30)'], { cwd: process.cwd(), env, detached: true, stdin: '' });
    await slow.pid;
    const helperPid = (h as unknown as { child: { pid: number } }).child.pid;
    process.kill(helperPid, 'SIGKILL');
    expect((await slow.closed).error).toMatch(/spawn helper process exited/);
    try {
      process.kill(-(await slow.pid), 'SIGKILL'); // the orphaned sleeper
    } catch {
      // gone
    }
    expect(h.usingHelper).toBe(false);
    const r = await run(h, 'import os; print(os.getppid())');
    expect(Number(r.stdout.trim())).toBe(process.pid); // the direct fallback
  });

  it('the local sandbox judges through the shared helper, and a deadline still kills the program', async () => {
    const sb = new LocalSandbox({ warn: false, concurrency: 2 });
    try {
      const ok = await sb.runCode({ code: 'import os\nprint(os.getppid())', language: 'python' });
      expect(ok.status).toBe('Success');
      expect(Number(ok.run_result!.stdout!.trim())).not.toBe(process.pid);
      expect(sharedSpawnHelper().usingHelper).toBe(true);
      const slow = await sb.runCode({ code: 'while True: pass', language: 'python', run_timeout: 1 });
      expect(slow.run_result!.status).toBe('TimeLimitExceeded');
    } finally {
      await sb.close();
    }
  });
});
