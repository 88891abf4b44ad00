#!/usr/bin/env bash
# Advisory import benchmark (issue 4): imports every osv-all/*-all.zip of the shared data into
# a fresh SQLite database with the release binary, then imports them again unchanged.
# Prints records/s, peak RSS and the re-import speed-up.
#   bash bench/import.sh [SHARED_DATA_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-${PATCHWARDEN_SHARED_DATA:-../shared/data}}
if [ ! -d "$data/osv-all" ]; then
  echo "skipping: shared data not found at $data" >&2; exit 0
fi
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
cargo build --release -q -p patchwarden
bin=target/release/patchwarden
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
zips=("$data"/osv-all/*-all.zip)

run() { # label -> prints seconds and peak RSS (KiB)
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" -q --database "$work/bench.db" db import "${zips[@]}"
  read -r secs rss < "$work/time"
  echo "$secs $rss"
}

read -r first_s first_rss < <(run first)
records=$("$bin" --database "$work/bench.db" db status --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["advisories"])')
read -r again_s again_rss < <(run again)
python3 - "$records" "$first_s" "$first_rss" "$again_s" "$again_rss" <<'PY'
import sys
records, fs, frss, ags, arss = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
print(f"first import:   {records} advisories in {fs:.2f} s = {records/fs:,.0f} records/s, peak RSS {frss/1024:.0f} MB")
print(f"re-import:      {ags:.2f} s = {records/ags:,.0f} records/s, peak RSS {arss/1024:.0f} MB")
print(f"re-import speed-up: {fs/ags:.1f}x")
PY
