// A character-level tokenizer for toy policies: one id per printable ASCII character (plus \n and \t),
// and single ids for a few chat special tokens. Small enough for a tiny transformer to learn Python fences.
import type { ChatMessage, Tokenizer } from './tokenizer.js';

/** Special tokens, in id order. `<|end|>` ends a turn and is the eos token. */
export const CHAR_SPECIAL_TOKENS = ['<|pad|>', '<|end|>', '<|system|>', '<|user|>', '<|assistant|>', '<|unk|>'] as const;

const PLAIN_CHARS: string[] = ['\n', '\t'];
for (let c = 32; c <= 126; c++) PLAIN_CHARS.push(String.fromCharCode(c));

export class CharTokenizer implements Tokenizer {
  readonly vocabSize = CHAR_SPECIAL_TOKENS.length + PLAIN_CHARS.length;
  readonly padTokenId = 0;
  readonly eosTokenId = 1;
  readonly unkTokenId = 5;
  private readonly idOf = new Map<string, number>();
  private readonly strOf: string[] = [];

  constructor() {
    for (const t of [...CHAR_SPECIAL_TOKENS, ...PLAIN_CHARS]) {
      this.idOf.set(t, this.strOf.length);
      this.strOf.push(t);
    }
  }

  /** Id of a special token by its text, e.g. '<|user|>'. */
  specialTokenId(token: (typeof CHAR_SPECIAL_TOKENS)[number]): number {
    return this.idOf.get(token)!;
  }

  /** Special-token strings in the text become their single ids; characters outside the alphabet become <|unk|>. */
  encode(text: string, _opts?: { addSpecialTokens?: boolean }): number[] {
    const ids: number[] = [];
    let i = 0;
    while (i < text.length) {
      if (text.startsWith('<|', i)) {
        const close = text.indexOf('|>', i + 2);
        const id = close >= 0 ? this.idOf.get(text.slice(i, close + 2)) : undefined;
        if (id !== undefined && id < CHAR_SPECIAL_TOKENS.length) {
          ids.push(id);
          i = close + 2;
          continue;
        }
      }
      ids.push(this.idOf.get(text[i]!) ?? this.unkTokenId);
      i++;
    }
    return ids;
  }

  decode(ids: number[], opts?: { skipSpecialTokens?: boolean }): string {
    let out = '';
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new Error(`char tokenizer: token id ${id} is outside the vocabulary [0, ${this.vocabSize})`);
      }
      if (opts?.skipSpecialTokens && id < CHAR_SPECIAL_TOKENS.length) continue;
      out += this.strOf[id];
    }
    return out;
  }

  /** `<|role|>content<|end|>` per message; the generation prompt opens an assistant turn. */
  applyChatTemplate(messages: ChatMessage[], opts?: { addGenerationPrompt?: boolean }): string {
    let out = '';
    messages.forEach((m, i) => {
      if (m.role !== 'system' && m.role !== 'user' && m.role !== 'assistant') {
        throw new Error(`char chat template: message ${i} has unknown role "${String(m.role)}"`);
      }
      out += `<|${m.role}|>${m.content}<|end|>`;
    });
    if (opts?.addGenerationPrompt) out += '<|assistant|>';
    return out;
  }
}
