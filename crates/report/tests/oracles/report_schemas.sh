#!/usr/bin/env bash
# Fetches the official JSON schemas that crates/cli/tests/scan_formats.rs validates
# `patchwarden scan --format sarif` and `--format cyclonedx` against, into
# target/oracles/report-schemas/:
#   sarif-schema-2.1.0.json  (the OASIS SARIF 2.1.0 schema, JSON Schema draft-07, $id
#       https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json;
#       from the crates.io package serde-sarif, which ships it as src/schema.json and
#       generates its types from it; checked against a pinned SHA-256)
#   sarif-2.1.0-rtm.5.json  (SchemaStore's copy of the same schema, draft-04, the one editors
#       resolve `$schema` to; from the npm package @microsoft/jest-sarif)
#   bom-1.6.schema.json, spdx.schema.json, jsf-0.82.schema.json  (CycloneDX 1.6, from the npm
#       package @cyclonedx/cyclonedx-library, as crates/inventory/tests/oracles/sbom_schemas.sh
#       fetches them; copied from target/oracles/sbom-schemas when that script ran first)
# makes Python `jsonschema` importable (target/oracles/py, shared with sbom_schemas.sh), and
# installs the format checkers `rfc3987` and `rfc3339-validator` into
# target/oracles/report-py, so that `uri`, `uri-reference`, `iri-reference` and `date-time`
# values are checked too. Idempotent; quick when everything is present.
# Usage: bash crates/report/tests/oracles/report_schemas.sh
set -euo pipefail
cd "$(dirname "$0")/../../../.."

SARIF_CRATE="serde-sarif"
SARIF_CRATE_VERSION="0.8.0"
SARIF_SHA256="af47e7b67f24efe74076621fd3a5fbe7398add9e84fe820c971219a385895cea"
SCHEMASTORE_NPM="@microsoft/jest-sarif@1.0.0-beta.0"
CDX_NPM="@cyclonedx/cyclonedx-library@10.3.0"
dest=target/oracles/report-schemas
sbom=target/oracles/sbom-schemas
py=target/oracles/py
formats_py=target/oracles/report-py
mkdir -p "$dest"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The .crate file of serde-sarif in cargo's download cache, if it is there.
crate_file() {
  find "${CARGO_HOME:-$HOME/.cargo}/registry/cache" -name "$SARIF_CRATE-$SARIF_CRATE_VERSION.crate" 2>/dev/null | head -n 1
}

if [ ! -s "$dest/sarif-schema-2.1.0.json" ]; then
  echo "report_schemas.sh: fetching the SARIF 2.1.0 schema ($SARIF_CRATE $SARIF_CRATE_VERSION, crates.io)" >&2
  if [ -z "$(crate_file)" ]; then
    # `cargo info` downloads the package to read its manifest; outside any workspace.
    (cd "$tmp" && cargo info --quiet "$SARIF_CRATE@$SARIF_CRATE_VERSION" >/dev/null)
  fi
  if [ -z "$(crate_file)" ]; then
    # Fallback: a throwaway package that depends on it, fetched by cargo.
    mkdir -p "$tmp/fetch/src"
    printf '[package]\nname = "fetch-sarif-schema"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\n%s = "=%s"\n' \
      "$SARIF_CRATE" "$SARIF_CRATE_VERSION" >"$tmp/fetch/Cargo.toml"
    : >"$tmp/fetch/src/lib.rs"
    (cd "$tmp/fetch" && cargo fetch --quiet)
  fi
  crate=$(crate_file)
  [ -n "$crate" ] || { echo "report_schemas.sh: $SARIF_CRATE $SARIF_CRATE_VERSION could not be downloaded" >&2; exit 1; }
  python3 - "$crate" "$SARIF_CRATE-$SARIF_CRATE_VERSION/src/schema.json" "$tmp/sarif.json" <<'PY'
import sys
import tarfile

with tarfile.open(sys.argv[1], "r:gz") as crate:
    member = crate.extractfile(sys.argv[2])
    if member is None:
        sys.exit(f"{sys.argv[2]} is not a file in {sys.argv[1]}")
    data = member.read()
with open(sys.argv[3], "wb") as out:
    out.write(data)
PY
  got=$(sha256sum "$tmp/sarif.json" | cut -d' ' -f1)
  if [ "$got" != "$SARIF_SHA256" ]; then
    echo "report_schemas.sh: the SARIF schema in $SARIF_CRATE $SARIF_CRATE_VERSION has SHA-256 $got, expected $SARIF_SHA256" >&2
    exit 1
  fi
  cp "$tmp/sarif.json" "$dest/sarif-schema-2.1.0.json"
fi

if [ ! -s "$dest/sarif-2.1.0-rtm.5.json" ]; then
  echo "report_schemas.sh: fetching SchemaStore's SARIF 2.1.0 schema ($SCHEMASTORE_NPM)" >&2
  (cd "$tmp" && npm pack --silent "$SCHEMASTORE_NPM" >/dev/null)
  tar -xzf "$tmp"/microsoft-jest-sarif-*.tgz -C "$tmp"
  cp "$tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$dest/sarif-2.1.0-rtm.5.json"
fi

for name in bom-1.6 spdx jsf-0.82; do
  if [ ! -s "$dest/$name.schema.json" ] && [ -s "$sbom/$name.schema.json" ]; then
    cp "$sbom/$name.schema.json" "$dest/$name.schema.json"
  fi
done
if [ ! -s "$dest/bom-1.6.schema.json" ] || [ ! -s "$dest/spdx.schema.json" ] || [ ! -s "$dest/jsf-0.82.schema.json" ]; then
  echo "report_schemas.sh: fetching the CycloneDX schemas ($CDX_NPM)" >&2
  (cd "$tmp" && npm pack --silent "$CDX_NPM" >/dev/null)
  tar -xzf "$tmp"/cyclonedx-cyclonedx-library-*.tgz -C "$tmp"
  for name in bom-1.6 spdx jsf-0.82; do
    cp "$tmp/package/res/schema/$name.SNAPSHOT.schema.json" "$dest/$name.schema.json"
  done
fi

if ! python3 -c 'import jsonschema' 2>/dev/null && ! PYTHONPATH="$py" python3 -c 'import jsonschema' 2>/dev/null; then
  echo "report_schemas.sh: installing jsonschema into $py" >&2
  python3 -m pip install --quiet --target "$py" jsonschema >&2
fi
if ! PYTHONPATH="$formats_py" python3 -c 'import rfc3987, rfc3339_validator' 2>/dev/null; then
  echo "report_schemas.sh: installing the format checkers into $formats_py" >&2
  python3 -m pip install --quiet --target "$formats_py" rfc3987 rfc3339-validator >&2
fi

# Fail here, not in the tests, when a file is missing or not JSON.
for f in sarif-schema-2.1.0.json sarif-2.1.0-rtm.5.json bom-1.6.schema.json spdx.schema.json jsf-0.82.schema.json; do
  python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$dest/$f"
done
echo "report_schemas.sh: schemas in $dest" >&2
