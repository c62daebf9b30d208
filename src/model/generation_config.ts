// generation_config.json as transformers' GenerationConfig reads it: the stop ids generate() uses and the
// sampling defaults (transformers' own defaults where the file is silent; do_sample=false means greedy).
// Without the file, transformers derives the ids from config.json, and so does this.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ModelConfig } from './config.js';

const idOrIds = z.union([z.number().int(), z.array(z.number().int())]).nullable().optional();

const generationConfigSchema = z
  .object({
    bos_token_id: idOrIds,
    eos_token_id: idOrIds,
    pad_token_id: z.number().int().nullable().optional(),
    do_sample: z.boolean().optional(),
    temperature: z.number().min(0).nullable().optional(),
    top_p: z.number().gt(0).max(1).nullable().optional(),
    top_k: z.number().int().min(0).nullable().optional(),
    max_new_tokens: z.number().int().positive().nullable().optional(),
  })
  .loose();

export interface GenerationDefaults {
  /** Where these came from: the file, or config.json when there is none. */
  source: string;
  eosTokenIds: number[];
  padTokenId: number | null;
  doSample: boolean;
  temperature: number;
  topP: number;
  topK: number;
  maxNewTokens: number | null;
}

const ids = (v: number | number[] | null | undefined): number[] => (v == null ? [] : Array.isArray(v) ? v : [v]);

export function readGenerationConfig(dir: string, model: ModelConfig): GenerationDefaults {
  const file = path.join(dir, 'generation_config.json');
  if (!fs.existsSync(file)) {
    return { source: path.join(dir, 'config.json'), eosTokenIds: model.eosTokenIds, padTokenId: model.padTokenId, doSample: false, temperature: 1, topP: 1, topK: 50, maxNewTokens: null };
  }
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: invalid JSON (${(e as Error).message})`);
  }
  const r = generationConfigSchema.safeParse(json);
  if (!r.success) throw new Error(`${file}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  const g = r.data;
  return {
    source: file,
    // transformers' GenerationConfig: a missing eos_token_id falls back to the model config's.
    eosTokenIds: g.eos_token_id == null ? model.eosTokenIds : ids(g.eos_token_id),
    padTokenId: g.pad_token_id ?? model.padTokenId,
    doSample: g.do_sample ?? false,
    temperature: g.temperature ?? 1,
    topP: g.top_p ?? 1,
    topK: g.top_k ?? 50,
    maxNewTokens: g.max_new_tokens ?? null,
  };
}
