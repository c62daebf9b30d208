// A rollout worker (piscina, worker_threads): builds the policy once from its spec on the parent's backend,
// refreshes its weights from the shared buffer when the version moved, and samples its share of the rows.
import { workerData } from 'node:worker_threads';
import { selectBackend } from '../backend/select.js';
import { sample, type GenerateResult, type SamplingOptions } from './sample.js';
import { buildPolicyFromSpec, type BuiltPolicy, type PolicySpec } from '../model/policy_spec.js';
import { loadWeightsInto, readVersion, type WeightLayout } from './weights_sab.js';

export interface WorkerInit {
  backend: string;
  spec: PolicySpec;
  sab: SharedArrayBuffer;
  layout: WeightLayout;
}

export interface WorkerTask {
  prompts: number[][];
  rowIds: number[];
  opts: SamplingOptions;
  /** Version the parent last published; the worker must be at least there. */
  version: number;
  padTokenId?: number;
}

interface WorkerState extends BuiltPolicy {
  version: number;
}

let state: Promise<WorkerState> | null = null;

async function init(): Promise<WorkerState> {
  const w = workerData as WorkerInit;
  await selectBackend(w.backend);
  const built = await buildPolicyFromSpec(w.spec, { decodeOnlyTokenizer: true });
  return { ...built, version: -1 };
}

export default async function run(task: WorkerTask): Promise<GenerateResult> {
  const s = await (state ??= init());
  const w = workerData as WorkerInit;
  const version = readVersion(w.sab);
  if (version < task.version) throw new Error(`rollout worker: shared weights at version ${version}, task expects ${task.version}`);
  if (version !== s.version) {
    loadWeightsInto(w.sab, w.layout, s.policy.namedWeights());
    s.version = version;
  }
  return sample(s.policy, task.prompts, task.opts, s.tokenizer, { rowIds: task.rowIds, padTokenId: task.padTokenId });
}
