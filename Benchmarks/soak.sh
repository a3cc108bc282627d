#!/usr/bin/env bash
# Soak: a real release `slipway serve` (SQLite store) against the test fakes, driven for SOAK_SECONDS (600 by
# default) with a steady mix of signed slash commands, CI image-built webhooks (automatic staging deploys) and
# `/deploy` commands. Prints RSS, open file descriptors, outbox depth and deploy counts every SOAK_SAMPLE seconds
# (30), then RSS at start, after warm-up (SOAK_WARMUP seconds, 120 by default) and at the end: after warm-up the
# memory should stay flat.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-packages.sh libcurl4-openssl-dev libssl-dev libmicrohttpd-dev libsqlite3-dev libpq-dev libwebsockets-dev git
seconds=${SOAK_SECONDS:-600}
warmup=${SOAK_WARMUP:-$(( seconds / 5 < 120 ? seconds / 5 : 120 ))}
[ "$warmup" -gt 0 ] || warmup=1
# SOAK_BUILD=debug measures the debug build (quicker to build; larger numbers).
build=${SOAK_BUILD:-release}
swift build -c "$build" --product slipway >/dev/null
swift build -c "$build" --product slipway-bench >/dev/null
exec ".build/$build/slipway-bench" soak --seconds "$seconds" --sample "${SOAK_SAMPLE:-30}" --warm-up "$warmup"
