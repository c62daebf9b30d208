// The typed problem the trainer consumes, as zod schemas (runtime validation) and the inferred types.
import { z } from 'zod';
import type { ChatMessage } from '../tokenizer/tokenizer.js';
import type { TestCase } from '../../sandbox/contract.js';
import { testCaseSchema } from '../../sandbox/schemas.js';

export const chatMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});

export const solutionSchema = z.object({
  code: z.string(),
  /** Whether this solution passes all tests (the demo carries right and wrong ones for the SFT warm-start mix). */
  correct: z.boolean(),
});

export const problemSchema = z.object({
  id: z.string().min(1),
  dataSource: z.string().min(1),
  prompt: z.array(chatMessageSchema).min(1),
  tests: z.array(testCaseSchema).min(1),
  language: z.literal('python'),
  solutions: z.array(solutionSchema).optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
});

export type Solution = z.infer<typeof solutionSchema>;
export type Problem = z.infer<typeof problemSchema>;

// Compile-time guarantees that the schemas produce the shared contracts' types.
type Assignable<A, B> = [A] extends [B] ? true : never;
const _messageOk: Assignable<z.infer<typeof chatMessageSchema>, ChatMessage> = true;
const _caseOk: Assignable<z.infer<typeof testCaseSchema>, TestCase> = true;
const _caseBack: Assignable<TestCase, z.infer<typeof testCaseSchema>> = true;
void _messageOk;
void _caseOk;
void _caseBack;

/** The exact completion text a solution corresponds to (the trainer appends the eos token). */
export function completionFor(code: string): string {
  return '```python\n' + code + '\n```';
}

/** Total characters of a prompt's message contents (the unit of `maxPromptChars`). */
export function promptChars(prompt: ChatMessage[]): number {
  return prompt.reduce((n, m) => n + m.content.length, 0);
}
