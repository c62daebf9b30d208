// Public API of src/data: typed problems, loaders for JSONL/parquet (our rows and verl rows), deterministic data order,
// and the bundled demo dataset.
export {
  chatMessageSchema,
  solutionSchema,
  problemSchema,
  completionFor,
  promptChars,
  type Problem,
  type Solution,
} from './problem.js';
export { DataError, describeLocation, type RowLocation } from './errors.js';
export { parseGroundTruth } from './groundTruth.js';
export { problemFromRow, detectRowShape, type RowShape } from './rows.js';
export { readRawRows, detectFormat, type DataFormat, type RawRow } from './readers.js';
export { loadProblems, type LoadOptions, type LoadResult, type SkippedRow } from './load.js';
export {
  epochOrder,
  stepsPerEpoch,
  batchIndices,
  batchAt,
  iterateBatches,
  type BatchOrderOptions,
  type BatchPosition,
} from './order.js';
export { mixSeed, makeRng, type Rng } from './rng.js';
export { demoDataDir, demoDataPaths } from './demo/paths.js';
export { FAMILIES as DEMO_FAMILIES, type Family as DemoFamily } from './demo/families.js';
export { sftExamples, type SftExample, type SftMix } from './sft.js';
