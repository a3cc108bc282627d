#!/usr/bin/env bash
# Rollout watch: with 1,000 services × 3 environments configured and 50 deploys in flight, Kubernetes API calls,
# bytes and CPU per poll cycle (against 20 services × 3 watching the same deploys: the in-run baseline; calls must
# not grow with idle services), and the time from the cluster reporting a rollout complete to the deploy being
# marked succeeded, with the default poll interval (goal ≤ 2 s) and with a Flux event (less).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-packages.sh libcurl4-openssl-dev libssl-dev libmicrohttpd-dev libsqlite3-dev libpq-dev libwebsockets-dev git
swift build -c release --product slipway-bench >/dev/null
.build/release/slipway-bench watch --services "${SERVICES:-1000}" --in-flight "${IN_FLIGHT:-50}" \
    --cycles "${CYCLES:-20}" --samples "${SAMPLES:-10}"
