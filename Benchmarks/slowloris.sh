#!/usr/bin/env bash
# Slowloris: signed /status latency from 127.0.0.2 while 127.0.0.1 holds 2,000 connections sending headers at one
# byte a second and 2,000 idle keep-alive connections (goal: p99 ≤ 50 ms, every request answered). Runs once with
# the default per-client limit and once with a limit above the load (PER_CLIENT, default 10000), so the
# server's total connection capacity and its request deadline are what keep it answering.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-packages.sh libcurl4-openssl-dev libssl-dev libmicrohttpd-dev libsqlite3-dev libpq-dev libwebsockets-dev git
swift build -c release --product slipway-bench >/dev/null
ulimit -n "$(ulimit -Hn)"
.build/release/slipway-bench slowloris --slow "${SLOW:-2000}" --idle "${IDLE:-2000}" --requests "${REQUESTS:-200}"
.build/release/slipway-bench slowloris --slow "${SLOW:-2000}" --idle "${IDLE:-2000}" --requests "${REQUESTS:-200}" \
    --per-client "${PER_CLIENT:-10000}"
