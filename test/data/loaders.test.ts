import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, loadProblems } from '../../src/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rl-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeJsonl(name: string, rows: unknown[]): string {
  const path = join(dir, name);
  writeFileSync(path, rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n');
  return path;
}

const verlRow = (i: number, groundTruth: unknown, extra: Record<string, unknown> = {}) => ({
  data_source: 'codecontests',
  prompt: [
    { role: 'system', content: 'You write Python.' },
    { role: 'user', content: `Problem ${i}` },
  ],
  ability: 'code',
  reward_model: { style: 'rule', ground_truth: groundTruth },
  extra_info: { index: i, split: 'train', ...extra },
});

describe('loadProblems: our own JSONL rows', () => {
  it('reads rows, turns a string prompt into one user message and fills defaults', async () => {
    const path = writeJsonl('own.jsonl', [
      {
        id: 'p1',
        dataSource: 'mine',
        prompt: 'Print 1.',
        tests: [{ type: 'stdio', stdin: '', stdout: '1\n' }],
        language: 'python',
        solutions: [{ code: 'print(1)', correct: true }],
        extra: { level: 1 },
      },
      '',
      { prompt: [{ role: 'user', content: 'Define f.' }], tests: [{ type: 'assert', code: 'assert f() == 1' }] },
    ]);
    const { problems, skipped } = await loadProblems(path);
    expect(skipped).toEqual([]);
    expect(problems).toEqual([
      {
        id: 'p1',
        dataSource: 'mine',
        prompt: [{ role: 'user', content: 'Print 1.' }],
        tests: [{ type: 'stdio', stdin: '', stdout: '1\n' }],
        language: 'python',
        solutions: [{ code: 'print(1)', correct: true }],
        extra: { level: 1 },
      },
      {
        // id from the file name and the 1-based line number (line 2 is blank and not a row)
        id: 'own/3',
        dataSource: 'own',
        prompt: [{ role: 'user', content: 'Define f.' }],
        tests: [{ type: 'assert', code: 'assert f() == 1' }],
        language: 'python',
      },
    ]);
  });

  it('rejects a non-python language and an empty test list, naming the field', async () => {
    const path = writeJsonl('own-bad.jsonl', [
      { id: 'a', prompt: 'x', tests: [{ type: 'stdio', stdin: '', stdout: '' }], language: 'cpp' },
      { id: 'b', prompt: 'x', tests: [] },
    ]);
    const { problems, skipped } = await loadProblems(path, { onBadRow: 'skip' });
    expect(problems).toEqual([]);
    expect(skipped.map((s) => s.row)).toEqual([1, 2]);
    expect(skipped[0]!.reason).toMatch(/own-bad\.jsonl line 1: language: /);
    expect(skipped[1]!.reason).toMatch(/own-bad\.jsonl line 2: tests: no test cases/);
  });
});

