// R8: the harness counts OOM kills on cgroup v2 (memory.events) as well as v1 (memory/memory.oom_control), so an
// out-of-memory kill is reported as one on either host, not as a bare SIGKILL. Checked on fake cgroup trees
// (this host has one version only); the end-to-end memory bomb is in hostile.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { harnessPath } from '../../sandbox/paths.js';

const root = mkdtempSync(join(tmpdir(), 'rl-cgroup-'));

/** Harness.oom_kills() with the cgroup tree at `dir`. */
function oomKills(dir: string): number | null {
  const script = [
    'import sys, json',
    `sys.path.insert(0, ${JSON.stringify(join(harnessPath(), '..'))})`,
    'import harness',
    'print(json.dumps(harness.Harness((0, None)).oom_kills()))',
  ].join('\n');
  const out = execFileSync('python3', ['-c', script], { env: { ...process.env, RL_CGROUP_ROOT: dir }, encoding: 'utf8' });
  return JSON.parse(out.trim()) as number | null;
}

describe('harness OOM-kill counter', () => {
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('cgroup v2: memory.events oom_kill', () => {
    const v2 = join(root, 'v2');
    mkdirSync(v2);
    writeFileSync(join(v2, 'memory.events'), 'low 0\nhigh 0\nmax 12\noom 3\noom_kill 3\noom_group_kill 0\n');
    expect(oomKills(v2)).toBe(3);
  });

  it('cgroup v1: memory/memory.oom_control oom_kill', () => {
    const v1 = join(root, 'v1');
    mkdirSync(join(v1, 'memory'), { recursive: true });
    writeFileSync(join(v1, 'memory', 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 5\n');
    expect(oomKills(v1)).toBe(5);
  });

  it('no counter readable: null (the harness then does not claim an OOM)', () => {
    const none = join(root, 'none');
    mkdirSync(none);
    expect(oomKills(none)).toBeNull();
  });
});
