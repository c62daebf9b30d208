// The RL loop. One step, top to bottom, as in DESIGN.md:
//   prompts → N rollouts each → sandbox rewards (collect) → old/ref log-probs → advantages
//   → PPO epochs over mini-batches (ppo_update.ts: policy loss, KL, entropy → clip grads → AdamW) → metrics
//   → checkpoint.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  applyKlInRewardTensors,
  getAdvantageEstimator,
  getPolicyLoss,
  klPenalty,
  readMaskFacts,
  type AdvantageEstimator,
  type PolicyLoss,
} from '../algos/index.js';
import { selectBackend } from '../backend/select.js';
import { maxTokensPerMicroBatch, passOverheadTokens } from './micro_batch_budget.js';
import { TensorboardLog } from './tensorboard_log.js';
import type { TrainConfig } from '../config/schema.js';
import type { Problem } from '../data/index.js';
import { createSandboxProvider } from '../../sandbox/providers.js';
import { sandboxProviderConfig } from './sandbox_config.js';
import type { SandboxProvider } from '../../sandbox/contract.js';
import type { Policy } from '../model/policy.js';
import { AdamW, learningRate, trainableByName } from './optimizer.js';
import { loadCheckpointFrom, loadLatestCheckpoint, saveCheckpoint } from './checkpoint.js';
import { MetricsLog, summarize, type Metrics } from './metrics_log.js';
import { Progress } from './progress.js';
import { batchIndices, encodePrompts, filterOverlong, loadSplits } from './problems.js';
import { buildPolicy, loadReferencePolicy, type PolicyBundle } from './policy_factory.js';
import { judgeAll } from './judge.js';
import { disposeBatch, padRollouts, tokenLevelScores } from './rollout_batch.js';
import { scoreByLength } from './micro_batches.js';
import { ppoUpdate } from './ppo_update.js';
import { runSft } from './sft.js';
import { validate } from './validate.js';
import { stepSeed } from './seeds.js';

export interface TrainSummary {
  runDir: string;
  steps: number;
  valBefore?: Metrics;
  valAfter?: Metrics;
  interrupted: boolean;
}

