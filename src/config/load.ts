// Resolve a run config: YAML file, then short flags, then dotted overrides; validated by the schema before any work.
import fs from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { applyOverrides } from './overrides.js';
import { TrainConfigSchema, type TrainConfig } from './schema.js';

export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`config file not found: ${file}`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new Error(`${file}: invalid YAML: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file}: expected a mapping of sections at the top level`);
  return doc as Record<string, unknown>;
}

/** Validate a raw config object; errors name each bad key and what is allowed. */
export function validateConfig(raw: unknown, source = 'config'): TrainConfig {
  const r = TrainConfigSchema.safeParse(raw);
  if (r.success) return r.data;
  throw new Error(`invalid ${source}:\n${formatIssues(r.error)}`);
}

export function formatIssues(err: z.ZodError): string {
  return err.issues
    .map((i) => {
      const key = i.path.join('.') || '(top level)';
      if (i.code === 'unrecognized_keys') {
        const where = i.path.length ? `${i.path.join('.')}.` : '';
        return `  ${i.keys.map((k) => where + k).join(', ')}: unknown option`;
      }
      return `  ${key}: ${i.message}`;
    })
    .join('\n');
}

export function resolveConfig(opts: { file?: string; overrides?: string[] }): TrainConfig {
  const base = opts.file ? readConfigFile(opts.file) : {};
  const merged = applyOverrides(base, opts.overrides ?? []);
  return validateConfig(merged, opts.file ? `config (${opts.file} + overrides)` : 'config');
}
