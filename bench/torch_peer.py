# PyTorch CPU side of bench/tensorflow.ts: the same Qwen2-shaped model in transformers, driven by commands on stdin
# so that rl and PyTorch steps can be interleaved in one run. One JSON line out per command.
#   train B T REPS   -> {"seconds": [...]}  forward + backward + AdamW of mean next-token log-prob
#   decode ROWS P NEW -> {"seconds": s, "tokens": ROWS*NEW}  greedy generate with the KV cache
import json, sys, time
import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

cfg = json.loads(sys.argv[1])
torch.manual_seed(1)
model = Qwen2ForCausalLM(Qwen2Config(
    vocab_size=cfg["vocab"], hidden_size=cfg["hidden"], intermediate_size=cfg["inter"], num_hidden_layers=cfg["layers"],
    num_attention_heads=cfg["heads"], num_key_value_heads=cfg["kv"], tie_word_embeddings=True,
    max_position_embeddings=4096, rope_theta=10000.0)).float()
opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.0)
print(json.dumps({"ready": True, "threads": torch.get_num_threads(), "torch": torch.__version__,
                  "params": sum(p.numel() for p in model.parameters())}), flush=True)

def train_step(ids):
    logits = model(input_ids=ids).logits[:, :-1].float()
    lp = torch.log_softmax(logits, -1).gather(-1, ids[:, 1:, None]).squeeze(-1)
    loss = -lp.mean()
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    return loss.item()

for line in sys.stdin:
    cmd, *a = line.split()
    if cmd == "train":
        B, T, reps = map(int, a)
        ids = torch.randint(0, cfg["vocab"], (B, T), generator=torch.Generator().manual_seed(5))
        model.train()
        out = []
        for _ in range(reps):
            t = time.perf_counter(); train_step(ids); out.append(time.perf_counter() - t)
        print(json.dumps({"seconds": out}), flush=True)
    elif cmd == "decode":
        rows, P, new = map(int, a)
        ids = torch.tensor([[(i * 37 + 11 + r) % cfg["vocab"] for i in range(P)] for r in range(rows)])
        model.eval()
        with torch.no_grad():
            t = time.perf_counter()
            g = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=new, min_new_tokens=new,
                               do_sample=False, use_cache=True, pad_token_id=0)
            s = time.perf_counter() - t
        print(json.dumps({"seconds": s, "tokens": int((g.shape[1] - P) * rows)}), flush=True)
    elif cmd == "warm":
        ids = torch.randint(0, cfg["vocab"], (2, 64))
        train_step(ids)
        with torch.no_grad():
            model.generate(input_ids=ids[:, :8], max_new_tokens=4, do_sample=False, pad_token_id=0)
        print(json.dumps({"ok": True}), flush=True)
