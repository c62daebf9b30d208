// `rl logprobs --model DIR --input FILE.jsonl`: per-token log-probs of given (prompt, completion) pairs as JSONL,
// the tool for checking this trainer's log-probs against another implementation (e.g. HF transformers).
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { BACKEND_NAMES, selectBackend } from '../backend/select.js';
import type { Policy } from '../model/policy.js';
import { loadFrozenPolicy } from '../trainer/policy_factory.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { CliCommand } from './command.js';
import { parseSchemaArgs, schemaHelp } from './schema_options.js';

const messageSchema = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });
export const logprobsRowSchema = z.object({
  /** Plain text (encoded as is, with the tokenizer's usual special tokens such as BOS) or chat messages. */
  prompt: z.union([z.string(), z.array(messageSchema).min(1)]),
  completion: z.string(),
});
export type LogprobsRow = z.infer<typeof logprobsRowSchema>;

export interface LogprobsResult {
  /** Token ids of the prompt as scored (template rendered, special tokens added). */
  prompt_tokens: number[];
  /** Token ids of the completion; one log-prob each. */
  tokens: number[];
  token_strs: string[];
  logprobs: number[];
}

/**
 * Token ids of a pair, tokenised as the trainer does: the prompt (chat messages rendered with the template and an
 * open assistant turn) and the completion separately, the completion without added special tokens.
 */
export function encodePair(tokenizer: Tokenizer, row: LogprobsRow): { prompt: number[]; completion: number[] } {
  return { prompt: encodePrompt(tokenizer, row.prompt), completion: tokenizer.encode(row.completion) };
}

/** A prompt's ids: plain text with the tokenizer's usual special tokens, or chat messages through the template. */
export function encodePrompt(tokenizer: Tokenizer, prompt: LogprobsRow['prompt']): number[] {
  return typeof prompt === 'string'
    ? tokenizer.encode(prompt, { addSpecialTokens: true })
    : tokenizer.encode(tokenizer.applyChatTemplate(prompt, { addGenerationPrompt: true }));
}

export const promptSchema = logprobsRowSchema.shape.prompt;

/** Parse JSONL text; errors name the file and line. */
export function parseLogprobsInput(text: string, source: string): LogprobsRow[] {
  const rows: LogprobsRow[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new Error(`${source}:${i + 1}: invalid JSON (${(e as Error).message})`);
    }
    const r = logprobsRowSchema.safeParse(json);
    if (!r.success) {
      throw new Error(`${source}:${i + 1}: ${r.error.issues.map((x) => `${x.path.join('.') || '(row)'}: ${x.message}`).join('; ')}`);
    }
    rows.push(r.data);
  });
  return rows;
}

/**
 * Score rows in batches of `batchSize` with the policy's scoreResponses (the same call the trainer makes).
 * Async: log-probs are read back with an async device read (webgpu cannot read synchronously in Node).
 */
export async function scoreCompletions(
  policy: Policy,
  tokenizer: Tokenizer,
  rows: LogprobsRow[],
  opts: { batchSize?: number; temperature?: number } = {},
): Promise<LogprobsResult[]> {
  const batchSize = opts.batchSize ?? 8;
  const encoded = rows.map((r, i) => {
    const e = encodePair(tokenizer, r);
    if (e.prompt.length === 0) throw new Error(`row ${i + 1}: the prompt encodes to no tokens`);
    return e;
  });
  const out: LogprobsResult[] = encoded.map((e) => ({
    prompt_tokens: e.prompt,
    tokens: e.completion,
    token_strs: e.completion.map((id) => tokenizer.decode([id])),
    logprobs: [],
  }));
  // Rows with an empty completion have nothing to score.
  const todo = encoded.map((e, i) => i).filter((i) => encoded[i]!.completion.length > 0);
  for (let s = 0; s < todo.length; s += batchSize) {
    const idx = todo.slice(s, s + batchSize);
    const P = Math.max(...idx.map((i) => encoded[i]!.prompt.length));
    const T = Math.max(...idx.map((i) => encoded[i]!.completion.length));
    const W = P + T;
    const ids = new Int32Array(idx.length * W).fill(tokenizer.padTokenId);
    const mask = new Float32Array(idx.length * W);
    idx.forEach((i, b) => {
      const { prompt, completion } = encoded[i]!;
      ids.set(prompt, b * W + P - prompt.length);
      mask.fill(1, b * W + P - prompt.length, b * W + P);
      ids.set(completion, b * W + P);
      mask.fill(1, b * W + P, b * W + P + completion.length);
    });
    const lp = tf.tidy(() => {
      const { logProbs } = policy.scoreResponses({
        ids: tf.tensor2d(ids, [idx.length, W], 'int32'),
        attentionMask: tf.tensor2d(mask, [idx.length, W]),
        responseLength: T,
        temperature: opts.temperature,
      });
      return logProbs;
    });
    const vals = (await lp.array()) as number[][];
    lp.dispose();
    idx.forEach((i, b) => {
      out[i]!.logprobs = vals[b]!.slice(0, encoded[i]!.completion.length);
    });
  }
  return out;
}

const logprobsOptionsSchema = z.strictObject({
  model: z.string({ error: 'is required' }).describe('model directory (Hugging Face layout)'),
  input: z.string({ error: 'is required' }).describe('JSONL of {"prompt", "completion"} pairs'),
  backend: z.enum(BACKEND_NAMES).default('auto').describe('tfjs backend'),
  'batch-size': z.number().int().min(1).default(8).describe('pairs scored per forward pass'),
  temperature: z.number().gt(0).default(1).describe('logits are divided by it before the log-softmax'),
});

const USAGE = `usage: rl logprobs --model DIR --input FILE.jsonl [options]

Each input line is {"prompt": string | [{"role", "content"}, ...], "completion": string}.
Chat-message prompts are rendered with the model's chat template (assistant turn opened).
Prints one line per input: {"prompt_tokens": [...], "tokens": [...], "token_strs": [...], "logprobs": [...]}:
the prompt's token ids as scored, then the completion's token ids, their text and their log-probs.

options:
${schemaHelp(logprobsOptionsSchema)}`;

export async function runLogprobs(argv: string[], write: (s: string) => void): Promise<void> {
  const opts = parseSchemaArgs(logprobsOptionsSchema, argv, USAGE);
  if (opts === null) {
    write(USAGE + '\n');
    return;
  }
  const { model, input, backend, 'batch-size': batchSize, temperature } = opts;
  if (!fs.existsSync(input)) throw new Error(`input file not found: ${input}`);
  const rows = parseLogprobsInput(fs.readFileSync(input, 'utf8'), input);
  await selectBackend(backend);
  if (!fs.existsSync(model)) throw new Error(`--model: directory not found: ${model}`);
  const { policy, tokenizer } = await loadFrozenPolicy(model);
  try {
    for (const r of await scoreCompletions(policy, tokenizer, rows, { batchSize, temperature })) write(JSON.stringify(r) + '\n');
  } finally {
    policy.dispose();
  }
}

export const command: CliCommand = {
  name: 'logprobs',
  summary: 'per-token log-probs of prompt/completion pairs (JSONL) under a model directory',
  run: (argv) => runLogprobs(argv, (s) => void process.stdout.write(s)),
};
