// Public API of the model area.
export type { Policy, ScoreArgs } from './policy.js';
export type { Decoder, KVCache } from './decoder.js';
export { buildPolicyFromSpec, loadPolicyDir, type PolicySpec, type SamplingPolicy, type BuiltPolicy, type PolicyBuildOptions } from './policy_spec.js';
export {
  parseHfConfig,
  toHfConfigJson,
  makeConfig,
  hfConfigSchema,
  SUPPORTED_ARCHITECTURES,
  type ModelConfig,
  type Architecture,
  type HfConfigJson,
  type RopeScaling,
} from './config.js';
export {
  Transformer,
  TransformerKVCache,
  isTransposedWeight,
  expectedHfShapes,
  internalShape,
  positionsFromMask,
  causalPaddingBias,
  type TransformerOptions,
} from './transformer.js';
export { createTransformer, randomInternalWeights, type InitOptions } from './init.js';
export { loadPretrained, savePretrained, readModelConfig, hfStateDict, TOKENIZER_FILES, type LoadOptions, type SaveOptions } from './hf.js';
export {
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
  checkpointWeightMap,
  checkpointHeaders,
  readCheckpointTensors,
  LOADABLE_DTYPES,
  WRITABLE_DTYPES,
  type WritableDtype,
  type LoadedTensor,
  type TensorToWrite,
  type TensorEntry,
  type SafetensorsHeader,
} from './safetensors.js';
