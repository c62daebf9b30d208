// A ground truth (verl's reward_model.ground_truth, or a dataset's own test fields) → TestCase[], exactly as
// verl's sandbox_fusion reward turns it into runs. Accepted shapes (a JSON string of any of them, or the value):
//   verl / APPS / TACO / codecontests  {"inputs": [...], "outputs": [...], "fn_name"?: "f"}
//       each input goes to stdin as Python's str() of it, each output is compared with str() of it;
//       with fn_name the cases are call-based (one JSON argument per stdin line, as verl's wrapper reads them)
//   verl asserts   {"assert_case": ["assert f(1) == 2", ...]} (inputs/outputs optional, as verl defaults them)
//   LiveCodeBench  [{"input": "...", "output": "...", "testtype": "stdin" | "functional"}, ...] (functional needs fnName)
//   assert lists   ["assert f(1) == 2", ...], or one non-JSON string of assert code
//   ours           {"tests": TestCase[]} or a bare TestCase[]; a call case may give {fnName, args, expected}
import { z } from 'zod';
import type { TestCase } from '../../sandbox/contract.js';
import { testCaseSchema } from '../../sandbox/schemas.js';
import { DataError, dataErrorFromZod, joinPath, type RowLocation } from './errors.js';
import { fromJs, parsePyJson, pyJsonDumps, pyStr, verlPrinted, type PyValue } from './python_str.js';

export interface GroundTruthOptions {
  /** Function name for LiveCodeBench functional cases (the row's metadata.func_name). */
  fnName?: string;
  /** Told of rows that load but where verl's semantics may surprise (field relative to the ground truth). */
  onNote?: (field: string, note: string) => void;
}

/** verl str()s a call case's input, so a list of arguments reaches the function as ONE list argument. */
export const NON_TEXT_CALL_INPUTS_NOTE =
  'fn_name with non-text inputs: verl (and rl, to score the same) passes str(input) to the function as one argument, ' +
  'so f(a, b) gets f([a, b]); store each input as one JSON argument per line to call it with several';

const EXPECTED =
  'expected {inputs, outputs, fn_name?}, {assert_case: [...]}, {tests: [...]}, a list of test cases ' +
  '(LiveCodeBench {input, output, testtype} or ours {type, ...}), or a list of assert statements';

/** Parse a ground truth value. Throws DataError whose fieldPath is relative to the ground truth. */
export function parseGroundTruth(value: unknown, opts: GroundTruthOptions = {}): TestCase[] {
  if (typeof value === 'string') {
    let parsed: PyValue;
    try {
      parsed = parsePyJson(value);
    } catch (err) {
      // Some datasets store the assert block itself rather than a JSON list of asserts.
      if (/^\s*assert\b/m.test(value)) return [{ type: 'assert', code: value }];
      throw new DataError(undefined, '', `not valid JSON (${(err as Error).message}) and not assert code; ${EXPECTED}`);
    }
    if (typeof parsed === 'string') throw new DataError(undefined, '', `a JSON string is not a test specification; ${EXPECTED}`);
    return fromPy(parsed, opts);
  }
  let py: PyValue;
  try {
    py = fromJs(value);
  } catch {
    throw new DataError(undefined, '', `unrecognised ground truth (${typeof value}); ${EXPECTED}`);
  }
  return fromPy(py, opts);
}

/** parseGroundTruth with errors located at `field` of a row. */
export function groundTruthAt(value: unknown, field: string, loc: RowLocation, opts: GroundTruthOptions = {}): TestCase[] {
  const onNote = opts.onNote;
  try {
    return parseGroundTruth(value, onNote ? { ...opts, onNote: (f, note) => onNote(joinPath(field, f), note) } : opts);
  } catch (err) {
    if (err instanceof DataError) throw new DataError(loc, joinPath(field, err.fieldPath), err.reason);
    throw err;
  }
}

function fromPy(v: PyValue, opts: GroundTruthOptions): TestCase[] {
  if (Array.isArray(v)) return fromList(v, opts);
  if (v !== null && typeof v === 'object' && 'dict' in v) {
    const obj = new Map(v.dict);
    if (obj.has('assert_case')) return fromAssertCase(obj);
    if (obj.has('inputs') || obj.has('outputs')) return fromInputsOutputs(obj, opts);
    if (obj.has('tests')) {
      const tests = obj.get('tests');
      if (!Array.isArray(tests)) throw new DataError(undefined, 'tests', `expected a list of test cases, got ${kind(tests ?? null)}`);
      return prefixed('tests', () => ownCases(tests));
    }
    throw new DataError(undefined, '', `unrecognised object with keys ${[...obj.keys()].join(', ') || '(none)'}; ${EXPECTED}`);
  }
  throw new DataError(undefined, '', `unrecognised ground truth (${kind(v)}); ${EXPECTED}`);
}

function fromInputsOutputs(obj: Map<string, PyValue>, opts: GroundTruthOptions): TestCase[] {
  const inputs = listField(obj, 'inputs');
  const outputs = listField(obj, 'outputs');
  if (!inputs.length) throw new DataError(undefined, 'inputs', 'no test inputs');
  if (outputs.length !== inputs.length) {
    throw new DataError(undefined, 'outputs', `has ${outputs.length} entries but inputs has ${inputs.length}`);
  }
  const fnRaw = obj.get('fn_name');
  if (fnRaw !== undefined && fnRaw !== null && typeof fnRaw !== 'string') {
    throw new DataError(undefined, 'fn_name', `expected a function name (text), got ${kind(fnRaw)}`);
  }
  const fnName = fnRaw ?? '';
  if (fnName && inputs.some((x) => x !== null && typeof x !== 'string')) opts.onNote?.('inputs', NON_TEXT_CALL_INPUTS_NOTE);
  return inputs.map((input, i): TestCase => {
    const out = outputs[i]!;
    if (out === null) throw new DataError(undefined, `outputs[${i}]`, 'is null: expected the output text (or use assert_case)');
    // verl: stdin = str(input) (None → no stdin), expected = str(output).
    const stdin = input === null ? '' : pyStr(input);
    if (fnName) return { type: 'call', fnName: identifier(fnName, 'fn_name'), stdin, stdout: pyStr(out) };
    return { type: 'stdio', stdin, stdout: pyStr(out) };
  });
}

