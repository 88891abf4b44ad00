#!/usr/bin/env bash
# Advisory import benchmark (issue 4): imports every osv-all/*-all.zip of the shared data into
# a fresh SQLite database with the release binary, then imports them again unchanged, twice:
# as `db import` runs by default (a file byte-identical to its last import is recognised by
# SHA-256 and not read) and with --force (every record read again; unchanged ones skipped by
# their `modified`). Prints records/s, peak RSS and the re-import speed-ups: the median of
# ROUNDS rounds (default 5), each on a fresh database, with the range seen.
#   bash bench/import.sh [SHARED_DATA_DIR]
#   ROUNDS=9 bash bench/import.sh
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-${PATCHWARDEN_SHARED_DATA:-../shared/data}}
if [ ! -d "$data/osv-all" ]; then
  echo "skipping: shared data not found at $data" >&2; exit 0
fi
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
rounds=${ROUNDS:-5}
cargo build --release -q -p patchwarden
bin=target/release/patchwarden
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
zips=("$data"/osv-all/*-all.zip)

run() { # [--force] -> prints seconds and peak RSS (KiB)
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" -q --database "$work/bench.db" db import "$@" "${zips[@]}"
  cat "$work/time"
}

: > "$work/results"
for _ in $(seq "$rounds"); do
  rm -f "$work"/bench.db*
  first=$(run)
  records=$("$bin" --database "$work/bench.db" db status --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["advisories"])')
  again=$(run)
  forced=$(run --force)
  echo "$records $first $again $forced" >> "$work/results"
done
python3 - "$work/results" <<'PY'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1])]
records = int(rows[0][0])
assert all(int(r[0]) == records for r in rows), "record counts differ between rounds"
col = lambda i: [r[i] for r in rows]
med = statistics.median
def span(xs, fmt): return f"{fmt(min(xs))}..{fmt(max(xs))}"
secs = lambda x: f"{x:.2f}"
first, first_rss, again, again_rss, forced, forced_rss = (col(i) for i in range(1, 7))
rate = [records / s for s in first]
print(f"{len(rows)} rounds, {records} advisories; medians, with the range seen")
print(f"first import:      {med(first):.2f} s = {records/med(first):,.0f} records/s (range {span(rate, lambda r: f'{r:,.0f}')}), peak RSS {med(first_rss)/1024:.0f} MB (max {max(first_rss)/1024:.0f} MB)")
print(f"re-import:         {med(again):.2f} s, peak RSS {med(again_rss)/1024:.0f} MB (unchanged files recognised by SHA-256)")
print(f"re-import speed-up: {med([f/a for f, a in zip(first, again)]):.1f}x (range {span([f/a for f, a in zip(first, again)], lambda x: f'{x:.1f}')})")
print(f"re-import --force: {med(forced):.2f} s = {records/med(forced):,.0f} records/s, peak RSS {med(forced_rss)/1024:.0f} MB (every record read, unchanged ones skipped)")
print(f"re-import --force speed-up: {med([f/a for f, a in zip(first, forced)]):.1f}x (range {span([f/a for f, a in zip(first, forced)], lambda x: f'{x:.1f}')})")
PY
