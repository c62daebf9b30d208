// Pulls the program out of a model completion exactly as verl's sandbox_fusion reward does: the text after the
// last "```python" up to the next fence (or the end, when the response was cut off with the fence open); else
// the second part of the text split at "```" with a one-word language line dropped; no fence at all → no code.

export interface ExtractedCode {
  code: string;
  /** Which of verl's rules found it. */
  rule: 'python_fence' | 'first_fence';
  /** The closing fence was missing (a truncated response): verl runs the code anyway. */
  unclosed: boolean;
}

export function extractCodeBlock(completion: string): ExtractedCode | null {
  const PY = '```python';
  if (completion.includes(PY)) {
    const after = completion.slice(completion.lastIndexOf(PY) + PY.length);
    const end = after.indexOf('```');
    return { code: end < 0 ? after : after.slice(0, end), rule: 'python_fence', unclosed: end < 0 };
  }
  if (completion.includes('```')) {
    const parts = completion.split('```');
    let code = parts[1]!;
    const nl = code.indexOf('\n');
    // verl: `first_line.strip().isalpha()` — a language name such as cpp or py.
    if (nl >= 0 && /^\p{L}+$/u.test(code.slice(0, nl).trim())) code = code.slice(nl + 1);
    return { code, rule: 'first_fence', unclosed: parts.length === 2 };
  }
  return null;
}

/** The program text of a completion, or null when it has no fence (verl scores that 0). */
export function extractCode(completion: string): string | null {
  return extractCodeBlock(completion)?.code ?? null;
}
