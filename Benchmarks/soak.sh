#!/usr/bin/env bash
# Soak: a real release `slipway serve` (SQLite store) against the test fakes, driven for SOAK_SECONDS (600 by
# default) with a steady mix of signed slash commands, CI image-built webhooks (automatic staging deploys) and
# `/deploy` commands. Prints RSS and its anonymous part (heap and stacks; the rest is shared libraries' pages), the
# C heap's blocks in use and free between them (slipway_heap_bytes: a leak grows the first, fragmentation the
# second), SQLite's memory, open file descriptors, outbox depth and deploy counts every SOAK_SAMPLE seconds
# (30), then RSS at start, after warm-up (SOAK_WARMUP seconds; by default half the run, at most 300) and at the end:
# after warm-up the memory should stay flat. The warm-up is the Slack replay guard's window: it remembers each signed
# request for 5 minutes, so its memory fills for 5 minutes by design; SQLite's page caches fill up to their sizes
# (the SQLite(MiB) column) as the file grows.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-packages.sh libcurl4-openssl-dev libssl-dev libmicrohttpd-dev libsqlite3-dev libpq-dev libyaml-dev libwebsockets-dev git
seconds=${SOAK_SECONDS:-600}
warmup=${SOAK_WARMUP:-$(( seconds / 2 < 300 ? seconds / 2 : 300 ))}
[ "$warmup" -gt 0 ] || warmup=1
# SOAK_BUILD=debug measures the debug build (quicker to build; larger numbers).
build=${SOAK_BUILD:-release}
swift build -c "$build" --product slipway >/dev/null
swift build -c "$build" --product slipway-bench >/dev/null
exec ".build/$build/slipway-bench" soak --seconds "$seconds" --sample "${SOAK_SAMPLE:-30}" --warm-up "$warmup"
