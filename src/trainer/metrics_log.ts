// metrics.jsonl in the run folder: one JSON object per line, verl metric names, "step" on every line.
import fs from 'node:fs';

export type Metrics = Record<string, number>;

export function summarize(prefix: string, xs: number[]): Metrics {
  if (xs.length === 0) return {};
  let sum = 0, max = -Infinity, min = Infinity;
  for (const x of xs) {
    sum += x;
    if (x > max) max = x;
    if (x < min) min = x;
  }
  return { [`${prefix}/mean`]: sum / xs.length, [`${prefix}/max`]: max, [`${prefix}/min`]: min };
}

/** Another place each appended line goes (trainer.logger), after metrics.jsonl. */
export interface MetricsSink {
  write(m: Metrics & { step: number }): void;
}

export class MetricsLog {
  constructor(readonly file: string, private readonly sinks: MetricsSink[] = []) {}

  append(m: Metrics & { step: number }): void {
    fs.appendFileSync(this.file, JSON.stringify(m) + '\n');
    for (const s of this.sinks) s.write(m);
  }

  read(): (Metrics & { step: number })[] {
    if (!fs.existsSync(this.file)) return [];
    return fs
      .readFileSync(this.file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .flatMap((l) => {
        try {
          return [JSON.parse(l)];
        } catch {
          return []; // a line cut by a kill mid-write
        }
      });
  }

  /** On resume: drop lines of steps after the checkpoint (they will be redone), atomically. */
  truncateAfter(step: number): void {
    const keep = this.read().filter((m) => m.step <= step);
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, keep.map((m) => JSON.stringify(m) + '\n').join(''));
    fs.renameSync(tmp, this.file);
  }
}
