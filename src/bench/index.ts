// The bench area's public API: ablation sweeps (plan, run, report) and the throughput bench runner.
export type { BenchRow } from '../../bench/types.js';
export { PALETTE, colorFor } from './colors.js';
export { fmtNumber, fmtStat, fmtStep } from './format.js';
export { renderHtml } from './html.js';
export { markdownTable, renderMarkdown } from './markdown.js';
export { KNOWN_BENCHES, benchNames, defaultBenchDir, perfTable, runPerf, type PerfOptions, type PerfOutcome } from './perf.js';
export { PLOTS, groupPlots, type PlotSpec, type RenderedPlot } from './plots.js';
export {
  SWEEP_FILE,
  buildReport,
  loadSweepRuns,
  readSweepRecord,
  runDir,
  writeReport,
  type Report,
  type ReportOptions,
  type SweepRecord,
} from './report.js';
export type { GroupReport } from './group_report.js';
export {
  RUN_PLAN_FILE,
  TRAIN_LOG,
  WARM_START_DIR,
  WARM_START_DONE,
  warmStartArgs,
  warmStartDir,
  defaultTrainer,
  mergeSweepRecord,
  packageRoot,
  runSweep,
  trainArgs,
  type SweepOptions,
  type SweepResult,
} from './runner.js';
export { hasStarted, isFinished, loadRun, mergeSteps, parseMetrics, readDone, type DoneRecord, type MetricsLine, type RunData } from './runs.js';
export { lineChart, niceTicks, escapeXml, type ChartSeries, type ChartSpec } from './svg.js';
export {
  expandRuns,
  loadSweep,
  overrideArg,
  parseSweep,
  planGroup,
  slugify,
  sweepFileSchema,
  type GroupPlan,
  type PaperRow,
  type PlanOptions,
  type PlannedConfiguration,
  type PlannedRun,
  type SweepFile,
  type WarmStartPlan,
} from './sweep.js';
export {
  PASS1,
  PASS5,
  bestValidation,
  curve,
  stat,
  summarizeConfigs,
  summarizeRun,
  type ConfigSummary,
  type CurvePoint,
  type RunSummary,
  type Stat,
} from './summary.js';
export { DEFINITIONS, configTable, paperTable, runTable, type Table } from './tables.js';
