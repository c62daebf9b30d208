import { execFileSync } from 'node:child_process';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { resolvePython } from '../../sandbox/local-sandbox.js';
import { parseGroundTruth } from '../../src/data/groundTruth.js';
import { decodePrivateTests, unpickleString } from '../../src/data/livecodebench.js';
import { parsePyJson, pyJsonDumps, pyStr } from '../../src/data/python_str.js';

const python = (script: string, input: string): string =>
  execFileSync(resolvePython(), ['-c', script], { input, encoding: 'utf8', maxBuffer: 64 << 20 });

describe('Python str() of JSON values (what verl sends as stdin and compares with)', () => {
  const texts = [
    '1', '-0', '1.0', '2.50', '1e5', '1E-7', '0.0001', '0.00001', '123456789012345678901234567890', '1e16', '1.5e16',
    '9007199254740993', '3.141592653589793', '-2.5e-10', '"plain"', 'true', 'null', '[1, 2.0, "a"]',
    '{"b": 1, "a": [true, null]}', '["it\'s", "say \\"hi\\"", "both \' \\"", "tab\\tnl\\n", "\\u00e9\\u4e2d", "\\u0000\\u007f\\u00a0"]',
    '[[1, 2], [3, [4.25, []]], {}]', '{"k": {"nested": "v"}}', '"\\ud83d\\ude00 emoji"', '[1e300, -1e-300, 5e-324]',
  ];
  it('matches CPython str(json.loads(text)) and json.dumps on every text', () => {
    const want = JSON.parse(python('import json,sys\nprint(json.dumps([[str(json.loads(t)), json.dumps(json.loads(t))] for t in json.load(sys.stdin)]))', JSON.stringify(texts)));
    expect(texts.map((t) => [pyStr(parsePyJson(t)), pyJsonDumps(parsePyJson(t))])).toEqual(want);
  });
  it('rejects invalid JSON with a position', () => {
    expect(() => parsePyJson('[1, 2')).toThrow(/position/);
    expect(() => parsePyJson('{"a" 1}')).toThrow(/expected ':'/);
  });
});

describe('parseGroundTruth: verl / APPS / TACO {inputs, outputs, fn_name?}', () => {
  it('stdin/stdout cases with str() of non-text values, exactly as verl passes them', () => {
    expect(parseGroundTruth('{"inputs": ["1 2\\n", 5, [1, 2.0]], "outputs": ["3\\n", 25.0, ["a"]]}')).toEqual([
      { type: 'stdio', stdin: '1 2\n', stdout: '3\n' },
      { type: 'stdio', stdin: '5', stdout: '25.0' },
      { type: 'stdio', stdin: '[1, 2.0]', stdout: "['a']" },
    ]);
  });
  it('fn_name: call-based cases; the input text is the argument lines verl\'s wrapper reads', () => {
    expect(parseGroundTruth({ inputs: ['[2,7,11,15]\n9'], outputs: ['[0, 1]'], fn_name: 'twoSum' })).toEqual([
      { type: 'call', fnName: 'twoSum', stdin: '[2,7,11,15]\n9', stdout: '[0, 1]' },
    ]);
    expect(parseGroundTruth({ inputs: ['1'], outputs: ['1'], fn_name: '' })[0]!.type).toBe('stdio');
    expect(parseGroundTruth({ inputs: ['1'], outputs: ['1'], fn_name: null })[0]!.type).toBe('stdio');
  });
  it('{assert_case: [...]} with verl\'s defaults (no stdin, exit status only)', () => {
    expect(parseGroundTruth('{"assert_case": ["assert f(1) == 2", "assert f(2) == 3"]}')).toEqual([
      { type: 'assert', code: 'assert f(1) == 2' }, { type: 'assert', code: 'assert f(2) == 3' },
    ]);
    expect(parseGroundTruth({ assert_case: ['assert g()'], inputs: ['x'], outputs: ['ok'] })).toEqual([
      { type: 'assert', code: 'assert g()', stdin: 'x', stdout: 'ok' },
    ]);
  });
  it('names the field and the shape expected when it cannot be read', () => {
    expect(() => parseGroundTruth({ inputs: ['1', '2'], outputs: ['1'] })).toThrow(/outputs: has 1 entries but inputs has 2/);
    expect(() => parseGroundTruth({ inputs: ['1'], outputs: [null] })).toThrow(/outputs\[0\]: is null/);
    expect(() => parseGroundTruth({ inputs: ['1'], outputs: ['1'], fn_name: 'no good' })).toThrow(/fn_name: not a Python identifier/);
    expect(() => parseGroundTruth({ assert_case: [1] })).toThrow(/assert_case\[0\]: expected assert code/);
    expect(() => parseGroundTruth('{"foo": 1}')).toThrow(/keys foo; expected \{inputs, outputs, fn_name\?\}/);
    expect(() => parseGroundTruth('not json')).toThrow(/not valid JSON/);
  });
});