export async function train(cfg: TrainConfig, log: (msg: string) => void = console.log): Promise<TrainSummary> {
  const t0 = Date.now();
  const backend = await selectBackend(cfg.trainer.backend);
  log(`backend: ${backend.reason}`);
  const maxTokens = maxTokensPerMicroBatch(cfg.actor.max_tokens_per_micro_batch, backend.name);
  const passOverhead = passOverheadTokens(backend.name);
  // Fail on a bad estimator or policy-loss name before any heavy work.
  const estimator = getAdvantageEstimator(cfg.algorithm.adv_estimator);
  const policyLoss = getPolicyLoss(cfg.actor.policy_loss);

  const runDir = path.resolve(cfg.trainer.out_dir);
  fs.mkdirSync(runDir, { recursive: true });
  // resume_from names the checkpoint (e.g. the one before a damaged latest); it implies resume.
  const resume = cfg.trainer.resume || cfg.trainer.resume_from !== null;
  const ckpt = cfg.trainer.resume_from !== null
    ? loadCheckpointFrom(runDir, cfg.trainer.resume_from, log)
    : resume ? loadLatestCheckpoint(runDir) : null;
  if (!resume && fs.existsSync(path.join(runDir, 'checkpoints'))) {
    throw new Error(`${runDir} already holds a run; pass --resume to continue it or choose another --out`);
  }
  fs.writeFileSync(path.join(runDir, 'config.json'), JSON.stringify(cfg, null, 2));
  fs.rmSync(path.join(runDir, 'done.json'), { force: true });
  const sinks = cfg.trainer.logger.includes('tensorboard') ? [await TensorboardLog.open(runDir)] : [];
  if (sinks.length) log(`tensorboard: ${path.join(runDir, 'tensorboard')}`);
  const metricsLog = new MetricsLog(path.join(runDir, 'metrics.jsonl'), sinks);

  const splits = await loadSplits(cfg, log);
  const bundle: PolicyBundle = await buildPolicy(cfg, ckpt?.modelDir ?? null);
  const { policy, tokenizer } = bundle;
  log(`policy: ${bundle.description}`);
  const trainSet = filterOverlong(splits.train, tokenizer, cfg.data, 'training', log);
  const valSet = splits.val && filterOverlong(splits.val, tokenizer, cfg.data, 'validation', log);
  const trainPrompts = encodePrompts(trainSet, tokenizer, cfg.data.max_prompt_length, cfg.data.truncation);

  let startStep = 0;
  const wallBefore = ckpt?.wallS ?? 0;
  if (ckpt) {
    startStep = ckpt.step;
    metricsLog.truncateAfter(startStep);
    log(`resumed from ${ckpt.dir} (step ${startStep})`);
  } else {
    fs.rmSync(metricsLog.file, { force: true });
    if (cfg.sft.steps > 0) {
      const sft = await runSft(bundle, trainSet, cfg.sft, cfg.trainer.seed, log);
      await bundle.save(path.join(runDir, 'sft'));
      log(`sft: ${cfg.sft.steps} steps, loss ${sft.firstLoss.toFixed(3)} → ${sft.lastLoss.toFixed(3)} (${sft.seconds.toFixed(1)}s)`);
    }
  }
  const needRef = cfg.actor.use_kl_loss || cfg.algorithm.use_kl_in_reward;
  const ref: Policy | null = needRef ? await loadReferencePolicy(cfg, runDir) : null;

  const optimizer = new AdamW(trainableByName(policy), {
    betas: cfg.actor.optim.betas,
    eps: cfg.actor.optim.eps,
    weightDecay: cfg.actor.optim.weight_decay,
  });
  if (ckpt) optimizer.loadState(ckpt.optimizerStep, ckpt.optimizerState);

  const sandbox = await createSandboxProvider(sandboxProviderConfig(cfg));
  log(`sandbox: ${sandbox.name}`);

  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('interrupt: finishing this step, then saving a checkpoint (Ctrl-C again to abort)');
  };
  process.on('SIGINT', onSigint);

  const summary: TrainSummary = { runDir, steps: startStep, interrupted: false };
  const runValidation = async (step: number) => {
    if (!valSet) return undefined;
    const t = Date.now();
    const m = await validate(bundle, valSet, sandbox, cfg, stepSeed(cfg.trainer.seed, step, 'val'));
    m['timing_s/testing'] = (Date.now() - t) / 1000;
    metricsLog.append({ step, ...m });
    log(`validation @ step ${step}: pass@1 ${m['val/pass@1']!.toFixed(3)}` +
      (m[`val/pass@${cfg.trainer.val_n}`] !== undefined ? `, pass@${cfg.trainer.val_n} ${m[`val/pass@${cfg.trainer.val_n}`]!.toFixed(3)}` : ''));
    return m;
  };

  const total = cfg.trainer.total_steps;
  const progress = new Progress(total, cfg.trainer.progress);
  try {
    if (startStep === 0) summary.valBefore = await runValidation(0);
    for (let step = startStep + 1; step <= total; step++) {
      const m = await trainStep(step, { cfg, bundle, ref, optimizer, sandbox, estimator, policyLoss, trainSet, trainPrompts, maxTokens, passOverheadTokens: passOverhead, log: (s) => progress.log(s) });
      metricsLog.append({ step, ...m });
      summary.steps = step;
      progress.update(step, {
        score: m['critic/score/mean']!.toFixed(3),
        pg_loss: m['actor/pg_loss']?.toFixed(4) ?? '-',
        len: m['response_length/mean']!.toFixed(0),
        's/step': m['timing_s/step']!.toFixed(1),
      });
      // Steps are compute plus already-settled promises: yield to the event loop so a pending SIGINT is delivered
      // now, before the checkpoint decision.
      await new Promise((r) => setImmediate(r));
      const last = step === total;
      if ((cfg.trainer.test_freq > 0 && step % cfg.trainer.test_freq === 0) || last) {
        const v = await runValidation(step);
        if (last) summary.valAfter = v;
      }
      if ((cfg.trainer.save_freq > 0 && step % cfg.trainer.save_freq === 0) || last || interrupted) {
        const t = Date.now();
        await saveCheckpoint(runDir, step, { bundle, optimizer, wallS: wallBefore + (Date.now() - t0) / 1000, keep: cfg.trainer.max_actor_ckpt_to_keep });
        progress.log(`checkpoint: step ${step} (${((Date.now() - t) / 1000).toFixed(1)}s)`);
      }
      if (interrupted) break;
    }
  } finally {
    progress.end();
    process.off('SIGINT', onSigint);
    await sandbox.close();
    optimizer.dispose();
    ref?.dispose();
    await bundle.dispose();
  }
  summary.interrupted = interrupted;
  if (!interrupted) {
    fs.writeFileSync(path.join(runDir, 'done.json'), JSON.stringify({ steps: total, wall_s: wallBefore + (Date.now() - t0) / 1000 }) + '\n');
  }
  return summary;
}

