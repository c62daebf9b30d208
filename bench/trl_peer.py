# TRL side of bench/rl_step.ts: TRL's GRPOTrainer on the same Hugging Face model directory and prompts as `rl train`,
# CPU, no vLLM, offline, with a reward function that runs each completion's code against the problem's stdin/stdout
# tests in python3 subprocesses (one per test case, 4 completions at a time: the local sandbox's cost class).
# One optimizer step per 8 prompts × n completions (per-device batch = prompts × n, no gradient accumulation), like
# rl's actor.ppo_mini_batch_size = prompts. A callback times each optimizer step (on_step_begin → on_step_end: the
# generation, reward, loss, backward and optimizer step all happen inside it); generation and reward are timed
# separately by wrapping model.generate and the reward function.
# Usage: python bench/trl_peer.py '{"model": DIR, "data": JSONL, "out": DIR, "n": 8, "prompts": 8, "max_len": 128,
#                                   "steps": 4, "threads": 2, "concurrency": 4}'
# Prints progress to stderr and one JSON line to stdout at the end.
import json, os, re, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor

cfg = json.loads(sys.argv[1])
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch
torch.set_num_threads(int(cfg.get("threads", 2)))
import transformers, trl
from datasets import Dataset
from transformers import TrainerCallback
from trl import GRPOConfig, GRPOTrainer

rows = [json.loads(l) for l in open(cfg["data"]) if l.strip()][: cfg["prompts"]]
dataset = Dataset.from_list([{"prompt": r["prompt"], "tests": json.dumps(r["tests"])} for r in rows])

FENCE = re.compile(r"```(?:python|py)?\n(.*?)(?:```|$)", re.S)

def extract(text):
    m = FENCE.search(text)
    return m.group(1) if m else text

def run_case(file, case):
    try:
        p = subprocess.run(["python3", file], input=case["stdin"], capture_output=True, text=True, timeout=2)
        return p.returncode == 0 and p.stdout.rstrip("\n") == case["stdout"].rstrip("\n")
    except subprocess.TimeoutExpired:
        return False

def judge(code, tests):
    # Like rl's harness: the program in a file of its own temp dir, every test case in its own python3 process.
    with tempfile.TemporaryDirectory() as d:
        file = os.path.join(d, "main.py")
        with open(file, "w", encoding="utf-8", errors="replace") as f:
            f.write(code)
        return float(all(run_case(file, c) for c in tests))

pool = ThreadPoolExecutor(int(cfg.get("concurrency", 4)))
times = {"reward": [], "gen": []}

def reward_fn(completions, tests, **kw):
    t = time.perf_counter()
    texts = [c[-1]["content"] if isinstance(c, list) else c for c in completions]
    out = list(pool.map(lambda a: judge(extract(a[0]), json.loads(a[1])), zip(texts, tests)))
    times["reward"].append(time.perf_counter() - t)
    return out

class StepTimer(TrainerCallback):
    def __init__(self):
        self.t = None
        self.steps = []
        self.lengths = []
    def on_log(self, args, state, control, logs=None, **kw):
        if logs and "completions/mean_length" in logs:
            self.lengths.append(float(logs["completions/mean_length"]))
    def on_step_begin(self, args, state, control, **kw):
        self.t = time.perf_counter()
    def on_step_end(self, args, state, control, **kw):
        self.steps.append(time.perf_counter() - self.t)
        print(f"[trl peer] step {len(self.steps)}: {self.steps[-1]:.2f} s", file=sys.stderr, flush=True)

B = cfg["prompts"] * cfg["n"]
args = GRPOConfig(
    output_dir=cfg["out"], use_cpu=True, bf16=False, fp16=False, report_to=[], save_strategy="no", logging_steps=1,
    max_steps=cfg["steps"], per_device_train_batch_size=B, gradient_accumulation_steps=1, num_generations=cfg["n"],
    max_completion_length=cfg["max_len"], temperature=1.0, top_p=1.0, learning_rate=1e-6, beta=0.0,
    num_iterations=1, use_vllm=False, dataloader_num_workers=0, seed=1, disable_tqdm=True,
)
timer = StepTimer()
trainer = GRPOTrainer(model=cfg["model"], reward_funcs=reward_fn, args=args, train_dataset=dataset, callbacks=[timer])
model = trainer.model
orig_generate = model.generate
def timed_generate(*a, **k):
    t = time.perf_counter()
    r = orig_generate(*a, **k)
    times["gen"].append(time.perf_counter() - t)
    return r
model.generate = timed_generate
t0 = time.perf_counter()
trainer.train()
print(json.dumps({
    "step_s": timer.steps, "gen_s": times["gen"], "reward_s": times["reward"], "wall_s": time.perf_counter() - t0,
    "threads": torch.get_num_threads(), "torch": torch.__version__, "trl": trl.__version__,
    "transformers": transformers.__version__, "params": sum(p.numel() for p in model.parameters()),
    "batch": B, "lengths": timer.lengths,
}), flush=True)
