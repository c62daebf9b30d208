#!/usr/bin/env bash
# The demo's backend step: sets up the tensorflow backend when this machine has what it needs (python3 + pip,
# a C++ compiler, Node's headers, a reachable TensorFlow 2.21 wheel); otherwise says why and the demo runs on
# wasm. Never fails the demo.
cd "$(dirname "$0")/.."
# As .ci/run: on these machines only the local wheel folders answer (pip's default index would retry for minutes).
if [ -z "${RL_PIP_ARGS:-}" ] && [ -d /opt/wheels ]; then
  export RL_PIP_ARGS="--index-url file:///opt/pypi/simple --extra-index-url file:///opt/pypi-more/simple --find-links /opt/wheels"
fi
if out=$(node bin/rl.js setup tensorflow 2>&1); then
  echo "$out" | tail -1
else
  echo "[demo] tensorflow backend not set up, running on wasm: $(echo "$out" | grep -v '^\[setup tensorflow\]' | head -3)" >&2
fi
exit 0
