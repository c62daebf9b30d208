import { describe, expect, it } from 'vitest';
import { CharTokenizer, CHAR_SPECIAL_TOKENS } from '../../src/tokenizer/char.js';
import { loadTokenizer } from '../../src/tokenizer/load.js';

const tok = new CharTokenizer();

describe('CharTokenizer', () => {
  it('round-trips printable ASCII, newlines and tabs, one id per character', () => {
    const text = 'def f(x):\n\treturn x ** 2  # ~`!@{}[]|\\"\'<>?';
    const ids = tok.encode(text);
    expect(ids.length).toBe(text.length);
    expect(tok.decode(ids)).toBe(text);
    expect(new Set(ids).size).toBe(new Set(text).size);
    for (const id of ids) expect(id).toBeLessThan(tok.vocabSize);
  });

  it('encodes special tokens as single ids and can skip them when decoding', () => {
    const ids = tok.encode('<|user|>hi<|end|>');
    expect(ids).toEqual([tok.specialTokenId('<|user|>'), ...tok.encode('hi'), tok.eosTokenId]);
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe('hi');
    expect(tok.decode(ids)).toBe('<|user|>hi<|end|>');
    // a non-special <|...|> is plain characters
    expect(tok.encode('<|x|>').length).toBe(5);
    expect(CHAR_SPECIAL_TOKENS.map((t) => tok.encode(t).length)).toEqual(CHAR_SPECIAL_TOKENS.map(() => 1));
    expect(tok.eosTokenId).toBe(tok.specialTokenId('<|end|>'));
    expect(tok.padTokenId).toBe(tok.specialTokenId('<|pad|>'));
  });

  it('maps characters outside its alphabet to <|unk|>', () => {
    expect(tok.encode('é')).toEqual([tok.unkTokenId]);
  });

  it('renders its chat template and opens the assistant turn on request', () => {
    const msgs = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'Write f.' },
    ];
    expect(tok.applyChatTemplate(msgs)).toBe('<|system|>Be brief.<|end|><|user|>Write f.<|end|>');
    const withGen = tok.applyChatTemplate(msgs, { addGenerationPrompt: true });
    expect(withGen.endsWith('<|end|><|assistant|>')).toBe(true);
    expect(tok.decode(tok.encode(withGen))).toBe(withGen);
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => tok.decode([tok.vocabSize])).toThrow(/outside the vocabulary/);
  });

  it('loadTokenizer("char") gives the char tokenizer; a missing directory is a clear error', async () => {
    expect((await loadTokenizer('char')).vocabSize).toBe(tok.vocabSize);
    await expect(loadTokenizer('/nonexistent/model-dir')).rejects.toThrow(/tokenizer directory not found: \/nonexistent\/model-dir/);
  });
});
