// Where the bundled demo dataset lives (resolved from this file, so it works from src/ and from dist/).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** src/data/demo of the package (works from src/ under vitest and from dist/ after a build). */
export function demoDataDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'src', 'data', 'demo');
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the package root (package.json) above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export function demoDataPaths(): { train: string; test: string } {
  const dir = demoDataDir();
  return { train: join(dir, 'train.jsonl'), test: join(dir, 'test.jsonl') };
}
