// Pulls the program out of a model completion: the last ```python block, else the first fenced block.

export interface ExtractedCode {
  code: string;
  /** The fence's info string ("python", "cpp", "" when none). */
  fence: string;
}

const FENCE = /```([^\n`]*)\n([\s\S]*?)```/g;
const PYTHON_TAGS = new Set(['python', 'python3', 'py']);

/** The chosen block with its fence tag; null when the completion has no closed fenced block (a truncated block does not count). */
export function extractCodeBlock(completion: string): ExtractedCode | null {
  const blocks: ExtractedCode[] = [];
  for (const m of completion.matchAll(FENCE)) {
    blocks.push({ fence: m[1].trim().toLowerCase(), code: m[2] });
  }
  if (!blocks.length) return null;
  const python = blocks.filter((b) => PYTHON_TAGS.has(b.fence));
  return python.length ? python[python.length - 1] : blocks[0];
}

/** The program text of a completion, or null when it has no closed fenced block. */
export function extractCode(completion: string): string | null {
  return extractCodeBlock(completion)?.code ?? null;
}
