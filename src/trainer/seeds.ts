// Every random choice of a run derives from (trainer.seed, step, purpose): a resumed run replays them exactly.
import { mixSeed } from '../data/rng.js';

/** The purpose string folded to an integer (FNV-1a), so mixSeed can take it. */
function purposeCode(purpose: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function stepSeed(seed: number, step: number, purpose: string): number {
  return mixSeed(seed, step, purposeCode(purpose));
}
