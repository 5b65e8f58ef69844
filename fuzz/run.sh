#!/usr/bin/env bash
# Runs every fuzz target in turn: `fuzz/run.sh RUNS [SECONDS]` stops each
# target after RUNS executions or SECONDS seconds, whichever comes first.
# Needs a nightly toolchain and cargo-fuzz. Prints one summary line per target;
# TARGETS="a b" limits the run to those targets.
set -euo pipefail
cd "$(dirname "$0")"
runs=${1:-1000000}
seconds=${2:-900}
status=0
for target in ${TARGETS:-$(cargo +nightly fuzz list)}; do
  mkdir -p "corpus/$target" artifacts
  log=$(mktemp)
  if cargo +nightly fuzz run "$target" "corpus/$target" -- \
      -runs="$runs" -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    verdict=ok
  else
    verdict=FAILED
    status=1
    tail -n 40 "$log"
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' || echo '?')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
  echo "$target: $verdict, $execs executions in ${secs}s, $cov"
  rm -f "$log"
done
exit $status
