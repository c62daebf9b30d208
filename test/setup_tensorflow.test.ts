// `rl setup tensorflow`: each missing prerequisite is one clear error naming what to install (checked with
// --force, before anything is touched), and a second run on a set-up tree is fast and changes nothing.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tensorflowSetUp } from './backends.js';
import { ROOT, RL, tmpDir } from './trainer/helpers.js';

function setup(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [RL, 'setup', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 600_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('rl setup tensorflow', () => {
  it('--help lists the options and the accepted TensorFlow versions', () => {
    const r = setup(['tensorflow', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--gpu/);
    expect(r.out).toMatch(/--force/);
    expect(r.out).toMatch(/TensorFlow 2\.21\.x/);
    expect(r.out).toMatch(/RL_PIP_ARGS/);
  });

  it('rejects an unknown target and an unknown flag', () => {
    expect(setup(['pytorch']).out).toMatch(/unknown setup target "pytorch"/);
    expect(setup(['tensorflow', '--cuda']).out).toMatch(/--cuda/);
  });

  it('names a missing python3, pip and C++ compiler', () => {
    const noPython = setup(['tensorflow', '--force'], { RL_PYTHON: '/nonexistent/python3' });
    expect(noPython.code).not.toBe(0);
    expect(noPython.out).toMatch(/\/nonexistent\/python3 not found: install Python 3 \(apt-get install python3 python3-pip\)/);

    // A python that runs but has no pip module.
    const dir = tmpDir('rl-nopip-');
    const fake = path.join(dir, 'python3');
    fs.writeFileSync(fake, '#!/bin/sh\n[ "$1" = "--version" ] && { echo "Python 3.11.0"; exit 0; }\necho "No module named pip" >&2; exit 1\n', { mode: 0o755 });
    const noPip = setup(['tensorflow', '--force'], { RL_PYTHON: fake });
    expect(noPip.out).toMatch(/pip is missing for .*python3: install it \(apt-get install python3-pip\)/);

    const noCxx = setup(['tensorflow', '--force'], { CXX: '/nonexistent/g++' });
    expect(noCxx.out).toMatch(/no C\+\+ compiler \(\/nonexistent\/g\+\+\): install one \(apt-get install g\+\+\)/);
  });

  it.skipIf(!tensorflowSetUp() && process.env.CI !== 'true')('a second run is fast, changes nothing and verifies TensorFlow 2.21 (needs rl setup tensorflow)', () => {
    const r = setup(['tensorflow']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/tensorflow backend ready: @tensorflow\/tfjs-node on TensorFlow 2\.21\.\d+ \(already set up;/);
  });
});
