// Build the run's policy, tokenizer and rollout pool: a Hugging Face directory, a checkpoint, or the tiny
// character-level model.
import fs from 'node:fs';
import path from 'node:path';
import type { TrainConfig } from '../config/schema.js';
import { readGenerationConfig } from '../model/generation_config.js';
import { readModelConfig, savePretrained } from '../model/hf.js';
import type { Policy } from '../model/policy.js';
import { loadPolicyDir, markCharTokenizer, type PolicySpec } from '../model/policy_spec.js';
import { createTinyCharPolicy, type TinyCharOptions } from '../model/toy/tiny_char.js';
import type { Transformer } from '../model/transformer.js';
import { RolloutPool } from '../rollout/pool.js';
import type { GenerateResult, SamplingOptions } from '../rollout/sample.js';
import { CharTokenizer } from '../tokenizer/char.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';

export interface PolicyBundle {
  policy: Policy;
  tokenizer: Tokenizer;
  description: string;
  /** Where sampling stops: the tokenizer's eos and generation_config.json's eos ids (as transformers and vLLM stop). */
  stopTokenIds: number[];
  /** n samples per prompt; row i·n + j is sample j of prompt i. Independent of the worker count. */
  generate(prompts: number[][], n: number, opts: SamplingOptions): Promise<GenerateResult>;
  /** Write the policy in Hugging Face layout (config.json, model.safetensors, tokenizer files). */
  save(dir: string): Promise<void>;
  /** Call after an optimizer step: rollout workers pick up the new weights. */
  weightsUpdated(): Promise<void>;
  dispose(): Promise<void>;
}

function paramCount(model: Transformer): string {
  const n = model.trainableVariables.reduce((a, v) => a + v.size, 0);
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(1)}K`;
}

function tinyOptions(cfg: TrainConfig): TinyCharOptions {
  const t = cfg.model.tiny;
  return {
    seed: cfg.trainer.seed,
    hiddenSize: t.hidden_size,
    numLayers: t.num_hidden_layers,
    numHeads: t.num_attention_heads,
    numKvHeads: t.num_attention_heads,
    intermediateSize: t.intermediate_size,
    maxPositionEmbeddings: 1024,
  };
}

function bundleOf(model: Transformer, tokenizer: Tokenizer, description: string, tokenizerDir: string | null, spec: PolicySpec, workers: number): PolicyBundle {
  const pool = new RolloutPool({ policy: model, spec, tokenizer, size: workers });
  const generationEos = tokenizerDir ? readGenerationConfig(tokenizerDir, readModelConfig(tokenizerDir)).eosTokenIds : [];
  return {
    policy: model,
    tokenizer,
    stopTokenIds: [...new Set([tokenizer.eosTokenId, ...generationEos])],
    description: description + (workers > 0 ? `, ${workers} rollout workers` : ''),
    generate: (prompts, n, opts) => pool.generate(prompts, n, opts),
    async save(dir) {
      await savePretrained(model, dir, { tokenizerDir: tokenizerDir ?? undefined });
      if (tokenizer instanceof CharTokenizer) markCharTokenizer(dir);
    },
    async weightsUpdated() {
      if (pool.size > 0) await pool.broadcast();
    },
    async dispose() {
      await pool.close();
      model.dispose();
    },
  };
}

/** Load a saved model directory (HF layout) with its tokenizer. */
export async function loadModelDir(dir: string, opts: { workers?: number; spec?: PolicySpec } = {}): Promise<PolicyBundle> {
  const { policy: model, tokenizer } = await loadPolicyDir(dir);
  const isChar = tokenizer instanceof CharTokenizer;
  const spec: PolicySpec = opts.spec ?? { kind: 'hf', dir };
  return bundleOf(model, tokenizer, `${dir} (${paramCount(model)} parameters${isChar ? ', character tokenizer' : ''})`, isChar ? null : dir, spec, opts.workers ?? 0);
}

export function tinyCharPolicy(cfg: TrainConfig): PolicyBundle {
  const options = tinyOptions(cfg);
  const { policy, tokenizer } = createTinyCharPolicy(options);
  return bundleOf(policy, tokenizer, `tiny character-level transformer (${paramCount(policy)} parameters)`, null, { kind: 'tiny_char', options }, cfg.rollout.workers);
}

/** The run's policy: from a checkpoint when resuming, else model.path, else the tiny model. */
export async function buildPolicy(cfg: TrainConfig, checkpointModelDir: string | null): Promise<PolicyBundle> {
  const workers = cfg.rollout.workers;
  if (checkpointModelDir) {
    // Workers rebuild the architecture from the original source; the weights come from the parent.
    const spec: PolicySpec = cfg.model.path ? { kind: 'hf', dir: cfg.model.path } : { kind: 'tiny_char', options: tinyOptions(cfg) };
    return loadModelDir(checkpointModelDir, { workers, spec });
  }
  if (cfg.model.path) {
    if (!fs.existsSync(cfg.model.path)) throw new Error(`model.path: directory not found: ${cfg.model.path}`);
    return loadModelDir(cfg.model.path, { workers });
  }
  return tinyCharPolicy(cfg);
}

/** A saved model directory as a frozen policy (no rollout pool), with its tokenizer: character or Hugging Face. */
export async function loadFrozenPolicy(dir: string): Promise<{ policy: Transformer; tokenizer: Tokenizer }> {
  return loadPolicyDir(dir, { trainable: false });
}

/** Frozen reference policy for KL terms: the policy as it was when RL began. */
export async function loadReferencePolicy(cfg: TrainConfig, runDir: string): Promise<Policy> {
  const sftDir = path.join(runDir, 'sft');
  const dir = fs.existsSync(sftDir) ? sftDir : cfg.model.path;
  if (dir) return (await loadFrozenPolicy(dir)).policy;
  return createTinyCharPolicy(tinyOptions(cfg)).policy; // same seed → same initial weights
}
