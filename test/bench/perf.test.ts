// `rl bench perf`: each compiled bench runs in its own process; missing and failing benches are listed
// visibly instead of stopping the others; one table with the ratios.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchNames, KNOWN_BENCHES, perfTable, runPerf } from '../../src/bench/index.js';
import { tempDir } from './helpers.js';

function fakeBenches(): string {
  const dir = tempDir('rl-perf-');
  writeFileSync(
    join(dir, 'advantages.js'),
    `export async function run() {
       console.log('noise on stdout');
       return [
         { bench: 'advantages', metric: 'grpo 512x256', value: 2.5, unit: 'ms', baseline: 10, note: 'vs loop' },
         { bench: 'advantages', metric: 'rloo 512x256', value: 4, unit: 'ms', baseline: 2, ratio: 0.5 },
       ];
     }
     if (process.argv[1] === new URL(import.meta.url).pathname) await run();`,
  );
  writeFileSync(join(dir, 'sandbox.js'), `export async function run() { throw new Error('no docker daemon'); }`);
  writeFileSync(join(dir, 'model.js'), `export const notRun = 1;`);
  writeFileSync(join(dir, 'decode.js'), `export async function run() { return [{ metric: 'x' }]; }`);
  writeFileSync(join(dir, 'zzz-extra.js'), `export async function run() { setInterval(() => {}, 1000); return [{ bench: 'extra', metric: 'm', value: 1, unit: 'u' }]; }`);
  writeFileSync(join(dir, 'types.js'), `export {};`);
  return dir;
}

describe('runPerf', () => {
  it('runs the known benches then the extra ones, and says which are missing or failed', async () => {
    const dir = fakeBenches();
    expect(benchNames(dir)).toEqual([...KNOWN_BENCHES, 'zzz-extra']);
    const logs: string[] = [];
    const outcomes = await runPerf({ benchDir: dir, log: (l) => logs.push(l) });
    const by = Object.fromEntries(outcomes.map((o) => [o.bench, o]));
    expect(by.advantages!.status).toBe('ok');
    expect(by.advantages!.rows).toHaveLength(2);
    expect(by.sandbox).toMatchObject({ status: 'failed' });
    expect(by.sandbox!.note).toMatch(/no docker daemon/);
    expect(by.model).toMatchObject({ status: 'failed' });
    expect(by.model!.note).toMatch(/exit code 3/);
    expect(by.decode!.note).toMatch(/row 0 is not a BenchRow/);
    expect(by.webgpu).toMatchObject({ status: 'missing' });
    // A bench that leaves a timer running still finishes: its process is ended once the rows are out.
    expect(by['zzz-extra']!.status).toBe('ok');
    expect(logs.some((l) => l.includes('webgpu') && l.includes('not found'))).toBe(true);

    const table = perfTable(outcomes);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^\| bench +\| metric +\| value +\| unit +\| baseline +\| ratio +\| note +\|$/);
    expect(table).toMatch(/\| advantages +\| grpo 512x256 +\| 2\.5 +\| ms +\| 10 +\| 0\.25x +\| vs loop +\|/);
    expect(table).toMatch(/\| rloo 512x256 +\| 4 +\| ms +\| 2 +\| 0\.5x +\|/);
    expect(table).toMatch(/\| sandbox .*FAILED: .*no docker daemon/);
    expect(table).toMatch(/\| webgpu .*skipped: .*webgpu\.js not found/);
    expect(lines.every((l) => l.length === lines[0]!.length)).toBe(true);
  });

  it('kills a bench that runs past the time limit', async () => {
    const dir = tempDir('rl-perf-');
    writeFileSync(join(dir, 'slow.js'), `export async function run() { await new Promise((r) => setTimeout(r, 60000)); return []; }`);
    const [o] = await runPerf({ benchDir: dir, only: ['slow'], timeoutS: 1, log: () => {} });
    expect(o).toMatchObject({ bench: 'slow', status: 'failed' });
    expect(o!.note).toMatch(/timed out after 1s/);
  });
});
