// `rl bench` end to end with the fake trainer: the project's quick estimator sweep produces the table,
// the plots and report.html; `rl bench report` rebuilds them; bad input gets a clear error.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { command } from '../../src/cli/bench.js';
import { FAKE_CMD, tempDir } from './helpers.js';

afterEach(() => vi.restoreAllMocks());

describe('rl bench', () => {
  it('ablation --group estimators --quick writes the report with one row and one line per estimator', async () => {
    const out = join(tempDir(), 'sweep');
    const printed: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void printed.push(a.join(' ')));
    await command.run(['ablation', '--group', 'estimators', '--quick', '--out', out, '--trainer', FAKE_CMD.join(' ')]);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    for (const e of ['rloo', 'reinforce_plus_plus_baseline', 'grpo', 'grpo_passk']) expect(md).toMatch(new RegExp(`^\\| ${e}( \\(paper default\\))? \\| 1/1 \\|`, 'm'));
    expect(md).toContain("The paper's Table 7 for this group");
    const svg = readFileSync(join(out, 'plots', 'estimators-pass1.svg'), 'utf8');
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(printed.some((l) => l.includes('run 4/4'))).toBe(true);

    rmSync(join(out, 'report.md'));
    await command.run(['report', out]);
    expect(readFileSync(join(out, 'report.md'), 'utf8').replace(/Generated [^\n]*/, '')).toBe(md.replace(/Generated [^\n]*/, ''));
  });

  it('rejects bad input with the option named', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    await expect(command.run(['ablation', '--group', 'nope'])).rejects.toThrow(/--group: Invalid option: expected one of "estimators"\|"max-len"\|"n"\|"all"/);
    await expect(command.run(['ablation'])).rejects.toThrow(/--group is required/);
    await expect(command.run(['ablation', '--group', 'n', '--seeds', '0'])).rejects.toThrow(/--seeds: Too small: expected number to be >=1/);
    await expect(command.run(['ablation', '--group', 'n', 'stray'])).rejects.toThrow(/overrides are key=value/);
    await expect(command.run(['ablation', '--group', 'n', 'rollout.n=3'])).rejects.toThrow(/would overwrite rollout\.n/);
    await expect(command.run(['frobnicate'])).rejects.toThrow(/unknown "rl bench frobnicate"/);
    await expect(command.run(['report', tempDir()])).rejects.toThrow(/is not a sweep folder/);
    await expect(command.run(['perf', '--timeout', 'x'])).rejects.toThrow(/--timeout: Invalid input: expected number/);
    await expect(command.run(['perf', '--timeout', '0'])).rejects.toThrow(/--timeout: Too small/);
    await expect(command.run(['sandbox-load', '--levels', '1,x'])).rejects.toThrow(/--levels \(item 2\): Invalid input: expected number/);
    await expect(command.run(['perf', '--bogus'])).rejects.toThrow(/Unknown option '--bogus'/);
  });
});
