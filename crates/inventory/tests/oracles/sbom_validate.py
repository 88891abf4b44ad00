#!/usr/bin/env python3
"""Validates SBOM files against the official JSON schemas fetched by sbom_schemas.sh.

Usage: python3 sbom_validate.py SCHEMA_DIR cyclonedx|spdx FILE...
Prints one line per violation (file, JSON path, message) and exits 1 when there is any,
0 when every file is valid, 2 on a usage or setup problem. CycloneDX files are checked
against bom-1.6.schema.json, with the spdx.schema.json and jsf-0.82.schema.json it refers to
resolved locally (under their published ids and the npm package's SNAPSHOT names); SPDX
files against spdx-2.3.schema.json.
"""
import json
import os
import sys

try:
    import jsonschema
    from referencing import Registry, Resource
except ImportError as e:  # pragma: no cover
    print(f"sbom_validate.py: {e}; run crates/inventory/tests/oracles/sbom_schemas.sh", file=sys.stderr)
    sys.exit(2)

CDX_BASE = "http://cyclonedx.org/schema/"


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def validator(schema_dir, kind):
    if kind == "cyclonedx":
        main = load(os.path.join(schema_dir, "bom-1.6.schema.json"))
        resources = []
        for name in ("spdx", "jsf-0.82"):
            doc = load(os.path.join(schema_dir, f"{name}.schema.json"))
            res = Resource.from_contents(doc)
            for uri in (f"{CDX_BASE}{name}.schema.json", f"{CDX_BASE}{name}.SNAPSHOT.schema.json"):
                resources.append((uri, res))
        registry = Registry().with_resources(resources)
    elif kind == "spdx":
        main = load(os.path.join(schema_dir, "spdx-2.3.schema.json"))
        registry = Registry()
    else:
        print(f"sbom_validate.py: unknown kind {kind!r} (cyclonedx or spdx)", file=sys.stderr)
        sys.exit(2)
    cls = jsonschema.validators.validator_for(main)
    cls.check_schema(main)
    return cls(main, registry=registry, format_checker=cls.FORMAT_CHECKER)


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    schema_dir, kind, files = argv[1], argv[2], argv[3:]
    check = validator(schema_dir, kind)
    bad = 0
    for path in files:
        errors = sorted(check.iter_errors(load(path)), key=lambda e: list(e.absolute_path))
        for e in errors:
            where = "/".join(str(p) for p in e.absolute_path) or "(root)"
            print(f"{path}: {where}: {e.message[:300]}")
        bad += len(errors)
        if not errors:
            print(f"{path}: valid {kind}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