interface StepContext {
  cfg: TrainConfig;
  bundle: PolicyBundle;
  ref: Policy | null;
  optimizer: AdamW;
  sandbox: SandboxProvider;
  estimator: AdvantageEstimator;
  policyLoss: PolicyLoss;
  trainSet: Problem[];
  trainPrompts: number[][];
  /** actor.max_tokens_per_micro_batch, resolved for the active backend. */
  maxTokens: number;
  /** What one more forward/backward pass costs, in tokens (micro_batch_budget.ts). */
  passOverheadTokens: number;
  log: (msg: string) => void;
}

type Timer = <T>(key: string, f: () => Promise<T> | T) => Promise<T>;

async function trainStep(step: number, c: StepContext): Promise<Metrics> {
  const { cfg, bundle } = c;
  const { policy, tokenizer } = bundle;
  const timing: Metrics = {};
  const tStep = Date.now();
  const time: Timer = async (key, f) => {
    const t = Date.now();
    const r = await f();
    timing[`timing_s/${key}`] = (Date.now() - t) / 1000;
    return r;
  };

  // 1–3. Prompts → rollouts → rewards → the rows kept for the update.
  const r = await collect(step, c, time);
  const { keep } = r;
  const m = rolloutMetrics(step, r, cfg);
  const skip = (why: string): Metrics => {
    c.log(`step ${step}: ${why}; no update`);
    m['train/update_skipped'] = 1;
    timing['timing_s/step'] = (Date.now() - tStep) / 1000;
    return { ...m, ...timing };
  };
  if (keep.length === 0) return skip("every group's scores agree (filter_groups)");

  // 4. Tensors of the kept rows; overlong = mask drops truncated rows from the loss.
  const batch = padRollouts({ prompts: keep.map((i) => r.prompts[i]!), responses: keep.map((i) => r.responses[i]!) }, tokenizer.padTokenId);
  const T = batch.responseLength;
  const responseMask =
    cfg.reward.overlong === 'mask'
      ? tf.tidy(() => batch.responseMask.mul(tf.tensor2d(keep.map((i) => (r.truncated[i] ? 0 : 1)), [keep.length, 1])) as tf.Tensor2D)
      : batch.responseMask.clone();
  // Valid tokens per row: the loss of a mini-batch is normalised by its counts, whatever its micro-batches.
  const rowTokensT = responseMask.sum(1);
  const rowTokens = Array.from(await rowTokensT.data());
  rowTokensT.dispose();
  const validTokens = rowTokens.reduce((a, b) => a + b, 0);
  // Whitening (reinforce_plus_plus*) needs two valid tokens, and a step without any has nothing to learn from.
  if (validTokens < 2) {
    tf.dispose(responseMask);
    disposeBatch(batch);
    const why = cfg.reward.overlong === 'mask' ? ' (every kept response was truncated and overlong: mask drops them)' : '';
    return skip(`${validTokens} valid response token${validTokens === 1 ? '' : 's'}${why}, too few to learn from`);
  }
  const keptLengths = keep.map((i) => r.responseLengths[i]!);
  const scoresT = tokenLevelScores(keep.map((i) => r.scores[i]!), keptLengths, T);
  const temperature = cfg.rollout.temperature > 0 ? cfg.rollout.temperature : 1;
  // Micro-batches: at most micro_batch_size rows and max_tokens_per_micro_batch padded tokens (activation memory
  // is linear in rows × width), rows of similar lengths together, each cut to its own longest response.
  const limits = { maxRows: cfg.actor.micro_batch_size, maxTokens: c.maxTokens, passOverheadTokens: c.passOverheadTokens };

  // 5. Old log-probs (no grad) and reference log-probs: rows grouped by length (the grouping changes no log-prob).
  // On-policy (one epoch, one mini-batch, no KL in the reward) the update's own log-probs, detached, are the old
  // ones: the pass is skipped (TRL does the same; the ratio is 1 either way).
  const miniBatchRows = cfg.actor.ppo_mini_batch_size * cfg.rollout.n;
  const onPolicy = cfg.actor.ppo_epochs === 1 && keep.length <= miniBatchRows && !cfg.algorithm.use_kl_in_reward;
  const oldLogProb = onPolicy ? null : await time('old_log_prob', () => scoreByLength(policy, batch, keptLengths, limits, temperature));
  if (onPolicy) timing['timing_s/old_log_prob'] = 0;
  const refLogProb = c.ref ? await time('ref', () => scoreByLength(c.ref!, batch, keptLengths, limits, temperature)) : null;

  // 6. Advantages (and the token-level rewards they came from).
  const index = keep.map((i) => Math.floor(i / cfg.rollout.n));
  const adv = await time('adv', () => advantagesOf(c, { scoresT, oldLogProb, refLogProb, responseMask, index }));
  Object.assign(m, adv.klMetrics, await maskedSummaries({ advantages: adv.advantages, returns: adv.returns }, responseMask));
  // verl's critic/rewards/*: each sequence's token-level rewards summed (the score, minus KL when in the reward).
  const seqRewards = adv.tokenLevelRewards.sum(1);
  Object.assign(m, summarize('critic/rewards', Array.from(await seqRewards.data())));
  seqRewards.dispose();

  // 7. PPO epochs over mini-batches, micro-batches accumulate gradients.
  const updateMetrics = await time('update_actor', () =>
    ppoUpdate(policy, c.optimizer, {
      ids: batch.ids,
      attentionMask: batch.attentionMask,
      responseMask,
      oldLogProb,
      refLogProb,
      advantages: adv.advantages,
      responseLengths: keptLengths,
      rowTokens,
    }, {
      actor: cfg.actor,
      policyLoss: c.policyLoss,
      miniBatchRows,
      maxTokens: c.maxTokens,
      passOverheadTokens: c.passOverheadTokens,
      temperature,
      lr: learningRate(step, cfg.actor.optim, cfg.trainer.total_steps),
      shuffleSeed: (epoch) => stepSeed(cfg.trainer.seed, step, `epoch${epoch}`),
      log: (msg) => c.log(`step ${step}: ${msg}`),
    }),
  );
  Object.assign(m, updateMetrics);
  await bundle.weightsUpdated();

  // 8. The step's tensors freed; throughput.
  tf.dispose([adv.advantages, adv.returns, adv.tokenLevelRewards, responseMask, scoresT]);
  oldLogProb?.dispose();
  refLogProb?.dispose();
  disposeBatch(batch);
  timing['timing_s/step'] = (Date.now() - tStep) / 1000;
  const tokens = r.prompts.reduce((a, p) => a + p.length, 0) + r.responseLengths.reduce((a, b) => a + b, 0);
  m['perf/total_num_tokens'] = tokens;
  m['perf/throughput'] = tokens / timing['timing_s/step'];
  return { ...m, ...timing };
}

