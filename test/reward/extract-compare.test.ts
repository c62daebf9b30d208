import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { exactMatch, lenientMatch } from '../../sandbox/compare.js';
import { resolvePython } from '../../sandbox/local-sandbox.js';
import { extractCode, extractCodeBlock } from '../../src/reward/extract.js';

describe('extractCode (verl sandbox_fusion.compute_score rules)', () => {
  it('takes the text after the last ```python up to the next fence', () => {
    const c = 'first\n```python\na = 1\n```\nthen\n```python\nb = 2\n```\nand\n```cpp\nint x;\n```';
    expect(extractCode(c)).toBe('\nb = 2\n');
    expect(extractCodeBlock(c)).toMatchObject({ rule: 'python_fence', unclosed: false });
  });
  it('runs an unclosed python fence (a response cut off at max length)', () => {
    expect(extractCodeBlock('Here:\n```python\nprint(1)\nprint(')).toEqual({ code: '\nprint(1)\nprint(', rule: 'python_fence', unclosed: true });
  });
  it('otherwise the first fenced part, dropping a one-word language line', () => {
    expect(extractCode('```cpp\nint a;\n```\n```\nplain\n```')).toBe('int a;\n');
    expect(extractCode('```\nprint(1)\n```')).toBe('\nprint(1)\n'); // verl keeps the empty first line
    expect(extractCode('```py3\nx=1\n```')).toBe('py3\nx=1\n'); // "py3".isalpha() is False in Python
    expect(extractCode('```python3\nx=1\n```')).toBe('3\nx=1\n'); // "```python" matches first, as in verl
    expect(extractCode('x ```unclosed\ncode')).toBe('code');
  });
  it('no fence at all is no code', () => {
    expect(extractCode('no code here')).toBeNull();
    expect(extractCode('def f(): pass')).toBeNull();
  });
});

const PAIRS: Array<[string, string]> = [
  ['3', '3\n'], ['3\n\n', '3'], ['3 ', '3'], ['3', ' 3'], ['1 2\n3', '1 2  \r\n3\n\n'], ['a\nb', 'a\n\nb'],
  ['YES', 'yes'], ['1.000001', '1.0000015'], ['1.0', '1.1'], ['0', '1e-12'], ['inf', 'INF'], ['nan', 'nan'],
  ['a\n', 'a\n\n\n'], ['', '\n'], ['x\ny', 'x\ny\n'], ['1_000', '1000'], ['  padded  \n', 'padded'], ['.5', '0.5'],
];

describe('output comparison', () => {
  it('exact: only trailing newlines are ignored (verl)', () => {
    expect(exactMatch('3', '3\n\n')).toBe(true);
    expect(exactMatch('3 ', '3')).toBe(false);
    expect(exactMatch('1 2\n3', '1 2\r\n3')).toBe(false);
  });
  it("lenient: SandboxFusion's dataset judges (strip, lower-case, floats to 1e-5)", () => {
    expect(lenientMatch('YES', 'yes\n')).toBe(true);
    expect(lenientMatch('1 2\n3', '1 2  \n3\n\n')).toBe(true);
    expect(lenientMatch('1.000001', '1.0000015')).toBe(true);
    expect(lenientMatch('1.0', '1.1')).toBe(false);
    expect(lenientMatch('a\nb', 'a\n\nb')).toBe(false);
  });
  it('TypeScript and the harness (python) agree on every pair, both modes', () => {
    const script = [
      'import json, sys',
      "sys.path.insert(0, 'sandbox')",
      'import harness',
      'pairs = json.load(sys.stdin)',
      'print(json.dumps([[harness.exact_match(e, g), harness.lenient_match(e, g)] for e, g in pairs]))',
    ].join('\n');
    const out = execFileSync(resolvePython(), ['-c', script], { input: JSON.stringify(PAIRS), encoding: 'utf8' });
    expect(PAIRS.map(([e, g]) => [exactMatch(e, g), lenientMatch(e, g)])).toEqual(JSON.parse(out));
  });
});
