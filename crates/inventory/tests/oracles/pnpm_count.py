#!/usr/bin/env python3
"""Counts distinct registry (name, version) packages under `packages:` of pnpm-lock.yaml files,
independently of the Rust parser: two-space-indented keys, peer suffixes cut with regular
expressions, non-registry versions (link:, file:, URLs) left out.
Usage: python3 pnpm_count.py FILE..."""
import re
import sys

for path in sys.argv[1:]:
    seen = set()
    inside = False
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line and not line.startswith(" "):
            inside = line.strip() == "packages:"
            continue
        m = re.match(r"^  (?! )'?\"?(.+?)'?\"?:$", line)
        if not (inside and m):
            continue
        key = m.group(1).lstrip("/")
        m6 = re.match(r"^(@[^/]+/[^@/]+|[^@/]+)@([^(]+)", key)
        m5 = re.match(r"^(@[^/]+/[^/]+|[^/]+)/([^_/]+)", key)
        name, version = (m6 or m5).groups()
        if version[:1].isdigit() and ":" not in version:
            seen.add((name, version))
    print(f"{path.rsplit('/', 1)[-1]}: {len(seen)}")
