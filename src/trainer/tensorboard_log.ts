// trainer.logger: tensorboard — every metric of a metrics.jsonl line also as a TensorBoard scalar at its step,
// written with tfjs-node's summary writer (TensorFlow's own event-file writer, so it needs the tensorflow
// backend set up). Event files go to <run>/tensorboard; metrics.jsonl stays the source of truth.
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Metrics, MetricsSink } from './metrics_log.js';
import { tfPaths } from '../backend/tensorflow_paths.js';
import { tensorflowLoadEnv } from '../backend/tensorflow_env.js';

interface SummaryWriter {
  scalar(name: string, value: number, step: number): void;
  flush(): void;
}

const require = createRequire(import.meta.url);

/** tfjs-node(-gpu)'s summaryFileWriter; the error says how to get it. */
async function summaryFileWriter(): Promise<(logdir: string) => SummaryWriter> {
  const why: string[] = [];
  for (const variant of ['gpu', 'cpu'] as const) {
    const { pkg } = tfPaths(variant);
    try {
      require.resolve(pkg);
    } catch {
      continue;
    }
    try {
      tensorflowLoadEnv();
      const m = (await import(pkg)) as { node: { summaryFileWriter(logdir: string, maxQueue?: number, flushMillis?: number): SummaryWriter } };
      return (logdir) => m.node.summaryFileWriter(logdir, 10_000, 1_000_000);
    } catch (e) {
      why.push(`${pkg}: ${String((e as Error).message).split('\n')[0]}`);
    }
  }
  throw new Error(`trainer.logger tensorboard needs the tensorflow backend's summary writer: run rl setup tensorflow` +
    (why.length ? ` (${why.join('; ')})` : ''));
}

export class TensorboardLog implements MetricsSink {
  private constructor(private readonly writer: SummaryWriter, readonly dir: string) {}

  static async open(runDir: string): Promise<TensorboardLog> {
    const dir = path.join(runDir, 'tensorboard');
    return new TensorboardLog((await summaryFileWriter())(dir), dir);
  }

  /** One scalar per metric at m.step, flushed at once (a line per step is small; a kill loses nothing). */
  write(m: Metrics & { step: number }): void {
    for (const [k, v] of Object.entries(m)) if (k !== 'step' && Number.isFinite(v)) this.writer.scalar(k, v, m.step);
    this.writer.flush();
  }
}
