// The contract every tokenizer meets (Hugging Face tokenizers, the character tokenizer).
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface Tokenizer {
  readonly vocabSize: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;
  /**
   * Text → ids. addSpecialTokens (default false) adds what the model's post-processor adds to plain text
   * (e.g. Llama's BOS); rendered chat templates already contain them, and completions must not get them.
   */
  encode(text: string, opts?: { addSpecialTokens?: boolean }): number[];
  decode(ids: number[], opts?: { skipSpecialTokens?: boolean }): string;
  /** Render messages with the model's chat template (addGenerationPrompt opens the assistant turn). */
  applyChatTemplate(messages: ChatMessage[], opts?: { addGenerationPrompt?: boolean }): string;
}
