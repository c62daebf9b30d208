// Locates files shipped in the package's sandbox/ folder, from source (vitest) or from dist/ (compiled).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/** The package root: the nearest ancestor of this file holding package.json and sandbox/harness.py. */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'sandbox', 'harness.py'))) {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the package root (package.json + sandbox/harness.py)');
    dir = parent;
  }
}

export function harnessPath(): string {
  return join(packageRoot(), 'sandbox', 'harness.py');
}
