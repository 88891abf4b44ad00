#!/usr/bin/env bash
# Rust parity and speed against cargo-audit. On the nushell lockfiles of lockfiles.zip,
# compares the (advisory id, crate, version) set Patchwarden reports, with the RustSec OSV
# export (osv-all/crates-all.zip) imported, to what cargo-audit reports from the RustSec
# database in its own format at the same snapshot (raw/rustsec-advisory-db.zip): the
# vulnerabilities and the informational warnings (unmaintained, unsound). Then times both,
# each from its own on-disk database (median of 5 runs, whole process), and prints
# Patchwarden's time / cargo-audit's time (target <= 0.2).
#   bash bench/cargo_audit.sh
#   CARGO_AUDIT=/path/to/cargo-audit PATCHWARDEN_BIN=target/release/patchwarden bash bench/cargo_audit.sh
#   RECORD=1 bash bench/cargo_audit.sh   # also rewrite crates/cli/tests/fixtures/cargo-audit/*.txt,
#                                        # the sets the test suite compares against
# Needs cargo-audit (cargo install cargo-audit --locked) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${PATCHWARDEN_SHARED_DATA:-../shared/data}
if [ ! -f "$data/raw/rustsec-advisory-db.zip" ]; then
  echo "skipping: $data/raw/rustsec-advisory-db.zip not found" >&2; exit 0
fi
audit=${CARGO_AUDIT:-$(command -v cargo-audit || true)}
if [ -z "$audit" ]; then
  echo "skipping: cargo-audit not found (cargo install cargo-audit --locked)" >&2; exit 0
fi
bin=${PATCHWARDEN_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release -q -p patchwarden
  bin=target/release/patchwarden
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$data" "$work" <<'PY'
import sys, zipfile, os
data, work = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(os.path.join(data, "raw/rustsec-advisory-db.zip")) as z:
    z.extractall(os.path.join(work, "rustsec"))
with zipfile.ZipFile(os.path.join(data, "lockfiles.zip")) as z:
    for name in z.namelist():
        if name.startswith("nushell__"):
            d = os.path.join(work, "locks", name.replace(".", "_"))
            os.makedirs(d)
            with open(os.path.join(d, "Cargo.lock"), "wb") as f:
                f.write(z.read(name))
PY
# The database folder is the one holding crates/ (the archive may wrap it in a folder).
db=$(dirname "$(find "$work/rustsec" -maxdepth 3 -type d -name crates | head -1)")
"$bin" -q --database "$work/pw.db" db import "$data/osv-all/crates-all.zip" >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now_ms() { date +%s%3N; }
status=0
sum_pw=0; sum_ca=0
printf '%-40s %6s %6s %6s %10s %10s %6s\n' lockfile ours audit same "ours ms" "audit ms" ratio
for dir in "$work"/locks/*; do
  lock="$dir/Cargo.lock"
  name=$(basename "$dir")
  "$bin" -q --database "$work/pw.db" scan "$lock" --format json --no-ignore-files > "$dir/pw.json"
  # cargo-audit exits 1 when it finds vulnerabilities.
  "$audit" audit --db "$db" --no-fetch --stale --file "$lock" --json > "$dir/ca.json" 2>/dev/null || true
  record=()
  if [ -n "${RECORD:-}" ]; then
    mkdir -p crates/cli/tests/fixtures/cargo-audit
    record=("crates/cli/tests/fixtures/cargo-audit/$name.txt")
  fi
  python3 - "$dir/pw.json" "$dir/ca.json" "$dir/diff.txt" "${record[@]}" <<'PY' > "$dir/counts"
import json, sys
pw = json.load(open(sys.argv[1]))
ca = json.load(open(sys.argv[2]))
ours = set()
for f in pw["findings"]:
    for a in f["advisory_ids"]:
        ours.add((a, f["package"]["name"], f["package"]["version"]))
theirs = set()
for v in ca.get("vulnerabilities", {}).get("list", []):
    theirs.add((v["advisory"]["id"], v["package"]["name"], v["package"]["version"]))
for kind, items in (ca.get("warnings") or {}).items():
    if kind in ("unmaintained", "unsound", "notice"):
        for w in items:
            adv = w.get("advisory") or {}
            if adv.get("id"):
                theirs.add((adv["id"], w["package"]["name"], w["package"]["version"]))
if len(sys.argv) > 4:
    with open(sys.argv[4], "w") as rec:
        rec.write("# What cargo-audit reports (vulnerabilities, unmaintained, unsound) for this\n")
        rec.write("# lockfile with the RustSec database of ../shared/data/raw; bench/cargo_audit.sh.\n")
        for row in sorted(theirs):
            rec.write("%s %s %s\n" % row)
with open(sys.argv[3], "w") as out:
    for row in sorted(ours - theirs):
        out.write("only patchwarden: %s %s %s\n" % row)
    for row in sorted(theirs - ours):
        out.write("only cargo-audit: %s %s %s\n" % row)
print(len(ours), len(theirs), "yes" if ours == theirs else "NO")
PY
  read -r n_pw n_ca same < "$dir/counts"
  [ "$same" = yes ] || status=1
  t_pw=$(for i in 1 2 3 4 5; do s=$(now_ms); "$bin" -q --database "$work/pw.db" scan "$lock" --format json --no-ignore-files >/dev/null; e=$(now_ms); echo $((e - s)); done | median)
  t_ca=$(for i in 1 2 3 4 5; do s=$(now_ms); "$audit" audit --db "$db" --no-fetch --stale --file "$lock" --json >/dev/null 2>&1 || true; e=$(now_ms); echo $((e - s)); done | median)
  sum_pw=$((sum_pw + t_pw)); sum_ca=$((sum_ca + t_ca))
  printf '%-40s %6s %6s %6s %10s %10s %6.2f\n' "$name" "$n_pw" "$n_ca" "$same" "$t_pw" "$t_ca" "$(awk -v a="$t_pw" -v b="$t_ca" 'BEGIN {print a / (b > 0 ? b : 1)}')"
  if [ "$same" != yes ]; then sed 's/^/    /' "$dir/diff.txt"; fi
done
awk -v a="$sum_pw" -v b="$sum_ca" 'BEGIN {printf "all nushell lockfiles: patchwarden %d ms, cargo-audit %d ms, ratio %.2f (target <= 0.2)\n", a, b, a / (b > 0 ? b : 1)}'
exit $status
