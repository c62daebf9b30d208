// Sweep files: one ablation group (a grid of configurations × seeds) described in YAML,
// and its expansion into the list of ordinary `rl train` runs that make it up.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';

const overrideValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.unknown())]);
const DOTTED_KEY = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/;
const overrideMap = z.record(z.string(), overrideValue).superRefine((m, ctx) => {
  for (const k of Object.keys(m)) {
    if (!DOTTED_KEY.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: `"${k}" is not a dotted key like algorithm.adv_estimator` });
  }
});

const configurationSchema = z.object({
  label: z.string().min(1),
  /** Short text under the label in the report (e.g. "paper default"). */
  note: z.string().optional(),
  overrides: overrideMap.default({}),
});

const paperRowSchema = z.object({
  configuration: z.string(),
  best_step: z.number().optional(),
  pass1: z.number().optional(),
  pass5: z.number().optional(),
});

export const sweepFileSchema = z
  .object({
    group: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case name like "max-len"'),
    title: z.string().min(1),
    description: z.string().default(''),
    /** The training config every run starts from, relative to the sweep file. */
    base: z.string().min(1),
    /** The dotted key this group varies; extra command-line overrides of it are refused. */
    swept: z.string().optional(),
    seeds: z.number().int().positive().default(3),
    /** Seed values are seed_base, seed_base+1, … */
    seed_base: z.number().int().min(0).default(1),
    steps: z.number().int().positive(),
    /** Applied to every run of the group, before the configuration's own overrides. */
    overrides: overrideMap.default({}),
    configurations: z.array(configurationSchema).min(1),
    quick: z
      .object({
        seeds: z.number().int().positive().default(1),
        steps: z.number().int().positive(),
        overrides: overrideMap.default({}),
        /** Labels of the configurations a quick sweep keeps (default: all). */
        configurations: z.array(z.string()).optional(),
      })
      .optional(),
    /** A warm start shared by every configuration of a seed: `rl <command> --config base <common overrides>
     * --out <group>/_warm-start/seed-<k> --seed k` writes <out>/model once, and each run then starts from it
     * (model.path=<out>/model sft.steps=0), as every run of the paper starts from the same base model. */
    warm_start: z
      .object({
        command: z.string().regex(/^[a-z][a-z-]*$/).default('sft'),
        overrides: overrideMap.default({}),
      })
      .strict()
      .optional(),
    /** The paper's numbers for this group (Table 7), shown beside ours for the shape of the result. */
    paper: z.array(paperRowSchema).optional(),
  })
  .strict();

export type SweepFile = z.infer<typeof sweepFileSchema>;
export type PaperRow = z.infer<typeof paperRowSchema>;

/** One configuration of a resolved group, with every override that applies to it, in order. */
export interface PlannedConfiguration {
  label: string;
  /** Folder name of the configuration's runs. */
  slug: string;
  note?: string;
  /** key=value strings passed to `rl train`, common ones first (later ones win). */
  overrides: string[];
}

/** The shared warm start of a group (see the sweep file's warm_start). */
export interface WarmStartPlan {
  command: string;
  /** key=value strings for the warm-start command: the group's common overrides, then its own. */
  overrides: string[];
}

/** A group resolved for one invocation (quick or not, seeds and steps decided). */
export interface GroupPlan {
  group: string;
  title: string;
  description: string;
  /** Absolute path of the base training config. */
  base: string;
  swept?: string;
  quick: boolean;
  steps: number;
  seeds: number[];
  configurations: PlannedConfiguration[];
  warmStart?: WarmStartPlan;
  paper?: PaperRow[];
}

/** One `rl train` run of a sweep. */
export interface PlannedRun {
  group: string;
  label: string;
  slug: string;
  seed: number;
  steps: number;
  base: string;
  overrides: string[];
  warmStart?: WarmStartPlan;
}

export interface PlanOptions {
  quick?: boolean;
  /** Number of seeds (overrides the file). */
  seeds?: number;
  /** Training steps per run (overrides the file). */
  steps?: number;
  /** key=value overrides applied to every run, after the sweep's own. */
  extraOverrides?: string[];
}

