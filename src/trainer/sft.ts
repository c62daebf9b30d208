// Supervised warm-start (`rl sft`, or sft.steps before RL): cross-entropy on bundled solutions, by default a mix
// of right and wrong ones so that RL starts from an imperfect policy with something to learn.
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config/schema.js';
import { sftExamples, type Problem, type SftExample } from '../data/index.js';
import { accumulateClipStep } from './grad_step.js';
import { passOverheadTokens } from './micro_batch_budget.js';
import { microRows, splitByLength } from './micro_batches.js';
import { AdamW, trainableByName } from './optimizer.js';
import type { PolicyBundle } from './policy_factory.js';
import { disposeBatch, padRollouts } from './rollout_batch.js';

export interface SftResult {
  firstLoss: number;
  lastLoss: number;
  seconds: number;
}

export async function runSft(
  bundle: PolicyBundle,
  problems: Problem[],
  opts: TrainConfig['sft'],
  seed: number,
  log: (m: string) => void,
): Promise<SftResult> {
  const { policy, tokenizer } = bundle;
  let epoch = 0;
  let queue: SftExample[] = [];
  const next = (): SftExample => {
    while (queue.length === 0) {
      queue = sftExamples(problems, { mix: opts.mix, seed, epoch: epoch++ });
      if (queue.length === 0 && epoch > 1) throw new Error('sft: no problem carries solutions (field "solutions")');
    }
    return queue.pop()!;
  };
  const encoded = new Map<string, number[]>();
  const promptIds = (ex: SftExample) => {
    if (!encoded.has(ex.problemId)) encoded.set(ex.problemId, tokenizer.encode(tokenizer.applyChatTemplate(ex.prompt, { addGenerationPrompt: true })));
    return encoded.get(ex.problemId)!;
  };
  const optimizer = new AdamW(trainableByName(policy), { betas: opts.betas, eps: opts.eps, weightDecay: opts.weight_decay });
  const t0 = Date.now();
  let firstLoss = NaN, lastLoss = NaN;
  for (let step = 1; step <= opts.steps; step++) {
    const exs = Array.from({ length: opts.batch_size }, next);
    const responses = exs.map((e) => [...tokenizer.encode(e.completion), tokenizer.eosTokenId]);
    const batch = padRollouts({ prompts: exs.map(promptIds), responses }, tokenizer.padTokenId);
    const B = exs.length;
    const T = batch.responseLength;
    const P = batch.ids.shape[1] - T;
    // Every response token counts: each micro-batch's loss is its share of the whole batch's mean.
    const tokens = responses.reduce((a, r) => a + r.length, 0);
    const parts = splitByLength(Array.from({ length: B }, (_, i) => i), responses.map((r) => r.length), {
      promptWidth: P,
      maxRows: opts.micro_batch_size ?? B,
      maxTokens: Infinity,
      passOverheadTokens: passOverheadTokens(tf.getBackend()),
    });
    // Linear decay towards final_lr_ratio keeps the end of the warm-start stable.
    const lr = opts.lr * (1 - ((1 - opts.final_lr_ratio) * (step - 1)) / opts.steps);
    let loss = 0;
    const vars = policy.trainableVariables;
    await accumulateClipStep(parts, async (mb) => {
      const ids = microRows(batch.ids, mb, P);
      const attentionMask = microRows(batch.attentionMask, mb, P);
      const mask = microRows(batch.responseMask, mb, 0);
      const { value, grads } = tf.variableGrads(() => {
        const { logProbs } = policy.scoreResponses({ ids, attentionMask, responseLength: mb.responseWidth });
        return logProbs.mul(mask).sum().div(tokens).neg() as tf.Scalar;
      }, vars);
      loss += (await value.data())[0]!;
      tf.dispose([value, ids, attentionMask, mask]);
      return vars.map((v) => grads[v.name]!);
    }, { optimizer, lr, maxNorm: opts.grad_clip });
    disposeBatch(batch);
    if (step === 1) firstLoss = loss;
    lastLoss = loss;
    if (step % Math.max(1, Math.floor(opts.steps / 5)) === 0) log(`sft step ${step}/${opts.steps}: loss ${loss.toFixed(4)}`);
  }
  optimizer.dispose();
  await bundle.weightsUpdated();
  return { firstLoss, lastLoss, seconds: (Date.now() - t0) / 1000 };
}
