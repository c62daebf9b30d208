// Every option of `rl train` in one zod schema: validation, defaults, types and help all come from here.
// Names follow verl where verl has the option (algorithm.adv_estimator, actor.clip_ratio_high, ...).
import { z } from 'zod';
import { LOSS_AGG_MODES } from '../algos/agg_loss.js';
import { KL_BASE_KINDS, KL_KINDS } from '../algos/kl.js';
import { listAdvantageEstimators } from '../algos/registry.js';
import { listPolicyLosses } from '../algos/policy_loss_registry.js';
import { BACKEND_NAMES } from '../backend/select.js';
import { REWARD_MODES } from '../reward/score.js';
import { COMPARE_MODES } from '../../sandbox/compare.js';
import { POOL_DEFAULTS } from '../../sandbox/pool.js';
import { SANDBOX_PROVIDERS } from '../../sandbox/providers.js';
import { TRUNCATION_MODES } from '../data/truncation.js';

const positiveInt = () => z.number().int().positive();

export const ModelSchema = z
  .strictObject({
    path: z
      .string()
      .nullable()
      .default(null)
      .describe('Hugging Face model directory (local). null = the built-in tiny character-level transformer'),
    tiny: z
      .strictObject({
        hidden_size: positiveInt().default(96).describe('tiny model width'),
        num_hidden_layers: positiveInt().default(3).describe('tiny model depth'),
        num_attention_heads: positiveInt().default(4).describe('tiny model attention heads'),
        intermediate_size: positiveInt().default(256).describe('tiny model MLP width'),
      })
      .prefault({})
      .describe('shape of the tiny character-level policy (used when model.path is null)'),
  })
  .prefault({});

export const DataSchema = z
  .strictObject({
    train_files: z.string().default('src/data/demo/train.jsonl').describe('training problems (JSONL or verl-style parquet)'),
    val_files: z.string().nullable().default(null).describe('held-out problems for validation (none unless given)'),
    train_batch_size: positiveInt().default(8).describe('prompts per step'),
    max_prompt_length: positiveInt().default(512).describe('longest prompt in tokens (chat template rendered); longer ones: see filter_overlong_prompts, truncation'),
    filter_overlong_prompts: z.boolean().default(false).describe('drop problems whose prompt exceeds max_prompt_length when the data is loaded (verl)'),
    truncation: z.enum(TRUNCATION_MODES).default('error').describe('a prompt still over max_prompt_length: error stops the run; left keeps its last tokens, right its first, middle both ends (verl)'),
    max_response_length: positiveInt().default(96).describe('max new tokens per response'),
    on_bad_row: z.enum(['skip', 'fail']).default('skip').describe('what to do with a malformed data row'),
  })
  .prefault({});

export const RolloutSchema = z
  .strictObject({
    n: positiveInt().default(8).describe('responses sampled per prompt'),
    temperature: z.number().min(0).default(1).describe('sampling temperature (0 = greedy)'),
    top_p: z.number().gt(0).max(1).default(1).describe('nucleus sampling mass (1 = off)'),
    top_k: z.number().int().min(0).default(0).describe('top-k sampling (0 = off)'),
    workers: z.number().int().min(0).default(0).describe('rollout worker threads (0 = in-process)'),
  })
  .prefault({});

/**
 * The default of actor.max_tokens_per_micro_batch on each backend. wasm's heap is capped at 4 GB: 16384 tokens
 * (B=8 prompts × n=8 × 512) aborted it on an 11M-parameter model, so it gets a quarter of that.
 */
export const MAX_TOKENS_PER_MICRO_BATCH_BY_BACKEND = { tensorflow: 16384, webgpu: 16384, wasm: 4096, cpu: 16384 } as const;

