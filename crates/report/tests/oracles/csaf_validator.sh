#!/usr/bin/env bash
# Installs the official CSAF validator library of the BSI's Secvisogram project,
# @secvisogram/csaf-validator-lib (npm, pinned below), into target/oracles/csaf/. It carries
# the CSAF 2.0 JSON schema (strict: no unknown properties, formats checked) and the
# mandatory, optional and informative tests of the specification's section 6.
# crates/report/tests/oracles/csaf_validate.mjs runs it; crates/report/tests/csaf_validation.rs
# runs that on `partner_csaf` documents. Idempotent; quick when the pinned version is present.
# Usage: bash crates/report/tests/oracles/csaf_validator.sh
set -euo pipefail
cd "$(dirname "$0")/../../../.."

PACKAGE="@secvisogram/csaf-validator-lib"
VERSION="2.0.10"
dest=target/oracles/csaf
installed="$dest/node_modules/$PACKAGE/package.json"

have_version() {
  [ -f "$installed" ] && node -e '
    const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).version;
    process.exit(v === process.argv[2] ? 0 : 1)' "$installed" "$VERSION"
}

if ! have_version; then
  command -v npm >/dev/null || { echo "csaf_validator.sh: npm is needed (install nodejs and npm)" >&2; exit 1; }
  echo "csaf_validator.sh: installing $PACKAGE@$VERSION into $dest" >&2
  mkdir -p "$dest"
  [ -f "$dest/package.json" ] || printf '{ "name": "patchwarden-csaf-oracle", "private": true }\n' >"$dest/package.json"
  (cd "$dest" && npm install --silent --no-audit --no-fund --save-exact "$PACKAGE@$VERSION" >&2)
  have_version || { echo "csaf_validator.sh: $PACKAGE@$VERSION did not install" >&2; exit 1; }
  # Fail here, not in the tests, when the library does not load.
  node crates/report/tests/oracles/csaf_validate.mjs --check >&2
fi
echo "csaf_validator.sh: $PACKAGE@$VERSION in $dest" >&2
