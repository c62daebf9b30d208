// The safetensors format, read and written here: 8-byte little-endian header length N, N bytes of
// JSON header {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?}, then the raw data.
// Tensors are read one at a time at their offsets (no whole-file buffer: checkpoints can exceed 4 GB),
// and F32/F16/BF16 (and F64) convert to float32.
import fs from 'node:fs';
import path from 'node:path';

export const LOADABLE_DTYPES = ['F32', 'F16', 'BF16', 'F64'] as const;
export const WRITABLE_DTYPES = ['F32', 'F16', 'BF16'] as const;
export type WritableDtype = (typeof WRITABLE_DTYPES)[number];

const BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export interface TensorEntry {
  dtype: string;
  shape: number[];
  /** [begin, end) byte offsets relative to the start of the data section. */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  file: string;
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string>;
  /** Absolute file offset of the data section (8 + header length). */
  dataStart: number;
}

export interface LoadedTensor {
  shape: number[];
  data: Float32Array;
  /** dtype in the file before conversion to float32. */
  sourceDtype: string;
}

export interface TensorToWrite {
  shape: number[];
  data: Float32Array;
}

function readExactly(fd: number, buf: Buffer, position: number, file: string, what: string): void {
  let done = 0;
  while (done < buf.length) {
    const n = fs.readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) throw new Error(`${file}: unexpected end of file while reading ${what}`);
    done += n;
  }
}

/** Parse a safetensors header; offsets and sizes are validated against the file size and dtypes. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const fd = fs.openSync(file, 'r');
  try {
    return readHeaderFd(fd, file);
  } finally {
    fs.closeSync(fd);
  }
}

function readHeaderFd(fd: number, file: string): SafetensorsHeader {
  const size = fs.fstatSync(fd).size;
  if (size < 8) throw new Error(`${file}: not a safetensors file (only ${size} bytes)`);
  const lenBuf = Buffer.alloc(8);
  readExactly(fd, lenBuf, 0, file, 'the header length');
  const headerLen = Number(lenBuf.readBigUInt64LE(0));
  if (headerLen > size - 8 || headerLen > 100_000_000) {
    throw new Error(`${file}: header length ${headerLen} is impossible for a file of ${size} bytes (not a safetensors file?)`);
  }
  const headerBuf = Buffer.alloc(headerLen);
  readExactly(fd, headerBuf, 8, file, 'the header');
  let json: unknown;
  try {
    json = JSON.parse(headerBuf.toString('utf8'));
  } catch (e) {
    throw new Error(`${file}: header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${file}: header is not a JSON object`);
  const dataStart = 8 + headerLen;
  const dataLen = size - dataStart;
  const tensors = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e?.dtype !== 'string' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets) || e.data_offsets.length !== 2) {
      throw new Error(`${file}: tensor "${name}" has a malformed header entry`);
    }
    const shape = e.shape as number[];
    const [begin, end] = e.data_offsets as [number, number];
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`${file}: tensor "${name}" has an invalid shape [${shape}]`);
    if (!(Number.isInteger(begin) && Number.isInteger(end) && begin >= 0 && end >= begin && end <= dataLen)) {
      throw new Error(`${file}: tensor "${name}" has data offsets [${begin}, ${end}] outside the data section (${dataLen} bytes)`);
    }
    const width = BYTES[e.dtype];
    if (width !== undefined) {
      const want = shape.reduce((a, b) => a * b, 1) * width;
      if (end - begin !== want) {
        throw new Error(`${file}: tensor "${name}" (${e.dtype} [${shape}]) should take ${want} bytes but its offsets span ${end - begin}`);
      }
    }
    tensors.set(name, { dtype: e.dtype, shape, dataOffsets: [begin, end] });
  }
  return { file, tensors, metadata, dataStart };
}

// float16 → float32 via a 65536-entry table (built once).
let f16Table: Float32Array | null = null;
function halfToFloatTable(): Float32Array {
  if (f16Table) return f16Table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac ? NaN : sign * Infinity;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  f16Table = t;
  return t;
}

function toFloat32(bytes: Buffer, dtype: string, count: number, file: string, name: string): Float32Array {
  // Copy into an aligned buffer first: a Buffer slice's offset need not be a multiple of the element size.
  const aligned = new ArrayBuffer(bytes.length);
  new Uint8Array(aligned).set(bytes);
  switch (dtype) {
    case 'F32':
      return new Float32Array(aligned, 0, count);
    case 'F64':
      return Float32Array.from(new Float64Array(aligned, 0, count));
    case 'BF16': {
      const src = new Uint16Array(aligned, 0, count);
      const out = new Uint32Array(count);
      for (let i = 0; i < count; i++) out[i] = src[i]! << 16;
      return new Float32Array(out.buffer);
    }
    case 'F16': {
      const src = new Uint16Array(aligned, 0, count);
      const table = halfToFloatTable();
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[src[i]!]!;
      return out;
    }
    default:
      throw new Error(`${file}: tensor "${name}" has unsupported dtype ${dtype} (supported: ${LOADABLE_DTYPES.join(', ')})`);
  }
}

/**
 * Read tensors of a safetensors file as float32. `names` limits which are read (a missing one is
 * an error naming it); by default all are read.
 */
