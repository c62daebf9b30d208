// trainer.logger=[tensorboard]: every metric of metrics.jsonl is a TensorBoard scalar at its step in
// <run>/tensorboard. The event files are decoded here (TFRecord framing + the Event/Summary protos' few fields
// used) and, where the peers' Python has the tensorboard package, read back with TensorBoard's own loader.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tensorflowSetUp } from '../backends.js';
import { readMetrics, rl, TINY, tmpDir } from './helpers.js';

/** Protobuf wire format: fields of one message as [field number, value] (varint → number, bytes → Buffer, fixed → Buffer). */
function fields(buf: Buffer): Array<[number, number | Buffer]> {
  const out: Array<[number, number | Buffer]> = [];
  let i = 0;
  const varint = () => {
    let v = 0, mul = 1, b: number;
    do {
      b = buf[i++]!;
      v += (b & 0x7f) * mul;
      mul *= 128;
    } while (b & 0x80);
    return v;
  };
  while (i < buf.length) {
    const key = varint();
    const [f, wt] = [Math.floor(key / 8), key & 7];
    if (wt === 0) out.push([f, varint()]);
    else if (wt === 1) (out.push([f, buf.subarray(i, i + 8)]), (i += 8));
    else if (wt === 5) (out.push([f, buf.subarray(i, i + 4)]), (i += 4));
    else if (wt === 2) {
      const n = varint();
      out.push([f, buf.subarray(i, i + n)]);
      i += n;
    } else throw new Error(`wire type ${wt}`);
  }
  return out;
}

/** Every (tag, step, simple_value) in an event file: records of [u64 length][u32 crc][Event][u32 crc]. */
function scalars(file: string): Array<{ tag: string; step: number; value: number }> {
  const buf = fs.readFileSync(file);
  const out: Array<{ tag: string; step: number; value: number }> = [];
  for (let off = 0; off < buf.length; ) {
    const len = Number(buf.readBigUInt64LE(off));
    const event = fields(buf.subarray(off + 12, off + 12 + len));
    off += 12 + len + 4;
    const step = (event.find(([f]) => f === 2)?.[1] as number | undefined) ?? 0;
    for (const [f, summary] of event) {
      if (f !== 5) continue; // Event.summary
      for (const [vf, value] of fields(summary as Buffer)) {
        if (vf !== 1) continue; // Summary.value
        const v = fields(value as Buffer);
        const tag = (v.find(([x]) => x === 1)![1] as Buffer).toString('utf8');
        const simple = v.find(([x]) => x === 2)?.[1] as Buffer | undefined; // simple_value (float)
        if (simple) out.push({ tag, step, value: simple.readFloatLE(0) });
      }
    }
  }
  return out;
}

describe('trainer.logger tensorboard', () => {
  it.skipIf(!tensorflowSetUp() && process.env.CI !== 'true')('writes every metric of metrics.jsonl as a scalar per step (needs rl setup tensorflow)', () => {
    const out = tmpDir('rl-tb-');
    const r = rl(['train', '--config', 'configs/demo.yaml', ...TINY, '--steps', '2', '--backend', 'tensorflow', '--out', out,
      'trainer.test_freq=0', 'trainer.logger=[tensorboard]']);
    expect(r.code, r.stderr).toBe(0);
    const dir = path.join(out, 'tensorboard');
    const files = fs.readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents.'));
    expect(files.length).toBeGreaterThan(0);
    const got = files.flatMap((f) => scalars(path.join(dir, f)));
    const metrics = readMetrics(out);
    let n = 0;
    for (const m of metrics) {
      for (const [k, v] of Object.entries(m)) {
        if (k === 'step') continue;
        const s = got.find((g) => g.tag === k && g.step === m.step);
        expect(s, `${k} @ ${m.step}`).toBeDefined();
        expect(s!.value).toBe(Math.fround(v)); // stored as float32
        n++;
      }
    }
    expect(n).toBeGreaterThan(20);
    expect(got.length).toBe(n);

    // TensorBoard's own reader, where installed (CI's peers venv has it).
    const py = process.env.RL_TENSORBOARD_PYTHON ?? process.env.RL_PEERS_PYTHON ?? path.resolve('.venv-peers/bin/python');
    const probe = spawnSync(py, ['-c', 'import tensorboard'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      if (process.env.CI === 'true') throw new Error('the peers venv lacks tensorboard (bash .ci/python.sh installs it)');
      console.warn('[tensorboard.test] skipped the read-back with TensorBoard: no tensorboard in the peers Python');
      return;
    }
    const read = spawnSync(py, ['-c', `
import json, sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
ea = EventAccumulator(sys.argv[1]); ea.Reload()
print(json.dumps({t: [[e.step, e.value] for e in ea.Scalars(t)] for t in ea.Tags()['scalars']}))`, dir], { encoding: 'utf8' });
    expect(read.status, read.stderr).toBe(0);
    const tb = JSON.parse(read.stdout) as Record<string, Array<[number, number]>>;
    const m1 = metrics.find((m) => m.step === 1 && 'actor/pg_loss' in m)!;
    expect(tb["actor/pg_loss"]!.find(([s]) => s === 1)![1]).toBe(Math.fround(m1["actor/pg_loss"]!));
    expect(Object.keys(tb).length).toBe(new Set(got.map((g) => g.tag)).size);
  });

});