/** One step's rollouts, judged; rows of one prompt's group are adjacent. */
interface Collected {
  prompts: number[][];
  responses: number[][];
  responseLengths: number[];
  truncated: boolean[];
  judged: Awaited<ReturnType<typeof judgeAll>>;
  /** Scores after the overlong policy. */
  scores: number[];
  /** Rows that go on to the update (all, unless filter_groups drops groups whose scores agree). */
  keep: number[];
}

/** A batch of prompts, n rollouts each, judged in the sandbox, filtered (DAPO dynamic sampling). */
async function collect(step: number, c: StepContext, time: Timer): Promise<Collected> {
  const { cfg, bundle } = c;
  const n = cfg.rollout.n;
  // 1. A batch of prompts, each repeated n times (rows of one group are adjacent).
  const problemIdx = batchIndices(c.trainSet.length, cfg.data.train_batch_size, cfg.trainer.seed, step);
  const rowsProblem = problemIdx.flatMap((p) => Array<number>(n).fill(p));
  const prompts = rowsProblem.map((p) => c.trainPrompts[p]!);

  // 2. Rollouts.
  const gen = await time('gen', () =>
    bundle.generate(problemIdx.map((p) => c.trainPrompts[p]!), n, {
      maxNewTokens: cfg.data.max_response_length,
      temperature: cfg.rollout.temperature,
      topP: cfg.rollout.top_p,
      topK: cfg.rollout.top_k,
      stopTokenIds: bundle.stopTokenIds,
      seed: stepSeed(cfg.trainer.seed, step, 'rollout'),
    }),
  );
  const truncated = gen.finishReason.map((r) => r === 'length');

  // 3. Rewards: every submission of the step judged concurrently.
  const completions = gen.tokens.map((t) => bundle.tokenizer.decode(t, { skipSpecialTokens: true }));
  const judged = await time('reward', () =>
    judgeAll(c.sandbox, completions, rowsProblem.map((p) => c.trainSet[p]!), cfg, c.log),
  );
  let scores = judged.map((j) => j.score);
  if (cfg.reward.overlong === 'penalize') scores = scores.map((s, i) => (truncated[i] ? cfg.reward.overlong_penalty : s));

  // DAPO dynamic sampling: groups whose scores all agree carry no signal.
  let keep = rowsProblem.map((_, i) => i);
  if (cfg.algorithm.filter_groups) {
    keep = keep.filter((i) => {
      const g = Math.floor(i / n);
      const s = scores.slice(g * n, g * n + n);
      return s.some((x) => x !== s[0]);
    });
  }
  return { prompts, responses: gen.tokens, responseLengths: gen.tokens.map((t) => t.length), truncated, judged, scores, keep };
}

