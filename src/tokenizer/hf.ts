// Hugging Face tokenizers from a LOCAL model directory through @huggingface/transformers.
// Remote loading is switched off before every load: a missing file is an error, never a download.
import fs from 'node:fs';
import path from 'node:path';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { ChatMessage, Tokenizer } from './tokenizer.js';

export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;

  constructor(
    readonly inner: PreTrainedTokenizer,
    readonly dir: string,
  ) {
    // model.vocab includes the added tokens (transformers.js writes them in by id).
    const vocab = (inner as unknown as { model: { vocab: unknown[] } }).model.vocab;
    this.vocabSize = vocab.length;
    const eos = (inner as unknown as { eos_token_id?: number }).eos_token_id;
    if (eos === undefined) throw new Error(`tokenizer in ${dir} defines no eos_token (tokenizer_config.json)`);
    this.eosTokenId = eos;
    this.padTokenId = (inner as unknown as { pad_token_id?: number }).pad_token_id ?? eos;
  }

  encode(text: string, opts?: { addSpecialTokens?: boolean }): number[] {
    return this.inner.encode(text, { add_special_tokens: opts?.addSpecialTokens ?? false });
  }

  decode(ids: number[], opts?: { skipSpecialTokens?: boolean }): string {
    if (ids.length === 0) return '';
    return this.inner.decode(ids, { skip_special_tokens: opts?.skipSpecialTokens ?? false });
  }

  applyChatTemplate(messages: ChatMessage[], opts?: { addGenerationPrompt?: boolean }): string {
    if (!(this.inner as unknown as { chat_template?: unknown }).chat_template) {
      throw new Error(`tokenizer in ${this.dir} has no chat_template (tokenizer_config.json)`);
    }
    const out = this.inner.apply_chat_template(messages.map((m) => ({ role: m.role, content: m.content })), {
      tokenize: false,
      add_generation_prompt: opts?.addGenerationPrompt ?? false,
    });
    if (typeof out !== 'string') throw new Error('chat template did not render to a string');
    return out;
  }
}

/** Load tokenizer.json + tokenizer_config.json from a local directory. No network, ever. */
export async function loadHfTokenizer(dir: string): Promise<HfTokenizer> {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    throw new Error(`tokenizer directory not found: ${abs}`);
  }
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) {
    if (!fs.existsSync(path.join(abs, f))) throw new Error(`tokenizer file missing: ${path.join(abs, f)}`);
  }
  // Imported lazily: the package loads onnxruntime-node's native addon, which may be loaded by one thread only
  // (a second thread gets "Module did not self-register"), so rollout workers must never import it.
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.useFSCache = false;
  env.useBrowserCache = false;
  // An absolute path is not a valid hub model id, so transformers.js reads it as is (not under env.localModelPath).
  const inner = await AutoTokenizer.from_pretrained(abs, { local_files_only: true });
  return new HfTokenizer(inner, abs);
}
