#!/usr/bin/env bash
# Renders each Kubernetes overlay (Config/kubernetes/overlays/*) with `kubectl kustomize` and checks the result:
# every object against the Kubernetes JSON schemas (kubernetes-validate), Pod Security "restricted", no cluster-wide
# RBAC, a config that works in a pod, Secret templates naming every variable (scripts/check-kubernetes.py).
#
#   scripts/check-kubernetes.sh [--write-configs DIR]   # DIR/single.json, DIR/ha.json: the configs as rendered
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-kubectl.sh
scripts/ensure-kubernetes-validate.sh
rendered=$(mktemp -d)
trap 'rm -rf "$rendered"' EXIT
for overlay in single ha; do
  if ! kubectl kustomize "Config/kubernetes/overlays/$overlay" >"$rendered/$overlay.yaml" 2>"$rendered/$overlay.err"; then
    echo "problem: kubectl kustomize Config/kubernetes/overlays/$overlay failed:" >&2
    cat "$rendered/$overlay.err" >&2
    exit 1
  fi
done
python3 scripts/check-kubernetes.py "$rendered" "$@"
