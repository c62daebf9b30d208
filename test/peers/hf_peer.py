"""Hugging Face transformers as the reference for rl's checkpoint tests (CPU torch, float32).

  python hf_peer.py make JOB.json    build tiny random models with transformers itself and save them exactly as
                                     transformers does (dtype, max_shard_size), tokenizer saved by AutoTokenizer
  python hf_peer.py warp JOB.json    apply transformers' sampling warpers to a logits row, in the order generate()
                                     applies them (temperature, top-k, top-p), for each of the given settings, and
                                     answer the surviving token ids with their log-probs
  python hf_peer.py check JOB.json   load model directories with AutoModelForCausalLM / AutoTokenizer (float32),
                                     recording every warning, and answer: per-token log-probs of given ids, greedy
                                     continuations, token ids of prompt/completion pairs, decoded text

JOB.json is a list of tasks; one JSON list of results is printed on stdout. One process serves a whole test
file (importing torch costs seconds).
"""
import json
import logging
import sys
import warnings

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

ARCH = {
    "qwen2": (transformers.Qwen2Config, transformers.Qwen2ForCausalLM),
    "llama": (transformers.LlamaConfig, transformers.LlamaForCausalLM),
    "qwen3": (transformers.Qwen3Config, transformers.Qwen3ForCausalLM),
}


class Recorder(logging.Handler):
    """Collects transformers' log warnings (and Python warnings) raised while loading."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def recording(fn):
    rec = Recorder()
    logger = logging.getLogger("transformers")
    logger.addHandler(rec)
    transformers.logging.set_verbosity_warning()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = fn()
        finally:
            logger.removeHandler(rec)
    return out, rec.messages + [str(w.message) for w in caught]


def make(task):
    cfg_cls, model_cls = ARCH[task["arch"]]
    tok = AutoTokenizer.from_pretrained(task["tokenizer_src"])
    cfg = cfg_cls(**task["config"])
    torch.manual_seed(task.get("seed", 0))
    model = model_cls(cfg)
    std = task.get("std", 0.3)
    with torch.no_grad():
        # Larger than the default init so that the distributions are peaked and differ from token to token.
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.normal_(0, std)
    model = model.to(getattr(torch, task.get("dtype", "float32")))
    kwargs = {"max_shard_size": task["max_shard_size"]} if task.get("max_shard_size") else {}
    model.save_pretrained(task["out"], **kwargs)
    tok.save_pretrained(task["out"])
    return {"out": task["out"]}


def check(task):
    d = task["model"]
    model, load_warnings = recording(lambda: AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32))
    tok, tok_warnings = recording(lambda: AutoTokenizer.from_pretrained(d))
    model.eval()
    out = {"load_warnings": load_warnings, "tokenizer_warnings": tok_warnings, "config_dtype": str(model.config.dtype)}
    with torch.no_grad():
        lps = []
        for row in task.get("score", []):
            ids = torch.tensor([row["prompt_ids"] + row["completion_ids"]])
            logp = model(ids).logits.float().log_softmax(-1)[0]
            p = len(row["prompt_ids"])
            lps.append([logp[p - 1 + t, c].item() for t, c in enumerate(row["completion_ids"])])
        out["logprobs"] = lps
        greedy = []
        for row in task.get("greedy", []):
            ids = torch.tensor([row["prompt_ids"]])
            gen = model.generate(
                ids,
                attention_mask=torch.ones_like(ids),
                do_sample=False,
                max_new_tokens=row["max_new_tokens"],
                pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else 0,
                top_k=None,
                top_p=None,
                temperature=None,
            )
            greedy.append(gen[0, ids.shape[1]:].tolist())
        out["greedy"] = greedy
    encoded = []
    for row in task.get("tokenize", []):
        if isinstance(row["prompt"], str):
            prompt = tok(row["prompt"])["input_ids"]
            text = row["prompt"]
        else:
            text = tok.apply_chat_template(row["prompt"], tokenize=False, add_generation_prompt=True)
            prompt = tok(text, add_special_tokens=False)["input_ids"]
        completion = tok(row["completion"], add_special_tokens=False)["input_ids"]
        encoded.append({"prompt_text": text, "prompt_ids": prompt, "completion_ids": completion})
    out["tokenized"] = encoded
    out["decoded"] = [tok.decode(ids) for ids in task.get("decode", [])]
    return out


def warp(task):
    from transformers.generation.logits_process import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper

    row = torch.tensor([task["logits"]], dtype=torch.float32)
    out = []
    for s in task["settings"]:
        # generate()'s order (GenerationMixin._get_logits_processor): temperature, top-k, top-p, each when active.
        warpers = []
        if s["temperature"] != 1.0:
            warpers.append(TemperatureLogitsWarper(s["temperature"]))
        if s["top_k"] != 0:
            warpers.append(TopKLogitsWarper(top_k=s["top_k"]))
        if s["top_p"] < 1.0:
            warpers.append(TopPLogitsWarper(top_p=s["top_p"]))
        scores = row
        for w in warpers:
            scores = w(None, scores)
        logp = scores.log_softmax(-1)[0]
        kept = torch.nonzero(torch.isfinite(logp)).flatten()
        out.append({"ids": kept.tolist(), "logprobs": logp[kept].tolist()})
    return out


def main():
    mode, job = sys.argv[1], json.load(open(sys.argv[2]))
    fn = {"make": make, "check": check, "warp": warp}[mode]
    print(json.dumps([fn(t) for t in job]))


if __name__ == "__main__":
    main()
