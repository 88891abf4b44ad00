#!/usr/bin/env bash
# Portfolio re-evaluation benchmark (issue 7). Builds a synthetic portfolio with portfolio-gen
# (bench/portfolio: PROJECTS SBOMs of COMPONENTS distinct components each, default 1000 x 1000,
# sampled from the real lockfiles of lockfiles.zip), imports the OSV advisories of the
# ecosystems in it into a fresh database, records every SBOM as a project's artifact
# (`scan --record`, spread over PRODUCTS products) and prints how long that took. Then simulates
# an advisory update ROUNDS times (default 3): imports a few advisories of our own
# (PW-BENCH-2026-NNNN, every version of one of the most widespread packages of each ecosystem
# affected) with `db import --no-reevaluate`, and times `patchwarden reevaluate` (whole process;
# each round has advisories of its own, so every run has new findings to make). Does all of this
# on SQLite, then on PostgreSQL, and prints the median of each side by side
# (target: < 10 s on SQLite for 1000 x 1000; exit 1 when missed at that size).
#   bash bench/portfolio.sh
#   PROJECTS=50 COMPONENTS=200 bash bench/portfolio.sh      # a quick run
#   POSTGRES=0 bash bench/portfolio.sh                      # SQLite only
#   PATCHWARDEN_BENCH_POSTGRES_URL=postgres://user@host/emptydb bash bench/portfolio.sh
#   JOBS=1 ROUNDS=5 PRODUCTS=20 PORTFOLIO_SEED=7 bash bench/portfolio.sh
#   PATCHWARDEN_BIN=path/to/patchwarden PORTFOLIO_GEN_BIN=path/to/portfolio-gen bash bench/portfolio.sh
# Without PATCHWARDEN_BENCH_POSTGRES_URL the PostgreSQL half uses the private cluster of
# .ci/postgres.sh, in a folder and on a port of its own (PW_PG_DIR, default
# /tmp/patchwarden-bench-pg; PW_PG_PORT, default 55433; started, and stopped again at the end
# when this script started it), and a fresh database pw_bench_<pid> in it, dropped at the end.
# Needs python3; psql for that half.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${PATCHWARDEN_SHARED_DATA:-../shared/data}
if [ ! -f "$data/lockfiles.zip" ] || [ ! -d "$data/osv-all" ]; then
  echo "skipping: $data/lockfiles.zip or $data/osv-all not found" >&2; exit 0
fi
if ! command -v python3 >/dev/null; then
  echo "skipping: python3 not found" >&2; exit 0
fi
projects=${PROJECTS:-1000}
components=${COMPONENTS:-1000}
products=${PRODUCTS:-20}
rounds=${ROUNDS:-3}
jobs=${JOBS:-2}
seed=${PORTFOLIO_SEED:-7}
target_dir=${CARGO_TARGET_DIR:-target}
if [ -z "${PATCHWARDEN_BIN:-}" ] || [ -z "${PORTFOLIO_GEN_BIN:-}" ]; then
  cargo build --release -q -p patchwarden -p patchwarden-bench-portfolio
fi
bin=${PATCHWARDEN_BIN:-$target_dir/release/patchwarden}
gen=${PORTFOLIO_GEN_BIN:-$target_dir/release/portfolio-gen}
# What issue 7 adds, asked of the binary before anything is built on it.
needs() { # WORD COMMAND... : the help of COMMAND mentions WORD
  local word=$1 help; shift
  help=$("$bin" "$@" --help 2>/dev/null) || help=''
  case "$help" in
    *"$word"*) ;;
    *) echo "portfolio.sh: $bin has no \`$* $word\` (issue 7 adds it)" >&2; exit 2 ;;
  esac
}
needs --record scan
needs --artifact scan
needs --no-reevaluate db import
needs --format reevaluate

