// zod schemas for every request the sandbox accepts (library calls and HTTP bodies alike).
import { posix } from 'node:path';
import { z } from 'zod';
import type { JudgeRequest, Language, RunCodeRequest } from './contract.js';
import { COMPARE_MODES } from './compare.js';
import { SandboxRequestError } from './contract.js';

export const LANGUAGES = [
  'python', 'pytest', 'cpp', 'nodejs', 'typescript', 'java', 'go', 'rust', 'bash',
] as const satisfies readonly Language[];

/** Absolute files/fetch_files paths must lie in the container's writable tmpfs mounts. */
export const WRITABLE_ROOTS = ['/tmp', '/mnt'] as const;

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
    compare: z.enum(COMPARE_MODES).optional(),
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

/** Why a files/fetch_files path is refused (undefined: accepted): relative, or absolute under /tmp or /mnt. */
export function sandboxPathProblem(path: string): string | undefined {
  if (!path) return 'empty path';
  if (path.includes('\0')) return 'path contains a NUL byte';
  const absolute = path.startsWith('/') ? posix.normalize(path) : posix.normalize(`/tmp/work/${path}`);
  if (WRITABLE_ROOTS.some((root) => absolute === root || absolute.startsWith(`${root}/`))) return undefined;
  return `path ${JSON.stringify(path)} must be relative or under ${WRITABLE_ROOTS.join(' or ')} (the rest is read-only)`;
}

const sandboxPath = z.string().superRefine((path, ctx) => {
  const problem = sandboxPathProblem(path);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** SandboxFusion's /run_code body. Unknown extra fields are ignored, as SandboxFusion does. */
export const runCodeRequestSchema = z.object({
  code: z.string().max(MAX_CODE_CHARS),
  language: languageSchema,
  stdin: z.string().nullish().transform((v) => v ?? undefined),
  run_timeout: z.number().positive().max(MAX_TIMEOUT_S).optional(),
  compile_timeout: z.number().positive().max(MAX_TIMEOUT_S).optional(),
  memory_limit_MB: z.number().int().min(-1).max(65_536).optional(),
  files: z
    .record(z.string(), z.string().base64().nullable())
    .superRefine((files, ctx) => {
      for (const path of Object.keys(files)) {
        const problem = sandboxPathProblem(path);
        if (problem) ctx.addIssue({ code: 'custom', path: [path], message: problem });
      }
    })
    .optional(),
  fetch_files: z.array(sandboxPath).optional(),
});

export type ValidRunCodeRequest = RunCodeRequest & { language: Language };

/** "tests.2.stdout: expected string, received number" style message naming every bad field. */
export function describeZodError(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`)
    .join('; ');
}

/** A request that failed validation; `issues` give the HTTP server FastAPI's 422 `detail` list. */
export class SandboxValidationError extends SandboxRequestError {
  constructor(message: string, readonly issues: z.ZodIssue[]) {
    super(message);
  }
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new SandboxValidationError(`invalid ${what}: ${describeZodError(parsed.error)}`, parsed.error.issues);
  return parsed.data;
}

export function parseJudgeRequest(value: unknown): JudgeRequest {
  return parseOrThrow(judgeRequestSchema, value, 'judge request') as JudgeRequest;
}

export function parseRunCodeRequest(value: unknown): ValidRunCodeRequest {
  return parseOrThrow(runCodeRequestSchema, value, 'run_code request') as ValidRunCodeRequest;
}