function rolloutMetrics(step: number, r: Collected, cfg: TrainConfig): Metrics {
  const { judged, truncated } = r;
  return {
    ...summarize('critic/score', r.scores),
    ...summarize('response_length', r.responseLengths),
    'response_length/clip_ratio': truncated.filter(Boolean).length / truncated.length,
    ...summarize('prompt_length', r.prompts.map((p) => p.length)),
    'reward/pass_rate': judged.filter((j) => j.allPassed).length / judged.length,
    'reward/no_code_ratio': judged.filter((j) => j.noCode).length / judged.length,
    'reward/sandbox_retries': judged.reduce((a, j) => a + j.sandboxRetries, 0),
    // Submissions whose judging met an infrastructure failure (then retried; never scored 0 for it).
    'reward/sandbox_errors': judged.filter((j) => j.sandboxRetries > 0).length,
    'train/kept_groups': r.keep.length / cfg.rollout.n,
    'actor/lr': learningRate(step, cfg.actor.optim, cfg.trainer.total_steps),
    'training/global_step': step,
    'train/update_skipped': 0,
  };
}

/**
 * Advantages from the token-level rewards (the scores, minus the KL penalty when use_kl_in_reward). Device reads
 * are async (webgpu cannot read synchronously): the mask facts the estimators need are read before the tidy, the
 * in-reward KL metric after it.
 */
async function advantagesOf(
  c: StepContext,
  x: { scoresT: tf.Tensor2D; oldLogProb: tf.Tensor2D | null; refLogProb: tf.Tensor2D | null; responseMask: tf.Tensor2D; index: number[] },
): Promise<{ advantages: tf.Tensor2D; returns: tf.Tensor2D; tokenLevelRewards: tf.Tensor2D; klMetrics: Metrics }> {
  const alg = c.cfg.algorithm;
  const maskFacts = await readMaskFacts(x.responseMask);
  const out = tf.tidy(() => {
    let rewards: tf.Tensor2D = x.scoresT;
    const kl: tf.Scalar[] = [];
    if (alg.use_kl_in_reward && x.refLogProb && x.oldLogProb) {
      const klMat = klPenalty(x.oldLogProb, x.refLogProb, alg.kl_penalty) as tf.Tensor2D;
      const r = applyKlInRewardTensors(x.scoresT, klMat, x.responseMask, alg.kl_coef);
      rewards = r.tokenLevelRewards;
      kl.push(r.klMean);
    }
    const est = c.estimator({
      tokenLevelRewards: rewards,
      responseMask: x.responseMask,
      index: x.index,
      normAdvByStd: alg.norm_adv_by_std_in_grpo,
      gamma: alg.gamma,
      maskFacts,
    });
    return { advantages: est.advantages, returns: est.returns, tokenLevelRewards: rewards, klMean: kl };
  });
  const klMetrics: Metrics = {};
  for (const t of out.klMean) {
    klMetrics['actor/reward_kl_penalty'] = (await t.data())[0]!;
    t.dispose();
  }
  return { advantages: out.advantages, returns: out.returns, tokenLevelRewards: out.tokenLevelRewards, klMetrics };
}

async function maskedSummaries(xs: Record<string, tf.Tensor2D>, mask: tf.Tensor2D): Promise<Metrics> {
  const m = await mask.data();
  const out: Metrics = {};
  for (const [name, t] of Object.entries(xs)) {
    const d = await t.data();
    const vals: number[] = [];
    for (let i = 0; i < d.length; i++) if (m[i]! > 0) vals.push(d[i]!);
    Object.assign(out, summarize(`critic/${name}`, vals));
  }
  return out;
}