work=$(mktemp -d)
pg_db=''      # the database this script created, dropped at the end
pg_admin=''   # URL of the cluster's maintenance database, to drop it from
pg_stop=''    # set when this script started the private cluster
psql_bin=''
cleanup() {
  if [ -n "$pg_db" ]; then
    "$psql_bin" "$pg_admin" -qAt -v ON_ERROR_STOP=1 \
      -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  if [ -n "$pg_stop" ]; then
    bash .ci/postgres.sh stop 2>/dev/null || true
    rm -rf "$PW_PG_DIR"
  fi
  rm -rf "$work"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
secs() { awk -v ms="$1" 'BEGIN {printf "%.2f", ms / 1000}'; }

# --- the portfolio ------------------------------------------------------------------------------
echo "generating $projects projects x $components components (seed $seed) ..." >&2
s=$(now_ms)
"$gen" --data "$data" --out "$work/sboms" --projects "$projects" --components "$components" --seed "$seed"
echo "generated in $(secs $(($(now_ms) - s))) s ($(du -sh "$work/sboms" | cut -f1))" >&2
summary=$work/sboms/portfolio-summary.json

# The advisory files of each ecosystem in the pool (osv.dev names crates.io's archive `crates`).
osv_zips=()
while read -r eco; do
  f=$data/osv-all/${eco/crates.io/crates}-all.zip
  if [ -f "$f" ]; then osv_zips+=("$f"); else echo "no advisories for $eco: $f not found" >&2; fi
done < <(python3 -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1]))["pool"]))' "$summary")