describe('loadProblems: verl rows', () => {
  it('reads verl JSONL with every ground-truth format', async () => {
    const path = writeJsonl('verl.jsonl', [
      verlRow(0, JSON.stringify({ inputs: ['1 2\n'], outputs: ['3\n'] })),
      verlRow(1, JSON.stringify({ inputs: [[1, 2]], outputs: [[3]], fn_name: 'add' })),
      verlRow(2, JSON.stringify(['assert add(1, 2) == 3'])),
      verlRow(3, { tests: [{ type: 'stdio', stdin: '', stdout: 'hi' }] }),
      { ...verlRow(4, { inputs: ['x'], outputs: ['y'] }), extra_info: undefined, ability: undefined },
    ]);
    const { problems, skipped, warnings } = await loadProblems(path);
    expect(skipped).toEqual([]);
    // Row 1's call case gets ONE list argument, as verl's str(input) gives it: loaded, but said once.
    expect(warnings).toEqual([expect.stringMatching(/^fn_name with non-text inputs: .*f\(a, b\) gets f\(\[a, b\]\).* \(1 row; first: .*verl\.jsonl line 2: reward_model\.ground_truth\.inputs\)$/)]);
    expect(problems.map((p) => p.id)).toEqual(['codecontests/0', 'codecontests/1', 'codecontests/2', 'codecontests/3', 'codecontests/5']);
    expect(problems[0]).toEqual({
      id: 'codecontests/0',
      dataSource: 'codecontests',
      prompt: [
        { role: 'system', content: 'You write Python.' },
        { role: 'user', content: 'Problem 0' },
      ],
      tests: [{ type: 'stdio', stdin: '1 2\n', stdout: '3\n' }],
      language: 'python',
      extra: { index: 0, split: 'train', ability: 'code', reward_style: 'rule' },
    });
    expect(problems[1]!.tests).toEqual([{ type: 'call', fnName: 'add', stdin: '[1, 2]', stdout: '[3]' }]);
    expect(problems[2]!.tests).toEqual([{ type: 'assert', code: 'assert add(1, 2) == 3' }]);
    expect(problems[3]!.tests).toEqual([{ type: 'stdio', stdin: '', stdout: 'hi' }]);
    expect(problems[4]!.extra).toEqual({ reward_style: 'rule' });
  });

  it('reads verl parquet (nested prompt list and reward_model struct, INT64 index)', async () => {
    const rows = [
      verlRow(7, JSON.stringify({ inputs: ['5\n'], outputs: ['25\n'] })),
      verlRow(8, JSON.stringify({ inputs: [[2]], outputs: [[4]], fn_name: 'sq' })),
      verlRow(9, 'not json at all'),
    ];
    const path = join(dir, 'verl.parquet');
    writeFileSync(path, Buffer.from(verlParquet(rows)));
    const { problems, skipped } = await loadProblems(path, { onBadRow: 'skip' });
    expect(problems.map((p) => p.id)).toEqual(['codecontests/7', 'codecontests/8']);
    expect(problems[0]!.prompt).toEqual(rows[0]!.prompt);
    expect(problems[0]!.tests).toEqual([{ type: 'stdio', stdin: '5\n', stdout: '25\n' }]);
    expect(problems[0]!.extra).toMatchObject({ index: 7, split: 'train' }); // BigInt → number
    expect(problems[1]!.tests).toEqual([{ type: 'call', fnName: 'sq', stdin: '[2]', stdout: '[4]' }]);
    // parquet rows are numbered from 0, like pandas
    expect(skipped).toEqual([
      { file: path, row: 2, reason: expect.stringMatching(/verl\.parquet row 2: reward_model\.ground_truth: not valid JSON/) },
    ]);
    await expect(loadProblems(path)).rejects.toThrow(/verl\.parquet row 2: reward_model\.ground_truth: not valid JSON/);
  });

  it('detects parquet by its magic bytes when the extension is unknown', async () => {
    const path = join(dir, 'verl.data');
    writeFileSync(path, Buffer.from(verlParquet([verlRow(1, '["assert True"]')])));
    const { problems } = await loadProblems(path);
    expect(problems[0]!.tests).toEqual([{ type: 'assert', code: 'assert True' }]);
  });
});

