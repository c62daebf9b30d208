import { describe, expect, it } from 'vitest';
import { normalizeOutput, outputsMatch, valuesEqual } from '../../sandbox/compare.js';
import { extractCode, extractCodeBlock } from '../../src/reward/extract.js';

describe('extractCode', () => {
  it('takes the last python block', () => {
    const c = 'first\n```python\na = 1\n```\nthen\n```py\nb = 2\n```\nand\n```cpp\nint x;\n```';
    expect(extractCode(c)).toBe('b = 2\n');
    expect(extractCodeBlock(c)?.fence).toBe('py');
  });
  it('falls back to the first fenced block of any language', () => {
    expect(extractCode('```cpp\nint a;\n```\n```\nplain\n```')).toBe('int a;\n');
    expect(extractCode('```\nprint(1)\n```')).toBe('print(1)\n');
  });
  it('returns null without a closed block (truncated completions score 0)', () => {
    expect(extractCode('no code here')).toBeNull();
    expect(extractCode('```python\nprint(1)\n')).toBeNull();
  });
});

describe('output comparison', () => {
  it('ignores trailing newlines, trailing spaces per line and CRLF', () => {
    expect(outputsMatch('1 2\n3', '1 2  \r\n3\n\n')).toBe(true);
    expect(normalizeOutput('a \t\nb\n\n')).toBe('a\nb');
  });
  it('keeps inner differences', () => {
    expect(outputsMatch('1 2', '1  2')).toBe(false);
    expect(outputsMatch('a\nb', 'a\n\nb')).toBe(false);
    expect(outputsMatch('a', ' a')).toBe(false);
  });
});

describe('valuesEqual (call-based results)', () => {
  it('compares JSON structurally with a float tolerance', () => {
    expect(valuesEqual([1, { a: 2.0 }], [1.0, { a: 2 }])).toBe(true);
    expect(valuesEqual(0.1 + 0.2, 0.3)).toBe(true);
    expect(valuesEqual(1, 1.001)).toBe(false);
    expect(valuesEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(valuesEqual([1, 2], [2, 1])).toBe(false);
  });
  it('does not equate booleans with numbers', () => {
    expect(valuesEqual(true, 1)).toBe(false);
    expect(valuesEqual(false, false)).toBe(true);
  });
});
