// The ablation report: a pure function from the sweep's plan and its run folders' contents to
// report.md, report.html, summary.json and the SVG plots; plus the I/O that reads and writes a sweep folder.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { GroupReport } from './group_report.js';
import { groupPlots } from './plots.js';
import { loadRun, type RunData } from './runs.js';
import type { GroupPlan } from './sweep.js';
import { summarizeConfigs, summarizeRun, type ConfigSummary, type RunSummary } from './summary.js';

export const SWEEP_FILE = 'sweep.json';

/** What a sweep folder records about itself (written by the runner). */
export interface SweepRecord {
  version: 1;
  groups: GroupPlan[];
}

export interface Report {
  title: string;
  groups: GroupReport[];
  markdown: string;
  html: string;
  /** Machine-readable numbers at full precision. */
  summary: { groups: { group: string; title: string; configurations: ConfigSummary[]; runs: RunSummary[] }[] };
}

export interface ReportOptions {
  title?: string;
  /** Shown in the header (e.g. an ISO timestamp); omitted when not given, keeping the function pure. */
  generatedAt?: string;
}

export function runDir(sweepDir: string, group: string, slug: string, seed: number): string {
  return join(sweepDir, group, slug, `seed-${seed}`);
}

/** The report from already-loaded runs (no I/O). */
export function buildReport(groups: { plan: GroupPlan; runs: RunData[] }[], opts: ReportOptions = {}): Report {
  const title = opts.title ?? 'Ablation report';
  const reports: GroupReport[] = groups.map(({ plan, runs }) => {
    const labels = plan.configurations.map((c) => c.label);
    const summaries = runs.map(summarizeRun);
    return {
      plan,
      runs: summaries,
      configurations: summarizeConfigs(plan.group, labels, summaries),
      plots: groupPlots({ group: plan.group, title: plan.title, labels }, runs),
    };
  });
  return {
    title,
    groups: reports,
    markdown: renderMarkdown(title, reports, opts.generatedAt),
    html: renderHtml(title, reports, opts.generatedAt),
    summary: { groups: reports.map((g) => ({ group: g.plan.group, title: g.plan.title, configurations: g.configurations, runs: g.runs })) },
  };
}

export function readSweepRecord(sweepDir: string): SweepRecord {
  const file = join(sweepDir, SWEEP_FILE);
  if (!existsSync(file)) throw new Error(`${sweepDir} is not a sweep folder (no ${SWEEP_FILE}; run "rl bench ablation" into it first)`);
  const rec = JSON.parse(readFileSync(file, 'utf8')) as SweepRecord;
  if (rec.version !== 1 || !Array.isArray(rec.groups)) throw new Error(`${file}: unknown format`);
  return rec;
}

/** Every run folder of the sweep that the trainer has written into. */
export function loadSweepRuns(sweepDir: string, rec: SweepRecord): { plan: GroupPlan; runs: RunData[] }[] {
  return rec.groups.map((plan) => {
    const runs: RunData[] = [];
    for (const c of plan.configurations) {
      for (const seed of plan.seeds) {
        const dir = runDir(sweepDir, plan.group, c.slug, seed);
        if (!existsSync(dir)) continue;
        const run = loadRun(dir, { group: plan.group, label: c.label, seed });
        if (run.steps.length > 0 || run.done) runs.push(run);
      }
    }
    return { plan, runs };
  });
}

/** Read the sweep folder, write report.md, report.html, summary.json and plots/*.svg into it. */
export function writeReport(sweepDir: string, opts: ReportOptions = {}): Report {
  const rec = readSweepRecord(sweepDir);
  const report = buildReport(loadSweepRuns(sweepDir, rec), opts);
  for (const g of report.groups) {
    for (const p of g.plots) {
      const file = join(sweepDir, p.file);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, p.svg + '\n');
    }
  }
  writeFileSync(join(sweepDir, 'report.md'), report.markdown);
  writeFileSync(join(sweepDir, 'report.html'), report.html);
  writeFileSync(join(sweepDir, 'summary.json'), JSON.stringify(report.summary, null, 2) + '\n');
  return report;
}
