#!/usr/bin/env bash
# Approval click → commit on a local bare remote (median of ≥ 20 deploys, goal ≤ 150 ms) and distinct CI
# image-built webhooks persisted per second on SQLite (goal ≥ 5,000/s), each with a baseline from the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-packages.sh libcurl4-openssl-dev libssl-dev libmicrohttpd-dev libsqlite3-dev libpq-dev libwebsockets-dev git
swift build -c release --product slipway-bench >/dev/null
.build/release/slipway-bench deploy --deploys "${DEPLOYS:-20}" --requests "${REQUESTS:-20000}"