describe('loadProblems: bad rows', () => {
  const badPath = () =>
    writeJsonl('train.jsonl', [
      verlRow(0, { inputs: ['1'], outputs: ['1'] }),
      '{"data_source": "x", oops',
      verlRow(2, { inputs: ['1', '2'], outputs: ['1'] }),
      { ...verlRow(3, { inputs: ['1'], outputs: ['1'] }), prompt: [{ role: 'robot', content: 'hi' }] },
      verlRow(4, { inputs: ['1'], outputs: [null] }),
      verlRow(0, { inputs: ['1'], outputs: ['1'] }),
      { ...verlRow(6, { inputs: ['1'], outputs: ['1'] }), reward_model: { style: 'rule' } },
      [1, 2],
      verlRow(8, { inputs: ['1'], outputs: ['1'] }, { language: 'cpp' }),
      verlRow(9, { inputs: ['1'], outputs: ['1'] }),
    ]);

  it('skips bad rows and reports file, line and field path', async () => {
    const path = badPath();
    const { problems, skipped } = await loadProblems(path, { onBadRow: 'skip' });
    expect(problems.map((p) => p.id)).toEqual(['codecontests/0', 'codecontests/9']);
    const reasons = skipped.map((s) => s.reason.replace(path, 'train.jsonl'));
    expect(skipped.map((s) => s.row)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(reasons[0]).toMatch(/^train\.jsonl line 2: invalid JSON/);
    expect(reasons[1]).toBe('train.jsonl line 3: reward_model.ground_truth.outputs: has 1 entries but inputs has 2');
    expect(reasons[2]).toMatch(/^train\.jsonl line 4: prompt\[0\]\.role: .*"system"/);
    expect(reasons[3]).toBe('train.jsonl line 5: reward_model.ground_truth.outputs[0]: is null: expected the output text (or use assert_case)');
    expect(reasons[4]).toBe('train.jsonl line 6: id: duplicate id "codecontests/0" (first at ' + path + ' line 1)');
    expect(reasons[5]).toMatch(/^train\.jsonl line 7: reward_model\.ground_truth: ground_truth is required/);
    expect(reasons[6]).toBe('train.jsonl line 8: expected a JSON object, got a list');
    expect(reasons[7]).toMatch(/^train\.jsonl line 9: extra_info\.language: only python/);
  });

  it("is fatal with onBadRow 'fail' (the default), naming the first bad line", async () => {
    const path = badPath();
    await expect(loadProblems(path, { onBadRow: 'fail' })).rejects.toThrow(/train\.jsonl line 2: invalid JSON/);
    const err = await loadProblems(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).location).toEqual({ file: path, row: 2, kind: 'line' });
  });

  it('drops prompts longer than maxPromptChars (always skipped, with the length)', async () => {
    const path = writeJsonl('long.jsonl', [
      { id: 'short', prompt: 'x'.repeat(10), tests: [{ type: 'assert', code: 'assert 1' }] },
      { id: 'long', prompt: [{ role: 'system', content: 'y'.repeat(6) }, { role: 'user', content: 'x'.repeat(10) }], tests: [{ type: 'assert', code: 'assert 1' }] },
    ]);
    const { problems, skipped } = await loadProblems(path, { onBadRow: 'fail', maxPromptChars: 12 });
    expect(problems.map((p) => p.id)).toEqual(['short']);
    expect(skipped).toEqual([{ file: path, row: 2, reason: `${path} line 2: prompt: 16 characters > maxPromptChars 12` }]);
  });

  it('fails clearly on a missing file and on bad options', async () => {
    await expect(loadProblems(join(dir, 'nope.jsonl'))).rejects.toThrow(/data file not found: .*nope\.jsonl/);
    await expect(loadProblems(join(dir, 'own.jsonl'), { maxPromptChars: -1 })).rejects.toThrow(/maxPromptChars/);
  });

  it('reads several files and JSON arrays', async () => {
    const a = writeJsonl('a.jsonl', [{ id: 'a1', prompt: 'p', tests: [{ type: 'assert', code: 'assert 1' }] }]);
    const b = join(dir, 'b.json');
    writeFileSync(b, JSON.stringify([{ id: 'b1', prompt: 'p', tests: [{ type: 'assert', code: 'assert 1' }] }]));
    const { problems } = await loadProblems([a, b]);
    expect(problems.map((p) => p.id)).toEqual(['a1', 'b1']);
  });
});

/** A verl-layout parquet file: prompt list<struct<role, content>>, reward_model struct, extra_info struct with INT64 index. */
function verlParquet(rows: ReturnType<typeof verlRow>[]): ArrayBuffer {
  const utf8 = (name: string) => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' }) as const;
  const schema = [
    { name: 'root', num_children: 5 },
    utf8('data_source'),
    { name: 'prompt', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', repetition_type: 'OPTIONAL', num_children: 2 },
    utf8('role'),
    utf8('content'),
    utf8('ability'),
    { name: 'reward_model', repetition_type: 'OPTIONAL', num_children: 2 },
    utf8('style'),
    utf8('ground_truth'),
    { name: 'extra_info', repetition_type: 'OPTIONAL', num_children: 2 },
    { name: 'index', type: 'INT64', repetition_type: 'OPTIONAL' },
    utf8('split'),
  ] as const;
  const column = (name: keyof ReturnType<typeof verlRow>, map: (v: any) => unknown = (v) => v) => ({
    name,
    data: rows.map((r) => map(r[name])),
  });
  return parquetWriteBuffer({
    schema: schema as any,
    columnData: [
      column('data_source'),
      column('prompt'),
      column('ability'),
      column('reward_model'),
      column('extra_info', (e) => ({ index: BigInt(e.index), split: e.split })),
    ],
  });
}
