import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadPretrained } from '../../src/model/hf.js';
import { readCheckpointTensors, readSafetensors, readSafetensorsHeader, writeSafetensors } from '../../src/model/safetensors.js';
import { writeTinyQwen2Checkpoint } from '../../src/model/tiny_checkpoint.js';

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-st-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A safetensors file from a raw header object and data bytes (for malformed inputs). */
function rawFile(file: string, header: object, data: Uint8Array): void {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([len, json, data]));
}

describe('safetensors', () => {
  const values = Float32Array.from([1.5, -2, 0.1, 65504, 1e-8, 3.14159, 0]);

  it('round-trips F32 bit-exactly, with aligned data and metadata', () => {
    const f = path.join(tmp, 'a.safetensors');
    writeSafetensors(f, new Map([['w', { shape: [7], data: values }], ['m', { shape: [2, 1], data: Float32Array.from([1, 2]) }]]), { metadata: { format: 'pt' } });
    const h = readSafetensorsHeader(f);
    expect(h.dataStart % 8).toBe(0);
    expect(h.metadata).toEqual({ format: 'pt' });
    expect([...h.tensors.keys()]).toEqual(['m', 'w']);
    const back = readSafetensors(f);
    expect(back.get('w')!.data).toEqual(values);
    expect(back.get('m')!.shape).toEqual([2, 1]);
  });

  it('writes BF16/F16 bits as torch does and reads them back as float32', () => {
    for (const dtype of ['BF16', 'F16'] as const) {
      const f = path.join(tmp, `${dtype}.safetensors`);
      writeSafetensors(f, new Map([['w', { shape: [7], data: values }]]), { dtype });
      const h = readSafetensorsHeader(f);
      expect(h.tensors.get('w')!.dtype).toBe(dtype);
      const bytes = fs.readFileSync(f).subarray(h.dataStart);
      const bits = Array.from({ length: 7 }, (_, i) => bytes.readUInt16LE(2 * i));
      const got = readSafetensors(f).get('w')!;
      expect(got.sourceDtype).toBe(dtype);
      if (dtype === 'BF16') {
        expect(bits[0]).toBe(0x3fc0); // 1.5
        expect(bits[2]).toBe(0x3dcd); // 0.1 rounds to 0.10009765625
        expect(got.data[2]).toBe(0.10009765625);
        expect(got.data[3]).toBe(65536); // 65504 rounds up in bf16
      } else {
        expect(bits[0]).toBe(0x3e00); // 1.5
        expect(bits[2]).toBe(0x2e66); // 0.1 → 0.0999755859375
        expect(bits[3]).toBe(0x7bff); // 65504, the largest half
        expect(bits[4]).toBe(0); // 1e-8 underflows
        expect(got.data[2]).toBe(0.0999755859375);
        expect(got.data[3]).toBe(65504);
      }
      expect(got.data[1]).toBe(-2);
    }
  });

  it('names the tensor on a bad dtype, a wrong size, bad offsets, and a missing tensor', () => {
    const f = path.join(tmp, 'bad.safetensors');
    rawFile(f, { w: { dtype: 'I32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8));
    expect(() => readSafetensors(f)).toThrow(/tensor "w" has unsupported dtype I32 \(supported: F32, F16, BF16, F64\)/);
    rawFile(f, { w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8));
    expect(() => readSafetensorsHeader(f)).toThrow(/tensor "w" \(F32 \[3\]\) should take 12 bytes but its offsets span 8/);
    rawFile(f, { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(4));
    expect(() => readSafetensorsHeader(f)).toThrow(/tensor "w" has data offsets \[0, 8\] outside the data section/);
    rawFile(f, { w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4));
    expect(() => readSafetensors(f, ['w', 'x'])).toThrow(/missing tensor "x"/);
    fs.writeFileSync(f, 'not a safetensors file at all');
    expect(() => readSafetensorsHeader(f)).toThrow(/header length .* is impossible|not valid JSON/);
  });
});

describe('checkpoint loading errors', () => {
  const base = { seed: 2, hiddenSize: 16, intermediateSize: 24, numLayers: 1, numHeads: 2, numKvHeads: 1 };

  it('missing tensor', () => {
    const dir = path.join(tmp, 'missing');
    writeTinyQwen2Checkpoint(dir, base);
    const file = path.join(dir, 'model.safetensors');
    const all = readSafetensors(file);
    all.delete('model.layers.0.mlp.up_proj.weight');
    writeSafetensors(file, all);
    expect(() => loadPretrained(dir)).toThrow(/missing tensor "model\.layers\.0\.mlp\.up_proj\.weight"/);
  });

  it('shape mismatch against config.json', () => {
    const dir = path.join(tmp, 'shape');
    writeTinyQwen2Checkpoint(dir, base);
    const cfgFile = path.join(dir, 'config.json');
    const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
    cfg.intermediate_size = 32;
    fs.writeFileSync(cfgFile, JSON.stringify(cfg));
    expect(() => loadPretrained(dir)).toThrow(/tensor "model\.layers\.0\.mlp\.gate_proj\.weight" has shape \[24,16\], expected \[32,16\]/);
  });

  it('unsupported dtype of a weight', () => {
    const dir = path.join(tmp, 'dtype');
    writeTinyQwen2Checkpoint(dir, base);
    const file = path.join(dir, 'model.safetensors');
    const h = readSafetensorsHeader(file);
    const header: Record<string, unknown> = {};
    const parts: Buffer[] = [];
    let off = 0;
    const raw = fs.readFileSync(file);
    for (const [name, e] of h.tensors) {
      const bytes = raw.subarray(h.dataStart + e.dataOffsets[0], h.dataStart + e.dataOffsets[1]);
      header[name] = { dtype: name === 'model.norm.weight' ? 'I32' : e.dtype, shape: e.shape, data_offsets: [off, off + bytes.length] };
      parts.push(bytes);
      off += bytes.length;
    }
    rawFile(file, header, Buffer.concat(parts));
    expect(() => loadPretrained(dir)).toThrow(/tensor "model\.norm\.weight" has unsupported dtype I32/);
  });

  it('unsupported architecture, missing config, missing weights file, missing shard', () => {
    const dir = path.join(tmp, 'arch');
    writeTinyQwen2Checkpoint(dir, base);
    const cfgFile = path.join(dir, 'config.json');
    const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
    fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, architectures: ['MistralForCausalLM'] }));
    expect(() => loadPretrained(dir)).toThrow(/unsupported architecture "MistralForCausalLM"/);
    expect(() => loadPretrained(path.join(tmp, 'nowhere'))).toThrow(/no config\.json/);
    fs.writeFileSync(cfgFile, JSON.stringify(cfg));
    fs.renameSync(path.join(dir, 'model.safetensors'), path.join(dir, 'model-00001-of-00002.safetensors'));
    expect(() => loadPretrained(dir)).toThrow(/no model\.safetensors or model\.safetensors\.index\.json/);
    const names = [...readSafetensorsHeader(path.join(dir, 'model-00001-of-00002.safetensors')).tensors.keys()];
    const weightMap = Object.fromEntries(names.map((n, i) => [n, i === 0 ? 'model-00002-of-00002.safetensors' : 'model-00001-of-00002.safetensors']));
    fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    expect(() => readCheckpointTensors(dir, names)).toThrow(/shard model-00002-of-00002\.safetensors .*does not exist|ENOENT/);
    expect(() => loadPretrained(dir)).toThrow(/shard model-00002-of-00002\.safetensors \(holding ".*"\) does not exist/);
  });
});
