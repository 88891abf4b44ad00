#!/usr/bin/env bash
# Container image reader benchmark: builds a ~1 GB `docker save` archive in a temporary
# directory (python3 tarfile: a base layer with a dpkg status and os-release, three layers of
# incompressible random files, one gzip layer of mixed text and random data; layers stored
# out of order, manifest.json last), then reads it with the release `read_image` example under
# GNU time, then runs `patchwarden inventory` on it. Prints the example's output, and for both
# the wall time, throughput and peak RSS (target: < 100 MB).
# The archive is read right after it was written, so it comes from the page cache.
#   bash bench/image.sh
#   SIZE_MB=4096 bash bench/image.sh          # a larger archive
#   READ_IMAGE_BIN=path/to/read_image PATCHWARDEN_BIN=path/to/patchwarden bash bench/image.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/time ]; then
  echo "skipping: GNU time (/usr/bin/time) not found; apt-get install time" >&2; exit 0
fi
if ! command -v python3 >/dev/null; then
  echo "skipping: python3 not found" >&2; exit 0
fi
size_mb=${SIZE_MB:-1024}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -n "${READ_IMAGE_BIN:-}" ]; then
  bin=$READ_IMAGE_BIN
else
  cargo build --release -q -p patchwarden-inventory --example read_image
  bin=target/release/examples/read_image
fi
# The whole command as users run it, on the same archive.
cli=${PATCHWARDEN_BIN:-}
if [ -z "$cli" ]; then
  cargo build --release -q -p patchwarden
  cli=target/release/patchwarden
fi

echo "building a ${size_mb} MB docker-save archive in $work ..." >&2
python3 - "$work" "$size_mb" <<'PY'
import gzip, hashlib, io, json, os, random, shutil, sys, tarfile

work, size_mb = sys.argv[1], int(sys.argv[2])
MB = 1 << 20
rng = random.Random(42)

def info(name, kind=tarfile.REGTYPE, size=0, link=""):
    ti = tarfile.TarInfo(name)
    ti.type, ti.size, ti.linkname, ti.mtime = kind, size, link, 0
    ti.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    return ti

def add(tf, name, data):
    tf.addfile(info(name, size=len(data)), io.BytesIO(data))

def random_files(tf, prefix, budget, text_share=0.0):
    """Files of 4 KiB..4 MiB until `budget` bytes: random bytes, or text when asked."""
    written, n = 0, 0
    words = [b"alpha", b"beta", b"gamma", b"delta", b"libssl3", b"openssl", b"3.0.11-1"]
    while written < budget:
        size = rng.randint(4 << 10, 64 << 10) if rng.random() < 0.7 else rng.randint(256 << 10, 4 << 20)
        size = min(size, budget - written)
        if rng.random() < text_share:
            line = b" ".join(rng.choice(words) for _ in range(12)) + b"\n"
            data = (line * (size // len(line) + 1))[:size]
        else:
            data = os.urandom(size)
        if n % 500 == 0:
            tf.addfile(info(f"{prefix}/d{n // 500}/", tarfile.DIRTYPE))
        add(tf, f"{prefix}/d{n // 500}/f{n}.bin", data)
        written += size
        n += 1

def dpkg_status(count=700):
    out = []
    for i in range(count):
        out.append(f"Package: pkg{i}\nStatus: install ok installed\nPriority: optional\n"
                   f"Architecture: amd64\nVersion: 1.{i}.0-1\nDescription: package {i}\n\n")
    return "".join(out).encode()

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(MB):
            h.update(chunk)
    return h.hexdigest()

budget = size_mb * MB
layers = []  # (stored path, diff_id)

def layer(name, build, compress=False):
    path = os.path.join(work, name + ".tar")
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tf:
        build(tf)
    diff_id = sha256_file(path)
    if compress:
        with open(path, "rb") as src, gzip.open(path + ".gz", "wb", compresslevel=1) as dst:
            shutil.copyfileobj(src, dst, MB)
        os.remove(path)
        path += ".gz"
    layers.append((path, diff_id))

def base(tf):
    for d in ["etc/", "usr/", "usr/lib/", "var/", "var/lib/", "var/lib/dpkg/"]:
        tf.addfile(info(d, tarfile.DIRTYPE))
    tf.addfile(info("etc/os-release", tarfile.SYMTYPE, link="../usr/lib/os-release"))
    add(tf, "usr/lib/os-release", b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n')
    add(tf, "var/lib/dpkg/status", dpkg_status())
    random_files(tf, "usr/share", int(budget * 0.15))

layer("base", base)
for i in range(3):
    layer(f"data{i}", lambda tf, i=i: random_files(tf, f"opt/data{i}", int(budget * 0.25)))

def app(tf):
    add(tf, "app/package-lock.json", b'{"name":"app","lockfileVersion":3,"packages":{}}\n')
    random_files(tf, "app/assets", int(budget * 0.2), text_share=0.5)

layer("app", app, compress=True)

config = json.dumps({"architecture": "amd64", "os": "linux",
                     "rootfs": {"type": "layers", "diff_ids": ["sha256:" + d for _, d in layers]}}).encode()
config_name = hashlib.sha256(config).hexdigest() + ".json"
names = [sha256_file(p) + "/layer.tar" for p, _ in layers]
order = list(range(len(layers)))
rng.shuffle(order)
with tarfile.open(os.path.join(work, "image.tar"), "w", format=tarfile.GNU_FORMAT) as out:
    for i in order:
        out.addfile(info(names[i].split("/")[0] + "/", tarfile.DIRTYPE))
        out.add(layers[i][0], arcname=names[i])
        os.remove(layers[i][0])
    add(out, config_name, config)
    add(out, "manifest.json", json.dumps([{"Config": config_name, "RepoTags": ["bench/image:latest"],
                                           "Layers": names}]).encode())
PY

report() { # label, time file
  local secs rss_kb
  read -r secs rss_kb < "$2"
  awk -v l="$1" -v s="$secs" -v kb="$rss_kb" -v b="$bytes" 'BEGIN {
    printf "%s: archive %.0f MB, wall %.2f s, %.0f MB/s, peak RSS %.1f MB (target < 100 MB: %s)\n",
      l, b / 1e6, s, b / 1e6 / (s > 0 ? s : 0.01), kb / 1024, (kb / 1024 < 100 ? "ok" : "OVER")
  }'
}
bytes=$(stat -c %s "$work/image.tar")
/usr/bin/time -f '%e %M' -o "$work/time" "$bin" "$work/image.tar" > "$work/out"
cat "$work/out"
/usr/bin/time -f '%e %M' -o "$work/time-cli" "$cli" inventory "$work/image.tar" --format json > "$work/cli.json"
echo "patchwarden inventory: $(grep -c '"purl"' "$work/cli.json") components"
report "read_image example" "$work/time"
report "patchwarden inventory" "$work/time-cli"
