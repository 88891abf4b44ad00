#!/usr/bin/env python3
"""Counts installed packages in a dpkg status file independently of the Rust parser:
stanzas split on blank lines whose Status field reads `install ok installed`.
Usage: python3 dpkg_count.py ../shared/data/os/debian-dpkg-status.gz"""
import gzip
import sys

path = sys.argv[1]
opener = gzip.open if path.endswith(".gz") else open
with opener(path, "rt", encoding="utf-8") as f:
    text = f.read()
installed = 0
with_source = 0
for stanza in text.split("\n\n"):
    fields = dict(
        line.split(":", 1) for line in stanza.splitlines() if line and not line[0].isspace() and ":" in line
    )
    if fields.get("Status", "").split() == ["install", "ok", "installed"]:
        installed += 1
        if "Source" in fields:
            with_source += 1
print(f"installed {installed}, with a Source field {with_source}")
