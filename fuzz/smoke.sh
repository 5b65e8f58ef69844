#!/usr/bin/env bash
# CI's fuzz smoke run: builds every target and runs each for FUZZ_SECONDS
# (default 3) from its corpus. Without the ed25519 feature, so the build
# skips aws-lc-sys (minutes of C); the long runs in README.md use the
# default features. No sanitizer either: the crate denies `unsafe`, a
# panic is still a finding, and the build and runs take about half the time.
# Needs a nightly toolchain and cargo-fuzz.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-target}"
# Line tables are enough for a smoke run's backtraces.
export CARGO_PROFILE_RELEASE_DEBUG=line-tables-only
flags=(--no-default-features --sanitizer none)
cargo +nightly fuzz build "${flags[@]}"
for target in $(cargo +nightly fuzz list); do
  mkdir -p "corpus/$target"
  log=$(mktemp)
  if ! cargo +nightly fuzz run "${flags[@]}" "$target" "corpus/$target" -- \
      -max_total_time="${FUZZ_SECONDS:-3}" >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz $target: FAILED"
    exit 1
  fi
  echo "fuzz $target: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$log" || echo ok)"
  rm -f "$log"
done
