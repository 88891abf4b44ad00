#!/usr/bin/env bash
# Installs the reference implementations the differential version tests compare against:
# Python `packaging` (PEP 440), dpkg (Debian), rpm's Python binding (RPM), node `semver` (npm),
# Ruby `Gem::Version` (RubyGems), Maven's ComparableVersion (maven-artifact jar, Java) and
# composer/semver (PHP). Idempotent; quick when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v ruby >/dev/null || need+=(ruby)
command -v php >/dev/null || need+=(php-cli)
[ -f /usr/share/php/Composer/Semver/autoload.php ] || [ -d /usr/share/php/Composer/Semver ] || need+=(php-composer-semver)
/usr/bin/python3 -c 'import rpm' 2>/dev/null || need+=(python3-rpm)
command -v java >/dev/null || need+=(default-jre-headless)
ls /usr/share/maven/lib/maven-artifact*.jar >/dev/null 2>&1 || ls /usr/share/java/maven-artifact*.jar >/dev/null 2>&1 || need+=(libmaven3-core-java)
command -v node >/dev/null || need+=(nodejs npm)
# The dashboard and report tests drive headless Chromium.
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "oracles.sh: installing ${need[*]}" >&2
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >&2
  else
    echo "oracles.sh: not root; cannot install ${need[*]}" >&2
  fi
fi
# The PEP 440 oracle runs the `python3` on PATH.
python3 -c 'import packaging' 2>/dev/null || python3 -m pip install --quiet packaging >&2
if [ ! -f target/oracles/node_modules/semver/package.json ]; then
  mkdir -p target/oracles
  (cd target/oracles && npm install --silent --no-audit --no-fund --prefix . semver@7 >&2)
fi

# The official CycloneDX 1.6 and SPDX 2.3 JSON schemas (npm, PyPI) for the SBOM tests.
bash crates/inventory/tests/oracles/sbom_schemas.sh >&2
# The official SARIF 2.1.0 (crates.io, npm) and CycloneDX 1.6 (npm) JSON schemas for the
# scan report tests; after sbom_schemas.sh, whose CycloneDX files it reuses.
bash crates/report/tests/oracles/report_schemas.sh >&2
# The official CSAF 2.0 validator (npm, @secvisogram/csaf-validator-lib) for the partner
# report's CSAF VEX documents (crates/report/tests/csaf_validation.rs).
bash crates/report/tests/oracles/csaf_validator.sh >&2