function fromAssertCase(obj: Map<string, PyValue>): TestCase[] {
  const asserts = listField(obj, 'assert_case');
  if (!asserts.length) throw new DataError(undefined, 'assert_case', 'no assert cases');
  // verl fills missing inputs with "" and outputs with None (exit status only).
  const inputs = obj.has('inputs') ? listField(obj, 'inputs') : asserts.map(() => '');
  const outputs = obj.has('outputs') ? listField(obj, 'outputs') : asserts.map(() => null);
  if (inputs.length !== asserts.length || outputs.length !== asserts.length) {
    throw new DataError(undefined, 'assert_case', `has ${asserts.length} entries but inputs has ${inputs.length} and outputs ${outputs.length}`);
  }
  return asserts.map((a, i): TestCase => {
    if (typeof a !== 'string') throw new DataError(undefined, `assert_case[${i}]`, `expected assert code (text), got ${kind(a)}`);
    const input = inputs[i]!;
    const out = outputs[i]!;
    return {
      type: 'assert',
      code: a,
      ...(input === null || input === '' ? {} : { stdin: pyStr(input) }),
      ...(out === null ? {} : { stdout: pyStr(out) }),
    };
  });
}

function fromList(items: PyValue[], opts: GroundTruthOptions): TestCase[] {
  if (items.length === 0) throw new DataError(undefined, '', 'no test cases');
  if (items.every((x) => typeof x === 'string')) {
    return (items as string[]).map((code, i) => {
      if (!code.trim()) throw new DataError(undefined, `[${i}]`, 'empty assert statement');
      return { type: 'assert', code };
    });
  }
  const first = items[0];
  const keys = first !== null && typeof first === 'object' && 'dict' in first ? first.dict.map(([k]) => k) : [];
  if (keys.includes('input') && !keys.includes('type')) return items.map((c, i) => prefixed(`[${i}]`, () => lcbCase(c, opts)));
  return ownCases(items);
}

const lcbCaseSchema = z.object({
  input: z.string(),
  output: z.string(),
  testtype: z.enum(['stdin', 'functional']).optional(),
});

function lcbCase(c: PyValue, opts: GroundTruthOptions): TestCase {
  const parsed = lcbCaseSchema.safeParse(toJs(c));
  if (!parsed.success) throw dataErrorFromZod(parsed.error, '');
  const { input, output, testtype } = parsed.data;
  if (testtype === 'functional') {
    if (!opts.fnName) throw new DataError(undefined, 'testtype', 'a functional case needs the function name (metadata.func_name or fn_name)');
    return { type: 'call', fnName: identifier(opts.fnName, 'fn_name'), stdin: input, stdout: output };
  }
  return { type: 'stdio', stdin: input, stdout: output };
}

/** Our own cases; a call case may give JSON `args` and an `expected` value instead of stdin/stdout text. */
function ownCases(items: PyValue[]): TestCase[] {
  return items.map((item, i) => prefixed(`[${i}]`, () => {
    if (item !== null && typeof item === 'object' && 'dict' in item) {
      const m = new Map(item.dict);
      if (m.get('type') === 'call' && (m.has('args') || m.has('expected'))) {
        const args = m.get('args');
        if (!Array.isArray(args)) throw new DataError(undefined, 'args', `expected a list of arguments, got ${kind(args ?? null)}`);
        if (!m.has('expected')) throw new DataError(undefined, 'expected', 'is required');
        const fnName = m.get('fnName');
        if (typeof fnName !== 'string') throw new DataError(undefined, 'fnName', 'expected a function name');
        return { type: 'call', fnName: identifier(fnName, 'fnName'), stdin: args.map(pyJsonDumps).join('\n'), stdout: verlPrinted(m.get('expected')!) };
      }
    }
    const parsed = testCaseSchema.safeParse(toJs(item));
    if (!parsed.success) throw dataErrorFromZod(parsed.error, '');
    return parsed.data;
  }));
}

function listField(obj: Map<string, PyValue>, key: string): PyValue[] {
  const v = obj.get(key);
  if (!Array.isArray(v)) throw new DataError(undefined, key, `expected a list, got ${kind(v ?? null)}`);
  return v;
}

function identifier(name: string, field: string): string {
  const n = name.trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) throw new DataError(undefined, field, `not a Python identifier: ${JSON.stringify(name)}`);
  return n;
}

function prefixed<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof DataError) throw new DataError(undefined, joinPath(path, err.fieldPath), err.reason);
    throw err;
  }
}

function kind(v: PyValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'dict' in v ? 'an object' : 'int' in v ? 'an integer' : 'a number';
  return typeof v === 'string' ? 'text' : typeof v;
}

/** Back to plain JS (for zod); numbers as JS numbers. */
function toJs(v: PyValue): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toJs);
  if ('int' in v) return Number(v.int);
  if ('float' in v) return v.float;
  return Object.fromEntries(v.dict.map(([k, x]) => [k, toJs(x)]));
}
