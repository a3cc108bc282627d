#!/usr/bin/env bash
# Creates a local GitOps repository (bare, used as the remote) matching Config/slipway.example.json, once.
set -euo pipefail
remote=${1:-var/gitops-remote.git}
[ -d "$remote" ] && exit 0
mkdir -p "$(dirname "$remote")"
git init -q --bare -b main "$remote"
work=$(mktemp -d)
git -C "$work" init -q -b main
for env in staging prod; do
  for svc in shop api; do
    d="$work/clusters/$env/$svc"
    mkdir -p "$d"
    cat > "$d/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: $svc-$env
resources:
  - deployment.yaml
images:
  - name: ghcr.io/nortinia-ltd/$svc
    newTag: main-0000000 # {"\$imagepolicy": "flux-system:$svc-$env:tag"}
YAML
    cat > "$d/deployment.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $svc
spec:
  selector:
    matchLabels: {app: $svc}
  template:
    metadata:
      labels: {app: $svc}
    spec:
      containers:
        - name: $svc
          image: ghcr.io/nortinia-ltd/$svc:main-0000000
YAML
  done
done
git -C "$work" add -A
git -C "$work" -c user.name=Slipway -c user.email=slipway@example.invalid commit -q -m "Initial GitOps layout"
git -C "$work" push -q "$(cd "$remote" && pwd)" main
rm -rf "$work"
echo "created demo GitOps remote at $remote"
