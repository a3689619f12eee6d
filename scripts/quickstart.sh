#!/usr/bin/env bash
# The README's first command: set up what is missing, then compile GPT-2 small and run it on the
# WebGPU device with seeded random weights at sequence length 64, verified against the CPU
# reference interpreter.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec node bin/archc.mjs run examples/gpt2-small.arch --seq 64 --verify "$@"
