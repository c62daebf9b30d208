export { sample, leftPad, validateSamplingOptions, MASK_DTYPE, type SampleExtras, type SamplingOptions, type GenerateResult } from './sample.js';
export { chooseToken, type Choice, type ChooseOptions } from './choose.js';
export { rowKey, uniformAt } from './rng.js';
export { RolloutPool, createRolloutPool, defaultWorkerFile, type RolloutBatch, type RolloutPoolOptions } from './pool.js';
export { layoutOf, allocateWeightBuffer, writeWeights, loadWeightsInto, readVersion, type WeightLayout, type WeightSlot } from './weights_sab.js';
