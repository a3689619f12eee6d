#!/usr/bin/env bash
# Installs whatever this checkout is missing, idempotently: the npm packages (when
# node_modules is absent or older than package-lock.json) and a WebGPU device (scripts/setup-gpu.sh).
# Used by `npm run quickstart`, `npm test` (pretest) and .ci/run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (npm ci)"
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
fi
bash scripts/setup-gpu.sh