export function readSafetensors(file: string, names?: Iterable<string>): Map<string, LoadedTensor> {
  const fd = fs.openSync(file, 'r');
  try {
    const header = readHeaderFd(fd, file);
    const wanted = names ? [...names] : [...header.tensors.keys()];
    const out = new Map<string, LoadedTensor>();
    for (const name of wanted) {
      const e = header.tensors.get(name);
      if (!e) throw new Error(`${file}: missing tensor "${name}"`);
      if (!(LOADABLE_DTYPES as readonly string[]).includes(e.dtype)) {
        throw new Error(`${file}: tensor "${name}" has unsupported dtype ${e.dtype} (supported: ${LOADABLE_DTYPES.join(', ')})`);
      }
      const count = e.shape.reduce((a, b) => a * b, 1);
      const buf = Buffer.alloc(e.dataOffsets[1] - e.dataOffsets[0]);
      readExactly(fd, buf, header.dataStart + e.dataOffsets[0], file, `tensor "${name}"`);
      out.set(name, { shape: e.shape, data: toFloat32(buf, e.dtype, count, file, name), sourceDtype: e.dtype });
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** float32 → bfloat16 bits, round to nearest even (NaN stays NaN). */
function floatToBf16(x: number): number {
  f32Scratch[0] = x;
  const u = u32Scratch[0]!;
  if ((u & 0x7f800000) === 0x7f800000 && u & 0x7fffff) return (u >>> 16) | 0x40;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** float32 → float16 bits, round to nearest even, overflow to ±Inf, subnormals kept. */
function floatToF16(x: number): number {
  f32Scratch[0] = x;
  const u = u32Scratch[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Inf).
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

function encode(data: Float32Array, dtype: WritableDtype): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint16Array(data.length);
  const conv = dtype === 'BF16' ? floatToBf16 : floatToF16;
  for (let i = 0; i < data.length; i++) out[i] = conv(data[i]!);
  return new Uint8Array(out.buffer);
}

/** Write float32 tensors to a safetensors file, stored as `dtype` (default F32). Names are sorted. */
export function writeSafetensors(
  file: string,
  tensors: Map<string, TensorToWrite>,
  opts: { dtype?: WritableDtype; metadata?: Record<string, string> } = {},
): void {
  const dtype = opts.dtype ?? 'F32';
  if (!(WRITABLE_DTYPES as readonly string[]).includes(dtype)) throw new Error(`cannot write dtype ${dtype} (supported: ${WRITABLE_DTYPES.join(', ')})`);
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (opts.metadata) header.__metadata__ = opts.metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`tensor "${name}": shape [${t.shape}] holds ${count} values but data has ${t.data.length}`);
    const bytes = count * BYTES[dtype]!;
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data section starts 8-byte aligned (as the reference writer does).
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const lenBuf = Buffer.alloc(8);
  lenBuf.writeBigUInt64LE(BigInt(headerBytes.length));
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, lenBuf);
    fs.writeSync(fd, headerBytes);
    for (const name of names) {
      const bytes = encode(tensors.get(name)!.data, dtype);
      let done = 0;
      while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
    }
  } finally {
    fs.closeSync(fd);
  }
}

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

/** Where each tensor of a checkpoint directory lives: the single file, or the shards of the index. */
export function checkpointWeightMap(dir: string): Map<string, string> {
  const indexPath = path.join(dir, INDEX_FILE);
  const singlePath = path.join(dir, SINGLE_FILE);
  const map = new Map<string, string>();
  if (fs.existsSync(indexPath)) {
    let idx: { weight_map?: Record<string, string> };
    try {
      idx = JSON.parse(fs.readFileSync(indexPath, 'utf8'));
    } catch (e) {
      throw new Error(`${indexPath}: invalid JSON (${(e as Error).message})`);
    }
    if (!idx.weight_map || typeof idx.weight_map !== 'object') throw new Error(`${indexPath}: no "weight_map" object`);
    for (const [name, shard] of Object.entries(idx.weight_map)) {
      if (typeof shard !== 'string' || shard.includes('..') || path.isAbsolute(shard)) {
        throw new Error(`${indexPath}: tensor "${name}" maps to an invalid shard ${JSON.stringify(shard)}`);
      }
      map.set(name, path.join(dir, shard));
    }
    return map;
  }
  if (fs.existsSync(singlePath)) {
    for (const name of readSafetensorsHeader(singlePath).tensors.keys()) map.set(name, singlePath);
    return map;
  }
  throw new Error(`${dir}: no ${SINGLE_FILE} or ${INDEX_FILE} found`);
}

/** Headers of every tensor of a checkpoint directory (name → entry with its file). */
export function checkpointHeaders(dir: string): Map<string, TensorEntry & { file: string }> {
  const byFile = new Map<string, SafetensorsHeader>();
  const out = new Map<string, TensorEntry & { file: string }>();
  for (const [name, file] of checkpointWeightMap(dir)) {
    let h = byFile.get(file);
    if (!h) {
      if (!fs.existsSync(file)) throw new Error(`${dir}: shard ${path.basename(file)} (holding "${name}") does not exist`);
      h = readSafetensorsHeader(file);
      byFile.set(file, h);
    }
    const e = h.tensors.get(name);
    if (!e) throw new Error(`${file}: missing tensor "${name}" (listed in ${INDEX_FILE})`);
    out.set(name, { ...e, file });
  }
  return out;
}

/** Read the named tensors of a checkpoint directory (single file or sharded) as float32. */
export function readCheckpointTensors(dir: string, names: Iterable<string>): Map<string, LoadedTensor> {
  const where = checkpointWeightMap(dir);
  const byFile = new Map<string, string[]>();
  for (const name of names) {
    const file = where.get(name);
    if (!file) throw new Error(`${dir}: missing tensor "${name}"`);
    byFile.set(file, [...(byFile.get(file) ?? []), name]);
  }
  const out = new Map<string, LoadedTensor>();
  for (const [file, list] of byFile) for (const [n, t] of readSafetensors(file, list)) out.set(n, t);
  return out;
}
