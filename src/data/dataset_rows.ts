// Rows of public code benchmarks in their released form (not converted to verl's schema): LiveCodeBench,
// MBPP and HumanEval. Each becomes a Problem with the tests its official harness runs.
import { z } from 'zod';
import { DataError, dataErrorFromZod, type RowLocation } from './errors.js';
import { decodePrivateTests } from './livecodebench.js';
import type { Problem } from './problem.js';
import { groundTruthAt } from './groundTruth.js';

export type DatasetShape = 'livecodebench' | 'mbpp' | 'humaneval';

export function datasetRowShape(row: Record<string, unknown>): DatasetShape | undefined {
  if ('public_test_cases' in row && 'question_content' in row) return 'livecodebench';
  if ('test_list' in row) return 'mbpp';
  if ('entry_point' in row && 'test' in row && 'prompt' in row) return 'humaneval';
  return undefined;
}

export function fromDatasetRow(shape: DatasetShape, row: Record<string, unknown>, loc: RowLocation): Problem {
  switch (shape) {
    case 'livecodebench':
      return fromLiveCodeBench(parse(lcbRow, row, loc), loc);
    case 'mbpp':
      return fromMbpp(parse(mbppRow, row, loc), loc);
    case 'humaneval':
      return fromHumanEval(parse(humanEvalRow, row, loc), loc);
  }
}

const lcbRow = z.object({
  question_id: z.union([z.string(), z.number()]).optional(),
  question_title: z.string().optional(),
  question_content: z.string().min(1),
  starter_code: z.string().nullish(),
  public_test_cases: z.string(),
  private_test_cases: z.string().nullish(),
  metadata: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
  platform: z.string().nullish(),
});

function fromLiveCodeBench(r: z.infer<typeof lcbRow>, loc: RowLocation): Problem {
  let metadata: Record<string, unknown> = {};
  if (typeof r.metadata === 'string' && r.metadata.trim()) {
    try {
      metadata = JSON.parse(r.metadata) as Record<string, unknown>;
    } catch (err) {
      throw new DataError(loc, 'metadata', `not valid JSON (${(err as Error).message})`);
    }
  } else if (r.metadata && typeof r.metadata === 'object') metadata = r.metadata;
  const fnName = typeof metadata['func_name'] === 'string' ? metadata['func_name'] : undefined;
  const tests = groundTruthAt(r.public_test_cases, 'public_test_cases', loc, { fnName });
  if (r.private_test_cases) {
    let text: string;
    try {
      text = decodePrivateTests(r.private_test_cases);
    } catch (err) {
      throw new DataError(loc, 'private_test_cases', (err as Error).message);
    }
    tests.push(...groundTruthAt(text, 'private_test_cases', loc, { fnName }));
  }
  const starter = r.starter_code?.trim() ? `\n\n\`\`\`python\n${r.starter_code}\n\`\`\`` : '';
  return {
    id: `livecodebench/${r.question_id ?? loc.row}`,
    dataSource: 'livecodebench',
    prompt: [{ role: 'user', content: r.question_content + starter }],
    tests,
    language: 'python',
    extra: { ...(r.platform ? { platform: r.platform } : {}), ...(fnName ? { fn_name: fnName } : {}) },
  };
}

const mbppRow = z.object({
  task_id: z.union([z.string(), z.number()]).optional(),
  text: z.string().optional(),
  prompt: z.string().optional(),
  code: z.string().optional(),
  test_list: z.array(z.string().min(1, 'empty assert statement')).min(1, 'no test cases'),
  test_setup_code: z.string().nullish(),
}).refine((r) => r.text ?? r.prompt, { message: 'an MBPP row needs text (or prompt)', path: ['text'] });

function fromMbpp(r: z.infer<typeof mbppRow>, _loc: RowLocation): Problem {
  const setup = r.test_setup_code?.trim() ? `${r.test_setup_code}\n` : '';
  const description = (r.text ?? r.prompt)!;
  return {
    id: `mbpp/${r.task_id ?? _loc.row}`,
    dataSource: 'mbpp',
    // The prompt of the MBPP paper: the task and the tests the function must pass.
    prompt: [{ role: 'user', content: `${description}\nYour code should pass these tests:\n\n${r.test_list.join('\n')}` }],
    tests: r.test_list.map((a) => ({ type: 'assert' as const, code: setup + a })),
    language: 'python',
    ...(r.code ? { solutions: [{ code: r.code, correct: true }] } : {}),
  };
}

const humanEvalRow = z.object({
  task_id: z.string().min(1),
  prompt: z.string().min(1),
  canonical_solution: z.string().optional(),
  test: z.string().min(1),
  entry_point: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a Python identifier'),
});

function fromHumanEval(r: z.infer<typeof humanEvalRow>, _loc: RowLocation): Problem {
  return {
    id: r.task_id,
    dataSource: 'humaneval',
    prompt: [{ role: 'user', content: `Complete the following Python function:\n\n\`\`\`python\n${r.prompt}\`\`\`` }],
    // HumanEval's harness: the program, then the test module, then check(entry_point).
    tests: [{ type: 'assert', code: `${r.test}\n\ncheck(${r.entry_point})` }],
    language: 'python',
    ...(r.canonical_solution ? { solutions: [{ code: r.prompt + r.canonical_solution, correct: true }] } : {}),
  };
}

function parse<S extends z.ZodType>(schema: S, row: unknown, loc: RowLocation): z.infer<S> {
  const parsed = schema.safeParse(row);
  if (!parsed.success) throw dataErrorFromZod(parsed.error, '', loc);
  return parsed.data;
}
