#!/usr/bin/env bash
# Server load benchmark. Seeds a SQLite database with a synthetic portfolio of FINDINGS
# findings (default 100,000, over 20 products x 20 projects, every lifecycle status, due dates
# behind and ahead, some in KEV; `patchwarden-load seed`, through the store's write path),
# cached under $CARGO_TARGET_DIR/bench-server/ and reused while the seed parameters match;
# adds an admin user with a password and an API token; starts `patchwarden serve --no-jobs`
# on a free loopback port; drives it with `patchwarden-load run`, an open-loop generator
# (RATE requests/s, default 500, latency measured from each request's scheduled time, on
# keep-alive connections) for WARMUP (default 3) + DURATION (default 20) seconds per endpoint:
#   findings   GET /api/v1/findings?limit=50 with varied filters and sorts, every third request
#              following a next_cursor                      target p99 < 50 ms
#   overview   GET /api/v1/overview (skipped when the server answers 404)   target p99 < 50 ms
#   dashboard  GET / with a session cookie (skipped when 404)               target p95 < 200 ms
# prints the figures with PASS/FAIL, and stops the server. Exit 1 when a target is missed.
# About 1.5 minutes after the build (plus ~1 minute the first time, to seed).
#   bash bench/server.sh
#   RATE=200 DURATION=10 bash bench/server.sh
#   FINDINGS=20000 bash bench/server.sh                 # a smaller portfolio (its own cache)
#   PHASES=findings bash bench/server.sh                # one endpoint only
#   RESEED=1 bash bench/server.sh                       # seed again even if cached
#   ANALYZE=1 bash bench/server.sh                      # on a copy with planner statistics
#   PATCHWARDEN_BIN=path/to/patchwarden LOAD_BIN=path/to/patchwarden-load bash bench/server.sh
set -euo pipefail
cd "$(dirname "$0")/.."
findings=${FINDINGS:-100000}
products=${PRODUCTS:-20}
projects=${PROJECTS:-20}
seed=${SEED:-7}
rate=${RATE:-500}
duration=${DURATION:-20}
warmup=${WARMUP:-3}
phases=${PHASES:-findings,overview,dashboard}
target_dir=${CARGO_TARGET_DIR:-target}
if [ -z "${PATCHWARDEN_BIN:-}" ] || [ -z "${LOAD_BIN:-}" ]; then
  cargo build --release -q -p patchwarden -p patchwarden-bench-load
fi
bin=${PATCHWARDEN_BIN:-$target_dir/release/patchwarden}
load=${LOAD_BIN:-$target_dir/release/patchwarden-load}

cache=$target_dir/bench-server
mkdir -p "$cache"
db=$cache/portfolio-$findings-$products-$projects-$seed.db
password='bench-server-password-2026'
if [ -n "${RESEED:-}" ] || [ ! -f "$db.done" ]; then
  rm -f "$db" "$db-wal" "$db-shm" "$db.done"
  echo "seeding $findings findings into $db ..." >&2
  "$load" seed --database "$db" --findings "$findings" --products "$products" \
    --projects "$projects" --seed "$seed"
  printf '%s\n' "$password" | "$bin" -q --database "$db" user add bench-admin --role admin --password-stdin
  touch "$db.done"
fi
# A fresh token each run (tokens are shown once); older ones stay valid, unused.
token_file=$cache/token
"$bin" -q --database "$db" token create --user bench-admin --name "bench-$(date +%s)" > "$token_file"
password_file=$cache/password
printf '%s\n' "$password" > "$password_file"
if [ -n "${ANALYZE:-}" ]; then
  # The store never runs ANALYZE on a database filled after its creation: measure a copy
  # that has the statistics, to compare (the cached database stays as the store leaves it).
  rm -f "$cache/analyzed.db-wal" "$cache/analyzed.db-shm"
  cp "$db" "$cache/analyzed.db"
  # The latest commits (the token) may still sit in the write-ahead log.
  if [ -f "$db-wal" ]; then cp "$db-wal" "$cache/analyzed.db-wal"; fi
  db=$cache/analyzed.db
fi
echo "database: $db ($(du -h "$db" | cut -f1))" >&2
# The store's page queries one at a time, with their plans (same SQLite as the server).
"$load" probe --database "$db" ${ANALYZE:+--analyze} >&2

log=$cache/serve.log
"$bin" --database "$db" serve --no-jobs --listen 127.0.0.1:0 2> "$log" &
server=$!
stop() { kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true; }
trap stop EXIT
address=''
for _ in $(seq 300); do
  address=$(sed -n 's/^patchwarden: listening on http:\/\/\([^ ]*\).*/\1/p' "$log" | head -1)
  [ -n "$address" ] && break
  if ! kill -0 "$server" 2>/dev/null; then
    echo "the server stopped: $(tail -5 "$log")" >&2; exit 2
  fi
  sleep 0.1
done
[ -n "$address" ] || { echo "the server printed no address within 30 s" >&2; exit 2; }
echo "server: http://$address (log: $log)" >&2
echo "load: $rate requests/s per endpoint, ${warmup} s warm-up + ${duration} s measured, $findings findings, SQLite" >&2

rc=0
"$load" run --base "http://$address" --token-file "$token_file" \
  --user bench-admin --password-file "$password_file" \
  --rate "$rate" --duration "$duration" --warmup "$warmup" --phases "$phases" \
  --json "$cache/figures.json" || rc=$?
echo "figures: $cache/figures.json" >&2
exit $rc
