#!/usr/bin/env bash
# Python peers for parity tests and benches: a venv at .venv-peers with CPU torch, transformers, tokenizers,
# trl, pyarrow, pytest, requests, tensorboard (event-file read-back), from the machine's local wheel folders (pip config). Safe to rerun; fast when done.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${RL_PEERS_VENV:-.venv-peers}"
PKGS=(torch transformers tokenizers trl pyarrow pytest requests safetensors tensorboard)
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import torch, transformers, tokenizers, trl, pyarrow, pytest, requests, tensorboard" 2>/dev/null; then
  echo "[python.sh] $VENV ready"
  exit 0
fi
command -v python3 >/dev/null || { echo "[python.sh] python3 is missing: apt-get install python3 python3-venv" >&2; exit 1; }
python3 -m venv "$VENV"
# Only the local wheel folders: pip's default index is unreachable here and each retry costs minutes.
PIP_LOCAL=(--index-url file:///opt/pypi/simple --extra-index-url file:///opt/pypi-more/simple --find-links /opt/wheels)
"$VENV/bin/pip" install -q "${PIP_LOCAL[@]}" "${PKGS[@]}"
"$VENV/bin/python" -c "import torch, transformers; print('[python.sh] torch', torch.__version__, 'transformers', transformers.__version__)"
