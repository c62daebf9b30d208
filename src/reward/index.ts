// Public API of the reward module: code extraction and scoring. The sandbox (providers, test cases) is ../../sandbox.
export { extractCode, extractCodeBlock } from './extract.js';
export type { ExtractedCode } from './extract.js';
export { computeScore, scoreCompletions, scoreModeFor, REWARD_MODES, VERL_CODE_SOURCES, VERL_CONTINUOUS_CASES } from './score.js';
export type { CaseReport, RewardMode, ScoreItem, ScoreMode, ScoreOptions, ScoreResult } from './score.js';
