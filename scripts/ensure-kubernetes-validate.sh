#!/usr/bin/env bash
# Installs kubernetes-validate from PyPI (the Kubernetes JSON schemas ship inside the package, so validating needs
# no network afterwards) for scripts/check-kubernetes.sh.
set -euo pipefail
python3 -c "import kubernetes_validate" >/dev/null 2>&1 && exit 0
python3 -m pip install -q kubernetes-validate 2>/dev/null \
  || python3 -m pip install -q --break-system-packages kubernetes-validate
python3 -c "import kubernetes_validate" || { echo "kubernetes-validate installed but python3 cannot import it" >&2; exit 1; }
