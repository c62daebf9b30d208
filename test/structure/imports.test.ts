// The import graph stays layered: no folder imports "upward" (the model knows nothing of sampling or training;
// the sandbox and the kernels know nothing of the trainer) and no file takes part in an import cycle.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCANNED = ['src', 'sandbox', 'kernels', 'bench'];
const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** file (relative to the root) → the project files it imports (type-only imports included). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of SCANNED.flatMap((d) => tsFiles(path.join(ROOT, d)))) {
    const targets: string[] = [];
    for (const m of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(file), (m[1] ?? m[2])!.replace(/\.js$/, '.ts'));
      if (fs.existsSync(target)) targets.push(path.relative(ROOT, target));
    }
    graph.set(path.relative(ROOT, file), targets);
  }
  return graph;
}

/** `src/model/x.ts` → `src/model`; `sandbox/pool.ts` → `sandbox`. */
const folderOf = (f: string) => (f.startsWith('src/') && f.split('/').length > 2 ? f.split('/').slice(0, 2).join('/') : f.split('/')[0]!);

// What each folder may not import (folder prefixes).
const FORBIDDEN: Record<string, string[]> = {
  'src/model': ['src/rollout', 'src/trainer', 'src/cli', 'src/reward', 'src/config', 'src/bench', 'sandbox', 'bench'],
  'src/rollout': ['src/trainer', 'src/cli', 'src/reward', 'src/bench', 'bench'],
  'src/algos': ['src/model', 'src/rollout', 'src/trainer', 'src/cli', 'src/reward', 'sandbox'],
  'src/reward': ['src/model', 'src/rollout', 'src/trainer', 'src/cli'],
  'src/data': ['src/model', 'src/rollout', 'src/trainer', 'src/cli', 'src/reward'],
  'src/tokenizer': ['src/model', 'src/rollout', 'src/trainer', 'src/cli', 'src/reward', 'sandbox'],
  'src/backend': ['src/model', 'src/rollout', 'src/trainer', 'src/cli', 'src/reward', 'sandbox'],
  'src/trainer': ['src/cli'],
  sandbox: ['src', 'kernels', 'bench'],
  kernels: ['src/model', 'src/rollout', 'src/trainer', 'src/cli', 'src/reward', 'sandbox', 'bench'],
};

describe('import graph', () => {
  const graph = importGraph();

  it('no folder imports upward', () => {
    const bad: string[] = [];
    for (const [file, targets] of graph) {
      const rules = FORBIDDEN[folderOf(file)] ?? [];
      for (const t of targets) if (rules.some((r) => t === r || t.startsWith(`${r}/`))) bad.push(`${file} → ${t}`);
    }
    expect(bad).toEqual([]);
  });

  it('no import cycles between files', () => {
    // Tarjan's strongly connected components: a component of more than one file is a cycle.
    let index = 0;
    const idx = new Map<string, number>(), low = new Map<string, number>(), onStack = new Set<string>(), stack: string[] = [];
    const cycles: string[][] = [];
    const visit = (v: string) => {
      idx.set(v, index);
      low.set(v, index++);
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!idx.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
      if (low.get(v) === idx.get(v)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1) cycles.push(scc.sort());
      }
    };
    for (const v of graph.keys()) if (!idx.has(v)) visit(v);
    expect(cycles).toEqual([]);
  });

  it('the scan sees the project (a rule on an empty graph would pass vacuously)', () => {
    expect(graph.get('src/trainer/train.ts')).toContain('src/trainer/ppo_update.ts');
    expect(graph.size).toBeGreaterThan(100);
  });
});
