// `rl generate --model DIR --input prompts.jsonl`: sample completions with the trainer's sampler and write
// JSONL ({text, tokens, logprobs, finish_reason}), to cross-check generation against another implementation.
// Unset sampling flags take the model's generation_config.json values as transformers' generate() would
// (do_sample=false there means greedy); stop ids are the generation config's eos ids and the tokenizer's eos.
import fs from 'node:fs';
import { z } from 'zod';
import { BACKEND_NAMES, selectBackend } from '../backend/select.js';
import { readGenerationConfig, type GenerationDefaults } from '../model/generation_config.js';
import { readModelConfig } from '../model/hf.js';
import { sample, type SamplingOptions } from '../rollout/sample.js';
import { loadFrozenPolicy } from '../trainer/policy_factory.js';
import type { CliCommand } from './command.js';
import { encodePrompt, promptSchema } from './logprobs.js';
import { parseSchemaArgs, schemaHelp } from './schema_options.js';

export const generateOptionsSchema = z.object({
  model: z.string().describe('model directory (Hugging Face layout)'),
  input: z.string().describe('JSONL, one {"prompt": string | [{"role", "content"}, ...]} per line'),
  output: z.string().optional().describe('write the JSONL here (default: stdout)'),
  temperature: z.number().min(0).optional().describe('0 = greedy (default: generation_config.json; greedy unless it sets do_sample)'),
  'top-p': z.number().gt(0).max(1).optional().describe('nucleus sampling mass, 1 = off (default: generation_config.json top_p, else 1)'),
  'top-k': z.number().int().min(0).optional().describe('keep the k most likely tokens, 0 = off (default: generation_config.json top_k, else 50)'),
  'max-new-tokens': z.number().int().positive().optional().describe('tokens per completion (default: generation_config.json max_new_tokens, else 256)'),
  n: z.number().int().positive().default(1).describe('completions per prompt'),
  seed: z.number().int().min(0).default(0).describe('sampling seed'),
  backend: z.enum(BACKEND_NAMES).default('auto').describe('tfjs backend'),
});
export type GenerateOptions = z.infer<typeof generateOptionsSchema>;

const rowSchema = z.object({ prompt: promptSchema });

const USAGE = `usage: rl generate --model DIR --input prompts.jsonl [options]

Writes one line per completion (prompt i, sample j in input order):
{"index": i, "sample": j, "text", "tokens": [...], "logprobs": [...], "finish_reason": "stop" | "length"}.
logprobs are the sampling distribution's (after temperature / top-p / top-k); text is decoded without special tokens.
Chat-message prompts are rendered with the model's chat template (assistant turn opened).

options:
${schemaHelp(generateOptionsSchema)}`;

/** The sampling options: flags first, then the generation config (transformers' generate() defaults). */
export function samplingFrom(o: GenerateOptions, g: GenerationDefaults, tokenizerEos: number): SamplingOptions {
  return {
    temperature: o.temperature ?? (g.doSample ? g.temperature : 0),
    topP: o['top-p'] ?? g.topP,
    topK: o['top-k'] ?? g.topK,
    maxNewTokens: o['max-new-tokens'] ?? g.maxNewTokens ?? 256,
    stopTokenIds: [...new Set([...g.eosTokenIds, tokenizerEos])],
    seed: o.seed,
  };
}

function readPrompts(file: string): z.infer<typeof rowSchema>[] {
  if (!fs.existsSync(file)) throw new Error(`--input: file not found: ${file}`);
  const rows: z.infer<typeof rowSchema>[] = [];
  fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new Error(`${file}:${i + 1}: invalid JSON (${(e as Error).message})`);
    }
    const r = rowSchema.safeParse(json);
    if (!r.success) throw new Error(`${file}:${i + 1}: ${r.error.issues.map((x) => `${x.path.join('.') || '(row)'}: ${x.message}`).join('; ')}`);
    rows.push(r.data);
  });
  return rows;
}

export async function runGenerate(argv: string[], write: (s: string) => void, log: (s: string) => void = (s) => console.error(s)): Promise<void> {
  const o = parseSchemaArgs(generateOptionsSchema, argv, USAGE);
  if (o === null) {
    write(USAGE + '\n');
    return;
  }
  const rows = readPrompts(o.input);
  if (!fs.existsSync(o.model)) throw new Error(`--model: directory not found: ${o.model}`);
  await selectBackend(o.backend);
  const { policy, tokenizer } = await loadFrozenPolicy(o.model);
  try {
    const gen = readGenerationConfig(o.model, readModelConfig(o.model));
    const sampling = samplingFrom(o, gen, tokenizer.eosTokenId);
    log(`rl generate: temperature=${sampling.temperature} top_p=${sampling.topP} top_k=${sampling.topK} max_new_tokens=${sampling.maxNewTokens} stop ids [${sampling.stopTokenIds}] (defaults from ${gen.source})`);
    const prompts = rows.flatMap((r) => Array.from({ length: o.n }, () => encodePrompt(tokenizer, r.prompt)));
    const res = await sample(policy, prompts, sampling, tokenizer);
    const lines: string[] = [];
    res.tokens.forEach((tokens, k) => {
      const row = {
        index: Math.floor(k / o.n),
        sample: k % o.n,
        text: tokenizer.decode(tokens, { skipSpecialTokens: true }),
        tokens,
        logprobs: res.logProbs[k],
        finish_reason: res.finishReason[k],
      };
      lines.push(JSON.stringify(row) + '\n');
    });
    if (o.output) fs.writeFileSync(o.output, lines.join(''));
    else for (const l of lines) write(l);
  } finally {
    policy.dispose();
  }
}

export const command: CliCommand = {
  name: 'generate',
  summary: 'sample completions of prompts (JSONL) from a model directory: text, tokens, logprobs, finish_reason',
  run: (argv) => runGenerate(argv, (s) => void process.stdout.write(s)),
};
