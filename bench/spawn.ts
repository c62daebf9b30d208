// Spawn cost from a big process: 64 starts of `python3 -c pass` (4 at a time) from this process holding ~3 GB
// resident, directly (Node forks this whole process) vs through the local sandbox's spawn helper
// (sandbox/spawn_helper.ts), interleaved twice. Ratio = direct ÷ helper seconds (higher = the helper saves more).
// Script: node dist/bench/spawn.js [--gb N]
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { SpawnHelper } from '../sandbox/spawn_helper.js';
import type { BenchRow } from './types.js';

export async function run(opts: { gb?: number } = {}): Promise<BenchRow[]> {
  const h = new SpawnHelper();
  h.start();
  const ballast: Buffer[] = [];
  for (let i = 0; i < (opts.gb ?? 3) * 8; i++) ballast.push(Buffer.alloc(128 << 20, 1)); // touched: resident
  const rss = process.memoryUsage().rss / 2 ** 30;
  const env = { PATH: process.env.PATH };
  const direct = () => new Promise((r) => spawn('python3', ['-c', 'pass'], { env, stdio: 'ignore' }).once('close', r));
  const viaHelper = () => h.spawn('python3', ['-c', 'pass'], { cwd: '/tmp', env, detached: true, stdin: '' }).closed;
  const load0 = loadavg()[0]!;
  const secs = { direct: [] as number[], helper: [] as number[] };
  try {
    for (let round = 0; round < 2; round++) {
      for (const [name, f] of [['direct', direct], ['helper', viaHelper]] as const) {
        const t = performance.now();
        for (let i = 0; i < 64; i += 4) await Promise.all([f(), f(), f(), f()]);
        secs[name].push((performance.now() - t) / 1000);
      }
    }
  } finally {
    h.close();
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return [{
    bench: 'spawn', metric: `64 spawns of python3 -c pass from a ${rss.toFixed(1)} GB process: direct vs spawn helper`,
    value: mean(secs.direct), unit: 's', baseline: mean(secs.helper), ratio: mean(secs.direct) / mean(secs.helper),
    note: `direct ${secs.direct.map((s) => s.toFixed(2)).join(', ')} s; helper ${secs.helper.map((s) => s.toFixed(2)).join(', ')} s; ` +
      `load average ${load0.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}; ballast ${ballast.length * 128} MB`,
  }];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const gi = process.argv.indexOf('--gb');
  run({ gb: gi >= 0 ? Number(process.argv[gi + 1]) : undefined }).then((rows) => {
    for (const r of rows) console.log(`${r.metric}: ${r.value.toFixed(2)} ${r.unit} vs ${r.baseline!.toFixed(2)} (ratio ${r.ratio!.toFixed(2)}) — ${r.note}`);
    process.exit(0);
  }, (e) => {
    console.error(e);
    process.exit(1);
  });
}
