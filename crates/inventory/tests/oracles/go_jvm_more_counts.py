#!/usr/bin/env python3
"""Independent component counts for the real Go and Maven files of lockfiles.zip.

Usage: python3 go_jvm_more_counts.py [path/to/lockfiles.zip]
(default: ../shared/data/lockfiles.zip beside the repository).

Written without looking at the Rust parsers, from the formats' rules:
- go.mod: one component per distinct (module, version) of `require` after `replace`
  (local-directory replacements dropped, excluded versions dropped), plus `stdlib` when a
  `go`/`toolchain` directive exists; when `go` < 1.17 or no `// indirect` comment exists, also
  one per module that only go.sum names with a full-module (not `/go.mod`) hash line.
- pom.xml: one per distinct groupId:artifactId:version of <project><dependencies> whose version
  resolves (own <version> or <dependencyManagement>, ${...} from <properties> / project.*).
"""
import re
import sys
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path


def go_counts(mod, sum_text):
    requires, replaces, excludes = [], [], set()
    go_version, toolchain, any_indirect = None, None, False
    block = None
    for line in mod.splitlines():
        code, _, comment = line.partition("//")
        fields = code.split()
        if not fields:
            continue
        if block:
            if fields[0] == ")":
                block = None
                continue
            verb, args = block, fields
        else:
            if len(fields) == 2 and fields[1] == "(":
                block = fields[0]
                continue
            verb, args = fields[0], fields[1:]
        args = [a.strip('"') for a in args]
        if verb == "require":
            indirect = comment.strip().startswith("indirect")
            any_indirect |= indirect
            requires.append((args[0], args[1]))
        elif verb == "replace":
            left, right = " ".join(args).split("=>")
            left, right = left.split(), right.split()
            replaces.append((left[0], left[1] if len(left) > 1 else None,
                             tuple(right) if len(right) == 2 else None))
        elif verb == "exclude":
            excludes.add((args[0], args[1]))
        elif verb == "go":
            go_version = args[0]
        elif verb == "toolchain":
            toolchain = args[0]
    found = set()
    for mod_path, ver in requires:
        if (mod_path, ver) in excludes:
            continue
        target = (mod_path, ver)
        for old, old_v, new in replaces:
            if old == mod_path and old_v in (None, ver):
                target = new
        if target is not None:
            found.add((target[0], target[1].lstrip("v")))
    if go_version or toolchain:
        found.add(("stdlib", "go"))
    minor = int(go_version.split(".")[1]) if go_version else 0
    if sum_text is not None and (minor < 17 or not any_indirect):
        named = {m for m, _ in requires} | {r[0] for r in replaces} | {r[2][0] for r in replaces if r[2]}
        extra = set()
        for line in sum_text.splitlines():
            parts = line.split()
            if len(parts) == 3 and not parts[1].endswith("/go.mod") and parts[0] not in named:
                extra.add(parts[0])
        return len(found) + len(extra)
    return len(found)


def pom_count(text):
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    root = ET.fromstring(text)
    def t(node, name):
        el = node.find("m:" + name, ns)
        return el.text.strip() if el is not None and el.text else None
    props = {}
    for p in root.findall("m:properties/*", ns):
        props[p.tag.split("}")[1]] = (p.text or "").strip()
    parent = root.find("m:parent", ns)
    props["project.version"] = t(root, "version") or t(parent, "version")
    props["project.groupId"] = t(root, "groupId") or t(parent, "groupId")
    if parent is not None:
        props["project.parent.version"] = t(parent, "version")
    def resolve(s, depth=0):
        if s is None or depth > 20:
            return None
        m = re.search(r"\$\{([^}]+)\}", s)
        if not m:
            return s
        value = props.get(m.group(1))
        if value is None:
            return None
        return resolve(s[:m.start()] + value + s[m.end():], depth + 1)
    managed = {}
    for d in root.findall("m:dependencyManagement/m:dependencies/m:dependency", ns):
        managed.setdefault((resolve(t(d, "groupId")), resolve(t(d, "artifactId"))), t(d, "version"))
    found = set()
    for d in root.findall("m:dependencies/m:dependency", ns):
        key = (resolve(t(d, "groupId")), resolve(t(d, "artifactId")))
        version = resolve(t(d, "version") or managed.get(key))
        if version and not version.startswith(("[", "(")):
            found.add(key + (version,))
    return len(found)


def main():
    default = Path(__file__).resolve().parents[5] / "shared" / "data" / "lockfiles.zip"
    zpath = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    with zipfile.ZipFile(zpath) as z:
        read = lambda n: z.read(n).decode("utf-8")
        for prefix in ("hugo__2020-12__", "hugo__2026__"):
            print(f"{prefix}go.mod with go.sum: {go_counts(read(prefix + 'go.mod'), read(prefix + 'go.sum'))}")
            print(f"{prefix}go.mod alone: {go_counts(read(prefix + 'go.mod'), None)}")
        print(f"webgoat__2026__pom.xml: {pom_count(read('webgoat__2026__pom.xml'))}")


if __name__ == "__main__":
    main()