describe('parseGroundTruth: LiveCodeBench, assert lists, our own cases', () => {
  it('LiveCodeBench stdin and functional cases (functional needs the function name)', () => {
    const gt = JSON.stringify([
      { input: '3\n1 2 3\n', output: '6\n', testtype: 'stdin' },
      { input: '[1,2,3]\n2', output: '5', testtype: 'functional' },
    ]);
    expect(parseGroundTruth(gt, { fnName: 'maxSum' })).toEqual([
      { type: 'stdio', stdin: '3\n1 2 3\n', stdout: '6\n' },
      { type: 'call', fnName: 'maxSum', stdin: '[1,2,3]\n2', stdout: '5' },
    ]);
    expect(() => parseGroundTruth(gt)).toThrow(/\[1\]\.testtype: a functional case needs the function name/);
  });
  it('assert statement lists and bare assert code', () => {
    expect(parseGroundTruth('["assert f(1) == 1"]')).toEqual([{ type: 'assert', code: 'assert f(1) == 1' }]);
    expect(parseGroundTruth('assert f(1) == 1\nassert f(2) == 2')).toEqual([{ type: 'assert', code: 'assert f(1) == 1\nassert f(2) == 2' }]);
  });
  it('our own cases; a call case with JSON args/expected becomes argument lines and the printed result', () => {
    expect(parseGroundTruth({ tests: [{ type: 'call', fnName: 'f', args: [[1, 2], 'x', { a: null }], expected: [true, 2] }] })).toEqual([
      { type: 'call', fnName: 'f', stdin: '[1, 2]\n"x"\n{"a": null}', stdout: '[true, 2]' },
    ]);
    expect(parseGroundTruth([{ type: 'call', fnName: 'g', args: [], expected: 'text' }])[0]).toMatchObject({ stdin: '', stdout: 'text' });
    expect(() => parseGroundTruth({ tests: [{ type: 'stdio', stdin: 1, stdout: '' }] })).toThrow(/tests\[0\]\.stdin/);
  });
});

describe('LiveCodeBench compressed private tests (base64 → zlib → pickle → JSON)', () => {
  const cases = JSON.stringify([{ input: 'é 1\n', output: '中\n', testtype: 'stdin' }]);
  it('decodes what CPython pickles with every protocol, without running any pickled object', () => {
    const encoded = JSON.parse(python(
      'import base64, json, pickle, sys, zlib\ns = sys.stdin.read()\nprint(json.dumps([base64.b64encode(zlib.compress(pickle.dumps(s, protocol=p))).decode() for p in range(6)]))',
      cases,
    )) as string[];
    for (const e of encoded) expect(decodePrivateTests(e)).toBe(cases);
    expect(decodePrivateTests(cases)).toBe(cases);
  });
  it('refuses a pickle that is not a plain string (it would construct an object)', () => {
    const evil = Buffer.from(python(
      "import base64, os, pickle, sys, zlib\nclass E:\n    def __reduce__(self): return (os.system, ('echo pwned',))\nsys.stdout.write(base64.b64encode(pickle.dumps(E())).decode())",
      '',
    ), 'base64');
    expect(() => unpickleString(evil)).toThrow(/refused/);
    expect(() => decodePrivateTests(deflateSync(evil).toString('base64'))).toThrow(/refused/);
    expect(() => decodePrivateTests('%%%')).toThrow(/neither JSON nor base64/);
  });
});
