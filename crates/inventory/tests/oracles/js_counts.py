#!/usr/bin/env python3
"""Independent counts for the JavaScript lockfile tests (tests/js_lockfiles.rs).

For every yarn.lock, pnpm-lock.yaml and bun.lock of the shared data's lockfiles.zip and of
tests/fixtures/js, prints the number of distinct registry (name, version) packages and, where
the file (or the package.json beside it) says, how many of them are direct dependencies.
Written without looking at the Rust parsers, with regular expressions and json only:

- yarn classic: a block is a key line ending in `:`; its `version "x"` line gives the version,
  the first request the name (an `npm:` alias names its target); requests whose range is a
  protocol (`file:`, `github:`, `git+...`, URLs) or a `user/repo` shorthand are not registry
  packages. Direct: the blocks whose requests include a `name@range` of package.json.
- yarn berry: the `resolution:` lines; `name@npm:x` (minus `::` parameters) and
  `name@patch:name@npm%3Ax#...` count, `workspace:` and everything else do not. Direct: the
  blocks named by the workspaces' dependency lists.
- pnpm: the keys two spaces deep under `packages:`; `/name/1.2.3_peers` (5.x),
  `/name@1.2.3(peers)` (6) or `name@1.2.3(peers)` (9), counted when the version starts with a
  digit. Direct: the importers' dependency entries (alias versions name their own package).
- bun: the `packages` object (after dropping trailing commas); entries whose first element is
  `name@<digit>...` with a registry string second. Direct: the workspaces' dependency names
  looked up at the top level (or under the member's name).

Usage: python3 js_counts.py [SHARED_DATA_DIR]   (default: ../shared/data beside the repository)
"""
import json
import os
import re
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "js")
REAL = [
    "excalidraw__yarn.v1.lock",
    "koel__2019-06__yarn.v1.lock",
    "koel__2026__pnpm-lock.yaml",
    "vuejs-core__2022__pnpm-lock.v5.4.yaml",
    "vuejs-core__2026__pnpm-lock.v9.yaml",
]


def name_of(request):
    """`name` of `name@range` (scoped names keep their `@`)."""
    m = re.match(r"^(@[^@/]+/[^@]+|[^@]+)@(.*)$", request)
    return (m.group(1), m.group(2)) if m else (None, None)


def foreign(range_):
    if range_.startswith("npm:"):
        return False
    return bool(re.match(r"^[a-z+]+:", range_)) or "/" in range_


def yarn_classic(text, manifest):
    blocks = []  # (requests, version)
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith("#") and line.endswith(":"):
            reqs = [r.strip().strip('"') for r in line[:-1].split(",")]
            blocks.append([reqs, None])
        m = re.match(r'^  version "?([^"]+)"?$', line)
        if m and blocks:
            blocks[-1][1] = m.group(1)
    packages = {}
    for reqs, version in blocks:
        name, range_ = name_of(reqs[0])
        if name is None or version is None or foreign(range_):
            continue
        if range_.startswith("npm:"):
            name, _ = name_of(range_[4:])
        packages.setdefault((name, version), set()).update(reqs)
    direct = None
    if manifest is not None:
        wanted = set()
        for group in ("dependencies", "devDependencies", "optionalDependencies"):
            for n, r in manifest.get(group, {}).items():
                wanted.add(f"{n}@{r}")
        direct = sum(1 for reqs in packages.values() if reqs & wanted)
    return len(packages), direct


def yarn_berry(text):
    packages = {}
    block_reqs = []
    workspace_deps = []
    in_workspace = False
    in_deps = False
    for line in text.splitlines():
        if line and not line[0].isspace() and line.endswith(":"):
            block_reqs = [r.strip().strip('"') for r in line[:-1].split(",")]
            in_workspace = False
            continue
        m = re.match(r'^  resolution: "(.+)"$', line)
        if m:
            name, how = name_of(m.group(1))
            in_workspace = how.startswith("workspace:")
            if how.startswith("npm:"):
                version = how[4:].split("::")[0]
            elif how.startswith("patch:"):
                inner = re.search(r"npm%3A([^#]+)#", how)
                version = inner.group(1) if inner else None
            else:
                version = None
            if version:
                packages.setdefault((name, version), set()).update(block_reqs)
            continue
        if re.match(r"^  dependencies:$", line):
            in_deps = True
            continue
        if re.match(r"^  \S", line):
            in_deps = False
        m = re.match(r'^    "?([^":]+)"?: "?([^"]+)"?$', line)
        if m and in_deps and in_workspace:
            workspace_deps.append(f"{m.group(1)}@{m.group(2)}")
    # Workspace entries come before or after their dependencies: decide at the end.
    direct = sum(1 for reqs in packages.values() if reqs & set(workspace_deps))
    return len(packages), direct


