#!/usr/bin/env python3
"""Counts OS packages independently of the Rust parsers, for tests/os_packages.rs.

Usage:
  python3 os_counts.py dpkg <status or status.gz>   installed packages of a dpkg status
  python3 os_counts.py status.d <directory>          packages of a distroless status.d/
  python3 os_counts.py apk <lib/apk/db/installed>    packages of an apk database

A package counts when its record names a package and a version; in a dpkg status it must
also be installed (the third word of Status is installed, triggers-pending or
triggers-awaited). Packages are counted once per distinct (name, version).
"""
import gzip
import os
import re
import sys

INSTALLED = {"installed", "triggers-pending", "triggers-awaited"}


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return f.read()


def paragraphs(text):
    """Blank-line separated blocks, as lists of lines."""
    return [p.splitlines() for p in re.split(r"\n[ \t]*\n", text) if p.strip()]


def deb_fields(lines):
    fields = {}
    for line in lines:
        if line[:1] in (" ", "\t") or ":" not in line:
            continue
        key, value = line.split(":", 1)
        fields.setdefault(key.strip().lower(), value.strip())
    return fields


def dpkg(text, need_status):
    seen = set()
    with_source = 0
    for para in paragraphs(text):
        f = deb_fields(para)
        status = f.get("status")
        if status is None:
            if need_status:
                continue
        elif len(status.split()) != 3 or status.split()[2] not in INSTALLED:
            continue
        if not f.get("package") or not f.get("version"):
            continue
        key = (f["package"], f["version"])
        if key in seen:
            continue
        seen.add(key)
        if "source" in f:
            with_source += 1
    return len(seen), with_source


def main():
    kind, path = sys.argv[1], sys.argv[2]
    if kind == "dpkg":
        count, with_source = dpkg(read(path), True)
        print(f"dpkg installed {count}, with a Source field {with_source}")
    elif kind == "status.d":
        total = 0
        for name in sorted(os.listdir(path)):
            if name.endswith(".md5sums"):
                continue
            total += dpkg(read(os.path.join(path, name)), False)[0]
        print(f"status.d packages {total}")
    elif kind == "apk":
        seen = set()
        for para in paragraphs(read(path)):
            f = {}
            for line in para:
                if len(line) >= 2 and line[1] == ":":
                    f.setdefault(line[0], line[2:].strip())
            if f.get("P") and f.get("V"):
                seen.add((f["P"], f["V"]))
        print(f"apk packages {len(seen)}")
    else:
        sys.exit(f"unknown kind {kind}")


main()
