// One measured number of a benchmark. Speed claims are ratios against a baseline measured side by side in the same run.
export interface BenchRow {
  /** The bench file / area, e.g. "advantages". */
  bench: string;
  /** What was measured, e.g. "grpo 4096x512 tensor". */
  metric: string;
  value: number;
  unit: string;
  /** The same measurement for the reference it is compared to (same unit). */
  baseline?: number;
  /** value / baseline, or the ratio the bench defines (say which in note). */
  ratio?: number;
  note?: string;
}
