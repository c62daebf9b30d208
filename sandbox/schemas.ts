// zod schemas for every request the sandbox accepts (library calls and HTTP bodies alike).
import { z } from 'zod';
import type { JudgeRequest, Language, RunCodeRequest } from './contract.js';
import { SandboxRequestError } from './contract.js';

export const LANGUAGES = ['python', 'cpp', 'nodejs', 'bash'] as const satisfies readonly Language[];

/** Largest source accepted (bytes of UTF-16 text, roughly): big enough for generated tables, small enough to bound memory. */
export const MAX_CODE_CHARS = 16 * 1024 * 1024;
const MAX_TIMEOUT_S = 300;

const languageSchema = z.enum(LANGUAGES);

/** The one test-case schema: data files and sandbox requests alike (the data layer converts other shapes to it). */
export const testCaseSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('stdio'), stdin: z.string(), stdout: z.string() }),
  z.strictObject({ type: z.literal('assert'), code: z.string().min(1), stdin: z.string().optional(), stdout: z.string().optional() }),
  z.strictObject({
    type: z.literal('call'),
    fnName: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a Python identifier'),
    stdin: z.string(),
    stdout: z.string(),
  }),
]);

export const judgeRequestSchema = z
  .object({
    code: z.string().max(MAX_CODE_CHARS),
    language: languageSchema,
    tests: z.array(testCaseSchema).max(10_000),
    timeoutS: z.number().positive().max(MAX_TIMEOUT_S).optional(),
    memoryMB: z.number().int().min(16).max(65_536).optional(),
    stopOnFirstFailure: z.boolean().optional(),
    compare: z.enum(['exact', 'lenient']).optional(),
  })
  .superRefine((req, ctx) => {
    req.tests.forEach((t, i) => {
      if (t.type === 'call' && req.language !== 'python') {
        ctx.addIssue({ code: 'custom', path: ['tests', i, 'type'], message: 'call-based cases need language "python"' });
      }
      if (t.type === 'assert' && req.language === 'cpp') {
        ctx.addIssue({ code: 'custom', path: ['tests', i, 'type'], message: 'assert cases are not supported for cpp' });
      }
    });
  });

/** SandboxFusion's /run_code body. Unknown extra fields are ignored, as SandboxFusion does. */
export const runCodeRequestSchema = z.object({
  code: z.string().max(MAX_CODE_CHARS),
  language: languageSchema,
  stdin: z.string().nullish().transform((v) => v ?? undefined),
  run_timeout: z.number().positive().max(MAX_TIMEOUT_S).optional(),
  compile_timeout: z.number().positive().max(MAX_TIMEOUT_S).optional(),
  memory_limit_MB: z.number().int().min(-1).max(65_536).optional(),
  files: z.record(z.string(), z.string().base64()).optional(),
  fetch_files: z.array(z.string()).optional(),
});

export type ValidRunCodeRequest = RunCodeRequest & { language: Language };

/** "tests.2.stdout: expected string, received number" style message naming every bad field. */
export function describeZodError(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`)
    .join('; ');
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new SandboxRequestError(`invalid ${what}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

export function parseJudgeRequest(value: unknown): JudgeRequest {
  return parseOrThrow(judgeRequestSchema, value, 'judge request') as JudgeRequest;
}

export function parseRunCodeRequest(value: unknown): ValidRunCodeRequest {
  return parseOrThrow(runCodeRequestSchema, value, 'run_code request') as ValidRunCodeRequest;
}
