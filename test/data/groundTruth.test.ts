import { describe, expect, it } from 'vitest';
import { parseGroundTruth } from '../../src/data/groundTruth.js';
import { DataError } from '../../src/data/errors.js';

function errorOf(fn: () => unknown): DataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected a DataError');
}

describe('parseGroundTruth', () => {
  it('reads APPS stdin/stdout from a JSON string', () => {
    const gt = JSON.stringify({ inputs: ['1 2\n', '3 4\n'], outputs: ['3\n', '7\n'] });
    expect(parseGroundTruth(gt)).toEqual([
      { type: 'stdio', stdin: '1 2\n', stdout: '3\n' },
      { type: 'stdio', stdin: '3 4\n', stdout: '7\n' },
    ]);
  });

  it('joins APPS inputs given as lists of lines and stringifies numbers', () => {
    expect(parseGroundTruth({ inputs: [['2', '1 2']], outputs: [3] })).toEqual([{ type: 'stdio', stdin: '2\n1 2', stdout: '3' }]);
  });

  it('treats an empty or null fn_name as stdin/stdout', () => {
    expect(parseGroundTruth({ inputs: ['1'], outputs: ['1'], fn_name: '' })[0]!.type).toBe('stdio');
    expect(parseGroundTruth({ inputs: ['1'], outputs: ['1'], fn_name: null })[0]!.type).toBe('stdio');
  });

  it('turns fn_name into call cases with JSON args, unwrapping APPS one-element outputs', () => {
    const gt = { fn_name: 'add', inputs: [[1, 2], [[1, 2], 3], 'x'], outputs: [[3], [[1, 2, 3]], 'xx'] };
    expect(parseGroundTruth(gt)).toEqual([
      { type: 'call', fnName: 'add', args: [1, 2], expected: 3 },
      { type: 'call', fnName: 'add', args: [[1, 2], 3], expected: [1, 2, 3] },
      { type: 'call', fnName: 'add', args: ['x'], expected: 'xx' },
    ]);
  });

  it('reads a list of assert statements (JSON string or value) and bare assert code', () => {
    expect(parseGroundTruth('["assert f(1) == 2", "assert f(2) == 3"]')).toEqual([
      { type: 'assert', code: 'assert f(1) == 2' },
      { type: 'assert', code: 'assert f(2) == 3' },
    ]);
    expect(parseGroundTruth('assert f(1) == 2\nassert f(0) == 1')).toEqual([{ type: 'assert', code: 'assert f(1) == 2\nassert f(0) == 1' }]);
  });

  it('reads our own {tests} and a bare TestCase list', () => {
    const tests = [
      { type: 'stdio', stdin: '1', stdout: '2' },
      { type: 'call', fnName: 'f', args: [1], expected: null },
    ];
    expect(parseGroundTruth({ tests })).toEqual(tests);
    expect(parseGroundTruth(JSON.stringify(tests))).toEqual(tests);
  });

  it('reads LiveCodeBench-style stdin cases', () => {
    expect(parseGroundTruth([{ input: '1\n', output: '2\n', testtype: 'stdin' }])).toEqual([{ type: 'stdio', stdin: '1\n', stdout: '2\n' }]);
  });

  it('reports the bad field inside the ground truth', () => {
    expect(errorOf(() => parseGroundTruth({ inputs: ['1', '2'], outputs: ['1'] })).fieldPath).toBe('outputs');
    expect(errorOf(() => parseGroundTruth({ inputs: ['1', { a: 1 }], outputs: ['1', '2'] })).fieldPath).toBe('inputs[1]');
    expect(errorOf(() => parseGroundTruth({ inputs: [], outputs: [] })).reason).toMatch(/no test inputs/);
    expect(errorOf(() => parseGroundTruth({ tests: [{ type: 'stdio', stdin: 1, stdout: '' }] })).fieldPath).toBe('tests[0].stdin');
    expect(errorOf(() => parseGroundTruth([{ type: 'call', fnName: 'f', args: [] }])).fieldPath).toBe('[0].expected');
    expect(errorOf(() => parseGroundTruth('not json')).reason).toMatch(/not valid JSON/);
    expect(errorOf(() => parseGroundTruth([])).reason).toMatch(/no test cases/);
    expect(errorOf(() => parseGroundTruth(['assert x', ' '])).fieldPath).toBe('[1]');
    expect(errorOf(() => parseGroundTruth({ answer: 42 })).reason).toMatch(/unrecognised ground truth/);
    expect(errorOf(() => parseGroundTruth(7)).reason).toMatch(/unrecognised ground truth/);
  });
});