def pnpm(text):
    packages = set()
    section = None
    importer_refs = []
    current_dep = None
    for line in text.splitlines():
        if line and not line.startswith(" "):
            section = line.rstrip(":")
            continue
        if section == "packages":
            m = re.match(r"^  (?! )['\"]?(.+?)['\"]?:$", line)
            if m:
                key = m.group(1).lstrip("/")
                m6 = re.match(r"^(@[^/]+/[^@/]+|[^@/]+)@([^(]+)", key)
                m5 = re.match(r"^(@[^/]+/[^/]+|[^/]+)/([^_/]+)", key)
                hit = m6 or m5
                if hit and hit.group(2)[:1].isdigit() and ":" not in hit.group(2):
                    packages.add(hit.groups())
        if section == "importers" or section in ("dependencies", "devDependencies", "optionalDependencies"):
            # 5.x `      name: 1.2.3`, 6/9 `      name:` then `        version: 1.2.3`.
            m = re.match(r"^ {6}(?! )['\"]?(.+?)['\"]?:\s*(\S*)$", line)
            if section != "importers":
                m = re.match(r"^ {2}(?! )['\"]?(.+?)['\"]?:\s*(\S*)$", line)
            if m:
                current_dep = m.group(1)
                if m.group(2):
                    importer_refs.append((current_dep, m.group(2)))
            m = re.match(r"^ {8}version: ['\"]?(.+?)['\"]?$", line)
            if m and current_dep:
                importer_refs.append((current_dep, m.group(1)))
    direct = set()
    for name, ref in importer_refs:
        ref = ref.lstrip("/")
        if ref[:1].isdigit():
            direct.add((name, re.split(r"[(_]", ref)[0]))
            continue
        m = re.match(r"^(@[^/]+/[^@/]+|[^@/]+)[@/]([0-9][^(_]*)", ref)
        if m:
            direct.add(m.groups())
    return len(packages), len(direct & packages)


def bun(text):
    doc = json.loads(re.sub(r",(\s*[}\]])", r"\1", text))
    packages = {}
    for key, value in doc["packages"].items():
        name, spec = name_of(value[0])
        if spec and spec[:1].isdigit() and len(value) > 1 and isinstance(value[1], str):
            packages.setdefault((name, spec), set()).add(key)
    direct_keys = set()
    for path, ws in doc.get("workspaces", {}).items():
        for group in ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies"):
            for dep in ws.get(group, {}):
                nested = f"{ws.get('name')}/{dep}"
                direct_keys.add(nested if path and nested in doc["packages"] else dep)
    direct = sum(1 for keys in packages.values() if keys & direct_keys)
    return len(packages), direct


def count(name, text, manifest):
    if name.endswith(".yaml"):
        return pnpm(text)
    if "bun" in name and name.endswith(".lock") and text.lstrip().startswith("{"):
        return bun(text)
    if re.search(r"^__metadata:", text, re.M):
        return yarn_berry(text)
    return yarn_classic(text, manifest)


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "..", "..", "shared", "data")
    with zipfile.ZipFile(os.path.join(data, "lockfiles.zip")) as z:
        for entry in REAL:
            n, d = count(entry, z.read(entry).decode("utf-8"), None)
            print(f"{entry}: {n} components, direct {d}")
    for sub in sorted(os.listdir(FIXTURES)):
        folder = os.path.join(FIXTURES, sub)
        for file in sorted(os.listdir(folder)):
            if file == "package.json":
                continue
            manifest_path = os.path.join(folder, "package.json")
            manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else None
            text = open(os.path.join(folder, file), encoding="utf-8").read()
            n, d = count(f"{sub}/{file}", text, manifest)
            print(f"fixtures/js/{sub}/{file}: {n} components, direct {d}")


main()
