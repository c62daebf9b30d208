// The backends that backend-parametrised tests run on: the given ones plus tensorflow once `rl setup tensorflow`
// has built tfjs-node's addon. Without it the tensorflow variants are registered as skipped (visible in the
// report, with the command that enables them); under CI=true they run anyway and fail loudly, since CI sets it up.
import { existsSync } from 'node:fs';
import { it } from 'vitest';
import { installedAddon, tfPaths } from '../src/backend/tensorflow_paths.js';

export function tensorflowSetUp(): boolean {
  return existsSync(installedAddon(tfPaths('cpu'))) || existsSync(installedAddon(tfPaths('gpu')));
}

/** `base` plus 'tensorflow' when it is set up (or under CI); otherwise registers one visible skip for it. */
export function backendsUnderTest<B extends string>(base: readonly B[], what: string): Array<B | 'tensorflow'> {
  if (base.includes('tensorflow' as B)) return [...base];
  if (tensorflowSetUp() || process.env.CI === 'true') return [...base, 'tensorflow'];
  it.skip(`${what} on tensorflow: not set up here (run: rl setup tensorflow)`, () => {});
  return [...base];
}
