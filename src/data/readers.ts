// Raw rows out of JSONL, JSON-array and parquet files, each with its location for error reports.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { DataError, type RowLocation } from './errors.js';

export type DataFormat = 'jsonl' | 'json' | 'parquet';

/** A row as read from disk: either a value or the reason it could not even be parsed. */
export type RawRow = { loc: RowLocation; value: unknown } | { loc: RowLocation; error: DataError };

export function detectFormat(file: string, head: Uint8Array): DataFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.parquet') return 'parquet';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.json') return 'json';
  // Unknown extension: parquet files start with the magic "PAR1".
  const magic = String.fromCharCode(...head.subarray(0, 4));
  return magic === 'PAR1' ? 'parquet' : 'jsonl';
}

export async function readRawRows(file: string, format?: DataFormat): Promise<RawRow[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `data file not found: ${file}` : `cannot read data file ${file}: ${(err as Error).message}`);
  }
  switch (format ?? detectFormat(file, bytes)) {
    case 'jsonl':
      return jsonlRows(file, bytes.toString('utf8'));
    case 'json':
      return jsonArrayRows(file, bytes.toString('utf8'));
    case 'parquet':
      return parquetRows(file, bytes);
  }
}

function jsonlRows(file: string, text: string): RawRow[] {
  const rows: RawRow[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (!line.trim()) continue; // blank lines (e.g. the trailing newline) are not rows
    const loc: RowLocation = { file, row: i + 1, kind: 'line' };
    try {
      rows.push({ loc, value: JSON.parse(line) });
    } catch (err) {
      rows.push({ loc, error: new DataError(loc, '', `invalid JSON: ${(err as Error).message}`) });
    }
  }
  return rows;
}

function jsonArrayRows(file: string, text: string): RawRow[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: invalid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${file}: expected a JSON array of rows (use .jsonl for one row per line)`);
  return parsed.map((value, i) => ({ loc: { file, row: i, kind: 'row' }, value }));
}

async function parquetRows(file: string, bytes: Buffer): Promise<RawRow[]> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let objects: Record<string, unknown>[];
  try {
    objects = await parquetReadObjects({ file: buffer });
  } catch (err) {
    throw new Error(`${file}: cannot read parquet: ${(err as Error).message}`);
  }
  return objects.map((value, i) => ({ loc: { file, row: i, kind: 'row' }, value: plainValue(value) }));
}

/** Parquet INT64 arrives as BigInt; make rows JSON-like (safe integers → number, others → decimal string). */
export function plainValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (Array.isArray(value)) return value.map(plainValue);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plainValue(v);
    return out;
  }
  return value;
}
