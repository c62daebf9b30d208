// Public API of the reward module: code extraction, sandbox providers, scoring.
export type * from './types.js';
export { extractCode, extractCodeBlock } from './extract.js';
export type { ExtractedCode } from './extract.js';
export { normalizeOutput, outputsMatch, valuesEqual } from './compare.js';
export { createSandboxProvider } from './provider.js';
export type { SandboxProviderConfig } from './provider.js';
export { LocalSandbox, LOCAL_WARNING } from './local.js';
export { RemoteSandbox } from './remote.js';
export { scoreCompletion, scoreCompletions } from './score.js';
export type { ScoreOptions, ScoreResult } from './score.js';
export { SandboxUnavailableError, SandboxRequestError, isRetryableSandboxError } from '../../sandbox/errors.js';
