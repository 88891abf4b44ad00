#!/usr/bin/env bash
# Fetches the official SBOM JSON schemas that tests/sbom.rs validates Patchwarden's SBOMs
# against, into target/oracles/sbom-schemas/:
#   bom-1.6.schema.json, spdx.schema.json, jsf-0.82.schema.json  (CycloneDX 1.6, from the npm
#       package @cyclonedx/cyclonedx-library, which ships the CycloneDX project's schemas)
#   spdx-2.3.schema.json  (SPDX 2.3, from the PyPI package lib4sbom, which ships the SPDX
#       project's schema file)
# and makes Python `jsonschema` importable (installed into target/oracles/py with
# pip --target when it is not). Idempotent; quick when everything is present.
# Usage: bash crates/inventory/tests/oracles/sbom_schemas.sh
set -euo pipefail
cd "$(dirname "$0")/../../../.."

CDX_NPM="@cyclonedx/cyclonedx-library@10.3.0"
SPDX_PYPI="lib4sbom==0.10.4"
dest=target/oracles/sbom-schemas
py=target/oracles/py
mkdir -p "$dest"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -s "$dest/bom-1.6.schema.json" ] || [ ! -s "$dest/spdx.schema.json" ] || [ ! -s "$dest/jsf-0.82.schema.json" ]; then
  echo "sbom_schemas.sh: fetching the CycloneDX schemas ($CDX_NPM)" >&2
  (cd "$tmp" && npm pack --silent "$CDX_NPM" >/dev/null)
  tar -xzf "$tmp"/cyclonedx-cyclonedx-library-*.tgz -C "$tmp"
  for name in bom-1.6 spdx jsf-0.82; do
    cp "$tmp/package/res/schema/$name.SNAPSHOT.schema.json" "$dest/$name.schema.json"
  done
fi

if [ ! -s "$dest/spdx-2.3.schema.json" ]; then
  echo "sbom_schemas.sh: fetching the SPDX 2.3 schema ($SPDX_PYPI)" >&2
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp/wheel" "$SPDX_PYPI" >&2
  python3 - "$tmp"/wheel/lib4sbom-*.whl "$dest/spdx-2.3.schema.json" <<'PY'
import sys
import zipfile

with zipfile.ZipFile(sys.argv[1]) as wheel:
    data = wheel.read("lib4sbom/schemas/spdx/2.3-schema.json")
with open(sys.argv[2], "wb") as out:
    out.write(data)
PY
fi

if ! python3 -c 'import jsonschema' 2>/dev/null && ! PYTHONPATH="$py" python3 -c 'import jsonschema' 2>/dev/null; then
  echo "sbom_schemas.sh: installing jsonschema into $py" >&2
  python3 -m pip install --quiet --target "$py" jsonschema >&2
fi

# Fail here, not in the tests, when a file is missing or not JSON.
for f in bom-1.6.schema.json spdx.schema.json jsf-0.82.schema.json spdx-2.3.schema.json; do
  python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$dest/$f"
done
echo "sbom_schemas.sh: schemas in $dest" >&2
