// Every random choice of a run derives from (trainer.seed, step, purpose): a resumed run replays them exactly.
export function stepSeed(seed: number, step: number, purpose: string): number {
  // FNV-1a over the three parts, then a murmur finaliser.
  let h = 0x811c9dc5;
  for (const ch of `${seed}:${step}:${purpose}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
