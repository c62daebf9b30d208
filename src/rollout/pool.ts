// The rollout pool: N samples per prompt, generated in-process (size 0) or by a piscina pool of worker threads.
// Rows are (prompt i, sample j) → row id i·N + j; each row draws from its own PRNG stream keyed by (seed, row id),
// so the result does not depend on the pool size or on how rows are split across workers.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Piscina } from 'piscina';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { sample, validateSamplingOptions, type GenerateResult, type SamplingOptions } from './sample.js';
import type { PolicySpec, SamplingPolicy } from '../model/policy_spec.js';
import { allocateWeightBuffer, layoutOf, writeWeights, type WeightLayout } from './weights_sab.js';
import type { WorkerInit, WorkerTask } from './worker.js';

export interface RolloutPoolOptions {
  /** The parent's policy: sampled directly when size is 0, the source of broadcast weights otherwise. */
  policy: SamplingPolicy;
  /** How workers rebuild the same policy (weights then come from the parent through shared memory). */
  spec: PolicySpec;
  /** Tokenizer for stop strings and padding (in-process; workers rebuild theirs from the spec). */
  tokenizer?: Tokenizer;
  /** Worker threads; 0 = sample in this thread. */
  size: number;
  /** tfjs backend for the workers; default: the parent's current backend. */
  backend?: string;
  /** Compiled worker module; default: dist/src/rollout/worker.js of this package. */
  workerFile?: string;
}

export interface RolloutBatch extends GenerateResult {
  /** Prompt index of each row: rows i·n … i·n + n − 1 belong to prompt i. */
  promptIndex: number[];
}

/** Locate the compiled worker: next to this module when running from dist, else dist/ under the package root. */
export function defaultWorkerFile(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const sibling = path.join(here, 'worker.js');
  if (fs.existsSync(sibling)) return sibling;
  let dir = here;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return path.join(dir, 'dist', 'src', 'rollout', 'worker.js');
}

export class RolloutPool {
  private readonly piscina: Piscina | null = null;
  private readonly sab: SharedArrayBuffer | null = null;
  private readonly layout: WeightLayout | null = null;
  private version = 0;
  private inFlight = 0;
  private closed = false;
  /** The weight copy in progress (the first one starts in the constructor); generate() waits for it. */
  private publishing: Promise<void> | null = null;

  constructor(private readonly opts: RolloutPoolOptions) {
    if (!Number.isInteger(opts.size) || opts.size < 0) throw new Error(`rollout pool size must be an integer >= 0, got ${opts.size}`);
    if (opts.size === 0) return;
    const workerFile = opts.workerFile ?? defaultWorkerFile();
    if (!fs.existsSync(workerFile)) throw new Error(`rollout worker not found at ${workerFile}: run \`npm run build\` first`);
    this.layout = layoutOf(opts.policy.namedWeights());
    this.sab = allocateWeightBuffer(this.layout);
    this.publish();
    const init: WorkerInit = { backend: opts.backend ?? tf.getBackend(), spec: opts.spec, sab: this.sab, layout: this.layout };
    this.piscina = new Piscina({
      filename: workerFile,
      workerData: init,
      minThreads: opts.size,
      maxThreads: opts.size,
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
    });
  }

  get size(): number {
    return this.opts.size;
  }

  /** Version of the weights the workers will use for the next request. */
  get weightsVersion(): number {
    return this.version;
  }

  /** Publish the parent's current weights to the workers (call after each optimizer update). */
  async broadcast(): Promise<number> {
    if (this.closed) throw new Error('rollout pool is closed');
    if (this.inFlight > 0) throw new Error('rollout pool: broadcast while a generate() is in flight would tear the weights');
    if (this.sab && this.layout) await this.publish();
    else this.version++;
    return this.version;
  }

  /** Copy the weights into the shared buffer (an async device read: webgpu cannot read synchronously). */
  private publish(): Promise<void> {
    // Copies run one after another; a failed earlier copy is superseded by this one.
    const previous = (this.publishing ?? Promise.resolve()).catch(() => {});
    const sab = this.sab!;
    const layout = this.layout!;
    const p = previous.then(async () => {
      this.version = await writeWeights(sab, layout, this.opts.policy.namedWeights());
    });
    this.publishing = p;
    // A failed copy surfaces in the broadcast() or generate() that awaits it, not as an unhandled rejection.
    p.catch(() => {});
    return p;
  }

  /** n samples for every prompt; row i·n + j is sample j of prompt i. */
  async generate(prompts: number[][], n: number, opts: SamplingOptions): Promise<RolloutBatch> {
    if (this.closed) throw new Error('rollout pool is closed');
    if (!Number.isInteger(n) || n < 1) throw new Error(`rollout: samples per prompt must be an integer >= 1, got ${n}`);
    validateSamplingOptions(opts, this.opts.tokenizer !== undefined || this.opts.size > 0);
    const rows: number[][] = [];
    const promptIndex: number[] = [];
    prompts.forEach((p, i) => {
      for (let j = 0; j < n; j++) {
        rows.push(p);
        promptIndex.push(i);
      }
    });
    const rowIds = rows.map((_, r) => r);
    this.inFlight++;
    try {
      if (this.publishing) await this.publishing;
      if (!this.piscina) {
        const res = await sample(this.opts.policy, rows, opts, this.opts.tokenizer, { rowIds });
        return { ...res, promptIndex };
      }
      // Contiguous, near-equal shares: one task per worker.
      const shares = Math.min(this.opts.size, rows.length);
      const tasks: Promise<GenerateResult>[] = [];
      for (let k = 0; k < shares; k++) {
        const lo = Math.floor((k * rows.length) / shares);
        const hi = Math.floor(((k + 1) * rows.length) / shares);
        const task: WorkerTask = {
          prompts: rows.slice(lo, hi),
          rowIds: rowIds.slice(lo, hi),
          opts,
          version: this.version,
          padTokenId: this.opts.tokenizer?.padTokenId,
        };
        tasks.push(this.piscina.run(task) as Promise<GenerateResult>);
      }
      const parts = await Promise.all(tasks);
      return {
        tokens: parts.flatMap((p) => p.tokens),
        logProbs: parts.flatMap((p) => p.logProbs),
        finishReason: parts.flatMap((p) => p.finishReason),
        promptIndex,
      };
    } finally {
      this.inFlight--;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.piscina?.destroy();
  }
}

export function createRolloutPool(opts: RolloutPoolOptions): RolloutPool {
  return new RolloutPool(opts);
}
