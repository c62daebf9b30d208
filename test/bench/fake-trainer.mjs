#!/usr/bin/env node
// A stand-in for `rl train` that honours its run-folder contract (config.json, metrics.jsonl with verl names,
// done.json at the end, --resume continues after the last logged step) with made-up but deterministic numbers.
// Env: FAKE_TRAINER_LOG (append one JSON line per invocation), FAKE_TRAINER_STEP_MS (sleep per step),
// FAKE_TRAINER_FAIL (exit 1 when an override value equals it). `sft` writes <out>/model/config.json only.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const argv = process.argv.slice(2);
const cmd = argv[0];
if (cmd !== 'train' && cmd !== 'sft') {
  console.error(`fake trainer: expected "train" or "sft", got ${cmd}`);
  process.exit(2);
}
const overrides = {};
let config = null;
let out = null;
let steps = 20;
let seed = 1;
let resume = false;
for (let i = 1; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--config') config = argv[++i];
  else if (a === '--out') out = argv[++i];
  else if (a === '--steps') steps = Number(argv[++i]);
  else if (a === '--seed') seed = Number(argv[++i]);
  else if (a === '--resume') resume = true;
  else if (a.includes('=')) overrides[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
  else {
    console.error(`fake trainer: unknown argument ${a}`);
    process.exit(2);
  }
}
if (!config || !out) {
  console.error('fake trainer: --config and --out are required');
  process.exit(2);
}
if (process.env.FAKE_TRAINER_LOG) appendFileSync(process.env.FAKE_TRAINER_LOG, JSON.stringify({ cmd, out, seed, steps, resume, overrides }) + '\n');
if (process.env.FAKE_TRAINER_FAIL && Object.values(overrides).includes(process.env.FAKE_TRAINER_FAIL)) {
  console.error('fake trainer: failing on purpose');
  process.exit(1);
}

// `rl sft`: the warm start writes <out>/model.
if (cmd === 'sft') {
  mkdirSync(join(out, 'model'), { recursive: true });
  writeFileSync(join(out, 'model', 'config.json'), JSON.stringify({ seed, overrides }));
  process.exit(0);
}
if (overrides['model.path'] && !existsSync(join(overrides['model.path'], 'config.json'))) {
  console.error(`fake trainer: model.path ${overrides['model.path']} has no config.json`);
  process.exit(1);
}

// Deterministic noise from a string key.
function hash(s) {
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return ((h >>> 0) % 100000) / 100000;
}
const estimator = overrides['algorithm.adv_estimator'] ?? 'reinforce_plus_plus_baseline';
const n = Number(overrides['rollout.n'] ?? 8);
const maxLen = Number(overrides['data.max_response_length'] ?? 96);
const testFreq = Number(overrides['trainer.test_freq'] ?? 5);
const valN = Number(overrides['trainer.val_n'] ?? 5);
const gain = { rloo: 0.012, reinforce_plus_plus_baseline: 0.01, grpo: 0.008, grpo_passk: 0.005 }[estimator] ?? 0.007;
const key = `${estimator}/${n}/${maxLen}/${seed}`;

function valLine(step) {
  const p1 = Math.min(0.95, 0.1 + gain * step + 0.03 * (hash(`${key}/${step}/v`) - 0.5));
  const line = { step };
  for (let k = 1; k <= valN; k++) line[`val/pass@${k}`] = Math.min(1, 1 - (1 - p1) ** (k ** 0.8));
  return line;
}
function trainLine(step) {
  const r = hash(`${key}/${step}/t`);
  return {
    step,
    'critic/score/mean': Math.min(1, 0.1 + gain * step + 0.05 * (r - 0.5)),
    'actor/entropy': 2.5 - 0.02 * step * (gain / 0.01) + 0.05 * r,
    'response_length/mean': Math.min(maxLen, 40 + step + 5 * r),
    'perf/throughput': 1000 + 200 * r + n,
    'timing_s/step': 0.5 + r,
  };
}

mkdirSync(out, { recursive: true });
const metricsFile = join(out, 'metrics.jsonl');
let start = 0;
if (resume && existsSync(metricsFile)) {
  const done = readFileSync(metricsFile, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  // Killed before its first line: nothing to continue from, start over.
  start = done.length ? Math.max(...done.map((l) => l.step)) + 1 : 0;
} else {
  writeFileSync(metricsFile, '');
}
writeFileSync(join(out, 'config.json'), JSON.stringify({ config, overrides, seed, steps }, null, 2));
const sleepMs = Number(process.env.FAKE_TRAINER_STEP_MS ?? 0);
const t0 = Date.now();
for (let step = start; step <= steps; step++) {
  if (sleepMs) await new Promise((r) => setTimeout(r, sleepMs));
  const line = step === 0 ? { step, 'timing_s/step': 0 } : trainLine(step);
  if (step === 0 || step % testFreq === 0 || step === steps) Object.assign(line, valLine(step));
  appendFileSync(metricsFile, JSON.stringify(line) + '\n');
}
writeFileSync(join(out, 'done.json'), JSON.stringify({ steps, wall_s: (Date.now() - t0) / 1000 + 1.5 }));
console.log(`fake trainer: ${out} done`);
