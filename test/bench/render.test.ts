// The plots and the HTML page actually render: SVG → PNG through sharp (librsvg), report.html screenshotted
// in headless Chromium; the images are not blank and every configuration's colour is visible.
// Chromium comes from Debian (apt-get install -y chromium). Without it (or without sharp) these tests skip
// with a message, except under CI=true, where a missing renderer is a failure.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { colorFor, loadSweep, planGroup, runSweep } from '../../src/bench/index.js';
import { FAKE_CMD, tempDir, writeSweep } from './helpers.js';

const CI = process.env.CI === 'true';
const labels = ['rloo', 'reinforce_plus_plus_baseline', 'grpo', 'grpo_passk'];
const colours = labels.map((_, i) => colorFor(i));

type Sharp = typeof import('sharp');
let sharp: Sharp | null = null;
try {
  sharp = (await import('sharp')).default as unknown as Sharp;
} catch (e) {
  if (CI) throw new Error(`sharp (a devDependency) cannot be loaded: ${(e as Error).message}`);
  console.warn(`[render.test] SKIPPING the SVG → PNG checks: sharp cannot be loaded (${(e as Error).message})`);
}

function findChromium(): string | null {
  for (const c of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    const r = spawnSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}
const chromium = findChromium();
if (!chromium) {
  if (CI) throw new Error('chromium is not installed (apt-get install -y chromium): the report.html render check cannot run');
  console.warn('[render.test] SKIPPING the report.html screenshot check: no chromium on PATH (apt-get install -y chromium)');
}

interface Pixels {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

function hex(c: string): [number, number, number] {
  return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
}

/** Share of pixels that are not (near) white, and how many pixels are close to each colour. */
function inspect(px: Pixels, cols: string[]): { inked: number; distinct: number; perColour: number[] } {
  let inked = 0;
  const distinct = new Set<number>();
  const perColour = cols.map(() => 0);
  const targets = cols.map(hex);
  for (let i = 0; i < px.width * px.height; i++) {
    const o = i * px.channels;
    const r = px.data[o]!;
    const g = px.data[o + 1]!;
    const b = px.data[o + 2]!;
    if (r < 245 || g < 245 || b < 245) inked++;
    distinct.add((r << 16) | (g << 8) | b);
    targets.forEach((t, k) => {
      if (Math.abs(r - t[0]) <= 24 && Math.abs(g - t[1]) <= 24 && Math.abs(b - t[2]) <= 24) perColour[k]!++;
    });
  }
  return { inked: inked / (px.width * px.height), distinct: distinct.size, perColour };
}

describe('rendering', () => {
  let out = '';
  let shots = '';
  beforeAll(async () => {
    const dir = tempDir();
    const plan = planGroup(loadSweep(writeSweep(dir, { labels, seeds: 2, steps: 10 })));
    out = join(dir, 'out');
    await runSweep({ sweepDir: out, groups: [plan], trainer: FAKE_CMD, log: () => {} });
    // Keep the images where a person can look at them.
    shots = process.env.BENCH_RENDER_OUT ?? join(dir, 'png');
    mkdirSync(shots, { recursive: true });
    console.log(`[render.test] images in ${shots}`);
  });

  it.skipIf(!sharp)('every SVG plot converts to a non-blank PNG showing each configuration', async () => {
    for (const name of ['pass1', 'pass5', 'reward', 'entropy', 'response-length']) {
      const svg = readFileSync(join(out, 'plots', `estimators-${name}.svg`));
      const img = sharp!(svg);
      const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
      writeFileSync(join(shots, `${name}.png`), await sharp!(svg).png().toBuffer());
      const s = inspect({ data, width: info.width, height: info.height, channels: info.channels }, colours);
      expect(info.width).toBe(720);
      expect(s.inked, name).toBeGreaterThan(0.02);
      expect(s.distinct, name).toBeGreaterThan(20);
      s.perColour.forEach((n, k) => expect(n, `${labels[k]} visible in ${name}`).toBeGreaterThan(40));
    }
  });

  it.skipIf(!chromium || !sharp)('report.html renders in headless Chromium with its tables and plots', async () => {
    const png = join(shots, 'report.png');
    execFileSync(
      chromium!,
      ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--window-size=1500,2200', `--screenshot=${png}`, pathToFileURL(join(out, 'report.html')).href],
      { stdio: 'ignore', timeout: 90_000 },
    );
    expect(existsSync(png)).toBe(true);
    const { data, info } = await sharp!(png).raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBe(1500);
    const s = inspect({ data, width: info.width, height: info.height, channels: info.channels }, colours);
    expect(s.inked).toBeGreaterThan(0.02);
    s.perColour.forEach((n, k) => expect(n, `${labels[k]} visible in report.html`).toBeGreaterThan(40));
  });
});
