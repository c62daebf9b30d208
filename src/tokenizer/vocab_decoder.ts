// Decode-only view of a Hugging Face tokenizer.json, for rollout workers: they need decode() for stop strings.
// (It was written because @huggingface/transformers' onnxruntime-node addon loads on one thread only; the
// tokenizer now comes from the pure-JS @huggingface/tokenizers, which has no such limit, and this lighter view stays.)
// Supports the decoders of the model families we run: ByteLevel (GPT-2, Qwen2, Llama 3) and the
// sentencepiece-style ones (Metaspace, or Sequence of Replace ▁→space / ByteFallback / Fuse / Strip: Llama 2, Mistral).
import fs from 'node:fs';
import path from 'node:path';
import type { ChatMessage, Tokenizer } from './tokenizer.js';

type Mode = 'byte_level' | 'sentencepiece';

/** GPT-2's byte → printable unicode table, inverted: char code → byte. */
function unicodeToByte(): Map<number, number> {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  return new Map(cs.map((c, i) => [c, bs[i]!]));
}

interface DecoderJson {
  type?: string;
  decoders?: DecoderJson[];
}

function decoderMode(d: DecoderJson | null | undefined, file: string): Mode {
  if (!d) throw new Error(`${file}: no "decoder" section; the worker-side decoder needs one`);
  if (d.type === 'ByteLevel') return 'byte_level';
  if (d.type === 'Metaspace') return 'sentencepiece';
  if (d.type === 'Sequence') {
    const types = (d.decoders ?? []).map((x) => x.type);
    if (types.includes('ByteLevel')) return 'byte_level';
    if (types.every((t) => ['Replace', 'ByteFallback', 'Fuse', 'Strip', 'Metaspace'].includes(t ?? ''))) return 'sentencepiece';
    throw new Error(`${file}: decoder Sequence of [${types.join(', ')}] is not supported by the worker-side decoder`);
  }
  throw new Error(`${file}: decoder type "${d.type}" is not supported by the worker-side decoder`);
}

export class VocabDecoder implements Tokenizer {
  readonly vocabSize: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;
  private readonly tokens: string[] = [];
  private readonly added = new Map<number, { content: string; special: boolean }>();
  private readonly byteOf = unicodeToByte();
  private readonly utf8 = new TextDecoder('utf-8');

  constructor(
    readonly dir: string,
    private readonly mode: Mode,
    vocab: Record<string, number>,
    added: { id: number; content: string; special: boolean }[],
    eos: string | undefined,
    pad: string | undefined,
  ) {
    for (const [t, id] of Object.entries(vocab)) this.tokens[id] = t;
    for (const a of added) {
      this.tokens[a.id] = a.content;
      this.added.set(a.id, { content: a.content, special: a.special });
    }
    this.vocabSize = this.tokens.length;
    const idOf = (t: string | undefined) => (t === undefined ? undefined : this.tokens.indexOf(t));
    const eosId = idOf(eos);
    if (eosId === undefined || eosId < 0) throw new Error(`tokenizer in ${dir}: eos_token ${JSON.stringify(eos)} is not in the vocabulary`);
    this.eosTokenId = eosId;
    const padId = idOf(pad);
    this.padTokenId = padId !== undefined && padId >= 0 ? padId : eosId;
  }

  encode(): number[] {
    throw new Error('VocabDecoder is decode-only (rollout workers); encode in the parent with loadTokenizer()');
  }

  applyChatTemplate(_messages: ChatMessage[]): string {
    throw new Error('VocabDecoder is decode-only (rollout workers); render chat templates in the parent');
  }

  decode(ids: number[], opts?: { skipSpecialTokens?: boolean }): string {
    let out = '';
    let bytes: number[] = [];
    const flush = () => {
      if (bytes.length) out += this.utf8.decode(new Uint8Array(bytes));
      bytes = [];
    };
    for (const id of ids) {
      const a = this.added.get(id);
      if (a) {
        if (a.special && opts?.skipSpecialTokens) continue;
        flush();
        out += a.content;
        continue;
      }
      if (!Number.isInteger(id) || id < 0) throw new Error(`invalid token id ${id} for the tokenizer of ${this.dir}`);
      const t = this.tokens[id];
      // Ids past the tokenizer (a model's vocab_size is often padded, e.g. Qwen's 151,936) decode to nothing,
      // as in transformers.js and Tokenizers.js.
      if (t === undefined) continue;
      if (this.mode === 'byte_level') {
        for (const ch of t) {
          const b = this.byteOf.get(ch.codePointAt(0)!);
          if (b === undefined) {
            flush();
            out += ch;
          } else bytes.push(b);
        }
      } else {
        const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(t);
        if (m) bytes.push(parseInt(m[1]!, 16));
        else {
          flush();
          out += t.replaceAll('\u2581', ' ');
        }
      }
    }
    flush();
    // sentencepiece decoders strip the space the pre-tokenizer put before the first word
    return this.mode === 'sentencepiece' && out.startsWith(' ') ? out.slice(1) : out;
  }
}

function tokenContent(t: unknown): string | undefined {
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && typeof (t as { content?: unknown }).content === 'string') return (t as { content: string }).content;
  return undefined;
}

/** Read tokenizer.json (+ tokenizer_config.json for eos/pad) of a local model directory. */
export function loadVocabDecoder(dir: string): VocabDecoder {
  const abs = path.resolve(dir);
  const file = path.join(abs, 'tokenizer.json');
  if (!fs.existsSync(file)) throw new Error(`tokenizer file missing: ${file}`);
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    model?: { type?: string; vocab?: Record<string, number> | [string, number][] };
    added_tokens?: { id: number; content: string; special: boolean }[];
    decoder?: DecoderJson | null;
  };
  const mode = decoderMode(json.decoder, file);
  const v = json.model?.vocab;
  if (!v) throw new Error(`${file}: model.vocab is missing`);
  // BPE/WordPiece store {token: id}; Unigram stores [[token, score], ...] in id order.
  const vocab: Record<string, number> = Array.isArray(v) ? Object.fromEntries(v.map(([t], i) => [t, i])) : v;
  const cfgFile = path.join(abs, 'tokenizer_config.json');
  const cfg = fs.existsSync(cfgFile) ? (JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Record<string, unknown>) : {};
  return new VocabDecoder(abs, mode, vocab, json.added_tokens ?? [], tokenContent(cfg.eos_token), tokenContent(cfg.pad_token));
}
