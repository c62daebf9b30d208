// Public API of the reward module: code extraction and scoring. The sandbox (providers, test cases) is ../../sandbox.
export { extractCode, extractCodeBlock } from './extract.js';
export type { ExtractedCode } from './extract.js';
export { scoreCompletion, scoreCompletions } from './score.js';
export type { ScoreOptions, ScoreResult } from './score.js';
