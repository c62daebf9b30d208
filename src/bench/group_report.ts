// What a report shows of one sweep group: its plan, per-run and per-configuration summaries, and plots.
// Its own file so the renderers (markdown, html, tables) need not import the report builder that calls them.
import type { RenderedPlot } from './plots.js';
import type { ConfigSummary, RunSummary } from './summary.js';
import type { GroupPlan } from './sweep.js';

export interface GroupReport {
  plan: GroupPlan;
  runs: RunSummary[];
  configurations: ConfigSummary[];
  plots: RenderedPlot[];
}