export const ActorSchema = z
  .strictObject({
    ppo_mini_batch_size: positiveInt().default(8).describe('prompts per optimizer step (each brings its n responses)'),
    micro_batch_size: positiveInt().default(64).describe('rows per forward/backward pass (gradient accumulation)'),
    max_tokens_per_micro_batch: positiveInt()
      .nullable()
      .default(null)
      .describe('cap on padded tokens (rows × prompt+response width) per forward/backward pass: long rollouts get fewer rows ' +
        `(verl: ppo_max_token_len_per_gpu); null = by backend: ${Object.entries(MAX_TOKENS_PER_MICRO_BATCH_BY_BACKEND).map(([k, v]) => `${k} ${v}`).join(', ')}`),
    ppo_epochs: positiveInt().default(1).describe('passes over the batch per step'),
    policy_loss: z
      .string()
      // Checked against the registry when validating, so a loss registered by a user's code is accepted.
      .superRefine((name, ctx) => {
        const known = listPolicyLosses();
        if (!known.includes(name)) ctx.addIssue({ code: 'custom', message: `unknown policy loss "${name}"; registered: ${known.join(', ')}` });
      })
      .default('vanilla')
      .describe(`policy loss: ${listPolicyLosses().join(' | ')} (or one added with registerPolicyLoss)`),
    clip_ratio: z.number().positive().default(0.2).describe('PPO clip range (both sides unless low/high given)'),
    clip_ratio_low: z.number().positive().nullable().default(null).describe('lower clip range (default clip_ratio)'),
    clip_ratio_high: z.number().positive().nullable().default(null).describe('upper clip range (default clip_ratio; DAPO uses 0.28)'),
    clip_ratio_c: z.number().gt(1).default(3).describe('dual-clip bound for negative advantages'),
    loss_agg_mode: z
      .enum(LOSS_AGG_MODES)
      .default('token-mean')
      .describe('how token losses are aggregated'),
    entropy_coeff: z.number().default(0).describe('entropy bonus coefficient'),
    use_kl_loss: z.boolean().default(false).describe('add a KL(policy||reference) loss term'),
    kl_loss_coef: z.number().min(0).default(0.001).describe('weight of the KL loss term'),
    kl_loss_type: z
      .enum(KL_KINDS)
      .default('low_var_kl')
      .describe('KL estimator of the loss term'),
    grad_clip: z.number().positive().default(1).describe('clip gradients to this global norm'),
    optim: z
      .strictObject({
        lr: z.number().positive().default(1e-6).describe('AdamW learning rate'),
        weight_decay: z.number().min(0).default(0.01).describe('AdamW weight decay'),
        betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.999]).describe('AdamW betas'),
        eps: z.number().positive().default(1e-8).describe('AdamW epsilon'),
        warmup_steps: z.number().int().min(0).default(0).describe('linear learning-rate warmup steps'),
        lr_scheduler: z.enum(['constant', 'cosine']).default('constant').describe('schedule after warmup'),
        min_lr_ratio: z.number().min(0).max(1).default(0).describe('cosine floor as a fraction of lr'),
      })
      .prefault({}),
  })
  .prefault({});

export const AlgorithmSchema = z
  .strictObject({
    adv_estimator: z
      .string()
      // Checked against the registry when validating, so an estimator registered by a user's code is accepted.
      .superRefine((name, ctx) => {
        const known = listAdvantageEstimators();
        if (!known.includes(name)) ctx.addIssue({ code: 'custom', message: `unknown estimator "${name}"; registered: ${known.join(', ')}` });
      })
      .default('reinforce_plus_plus_baseline')
      .describe(`advantage estimator: ${listAdvantageEstimators().join(' | ')} (or one added with registerAdvantageEstimator)`),
    norm_adv_by_std_in_grpo: z.boolean().default(true).describe('grpo/grpo_passk: divide by the group std (false = Dr.GRPO)'),
    gamma: z.number().min(0).max(1).default(1).describe('discount of reinforce_plus_plus'),
    use_kl_in_reward: z.boolean().default(false).describe('subtract kl_coef * KL from the token rewards'),
    kl_coef: z.number().min(0).default(0.001).describe('in-reward KL coefficient'),
    kl_penalty: z.enum(KL_BASE_KINDS).default('kl').describe('in-reward KL estimator'),
    filter_groups: z.boolean().default(false).describe('DAPO dynamic sampling: drop groups whose scores all agree'),
  })
  .prefault({});

export const RewardSchema = z
  .strictObject({
    mode: z
      .enum(REWARD_MODES)
      .default('auto')
      .describe(
        'verl: fraction passed of the first 10 cases (verl sandbox_fusion, continuous); all_pass: 1 if every case passes; ' +
          'fraction: passed / all cases; auto: verl for data_source codecontests|apps|codeforces|taco (as verl routes them), else all_pass',
      ),
    compare: z
      .enum(COMPARE_MODES)
      .default('exact')
      .describe("stdout comparison: exact = verl's (trailing newlines ignored); lenient = SandboxFusion's dataset judges (whitespace, case, float 1e-5)"),
    overlong: z
      .enum(['keep', 'mask', 'penalize'])
      .default('keep')
      .describe('truncated responses: keep their score, mask them out of the loss, or score them overlong_penalty'),
    overlong_penalty: z.number().default(0).describe('score of a truncated response when overlong = penalize'),
    timeout_s: z.number().positive().default(5).describe('per-test-case time limit'),
    memory_mb: z.number().int().positive().default(256).describe('memory limit of a submission'),
    judge_duplicates_once: z
      .boolean()
      .default(true)
      .describe('run identical code for the same problem once per step and share the verdict (assumes deterministic programs)'),
  })
  .prefault({});

