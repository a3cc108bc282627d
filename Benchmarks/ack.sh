#!/usr/bin/env bash
# Signed /status ack throughput and p99 at 32 connections against a running Slipway, and nginx serving a static
# 200 in the same run; prints both per round and the median ratio (goal ≥ 0.8× nginx, p99 ≤ 5 ms). For context it
# also measures, on the same server, the signature check alone and GET /healthz, each against the median nginx
# figure. DURATION (10s) and ROUNDS (3) adjust it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-packages.sh libcurl4-openssl-dev libssl-dev libmicrohttpd-dev libsqlite3-dev libpq-dev libwebsockets-dev git nginx wrk
swift build -c release --product slipway >/dev/null
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT
scripts/demo-gitops.sh "$dir/gitops.git" >/dev/null
python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
c = json.load(open("Config/slipway.example.json"))
c["server"]["port"] = 18080
c["store"] = {"sqlite": {"path": d + "/slipway.sqlite"}}
c["gitops"]["url"] = d + "/gitops.git"
c["gitops"]["checkout"] = d + "/checkout"
json.dump(c, open(d + "/slipway.json", "w"))
PY
export SLACK_SIGNING_SECRET=bench-secret SLACK_BOT_TOKEN=xoxb-bench SLIPWAY_WEBHOOK_SECRET=w FLUX_WEBHOOK_TOKEN=f PAGERDUTY_ROUTING_KEY=r
.build/release/slipway serve --config "$dir/slipway.json" 2>"$dir/slipway.log" &
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18080/ready >/dev/null && break; sleep 0.1; done

cat > "$dir/nginx.conf" <<NGINX
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:18081; location / { return 200 "ok"; } } }
NGINX
nginx -c "$dir/nginx.conf" -g 'daemon off;' &
sleep 0.5

ts=$(date +%s)
body="token=x&team_id=T0001&team_domain=bench&channel_id=C0DEPLOYS&channel_name=deploys&user_id=U0ALICE&user_name=alice&command=%2Fstatus&text=shop+prod&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1%2F2%2F3&trigger_id=1.2.3"
# signed_script NAME BODY: a wrk script that POSTs BODY signed as Slack signs it, after checking that Slipway
# accepts it.
signed_script() {
    local sig
    sig="v0=$(printf 'v0:%s:%s' "$ts" "$2" | openssl dgst -sha256 -hmac "$SLACK_SIGNING_SECRET" | awk '{print $NF}')"
    cat > "$dir/$1.lua" <<LUA
wrk.method = "POST"
wrk.body = "$2"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-Slack-Request-Timestamp"] = "$ts"
wrk.headers["X-Slack-Signature"] = "$sig"
LUA
    local check
    check=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "X-Slack-Request-Timestamp: $ts" -H "X-Slack-Signature: $sig" --data "$2" http://127.0.0.1:18080/slack/commands)
    [ "$check" = 200 ] || { echo "signed $1 request answered $check" >&2; exit 1; }
}
signed_script status "$body"
# The same form with ssl_check=1: verified, then answered with an empty 200 (no command, store or reply).
signed_script sslcheck "ssl_check=1&$body"

duration=${DURATION:-10s}
rounds=${ROUNDS:-3}
rps() { awk '/Requests\/sec/ {print $2}' <<<"$1"; }
p99() { awk '/ 99%/ {print $2}' <<<"$1"; }
# The two run in turn, several rounds, and the median ratio is reported: on a shared 2-core machine both numbers
# drift by several percent from minute to minute, their ratio much less.
ratios=()
nginx=()
for round in $(seq 1 "$rounds"); do
    slip=$(wrk -t2 -c32 -d"$duration" --latency -s "$dir/status.lua" http://127.0.0.1:18080/slack/commands)
    ngx=$(wrk -t2 -c32 -d"$duration" --latency http://127.0.0.1:18081/)
    s=$(rps "$slip"); n=$(rps "$ngx")
    ratio=$(python3 -c "print(round($s/$n, 2))")
    ratios+=("$ratio")
    nginx+=("$n")
    echo "round $round: slipway signed /status $s req/s, p99 $(p99 "$slip"); nginx static 200 $n req/s, p99 $(p99 "$ngx"); ratio ${ratio}×"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
versus() { python3 -c "print(round($1/$(median "${nginx[@]}"), 2))"; }
# Context, from the same server: the signature check alone on the same signed body (what any handler must pay
# before doing anything), and GET /healthz (libmicrohttpd and routing, no body, signature, form or store).
floor=$(wrk -t2 -c32 -d"$duration" --latency -s "$dir/sslcheck.lua" http://127.0.0.1:18080/slack/commands)
echo "slipway signed ssl_check: $(rps "$floor") req/s, p99 $(p99 "$floor"), $(versus "$(rps "$floor")")× nginx (verification alone, same body)"
bare=$(wrk -t2 -c32 -d"$duration" --latency http://127.0.0.1:18080/healthz)
echo "slipway GET /healthz:     $(rps "$bare") req/s, p99 $(p99 "$bare"), $(versus "$(rps "$bare")")× nginx (the HTTP layer alone)"
echo "ratio: $(median "${ratios[@]}")× nginx, median of $rounds rounds (goal ≥ 0.8×, p99 ≤ 5 ms)"
