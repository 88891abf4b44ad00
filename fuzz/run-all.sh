#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 30) and stops at the first crash.
#   bash fuzz/run-all.sh [SECONDS]
# Needs cargo-fuzz (`cargo install cargo-fuzz`). On a stable toolchain RUSTC_BOOTSTRAP=1 lets
# cargo-fuzz pass its flags; no sanitizer is used, so it runs on stable and nightly alike.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-30}
for target in $(cargo fuzz list); do
  echo "== $target (${seconds}s)"
  RUSTC_BOOTSTRAP=1 cargo fuzz run -s none "$target" -- -max_total_time="$seconds" 2>&1 \
    | grep -E "^#[0-9]+ +DONE|Done [0-9]+ runs|panicked|ERROR|SUMMARY" || true
  if [ -d "artifacts/$target" ] && [ -n "$(ls -A "artifacts/$target" 2>/dev/null)" ]; then
    echo "crash inputs kept in fuzz/artifacts/$target"; exit 1
  fi
done
