#!/usr/bin/env bash
# Slack Socket Mode against the fake Socket Mode server (a real WebSocket over libwebsockets on loopback):
# envelope → acknowledgement latency, median and p99, for /deploy-status and /deploy lock|unlock (Slack's limit:
# 3 s), the signed HTTP /deploy-status as the in-run baseline, and the reconnect time after a refresh_requested
# disconnect (new connection open, old one closed) and after a dropped connection.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-packages.sh libcurl4-openssl-dev libssl-dev libmicrohttpd-dev libsqlite3-dev libpq-dev \
    libwebsockets-dev git
swift build -c release --product slipway-bench >/dev/null
.build/release/slipway-bench socket-mode --envelopes "${ENVELOPES:-500}" --reconnects "${RECONNECTS:-20}"
