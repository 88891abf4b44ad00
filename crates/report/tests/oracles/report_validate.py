#!/usr/bin/env python3
"""Validates scan reports against the official JSON schemas fetched by report_schemas.sh.

Usage: python3 report_validate.py SCHEMA_DIR sarif|cyclonedx FILE...
Prints one line per violation (file, schema, JSON path, message) and exits 1 when there is
any, 0 when every file is valid, 2 on a usage or setup problem.

SARIF files are checked against the OASIS schema (sarif-schema-2.1.0.json) and SchemaStore's
copy (sarif-2.1.0-rtm.5.json); CycloneDX files against bom-1.6.schema.json with the schemas
it refers to resolved locally, exactly as crates/inventory/tests/oracles/sbom_validate.py
does (that script's validator is reused). Formats (`uri`, `uri-reference`, `date-time`...)
are checked where the checkers report_schemas.sh installs are importable; the script says on
stderr when they are not.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "crates", "inventory", "tests", "oracles"))

try:
    import jsonschema
    import sbom_validate
except ImportError as e:  # pragma: no cover
    print(f"report_validate.py: {e}; run crates/report/tests/oracles/report_schemas.sh", file=sys.stderr)
    sys.exit(2)

SARIF_SCHEMAS = ("sarif-schema-2.1.0.json", "sarif-2.1.0-rtm.5.json")


def sarif_validators(schema_dir):
    out = []
    for name in SARIF_SCHEMAS:
        schema = sbom_validate.load(os.path.join(schema_dir, name))
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        out.append((name, cls(schema, format_checker=cls.FORMAT_CHECKER)))
    return out


def formats_note():
    missing = []
    for module in ("rfc3987", "rfc3339_validator"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        print(
            f"report_validate.py: {', '.join(missing)} not importable: uri/date-time formats are not checked",
            file=sys.stderr,
        )


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    schema_dir, kind, files = argv[1], argv[2], argv[3:]
    if kind == "sarif":
        checks = sarif_validators(schema_dir)
    elif kind == "cyclonedx":
        checks = [("bom-1.6.schema.json", sbom_validate.validator(schema_dir, "cyclonedx"))]
    else:
        print(f"report_validate.py: unknown kind {kind!r} (sarif or cyclonedx)", file=sys.stderr)
        return 2
    formats_note()
    bad = 0
    for path in files:
        doc = sbom_validate.load(path)
        errors = 0
        for name, check in checks:
            for e in sorted(check.iter_errors(doc), key=lambda e: list(e.absolute_path)):
                where = "/".join(str(p) for p in e.absolute_path) or "(root)"
                print(f"{path}: {name}: {where}: {e.message[:300]}")
                errors += 1
        bad += errors
        if not errors:
            print(f"{path}: valid {kind} ({', '.join(name for name, _ in checks)})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
