// Public API of rl (dist/src/index.js).
export * from './backend/select.js';
export * from './algos/index.js';
export * from './model/index.js';
export * from './model/toy/index.js';
export * from './tokenizer/index.js';
export * from './rollout/index.js';
export * from './reward/index.js';
export * from './data/index.js';
export type { LoadOptions as ProblemLoadOptions } from './data/index.js';
export type { LoadOptions } from './model/index.js';
export { TrainConfigSchema, type TrainConfig } from './config/schema.js';
export { resolveConfig, validateConfig } from './config/load.js';
export { configHelp } from './config/help.js';
export { train, type TrainSummary } from './trainer/train.js';
export { runSft } from './trainer/sft.js';
export { evaluatePassAtK } from './trainer/validate.js';
export { buildPolicy, loadModelDir, type PolicyBundle } from './trainer/policy_factory.js';
export { DockerSandbox, buildSandboxImage, startSandboxServer, dockerAvailable } from '../sandbox/index.js';
