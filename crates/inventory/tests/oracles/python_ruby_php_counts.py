#!/usr/bin/env python3
"""Counts components of the Python, Ruby and PHP lockfiles of lockfiles.zip independently of
the Rust parsers (python3 stdlib only), for tests/python_ruby_php.rs.

Rules, from the formats' documentation:
- requirements*.txt: distinct (PEP 503 name, version) of lines pinned with == (no wildcard)
  or ===; `include`: base_requirements.txt read through `-r`, with requirements.txt as a
  `-c` constraints file, so an unpinned line takes the constraint's pin.
- poetry.lock: distinct (name, version) of [[package]] whose source type is not git,
  directory, file or url; direct = names declared in pyproject.toml; dev = groups without main.
- Gemfile.lock: distinct (name, version before the first `-`) of four-space `name (version)`
  lines of GEM/GIT/PATH sections; direct = two-space names under DEPENDENCIES.
- composer.lock: distinct (name, version without a leading v) of packages and packages-dev,
  branch versions (dev-*, *-dev) left out.

Usage: python3 python_ruby_php_counts.py [DATA_DIR]   (default ../shared/data from the repo)
"""
import io
import json
import os
import re
import sys
import tomllib
import zipfile

here = os.path.dirname(os.path.abspath(__file__))
data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../../../../shared/data")
z = zipfile.ZipFile(os.path.join(data, "lockfiles.zip"))


def text(name):
    return z.read(name).decode("utf-8")


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(===?)\s*([^\s;,#*]+)\s*(;.*)?$")
NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def requirement_lines(t):
    for line in t.replace("\\\n", " ").splitlines():
        line = re.sub(r"(^|\s)#.*", "", line).strip()
        line = re.split(r"\s--", line)[0].strip()
        if line and not line.startswith("-"):
            yield line


def pins(t):
    out = {}
    for line in requirement_lines(t):
        m = PIN.match(line)
        if m:
            out.setdefault(norm(m.group(1)), set()).add(m.group(4))
    return out


def requirements(name):
    return sum(len(v) for v in pins(text(name)).values())


def included():
    base = text("netbox__2026__base_requirements.txt")
    constraints = {k: sorted(v)[0] for k, v in pins(text("netbox__2026__requirements.txt")).items()}
    own = pins(base)
    seen = set()
    for line in requirement_lines(base):
        m = NAME.match(line)
        if not m:
            continue
        n = norm(m.group(1))
        if n in own:
            seen.update((n, v) for v in own[n])
        elif n in constraints:
            seen.add((n, constraints[n]))
    return len(seen)


def poetry():
    lock = tomllib.loads(text("poetry__poetry.lock"))
    project = tomllib.loads(text("poetry__pyproject.toml"))
    declared = set()
    for req in project.get("project", {}).get("dependencies", []):
        declared.add(norm(NAME.match(req.strip()).group(1)))
    for group in project.get("tool", {}).get("poetry", {}).get("group", {}).values():
        declared.update(norm(k) for k in group.get("dependencies", {}))
    seen, direct, dev = set(), 0, 0
    for p in lock["package"]:
        if p.get("source", {}).get("type") in ("git", "directory", "file", "url"):
            continue
        key = (norm(p["name"]), p["version"])
        if key in seen:
            continue
        seen.add(key)
        direct += key[0] in declared
        dev += "main" not in p.get("groups", ["main"])
    return len(seen), direct, dev


def gemfile(name):
    seen, direct, section = set(), set(), None
    for line in text(name).splitlines():
        if line[:1].isalpha():
            section = line.strip()
            continue
        m = re.match(r"^    ([^ ]+) \(([^)]*)\)$", line)
        if m and section in ("GEM", "GIT", "PATH"):
            seen.add((m.group(1), m.group(2).split("-")[0]))
        m = re.match(r"^  ([^ !]+)", line)
        if m and section == "DEPENDENCIES":
            direct.add(m.group(1))
    return len(seen), len({n for n, _ in seen if n in direct})


def composer(name):
    doc = json.loads(text(name))
    seen = set()
    for p in doc.get("packages", []) + (doc.get("packages-dev") or []):
        v = p["version"]
        if v.startswith("dev-") or v.endswith("-dev"):
            continue
        seen.add((p["name"], re.sub(r"^[vV](?=\d)", "", v)))
    return len(seen)


for name in ("netbox__2020-11__requirements.txt", "netbox__2026__requirements.txt",
             "netbox__2026__base_requirements.txt", "pygoat__requirements.txt"):
    print(f"{name}: {requirements(name)}")
print(f"netbox__2026__base_requirements.txt with -c requirements.txt: {included()}")
count, direct, dev = poetry()
print(f"poetry__poetry.lock: {count} (direct {direct}, dev {dev})")
for name in ("railsgoat__2021__Gemfile.lock", "railsgoat__2026__Gemfile.lock"):
    count, direct = gemfile(name)
    print(f"{name}: {count} (direct {direct})")
for name in ("koel__2019-06__composer.lock", "koel__2026__composer.lock"):
    print(f"{name}: {composer(name)}")
