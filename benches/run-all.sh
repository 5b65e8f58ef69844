#!/usr/bin/env bash
# Every benchmark of BENCHMARKS.md in one go: `benches/run-all.sh [RUNS]`.
# The verify table is repeated RUNS times (default 3) and reduced to median
# ratios; then the outbound and sender benches, the peers package, and the
# callgrind instruction counts. Takes a few minutes plus the builds.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
out=$(mktemp)

echo "== verify vs bare HMAC ($runs runs)"
for _ in $(seq "$runs"); do
  cargo bench --quiet --bench verify -- --sample-count 100 | tee -a "$out"
done
python3 benches/ratios.py <"$out"

echo "== outbound: signing, retry decision, idempotency claims"
cargo bench --quiet --bench outbound

echo "== sender vs bare reqwest (loopback)"
cargo bench --quiet --features sender --bench sender

echo "== queue memory per job"
cargo test --quiet --all-features --test queue_memory -- --nocapture | grep 'per queued job'

echo "== peers (separate package)"
(cd benches/peers && cargo bench --quiet)

echo "== callgrind: instructions per 1 KiB verify (soft SHA-256 under valgrind)"
cargo build --quiet --release --example verify_loop
bin="${CARGO_TARGET_DIR:-target}/release/examples/verify_loop"
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 1024 2>&1 |
    grep -o 'Collected : [0-9]*' | grep -o '[0-9]*'
}
for case in stripe github standard_webhooks; do
  verify=$(( ($(count "$case" 101) - $(count "$case" 1)) / 100 ))
  bare=$(( ($(count "bare_$case" 101) - $(count "bare_$case" 1)) / 100 ))
  echo "$case: $verify instructions per verify, bare HMAC $bare, overhead $((verify - bare))"
done
rm -f "$out"
