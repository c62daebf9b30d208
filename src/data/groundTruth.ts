// reward_model.ground_truth of code datasets → TestCase[].
// Accepted shapes (a JSON string of any of them, or the value itself):
//   APPS/TACO   {"inputs": [...], "outputs": [...], "fn_name"?: "f"}  fn_name → call cases, else stdin/stdout
//   asserts     ["assert f(1) == 2", ...]   (or one non-JSON string of assert code)
//   ours        {"tests": TestCase[]}  or a bare TestCase[]
//   LCB-style   [{"input": "...", "output": "...", "testtype"?: "stdin"}, ...]
import { z } from 'zod';
import type { TestCase } from '../../sandbox/contract.js';
import { DataError, dataErrorFromZod } from './errors.js';
import { testCaseSchema } from './problem.js';

const appsSchema = z.object({
  inputs: z.array(z.unknown()).min(1, 'no test inputs'),
  outputs: z.array(z.unknown()),
  fn_name: z.string().nullish(),
});

const lcbCaseSchema = z.object({
  input: z.string(),
  output: z.string(),
  testtype: z.literal('stdin').optional(),
});

/** Parse a ground truth value. Throws DataError whose fieldPath is relative to the ground truth. */
export function parseGroundTruth(value: unknown): TestCase[] {
  if (typeof value === 'string') return parseGroundTruthString(value);
  if (Array.isArray(value)) return parseList(value);
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if ('tests' in obj) return validate(z.object({ tests: z.array(testCaseSchema).min(1, 'no test cases') }), obj).tests;
    if ('inputs' in obj || 'outputs' in obj) return fromApps(validate(appsSchema, obj));
  }
  throw new DataError(
    undefined,
    '',
    'unrecognised ground truth: expected {inputs, outputs, fn_name?}, {tests: [...]}, or a list of assert statements',
  );
}

function parseGroundTruthString(text: string): TestCase[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // Some datasets store the assert block itself rather than a JSON list of asserts.
    if (/^\s*assert\b/m.test(text)) return [{ type: 'assert', code: text }];
    throw new DataError(undefined, '', `not valid JSON (${(err as Error).message}) and not assert code`);
  }
  if (typeof parsed === 'string') throw new DataError(undefined, '', 'a JSON string is not a test specification');
  return parseGroundTruth(parsed);
}

function parseList(items: unknown[]): TestCase[] {
  if (items.length === 0) throw new DataError(undefined, '', 'no test cases');
  if (items.every((x) => typeof x === 'string')) {
    return items.map((code, i) => {
      if (!code.trim()) throw new DataError(undefined, `[${i}]`, 'empty assert statement');
      return { type: 'assert', code };
    });
  }
  const first = items[0];
  if (first !== null && typeof first === 'object' && 'input' in first && !('type' in first)) {
    return validate(z.array(lcbCaseSchema), items).map((c) => ({ type: 'stdio', stdin: c.input, stdout: c.output }));
  }
  return validate(z.array(testCaseSchema), items);
}

function fromApps(gt: z.infer<typeof appsSchema>): TestCase[] {
  if (gt.outputs.length !== gt.inputs.length) {
    throw new DataError(undefined, 'outputs', `has ${gt.outputs.length} entries but inputs has ${gt.inputs.length}`);
  }
  const fnName = gt.fn_name?.trim();
  if (fnName) {
    return gt.inputs.map((input, i) => ({
      type: 'call',
      fnName,
      args: Array.isArray(input) ? input : [input],
      // APPS/TACO wrap call-based outputs in a one-element list (their checker accepts out or out[0]).
      expected: unwrapSingle(gt.outputs[i]),
    }));
  }
  return gt.inputs.map((input, i) => ({
    type: 'stdio',
    stdin: asText(input, `inputs[${i}]`),
    stdout: asText(gt.outputs[i], `outputs[${i}]`),
  }));
}

function unwrapSingle(value: unknown): unknown {
  return Array.isArray(value) && value.length === 1 ? value[0] : value;
}

/** APPS sometimes stores stdin/stdout as a list of lines or a bare number. */
function asText(value: unknown, path: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((x) => typeof x === 'string' || typeof x === 'number')) {
    return value.map(String).join('\n');
  }
  throw new DataError(undefined, path, `expected text or a list of lines, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value;
}

function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw dataErrorFromZod(result.error, '');
  return result.data;
}
