"""verl's code reward, restated from its definitions for the parity test (test/reward/verl_parity.test.ts).

The definitions are verl's `verl/utils/reward_score/sandbox_fusion` (compute_score + check_correctness):
extract the code, call a SandboxFusion-compatible /run_code once per case (compile and run share `timeout`),
classify each answer as True/False/-1/-2/-3/-4, mark every case after the first -4 as -4, and score the
fraction passed (of the first 10 cases when continuous). Rows in LiveCodeBench, MBPP or HumanEval form are
first turned into the ground truth a verl user would write for them.

With RL_VERL_SRC=<a verl checkout>, verl's own module scores each job too and must agree with this one.

usage: verl_score.py URL JOBS.json   (JOBS: [{"row": {...}, "completion": str, "timeout": int}])
prints: [{"score": float, "codes": [...], "verl": {"score", "codes"} | null}]
"""
import base64
import json
import os
import pickle
import sys
import threading
import urllib.error
import urllib.request
import zlib

CALL_HEADER_FROM = ["string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random",
                    "statistics", "itertools", "functools", "operator", "io", "sys", "json", "builtins", "typing"]
CALL_HEADER_IMPORT = ["string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random",
                      "statistics", "itertools", "functools", "operator", "io", "sys", "json"]


def extract(completion):
    """The program verl runs, or None for "missing code block"."""
    if "```python" in completion:
        return completion.split("```python")[-1].split("```")[0]
    if "```" not in completion:
        return None
    body = completion.split("```")[1]
    if "\n" in body:
        head, rest = body.split("\n", 1)
        if head.strip().isalpha():  # a language word on the fence line
            body = rest
    return body


def call_program(code, fn_name):
    """verl's call-based wrapper: JSON per stdin line as the arguments, result printed as JSON or str()."""
    lines = ["import traceback"]
    lines += [f"from {m} import *" for m in CALL_HEADER_FROM]
    lines += [f"import {m}" for m in CALL_HEADER_IMPORT]
    lines += ["", code, "", f"_FN = {fn_name!r}", """
def _run():
    raw = sys.stdin.read()
    args = []
    if raw.strip():
        try:
            args = [json.loads(line) for line in raw.split('\\n')]
        except json.JSONDecodeError as e:
            sys.stderr.write(f"bad JSON argument: {e}\\n")
            return None, True
    try:
        target = None
        if _FN in globals():
            target = globals()[_FN]
        elif 'Solution' in globals():
            target = getattr(globals()['Solution'](), _FN)
        if not target:
            sys.stderr.write(f"{_FN} not found\\n")
            return None, True
        return target(*args), False
    except Exception:
        sys.stderr.write(traceback.format_exc())
        return None, True

if __name__ == '__main__':
    _value, _failed = _run()
    if not _failed:
        if isinstance(_value, (dict, list, tuple)) or _value is None or isinstance(_value, bool):
            print(json.dumps(_value))
        else:
            print(str(_value))
"""]
    return "\n".join(lines)


def run_code(url, code, stdin, timeout, memory_mb):
    """One /run_code call; (answer, None) or (None, error). verl retries only a 504 (3 attempts)."""
    body = json.dumps({"compile_timeout": timeout, "run_timeout": timeout, "code": code, "stdin": stdin,
                       "memory_limit_MB": memory_mb, "language": "python", "files": {}, "fetch_files": []}).encode()
    error = None
    for _ in range(3):
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=2 * timeout + 10) as response:
                return json.loads(response.read()), None
        except urllib.error.HTTPError as e:
            error = f"HTTP {e.code}"
            if e.code != 504:
                break
        except Exception as e:  # connection refused, timeouts, bad JSON
            error = str(e)
            break
    return None, error


def classify(answer, expected):
    """verl's code for one /run_code answer."""
    status = answer.get("status")
    compiled, ran = answer.get("compile_result"), answer.get("run_result")
    if status == "Failed":
        if compiled and (compiled.get("status") in ("Error", "TimeLimitExceeded")
                         or (compiled.get("status") == "Finished" and compiled.get("return_code") != 0)):
            return -4
        if not ran:
            return -1
        if ran.get("status") == "TimeLimitExceeded":
            return -3
        if ran.get("status") == "Error" or (ran.get("status") == "Finished" and ran.get("return_code") != 0):
            return -2
        return -1
    if status == "Success":
        if not ran or ran.get("status") != "Finished":
            return -1
        out = ran.get("stdout") or ""
        return expected is None or str(out).rstrip("\n") == str(expected).rstrip("\n")
    return -1  # SandboxError or anything unknown