export function parseSweep(text: string, file: string): SweepFile & { file: string } {
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (e) {
    throw new Error(`sweep file ${file}: not valid YAML: ${(e as Error).message}`);
  }
  const parsed = sweepFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ');
    throw new Error(`sweep file ${file}: ${issues}`);
  }
  const sweep = parsed.data;
  const labels = sweep.configurations.map((c) => c.label);
  const slugs = labels.map(slugify);
  for (let i = 0; i < slugs.length; i++) {
    if (slugs.indexOf(slugs[i]!) !== i) throw new Error(`sweep file ${file}: configurations.${i} "${labels[i]}" has the same folder name as another configuration`);
  }
  for (let i = 0; i < slugs.length; i++) {
    if (slugs[i]!.startsWith('_')) throw new Error(`sweep file ${file}: configurations.${i} "${labels[i]}": labels may not start with "_" (reserved for the warm start folder)`);
  }
  for (const q of sweep.quick?.configurations ?? []) {
    if (!labels.includes(q)) throw new Error(`sweep file ${file}: quick.configurations names "${q}", which is not a configuration label (${labels.join(', ')})`);
  }
  return { ...sweep, file };
}

export function loadSweep(file: string): SweepFile & { file: string } {
  if (!existsSync(file)) throw new Error(`sweep file ${file} does not exist`);
  return parseSweep(readFileSync(file, 'utf8'), resolve(file));
}

/** A label as a folder name: keeps letters, digits and ._=+- ; anything else becomes "_". */
export function slugify(label: string): string {
  const s = label.replace(/[^A-Za-z0-9._=+-]/g, '_');
  return s === '.' || s === '..' ? s.replace(/\./g, '_') : s;
}

/** "key=value" as `rl train` reads it (the value is parsed there as a YAML scalar). */
export function overrideArg(key: string, value: unknown): string {
  const v = typeof value === 'string' ? value : JSON.stringify(value);
  return `${key}=${v}`;
}

function overrideArgs(map: Record<string, unknown>): string[] {
  return Object.entries(map).map(([k, v]) => overrideArg(k, v));
}

export function planGroup(sweep: SweepFile & { file: string }, opts: PlanOptions = {}): GroupPlan {
  const quick = opts.quick ?? false;
  if (quick && !sweep.quick) throw new Error(`sweep file ${sweep.file} has no "quick" section, so --quick cannot be used with group ${sweep.group}`);
  const nSeeds = opts.seeds ?? (quick ? sweep.quick!.seeds : sweep.seeds);
  const steps = opts.steps ?? (quick ? sweep.quick!.steps : sweep.steps);
  if (!Number.isInteger(nSeeds) || nSeeds < 1) throw new Error(`seeds must be a positive integer, got ${nSeeds}`);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive integer, got ${steps}`);
  const extra = opts.extraOverrides ?? [];
  for (const o of extra) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new Error(`bad override "${o}": expected key=value`);
    if (sweep.swept && o.slice(0, eq) === sweep.swept) {
      throw new Error(`override "${o}" would overwrite ${sweep.swept}, the key group ${sweep.group} sweeps`);
    }
  }
  const keep = quick && sweep.quick?.configurations ? new Set(sweep.quick.configurations) : null;
  const common = [...overrideArgs(sweep.overrides), ...(quick ? overrideArgs(sweep.quick!.overrides) : [])];
  const configurations = sweep.configurations
    .filter((c) => !keep || keep.has(c.label))
    .map((c) => ({
      label: c.label,
      slug: slugify(c.label),
      ...(c.note !== undefined ? { note: c.note } : {}),
      overrides: [...common, ...overrideArgs(c.overrides), ...extra],
    }));
  const base = resolve(dirname(sweep.file), sweep.base);
  return {
    group: sweep.group,
    title: sweep.title,
    description: sweep.description,
    base,
    ...(sweep.swept !== undefined ? { swept: sweep.swept } : {}),
    quick,
    steps,
    seeds: Array.from({ length: nSeeds }, (_, i) => sweep.seed_base + i),
    configurations,
    ...(sweep.warm_start ? { warmStart: { command: sweep.warm_start.command, overrides: [...common, ...overrideArgs(sweep.warm_start.overrides), ...extra] } } : {}),
    ...(sweep.paper ? { paper: sweep.paper } : {}),
  };
}

/** Every run of the groups, seed-major within a group: a sweep stopped half-way already has
 * one complete seed of every configuration to compare. */
export function expandRuns(groups: GroupPlan[]): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (const g of groups) {
    for (const seed of g.seeds) {
      for (const c of g.configurations) {
        runs.push({
          group: g.group,
          label: c.label,
          slug: c.slug,
          seed,
          steps: g.steps,
          base: g.base,
          overrides: c.overrides,
          ...(g.warmStart ? { warmStart: g.warmStart } : {}),
        });
      }
    }
  }
  return runs;
}
