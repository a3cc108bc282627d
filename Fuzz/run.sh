#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/Sources/SlipwayFuzz, with -sanitize=fuzzer,address in .build-fuzz) and runs
# each for FUZZ_SECONDS (60 by default), starting from its seed corpus in Fuzz/corpus/<target>/. New inputs go to a
# working corpus under .build-fuzz/corpus/ (the committed seeds stay small); a crash, leak or hang leaves its input
# in .build-fuzz/artifacts/<target>/ and fails the run. Usage: Fuzz/run.sh [target …] (all targets by default).
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(form-decoder slash-command interaction-payload ci-webhook flux-webhook \
  kustomization-editor config-loader)
SLIPWAY_FUZZ=1 swift build --scratch-path .build-fuzz --product slipway-fuzz -Xswiftc -sanitize=fuzzer,address \
  2>&1 | grep -E "error" && exit 1
binary=.build-fuzz/debug/slipway-fuzz
failed=0
for target in "${targets[@]}"; do
  [ -d "Fuzz/corpus/$target" ] || { echo "fuzz: no seed corpus Fuzz/corpus/$target" >&2; exit 2; }
  work=.build-fuzz/corpus/$target
  artifacts=.build-fuzz/artifacts/$target
  mkdir -p "$work" "$artifacts"
  log=.build-fuzz/$target.log
  # ASan's leak check is off: the targets allocate caches on purpose; libFuzzer's -timeout catches hangs.
  SLIPWAY_FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no "$binary" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "Fuzz/corpus/$target" \
    >"$log" 2>&1
  status=$?
  runs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
  rate=$(grep -m1 'stat::average_exec_per_sec' "$log" | awk '{print $2}')
  if [ $status -eq 0 ]; then
    printf 'fuzz %-22s %8s runs  %6s exec/s  ok\n' "$target" "${runs:-?}" "${rate:-?}"
  else
    failed=1
    printf 'fuzz %-22s %8s runs  %6s exec/s  FAILED (exit %s), see %s and %s\n' "$target" "${runs:-?}" \
      "${rate:-?}" "$status" "$log" "$artifacts/"
    grep -m3 -E 'ERROR|Fatal error|panic' "$log" >&2
  fi
done
exit $failed
