#!/usr/bin/env python3
"""Counts packages of Gemfile.lock and composer.lock files independently of the Rust parser.
Gemfile.lock: distinct (name, version without platform) of four-space `name (version)` lines
under GEM/GIT/PATH. composer.lock: distinct (name, version without leading v) of `packages`
and `packages-dev`, branch versions (dev-*, *-dev) left out.
Usage: python3 ruby_php_count.py FILE..."""
import json
import re
import sys

for path in sys.argv[1:]:
    seen = set()
    if path.endswith(".lock") and "composer" in path:
        doc = json.load(open(path, encoding="utf-8"))
        for p in doc.get("packages", []) + doc.get("packages-dev", []):
            v = p["version"]
            if v.startswith("dev-") or v.endswith("-dev"):
                continue
            seen.add((p["name"], re.sub(r"^[vV](?=\d)", "", v)))
    else:
        section = None
        for line in open(path, encoding="utf-8"):
            if line[:1].isalpha():
                section = line.strip()
            m = re.match(r"^    (\S+) \(([^)]+)\)$", line.rstrip("\n"))
            if m and section in ("GEM", "GIT", "PATH"):
                version = re.split(r"-(x86|aarch64|arm|java|universal|mingw|mswin|darwin|linux|i386|i686)", m.group(2))[0]
                seen.add((m.group(1), version))
    print(f"{path.rsplit('/', 1)[-1]}: {len(seen)}")
