// The report's tables as cells of text, rendered to Markdown and to HTML from the same cells.
import { DIGITS, fmtNumber, fmtStat, fmtStep, MISSING } from './format.js';
import type { GroupReport } from './group_report.js';

export interface Table {
  header: string[];
  /** Right-align numeric columns. */
  numeric: boolean[];
  rows: { cells: string[]; bold: boolean[] }[];
}

/** How every number in the tables is defined; printed above them in both report formats. */
export const DEFINITIONS = [
  'best step: the validation step with the highest val/pass@1, as in the paper (its "best checkpoint"); step 0, the policy before training, counts; on ties the earliest step.',
  'pass@1 and pass@5: val/pass@1 and val/pass@5 (unbiased estimator over trainer.val_n samples per held-out problem) at that best step.',
  'mean ± std over seeds: each seed has its own best step; the cells show the mean and the sample standard deviation (n−1) of the per-seed values. A cell with one seed shows its value alone.',
  'wall-clock: the whole run (training and validation) as done.json records it; for an unfinished run, the sum of timing_s/step so far. A shared warm start is not included.',
  'tokens/s: the mean of perf/throughput over the training steps.',
  'seeds: finished runs / planned runs. Bold marks the best configuration of a group on pass@1 and on pass@5 (none on a tie).',
];

/** Index of the strictly highest value; -1 when it is shared (at the shown precision) or there is none. */
function argmax(xs: (number | null)[], digits: number): number {
  const shown = xs.map((x) => (x === null ? null : Number(x.toFixed(digits))));
  let best = -1;
  for (let i = 0; i < shown.length; i++) if (shown[i] !== null && (best < 0 || shown[i]! > shown[best]!)) best = i;
  if (best >= 0 && shown.filter((x) => x === shown[best]).length > 1) return -1;
  return best;
}

/** The group's rows, shaped like the paper's Table 7 plus cost columns. */
export function configTable(g: GroupReport): Table {
  const planned = g.plan.seeds.length;
  const best1 = g.configurations.length > 1 ? argmax(g.configurations.map((c) => c.pass1?.mean ?? null), DIGITS.pass) : -1;
  const best5 = g.configurations.length > 1 ? argmax(g.configurations.map((c) => c.pass5?.mean ?? null), DIGITS.pass) : -1;
  const notes = new Map(g.plan.configurations.map((c) => [c.label, c.note]));
  return {
    header: ['configuration', 'seeds', 'best step', 'pass@1', 'pass@5', 'wall-clock (s)', 'tokens/s'],
    numeric: [false, true, true, true, true, true, true],
    rows: g.configurations.map((c, i) => ({
      cells: [
        notes.get(c.label) ? `${c.label} (${notes.get(c.label)})` : c.label,
        `${c.finished}/${planned}`,
        fmtStat(c.bestStep, DIGITS.step, true),
        fmtStat(c.pass1, DIGITS.pass),
        fmtStat(c.pass5, DIGITS.pass),
        fmtStat(c.wallS, DIGITS.wallS),
        fmtStat(c.tokensPerS, DIGITS.tokensPerS),
      ],
      bold: [false, false, false, i === best1, i === best5, false, false],
    })),
  };
}

/** Every run on its own line (the appendix): where the mean ± std comes from. */
export function runTable(g: GroupReport): Table {
  return {
    header: ['configuration', 'seed', 'status', 'last step', 'best step', 'pass@1', 'pass@5', 'wall-clock (s)', 'tokens/s'],
    numeric: [false, true, false, true, true, true, true, true, true],
    rows: g.runs.map((r) => ({
      cells: [
        r.label,
        String(r.seed),
        (r.finished ? 'finished' : 'unfinished') + (r.tornLines ? ` (${r.tornLines} torn metrics line${r.tornLines > 1 ? 's' : ''} skipped)` : ''),
        String(r.lastStep),
        fmtStep(r.bestStep),
        fmtNumber(r.pass1, DIGITS.pass),
        fmtNumber(r.pass5, DIGITS.pass),
        fmtNumber(r.wallS, DIGITS.wallS),
        fmtNumber(r.tokensPerS, DIGITS.tokensPerS),
      ],
      bold: [],
    })),
  };
}

/** The paper's numbers for this group (Table 7), when the sweep file lists them. */
export function paperTable(g: GroupReport): Table | null {
  if (!g.plan.paper?.length) return null;
  return {
    header: ['configuration (paper)', 'best step', 'pass@1', 'pass@5'],
    numeric: [false, true, true, true],
    rows: g.plan.paper.map((p) => ({
      cells: [p.configuration, p.best_step === undefined ? MISSING : String(p.best_step), fmtNumber(p.pass1, 3), fmtNumber(p.pass5, 3)],
      bold: [],
    })),
  };
}

export function describePlan(g: GroupReport): string[] {
  const p = g.plan;
  return [
    `${p.quick ? 'quick sweep' : 'sweep'}: ${p.configurations.length} configurations × ${p.seeds.length} seed${p.seeds.length === 1 ? '' : 's'} (${p.seeds.join(', ')}), ${p.steps} training steps each`,
    `base config: ${p.base}`,
    ...(p.swept ? [`swept key: ${p.swept}`] : []),
    ...(p.warmStart
      ? [`warm start: "rl ${p.warmStart.command}" once per seed, shared by every configuration (each run starts from its model, sft.steps=0)`]
      : []),
  ];
}
