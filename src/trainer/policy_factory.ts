// Build the run's policy and tokenizer: a Hugging Face directory, a checkpoint, or the tiny character-level model.
import fs from 'node:fs';
import path from 'node:path';
import type { TrainConfig } from '../config/schema.js';
import { makeConfig } from '../model/config.js';
import { loadPretrained, savePretrained } from '../model/hf.js';
import type { GenerateResult, Policy, SamplingOptions } from '../model/policy.js';
import { createTransformer } from '../model/init.js';
import { CharTokenizer } from '../tokenizer/char.js';
import { loadTokenizer } from '../tokenizer/load.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';

/** Marks a saved model directory whose tokenizer is the built-in character tokenizer. */
const CHAR_MARKER = 'rl_char_tokenizer.json';

export interface PolicyBundle {
  policy: Policy;
  tokenizer: Tokenizer;
  description: string;
  generate(prompts: number[][], opts: SamplingOptions): Promise<GenerateResult>;
  /** Write the policy in Hugging Face layout (config.json, model.safetensors, tokenizer files). */
  save(dir: string): Promise<void>;
  /** Call after an optimizer step: rollout workers pick up the new weights. */
  weightsUpdated(): Promise<void>;
}

function bundleOf(model: Policy, tokenizer: Tokenizer, description: string, tokenizerDir: string | null): PolicyBundle {
  return {
    policy: model,
    tokenizer,
    description,
    generate: (prompts, opts) => model.generate(prompts, { ...opts, stopStrings: opts.stopStrings }),
    async save(dir) {
      await savePretrained(model as never, dir, { tokenizerDir: tokenizerDir ?? undefined });
      if (tokenizer instanceof CharTokenizer) fs.writeFileSync(path.join(dir, CHAR_MARKER), JSON.stringify({ type: 'char' }) + '\n');
    },
    async weightsUpdated() {},
  };
}

/** Load a saved model directory (HF layout) with its tokenizer. */
export async function loadModelDir(dir: string): Promise<PolicyBundle> {
  if (!fs.existsSync(path.join(dir, 'config.json'))) throw new Error(`model directory ${dir} has no config.json`);
  const isChar = fs.existsSync(path.join(dir, CHAR_MARKER));
  const tokenizer = isChar ? new CharTokenizer() : await loadTokenizer(dir);
  const model = await loadPretrained(dir, { tokenizer });
  return bundleOf(model, tokenizer, `${dir}${isChar ? ' (character tokenizer)' : ''}`, isChar ? null : dir);
}

export function tinyCharPolicy(cfg: TrainConfig): PolicyBundle {
  const tokenizer = new CharTokenizer();
  const t = cfg.model.tiny;
  const config = makeConfig({
    hiddenSize: t.hidden_size,
    intermediateSize: t.intermediate_size,
    numLayers: t.num_hidden_layers,
    numHeads: t.num_attention_heads,
    vocabSize: tokenizer.vocabSize,
    tieWordEmbeddings: true,
    maxPositionEmbeddings: 1024,
    eosTokenIds: [tokenizer.eosTokenId],
  });
  const model = createTransformer(config, { seed: cfg.trainer.seed, tokenizer });
  const params = model.trainableVariables.reduce((a, v) => a + v.size, 0);
  return bundleOf(model, tokenizer, `tiny character-level transformer (${(params / 1e6).toFixed(2)}M parameters)`, null);
}

/** The run's policy: from a checkpoint when resuming, else model.path, else the tiny model. */
export async function buildPolicy(cfg: TrainConfig, checkpointModelDir: string | null): Promise<PolicyBundle> {
  if (checkpointModelDir) return loadModelDir(checkpointModelDir);
  if (cfg.model.path) {
    if (!fs.existsSync(cfg.model.path)) throw new Error(`model.path: directory not found: ${cfg.model.path}`);
    return loadModelDir(cfg.model.path);
  }
  return tinyCharPolicy(cfg);
}

/** Frozen reference policy for KL terms: the policy as it was when RL began. */
export async function loadReferencePolicy(cfg: TrainConfig, runDir: string): Promise<Policy> {
  const sftDir = path.join(runDir, 'sft');
  if (fs.existsSync(sftDir)) return (await loadModelDir(sftDir)).policy;
  if (cfg.model.path) return (await loadModelDir(cfg.model.path)).policy;
  return tinyCharPolicy(cfg).policy; // same seed → same initial weights
}
