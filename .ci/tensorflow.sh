#!/usr/bin/env bash
# The demo's backend step: sets up the tensorflow backend when this machine has what it needs (python3 + pip,
# a C++ compiler, Node's headers, a reachable TensorFlow 2.21 wheel); otherwise says why and the demo runs on
# wasm. Never fails the demo.
cd "$(dirname "$0")/.."
if out=$(node bin/rl.js setup tensorflow 2>&1); then
  echo "$out" | tail -1
else
  echo "[demo] tensorflow backend not set up, running on wasm: $(echo "$out" | grep -v '^\[setup tensorflow\]' | head -3)" >&2
fi
exit 0
