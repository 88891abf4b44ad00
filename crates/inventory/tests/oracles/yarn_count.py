#!/usr/bin/env python3
"""Counts distinct (name, version) packages of a classic yarn.lock independently of the Rust
parser, with regular expressions: a key line, then its `version "x"` line; the name is taken
from the first request (or the alias target after `npm:`).
Usage: python3 yarn_count.py FILE..."""
import re
import sys

for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    seen = set()
    key = None
    for line in text.splitlines():
        if line and not line[0].isspace() and line.endswith(":") and not line.startswith("#"):
            key = line[:-1].split(",")[0].strip().strip('"')
        m = re.match(r'^  version "?([^"]+)"?$', line)
        if m and key:
            request = key
            alias = re.search(r"@npm:(@?[^@]+)@", request)
            name = alias.group(1) if alias else re.match(r"(@?[^@]+)@", request).group(1)
            seen.add((name, m.group(1)))
            key = None
    print(f"{path.rsplit('/', 1)[-1]}: {len(seen)}")