export const SandboxSchema = z
  .strictObject({
    provider: z.enum(SANDBOX_PROVIDERS).default('auto').describe('where code runs (auto: docker, else an error; local: host subprocess, only when asked for)'),
    url: z.string().nullable().default(null).describe('SandboxFusion-compatible URL for provider = remote'),
    concurrency: positiveInt().default(4).describe('submissions judged at once'),
    retries: z.number().int().min(0).default(3).describe('retries of a sandbox failure before the step fails'),
    retry_delay_s: z.number().min(0).default(1).describe('first retry delay (doubles each retry, at most 30 s)'),
    retry_for_s: z
      .number()
      .min(0)
      .default(0)
      .describe('keep retrying a failing sandbox past `retries` until this many seconds since the first failure (0: retries only)'),
    pids_limit: positiveInt().default(POOL_DEFAULTS.pidsLimit).describe('docker: processes + threads per container'),
    cpus: z.number().positive().default(POOL_DEFAULTS.cpus).describe('docker: CPUs per container'),
    tmpfs_mb: positiveInt().default(POOL_DEFAULTS.tmpfsMB).describe('docker: size of the /tmp tmpfs (sources, binaries, compiler scratch) per container'),
    mnt_tmpfs_mb: positiveInt().default(POOL_DEFAULTS.mntTmpfsMB).describe('docker: size of the /mnt tmpfs per container'),
  })
  .prefault({});

export const SftSchema = z
  .strictObject({
    steps: z.number().int().min(0).default(0).describe('supervised warm-start steps before RL (0 = none)'),
    batch_size: positiveInt().default(32).describe('sequences per SFT step'),
    micro_batch_size: positiveInt().nullable().default(null)
      .describe('sequences per forward/backward pass of an SFT step (gradient accumulation); null = no cap on rows (rows of similar lengths share a pass where that is cheaper)'),
    lr: z.number().positive().default(3e-3).describe('SFT learning rate (decays linearly to final_lr_ratio × lr)'),
    final_lr_ratio: z.number().min(0).max(1).default(0.1).describe('learning rate at the last SFT step as a fraction of lr (a calm end of the warm-start)'),
    betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.98]).describe('SFT AdamW betas'),
    eps: z.number().positive().default(1e-8).describe('SFT AdamW epsilon'),
    weight_decay: z.number().min(0).default(0).describe('SFT AdamW weight decay'),
    grad_clip: z.number().positive().default(1).describe('SFT: clip gradients to this global norm'),
    mix: z
      .enum(['balanced', 'all', 'correct'])
      .default('balanced')
      .describe('SFT targets: as many wrong as right solutions per problem, every solution, or only correct ones'),
  })
  .prefault({});

export const TrainerSchema = z
  .strictObject({
    total_steps: positiveInt().default(20).describe('RL steps'),
    seed: z.number().int().min(0).default(1).describe('seed of data order, sampling and init'),
    backend: z.enum(BACKEND_NAMES).default('auto').describe('tfjs backend'),
    out_dir: z.string().default('runs/latest').describe('run folder: config, metrics.jsonl, checkpoints'),
    save_freq: z.number().int().min(0).default(10).describe('checkpoint every N steps (0 = only at the end)'),
    max_actor_ckpt_to_keep: positiveInt().default(3).describe('checkpoints kept in out_dir/checkpoints (older ones are deleted after each save)'),
    test_freq: z.number().int().min(0).default(5).describe('validate every N steps (0 = only before and after)'),
    val_n: positiveInt().default(5).describe('samples per held-out problem (pass@1..val_n)'),
    val_temperature: z.number().min(0).default(1).describe('sampling temperature during validation'),
    val_max_problems: z.number().int().min(0).default(0).describe('validate on the first N held-out problems (0 = all)'),
    resume: z.boolean().default(false).describe('continue from the latest checkpoint in out_dir'),
    resume_from: z.string().regex(/^(step_)?\d+$/, 'a checkpoint name such as step_000002 (or its step number)').nullable().default(null)
      .describe('continue from this checkpoint of out_dir instead of the latest (e.g. step_000002 when the latest is damaged); implies resume'),
    progress: z.enum(['auto', 'bar', 'lines', 'none']).default('auto').describe('progress display (auto: bar on a terminal)'),
    logger: z.array(z.enum(['tensorboard'])).default([])
      .describe('metric sinks besides metrics.jsonl (always written): tensorboard = event files in <run>/tensorboard (needs rl setup tensorflow)'),
  })
  .prefault({});

export const TrainConfigSchema = z.strictObject({
  model: ModelSchema,
  data: DataSchema,
  rollout: RolloutSchema,
  actor: ActorSchema,
  algorithm: AlgorithmSchema,
  reward: RewardSchema,
  sandbox: SandboxSchema,
  sft: SftSchema,
  trainer: TrainerSchema,
}).superRefine((c, ctx) => {
  // Rules across sections, checked before any work starts (verl asserts the same at trainer start-up).
  if (c.algorithm.adv_estimator === 'grpo_passk' && c.rollout.n < 2) {
    ctx.addIssue({ code: 'custom', path: ['rollout', 'n'], message: `grpo_passk needs at least 2 responses per prompt, got ${c.rollout.n}` });
  }
  if (c.actor.ppo_mini_batch_size > c.data.train_batch_size) {
    ctx.addIssue({
      code: 'custom',
      path: ['actor', 'ppo_mini_batch_size'],
      message: `${c.actor.ppo_mini_batch_size} prompts per mini-batch is more than data.train_batch_size ${c.data.train_batch_size}`,
    });
  }
});

export type TrainConfig = z.infer<typeof TrainConfigSchema>;