# Our own advisories, ROUNDS sets of them: set r affects the r-th most widespread package of
# each ecosystem, every version of it. Written once, imported into each database in turn.
python3 - "$summary" "$work/advisories" "$rounds" <<'PY'
import datetime, json, os, sys
summary, out, rounds = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
n = 0
for r in range(1, rounds + 1):
    folder = os.path.join(out, str(r))
    os.makedirs(folder)
    picked = []
    for eco, top in sorted(summary["popular"].items()):
        if len(top) < r:
            continue
        pkg = top[r - 1]
        n += 1
        vid = f"PW-BENCH-2026-{n:04d}"
        record = {
            "schema_version": "1.6.0",
            "id": vid,
            "published": now,
            "modified": now,
            "summary": f"Benchmark advisory: every version of {pkg['name']} treated as affected",
            "details": "Written by bench/portfolio.sh to simulate an advisory update before "
                       "timing `patchwarden reevaluate`. It describes no real vulnerability.",
            "severity": [{"type": "CVSS_V3",
                          "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
            "affected": [{
                "package": {"ecosystem": eco, "name": pkg["name"]},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
            }],
        }
        with open(os.path.join(folder, vid + ".json"), "w") as f:
            json.dump(record, f, indent=2)
        held = pkg["projects"]
        picked.append(f"{vid} {eco}/{pkg['name']} (in {held} project{'' if held == 1 else 's'})")
    if not picked:
        sys.exit("no package in the portfolio summary to write an advisory for")
    print(f"update {r}: " + ", ".join(picked), file=sys.stderr)
PY

# --- one backend --------------------------------------------------------------------------------
record_one() { # FILE PRODUCT PROJECT; exit 255 stops xargs
  local rc=0
  "$bin" -q --database "$db" scan "$1" --record --product "$2" --project "$3" --artifact gen-1 \
    --format json -o /dev/null 2>"$work/err.$3" || rc=$?
  # 1 is the gate failing on a High or Critical finding: the artifact is recorded all the same.
  if [ "$rc" -gt 1 ]; then
    echo "recording $1 failed (exit $rc): $(head -c 1000 "$work/err.$3")" >&2; exit 255
  fi
  rm -f "$work/err.$3"
}
export -f record_one
export bin work

# bench NAME DATABASE -> sets $result_ms to the median re-evaluation time (whole process)
bench() {
  local name=$1 s e i r
  export db=$2
  echo "== $name" >&2
  s=$(now_ms)
  "$bin" -q --database "$db" db import "${osv_zips[@]}"
  echo "$name: imported ${#osv_zips[@]} OSV archives in $(secs $(($(now_ms) - s))) s" >&2
  : > "$work/jobs"
  i=0
  for f in "$work"/sboms/p*.cdx.json; do
    p=$(basename "$f" .cdx.json)
    printf '%s bench-%02d %s\n' "$f" $((i % products + 1)) "$p" >> "$work/jobs"
    i=$((i + 1))
  done
  s=$(now_ms)
  xargs -P "$jobs" -L 1 bash -c 'record_one "$@"' _ < "$work/jobs" || exit 2
  e=$(now_ms)
  echo "$name: recorded $i artifacts in $(secs $((e - s))) s ($(((e - s) / (i > 0 ? i : 1))) ms each, $jobs at a time)" >&2
  : > "$work/times"
  for r in $(seq "$rounds"); do
    "$bin" -q --database "$db" db import --no-reevaluate "$work/advisories/$r"
    s=$(now_ms)
    "$bin" -q --database "$db" reevaluate --format json > "$work/reevaluate.json"
    e=$(now_ms)
    echo $((e - s)) >> "$work/times"
    python3 - "$work/reevaluate.json" "$name" "$r" $((e - s)) "$projects" <<'PY'
import json, sys
path, name, r, wall, projects = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
try:
    out = json.load(open(path))
except ValueError as e:
    sys.exit(f"{name}: reevaluate printed no JSON object: {e}")
fields = ["projects", "components", "findings_new", "findings_closed", "findings_updated", "elapsed_ms"]
missing = [f for f in fields if f not in out]
if missing:
    sys.exit(f"{name}: reevaluate's JSON lacks {', '.join(missing)}: {out}")
print(f"{name}: update {r}: {wall / 1000:.2f} s wall, " + ", ".join(f"{f} {out[f]}" for f in fields),
      file=sys.stderr)
if out["findings_new"] <= 0:
    sys.exit(f"{name}: update {r} made no new finding; the benchmark advisories did not match")
if out["projects"] != projects:
    print(f"{name}: warning: reevaluate saw {out['projects']} projects, {projects} were recorded",
          file=sys.stderr)
PY
  done
  result_ms=$(median < "$work/times")
}

# --- SQLite -------------------------------------------------------------------------------------
bench SQLite "$work/bench.db"
sqlite_ms=$result_ms
echo "SQLite database: $(du -sh "$work/bench.db" | cut -f1)" >&2

# --- PostgreSQL ---------------------------------------------------------------------------------
pg_figure="not measured"
pg_url=${PATCHWARDEN_BENCH_POSTGRES_URL:-}
if [ -z "$pg_url" ] && [ "${POSTGRES:-1}" != 0 ]; then
  # A cluster of its own (not the test suite's, which tests may be using), unless told otherwise.
  export PW_PG_DIR=${PW_PG_DIR:-/tmp/patchwarden-bench-pg} PW_PG_PORT=${PW_PG_PORT:-55433}
  running=''
  if [ -f "$PW_PG_DIR/data/postmaster.pid" ]; then running=yes; fi
  if out=$(bash .ci/postgres.sh start); then
    eval "$out"
    [ -n "$running" ] || pg_stop=yes
    for b in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/*/bin /usr/bin; do
      if [ -n "$b" ] && [ -x "$b/psql" ]; then psql_bin=$b/psql; break; fi
    done
    if [ -n "$psql_bin" ]; then
      pg_admin=$PATCHWARDEN_TEST_POSTGRES_URL
      "$psql_bin" "$pg_admin" -qAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE pw_bench_$$" >/dev/null
      pg_db=pw_bench_$$
      pg_url=${pg_admin%/*}/$pg_db
    else
      pg_figure="not measured (psql not found)"
    fi
  else
    pg_figure="not measured (.ci/postgres.sh could not start a server)"
  fi
fi
if [ -n "$pg_url" ]; then
  bench PostgreSQL "$pg_url"
  pg_figure="$(secs "$result_ms") s"
fi

printf 're-evaluation after an advisory update, %s projects x %s components: SQLite %s s, PostgreSQL %s (target < 10 s on SQLite)\n' \
  "$projects" "$components" "$(secs "$sqlite_ms")" "$pg_figure"
if [ "$projects" = 1000 ] && [ "$components" = 1000 ] && [ "$sqlite_ms" -ge 10000 ]; then
  echo "target missed" >&2; exit 1
fi