def case_codes(url, truth, program, timeout, memory_mb):
    inputs, outputs = truth["inputs"], truth["outputs"]
    n = len(inputs)
    asserts = truth.get("assert_case", [""] * n)
    if n == 0:
        return []
    if len(outputs) != n or len(asserts) != n:
        return [-1] * n
    codes = []
    for stdin, expected, check in zip(inputs, outputs, asserts):
        code = program + "\n\n" + check
        if truth.get("fn_name"):
            code = call_program(code, truth["fn_name"])
        answer, error = run_code(url, code, None if stdin is None else str(stdin), timeout, memory_mb)
        codes.append(-1 if error else classify(answer, expected))
    if -4 in codes:
        first = codes.index(-4)
        codes[first:] = [-4] * (n - first)
    return codes


def ground_truth(row):
    """The verl ground truth for a row: verl's own, or what a verl user writes for a benchmark's released row."""
    if "reward_model" in row:
        truth = row["reward_model"]["ground_truth"]
        return json.loads(truth) if isinstance(truth, str) else truth
    if "question_content" in row:  # LiveCodeBench: public tests as JSON, private ones base64(zlib(pickle(JSON)))
        tests = json.loads(row["public_test_cases"])
        if row.get("private_test_cases"):
            tests += json.loads(pickle.loads(zlib.decompress(base64.b64decode(row["private_test_cases"]))))
        meta = json.loads(row.get("metadata") or "{}")
        truth = {"inputs": [t["input"] for t in tests], "outputs": [t["output"] for t in tests]}
        if meta.get("func_name"):
            truth["fn_name"] = meta["func_name"]
        return truth
    if "test_list" in row:  # MBPP
        setup = row["test_setup_code"] + "\n" if (row.get("test_setup_code") or "").strip() else ""
        return {"assert_case": [setup + t for t in row["test_list"]]}
    if "entry_point" in row:  # HumanEval
        return {"assert_case": [f"{row['test']}\n\ncheck({row['entry_point']})"]}
    raise ValueError(f"unknown row shape: {sorted(row)}")


def score(url, completion, truth, timeout, memory_mb=1024, continuous=True):
    program = extract(completion)
    if program is None:
        return 0.0, []
    truth = dict(truth)
    if isinstance(truth.get("assert_case"), list):
        truth.setdefault("inputs", [""] * len(truth["assert_case"]))
        truth.setdefault("outputs", [None] * len(truth["assert_case"]))
    elif "inputs" not in truth or "outputs" not in truth:
        return 0.0, []
    codes = case_codes(url, truth, program, timeout, memory_mb)
    counted = codes[:10] if continuous else codes
    return (sum(1 for c in counted if c is True) / len(counted) if counted else 0.0), codes


def verl_module():
    """verl's sandbox_fusion package loaded from RL_VERL_SRC without importing verl (which needs torch, ray...)."""
    src = os.environ.get("RL_VERL_SRC")
    if not src:
        return None
    import importlib.util
    pkg_dir = os.path.join(src, "verl", "utils", "reward_score", "sandbox_fusion")
    spec = importlib.util.spec_from_file_location("verl_sandbox_fusion", os.path.join(pkg_dir, "__init__.py"),
                                                  submodule_search_locations=[pkg_dir])
    module = importlib.util.module_from_spec(spec)
    sys.modules["verl_sandbox_fusion"] = module
    spec.loader.exec_module(module)
    return module


def main():
    url, jobs_file = sys.argv[1], sys.argv[2]
    verl = verl_module()
    results = []
    for job in json.load(open(jobs_file)):
        truth = ground_truth(job["row"])
        s, codes = score(url, job["completion"], truth, job["timeout"])
        real = None
        if verl is not None:
            # verl's reward manager hands compute_score a semaphore (sandbox_fusion.max_concurrent); 2 = the server's pool.
            vs, meta = verl.compute_score(url, threading.Semaphore(2), 1024, job["completion"], json.dumps(truth), continuous=True,
                                          timeout=job["timeout"])
            real = {"score": vs, "codes": verl_codes(meta)}
        results.append({"score": s, "codes": codes, "verl": real})
    json.dump(results, sys.stdout)


def verl_codes(meta):
    """verl returns per-case metadata, not the codes: map its statuses back to them."""
    by_status = {"success": True, "wrong_answer": False, "runtime_error": -2, "timeout": -3, "compile_error": -4,
                 "compile_timeout": -4, "compile_error_skipped": -4}
    return [by_status.get(m.get("status"), -1) for m in meta if "case_index" in m]


if __name__ == "__main__":
    main()
