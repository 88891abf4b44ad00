//! CycloneDX SBOMs, read and written, and what the SBOM readers and writers share.
//!
//! Reading ([`parse_json`], [`parse_xml`]) accepts CycloneDX 1.4, 1.5 and 1.6. Every
//! component with a package URL (purl) whose type maps to an OSV ecosystem becomes a
//! [`Component`]: its ecosystem, name and version come from the purl
//! ([`component_from_purl`]), never from the component's display fields, because the purl
//! is what names the package in its registry. Nested components are read to
//! [`MAX_NESTING`] levels. A component without a purl, of an unknown purl type or with
//! `scope: excluded` becomes a warning instead; `file` and `operating-system` entries are
//! not packages and are passed over.
//!
//! "Direct" comes from the dependency graph: when it lists what the subject
//! (`metadata.component`) depends on, those components are direct and every other one is not;
//! entries without a purl in between (an application or lockfile grouping its packages, as
//! Trivy writes) are looked through. Without such an entry directness stays unknown.
//!
//! Writing ([`write_json`]) gives a CycloneDX 1.6 JSON document that is identical for the
//! same components and [`SbomMeta`]: components sorted and merged by purl, the serial number
//! derived from a SHA-256 of the content. [`looks_like_sbom`] tells the SBOM formats apart
//! by file name and first bytes.
//!
//! XML is read without DOCTYPE (a document that has one is refused, so no entity is ever
//! expanded), to a bounded depth.

use std::collections::{BTreeMap, HashMap, HashSet};

use patchwarden_core::{Component, Ecosystem, EcosystemKind, Location, Scope, SourcePackage};
use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::{ParseError, Parsed, Warning};

/// The CycloneDX specification versions [`parse_json`] and [`parse_xml`] read.
pub const SUPPORTED_SPEC_VERSIONS: [&str; 3] = ["1.4", "1.5", "1.6"];

/// How deep components may nest inside components before a document is refused.
pub const MAX_NESTING: usize = 32;

/// How deep XML elements may nest before a document is refused.
const MAX_XML_DEPTH: usize = 100;

/// How many XML elements a document may have before it is refused.
const MAX_XML_ELEMENTS: usize = 5_000_000;

/// Component types that describe no package; entries of these types without a purl are
/// passed over without a warning.
const NOT_PACKAGES: &[&str] = &[
    "file",
    "operating-system",
    "device",
    "device-driver",
    "firmware",
    "data",
    "machine-learning-model",
    "cryptographic-asset",
    "platform",
];

/// Namespace of every CycloneDX XML schema version, followed by the version.
const XML_NAMESPACE: &str = "http://cyclonedx.org/schema/bom/";

// --- recognising SBOMs ----------------------------------------------------------------

/// An SBOM format, as [`looks_like_sbom`] recognises it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SbomKind {
    /// CycloneDX JSON (`*.cdx.json`, `bom.json`).
    CycloneDxJson,
    /// CycloneDX XML (`*.cdx.xml`, `bom.xml`).
    CycloneDxXml,
    /// SPDX JSON (`*.spdx.json`).
    SpdxJson,
    /// SPDX tag-value (`*.spdx`).
    SpdxTagValue,
}

impl SbomKind {
    /// Parses `text` (read from `path`) with the reader of this format.
    pub fn parse(self, path: &str, text: &str) -> Result<Parsed, ParseError> {
        match self {
            SbomKind::CycloneDxJson => parse_json(path, text),
            SbomKind::CycloneDxXml => parse_xml(path, text),
            SbomKind::SpdxJson => crate::spdx::parse_json(path, text),
            SbomKind::SpdxTagValue => crate::spdx::parse_tag_value(path, text),
        }
    }
}

/// Which SBOM format a file is, from its name and its first bytes (`head`, the first KB or
/// more; may be empty), or `None` when it is none of them.
///
/// The content decides when it names a format (`"bomFormat": "CycloneDX"`, `"spdxVersion"`,
/// the CycloneDX XML namespace, an `SPDXVersion:` line); otherwise the conventional names do
/// (`*.cdx.json`, `bom.json`, `*.spdx.json`, `*.spdx`, `*.cdx.xml`, `bom.xml`).
pub fn looks_like_sbom(file_name: &str, head: &[u8]) -> Option<SbomKind> {
    let head = String::from_utf8_lossy(head.get(..4096).unwrap_or(head));
    let head = head.trim_start_matches('\u{feff}');
    if json_key_is(head, "bomFormat", Some("CycloneDX")) {
        return Some(SbomKind::CycloneDxJson);
    }
    if json_key_is(head, "spdxVersion", None) {
        return Some(SbomKind::SpdxJson);
    }
    if head.contains("<bom") && head.contains(XML_NAMESPACE) {
        return Some(SbomKind::CycloneDxXml);
    }
    if head
        .lines()
        .any(|l| l.trim_start().starts_with("SPDXVersion:"))
    {
        return Some(SbomKind::SpdxTagValue);
    }
    let name = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let name = name.to_ascii_lowercase();
    if name.ends_with(".cdx.json") || name == "bom.json" {
        Some(SbomKind::CycloneDxJson)
    } else if name.ends_with(".cdx.xml") || name == "bom.xml" {
        Some(SbomKind::CycloneDxXml)
    } else if name.ends_with(".spdx.json") {
        Some(SbomKind::SpdxJson)
    } else if name.ends_with(".spdx") {
        Some(SbomKind::SpdxTagValue)
    } else {
        None
    }
}

/// Whether `text` has the JSON key `"key"` followed by a colon and, when given, the string
/// `"value"`.
pub(crate) fn json_key_is(text: &str, key: &str, value: Option<&str>) -> bool {
    let quoted = format!("\"{key}\"");
    text.match_indices(&quoted).any(|(at, _)| {
        let rest = text.get(at + quoted.len()..).unwrap_or("").trim_start();
        let Some(rest) = rest.strip_prefix(':') else {
            return false;
        };
        match value {
            None => true,
            Some(v) => rest.trim_start().starts_with(&format!("\"{v}\"")),
        }
    })
}

// --- package URLs -----------------------------------------------------------------------

/// A package URL split into its parts, each percent-decoded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Purl {
    /// Type, lower-cased (`npm`, `deb`).
    pub ty: String,
    /// Namespace segments joined by `/` (`@babel`, `debian`, `github.com/gin-gonic`).
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
    /// Version, when the purl has one.
    pub version: Option<String>,
    /// Qualifiers by lower-cased key (`distro`, `upstream`, `epoch`, `arch`).
    pub qualifiers: BTreeMap<String, String>,
}

impl Purl {
    /// Parses `pkg:type/namespace/name@version?qualifiers#subpath` (the subpath is dropped).
    /// The error says what is wrong, quoting the purl.
    pub fn parse(purl: &str) -> Result<Purl, String> {
        let text = purl.trim();
        let bad = |why: &str| format!("purl `{}` {why}", shorten(text));
        let rest = match text.get(..4) {
            Some(scheme) if scheme.eq_ignore_ascii_case("pkg:") => text.get(4..).unwrap_or(""),
            _ => return Err(bad("does not start with `pkg:`")),
        };
        let rest = rest.trim_start_matches('/');
        let rest = rest.rsplit_once('#').map_or(rest, |(r, _)| r);
        let (rest, query) = match rest.rsplit_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (ty, rest) = rest.split_once('/').ok_or_else(|| bad("has no name"))?;
        if ty.is_empty()
            || !ty
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'))
        {
            return Err(bad("has an invalid type"));
        }
        let rest = rest.trim_end_matches('/');
        let last_slash = rest.rfind('/');
        let (path, version) = match rest.rfind('@') {
            Some(at) if last_slash.is_none_or(|slash| at > slash) => {
                (rest.get(..at).unwrap_or(""), rest.get(at + 1..))
            }
            _ => (rest, None),
        };
        let mut segments = Vec::new();
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            segments.push(percent_decode(segment).map_err(|e| bad(&e))?);
        }
        let name = segments.pop().filter(|n| !n.is_empty());
        let name = name.ok_or_else(|| bad("has no name"))?;
        let namespace = (!segments.is_empty()).then(|| segments.join("/"));
        let version = match version {
            Some(v) => Some(percent_decode(v).map_err(|e| bad(&e))?).filter(|v| !v.is_empty()),
            None => None,
        };
        let mut qualifiers = BTreeMap::new();
        for pair in query.unwrap_or("").split('&') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            let value = percent_decode(value).map_err(|e| bad(&e))?;
            if !key.is_empty() && !value.is_empty() {
                qualifiers.insert(key.to_ascii_lowercase(), value);
            }
        }
        Ok(Purl {
            ty: ty.to_ascii_lowercase(),
            namespace,
            name,
            version,
            qualifiers,
        })
    }
}

/// At most 200 characters of `s`, control characters escaped, for one-line messages.
pub(crate) fn shorten(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == 200 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Decodes `%XX` escapes; a `%` not followed by two hex digits is an error.
fn percent_decode(s: &str) -> Result<String, String> {
    if !s.contains('%') {
        return Ok(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |at: usize| bytes.get(at).and_then(|h| (*h as char).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b'%', _, _) => return Err("has a `%` that is not a percent-escape".into()),
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "is not UTF-8 once percent-decoded".to_string())
}

/// The component a purl names, found in the file `path`: ecosystem, name and version from
/// the purl, and for OS packages the distribution release from the `distro` qualifier and
/// the source package from `upstream`. The error (for a warning) says why the purl names no
/// OSV package: an unknown type, no version, an unknown distribution.
pub fn component_from_purl(purl: &str, path: &str) -> Result<Component, String> {
    component_with_fallback(purl, path, None)
}

/// [`component_from_purl`], taking `fallback_version` (the SBOM entry's own version field)
/// when the purl has none.
pub(crate) fn component_with_fallback(
    purl: &str,
    path: &str,
    fallback_version: Option<&str>,
) -> Result<Component, String> {
    let p = Purl::parse(purl)?;
    let (ecosystem, name) = ecosystem_and_name(&p)?;
    let version = p
        .version
        .clone()
        .or_else(|| fallback_version.map(str::trim).map(str::to_string))
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| format!("purl `{}` has no version", shorten(purl.trim())))?;
    let version = match p.ty.as_str() {
        "golang" if name == "stdlib" => version.strip_prefix("go").unwrap_or(&version).into(),
        "golang" => match version.strip_prefix('v') {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest.to_string(),
            _ => version,
        },
        "deb" | "rpm" => with_epoch(&version, p.qualifiers.get("epoch")),
        _ => version,
    };
    let source_package = p
        .qualifiers
        .get("upstream")
        .filter(|_| matches!(p.ty.as_str(), "deb" | "apk" | "rpm"))
        .and_then(|up| upstream_package(&p.ty, up, &version));
    let mut component = Component::new(ecosystem, name, version, Location::at(path, None));
    component.source_package = source_package;
    Ok(component)
}

/// `epoch:version` when the purl carries a non-zero `epoch` qualifier and the version has no
/// epoch of its own.
fn with_epoch(version: &str, epoch: Option<&String>) -> String {
    match epoch {
        Some(e)
            if !version.contains(':')
                && e.bytes().all(|b| b.is_ascii_digit())
                && e.bytes().any(|b| b != b'0') =>
        {
            format!("{}:{version}", e.trim_start_matches('0'))
        }
        _ => version.to_string(),
    }
}

/// The source package an `upstream` qualifier names: `openssl`, `openssl@3.0.11-1`, or for
/// RPM the source RPM file `openssl-3.0.7-27.el9.src.rpm`. Without a version of its own it
/// takes the binary package's.
fn upstream_package(ty: &str, upstream: &str, version: &str) -> Option<SourcePackage> {
    let upstream = upstream.trim();
    if ty == "rpm"
        && let Some(stem) = upstream
            .strip_suffix(".src.rpm")
            .or_else(|| upstream.strip_suffix(".nosrc.rpm"))
        && let Some((rest, release)) = stem.rsplit_once('-')
        && let Some((name, ver)) = rest.rsplit_once('-')
        && !name.is_empty()
        && !ver.is_empty()
        && !release.is_empty()
    {
        let epoch = version.split_once(':').map(|(e, _)| e);
        let evr = match epoch {
            Some(e) => format!("{e}:{ver}-{release}"),
            None => format!("{ver}-{release}"),
        };
        return Some(SourcePackage {
            name: name.to_string(),
            version: evr,
        });
    }
    let (name, ver) = match upstream.split_once('@') {
        Some((n, v)) if !v.trim().is_empty() => (n.trim(), v.trim()),
        Some((n, _)) => (n.trim(), version),
        None => (upstream, version),
    };
    (!name.is_empty()).then(|| SourcePackage {
        name: name.to_string(),
        version: ver.to_string(),
    })
}

/// The OSV ecosystem and package name (as OSV spells it) of a purl.
fn ecosystem_and_name(p: &Purl) -> Result<(Ecosystem, String), String> {
    let joined = || match &p.namespace {
        Some(ns) => format!("{ns}/{}", p.name),
        None => p.name.clone(),
    };
    let plain = |kind: EcosystemKind| Ok((Ecosystem::new(kind), p.name.clone()));
    let with_ns = |kind: EcosystemKind| Ok((Ecosystem::new(kind), joined()));
    match p.ty.as_str() {
        "npm" => {
            let name = match &p.namespace {
                Some(ns) if ns.starts_with('@') => format!("{ns}/{}", p.name),
                Some(ns) => format!("@{ns}/{}", p.name),
                None => p.name.clone(),
            };
            Ok((Ecosystem::new(EcosystemKind::Npm), name))
        }
        "pypi" => plain(EcosystemKind::PyPI),
        "cargo" => plain(EcosystemKind::CratesIo),
        "golang" => with_ns(EcosystemKind::Go),
        "maven" => match &p.namespace {
            Some(group) => Ok((
                Ecosystem::new(EcosystemKind::Maven),
                format!("{group}:{}", p.name),
            )),
            None => Err(format!(
                "maven purl for `{}` has no group (namespace)",
                p.name
            )),
        },
        "nuget" => plain(EcosystemKind::NuGet),
        "gem" => plain(EcosystemKind::RubyGems),
        "composer" => with_ns(EcosystemKind::Packagist),
        "pub" => plain(EcosystemKind::Pub),
        "hex" => plain(EcosystemKind::Hex),
        "swift" => with_ns(EcosystemKind::SwiftUrl),
        "cran" => plain(EcosystemKind::Cran),
        "hackage" => plain(EcosystemKind::Hackage),
        "github" | "githubactions" => with_ns(EcosystemKind::GitHubActions),
        "conan" => plain(EcosystemKind::ConanCenter),
        "bitnami" => plain(EcosystemKind::Bitnami),
        "julia" => plain(EcosystemKind::Julia),
        "deb" | "apk" | "rpm" => Ok((os_ecosystem(p)?, p.name.clone())),
        other => Err(format!(
            "purl type `{}` has no OSV ecosystem",
            shorten(other)
        )),
    }
}

/// The OSV ecosystem of an OS package purl, from its namespace (the distribution) and its
/// `distro` qualifier (`debian-12`, `ubuntu-22.04`, `alpine-3.20.1` or Trivy's bare `3.20.1`,
/// `rhel-9.3`, `almalinux-9`, `opensuse-leap-15.6`). Without a usable `distro` the ecosystem
/// has no release.
fn os_ecosystem(p: &Purl) -> Result<Ecosystem, String> {
    let vendor = p.namespace.as_deref().unwrap_or("").to_ascii_lowercase();
    let (distro_id, release) = match p.qualifiers.get("distro") {
        Some(d) => split_distro(d.trim()),
        None => (None, ""),
    };
    let major = leading_parts(release, 1);
    let major_minor = leading_parts(release, 2);
    let with = |kind: EcosystemKind, release: Option<String>| match release {
        Some(r) if !r.is_empty() => Ecosystem::with_release(kind, r),
        _ => Ecosystem::new(kind),
    };
    let eco = match (p.ty.as_str(), vendor.as_str()) {
        ("deb", "debian") => with(EcosystemKind::Debian, major),
        ("deb", "ubuntu") => with(
            EcosystemKind::Ubuntu,
            major_minor.map(|r| {
                let lts = match r.split_once('.') {
                    Some((year, "04")) => year.parse::<u32>().is_ok_and(|y| y % 2 == 0 && y >= 8),
                    _ => false,
                };
                if lts { format!("{r}:LTS") } else { r }
            }),
        ),
        ("apk", "alpine") => with(EcosystemKind::Alpine, major_minor.map(|r| format!("v{r}"))),
        ("apk", "wolfi") => Ecosystem::new(EcosystemKind::Wolfi),
        ("apk", "chainguard") => Ecosystem::new(EcosystemKind::Chainguard),
        ("apk", "alpaquita") => with(EcosystemKind::Alpaquita, major),
        ("rpm", "almalinux" | "alma") => with(EcosystemKind::AlmaLinux, major),
        ("rpm", "rocky" | "rockylinux") => with(EcosystemKind::RockyLinux, major),
        ("rpm", "redhat" | "rhel") => with(
            EcosystemKind::RedHat,
            major.map(|m| format!("enterprise_linux:{m}")),
        ),
        ("rpm", "opensuse") => {
            let product = distro_id
                .and_then(|id| id.strip_prefix("opensuse-"))
                .map(capitalise);
            let release = match (product, release) {
                (Some(p), "") => Some(p),
                (Some(p), r) => Some(format!("{p} {r}")),
                (None, _) => None,
            };
            with(EcosystemKind::OpenSuse, release)
        }
        ("rpm", "suse" | "sles") => Ecosystem::new(EcosystemKind::Suse),
        ("rpm", "mageia") => with(EcosystemKind::Mageia, major),
        ("rpm", "openeuler") => with(
            EcosystemKind::OpenEuler,
            (!release.is_empty()).then(|| release.to_ascii_uppercase()),
        ),
        ("rpm", "azurelinux" | "mariner" | "cbl-mariner") => with(EcosystemKind::AzureLinux, major),
        ("rpm", "photon") => with(EcosystemKind::PhotonOs, major_minor),
        (ty, "") => return Err(format!("`{ty}` purl has no distribution (namespace)")),
        (ty, vendor) => {
            return Err(format!(
                "`{ty}` purl of distribution `{}`, which has no OSV ecosystem",
                shorten(vendor)
            ));
        }
    };
    Ok(eco)
}

/// Splits a `distro` qualifier into the distribution id and the release: `debian-12.4` →
/// (`debian`, `12.4`), `opensuse-leap-15.6` → (`opensuse-leap`, `15.6`), `3.20.1` →
/// (none, `3.20.1`), `opensuse-tumbleweed` → (`opensuse-tumbleweed`, ``).
fn split_distro(distro: &str) -> (Option<&str>, &str) {
    if distro.starts_with(|c: char| c.is_ascii_digit()) {
        return (None, distro);
    }
    let split = distro.match_indices('-').find(|(at, _)| {
        distro
            .get(at + 1..)
            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
    });
    match split {
        Some((at, _)) => (distro.get(..at), distro.get(at + 1..).unwrap_or("")),
        None => (Some(distro), ""),
    }
}

/// The first `n` dot-separated numeric parts of a release (`12.4` → `12`), or `None` when
/// the release does not start with a digit.
fn leading_parts(release: &str, n: usize) -> Option<String> {
    if !release.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = release.split('.').take(n).collect();
    Some(parts.join("."))
}

/// `leap` → `Leap`, `leap-micro` → `Leap Micro`.
fn capitalise(id: &str) -> String {
    id.split('-')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

// --- what the readers share ---------------------------------------------------------------

/// Components and warnings of one SBOM, one component per (ecosystem, name, version).
pub(crate) struct Collector {
    path: String,
    parsed: Parsed,
    index: HashMap<(String, String, String), usize>,
}

impl Collector {
    /// An empty result for the file `path`.
    pub(crate) fn new(path: &str) -> Self {
        Collector {
            path: path.to_string(),
            parsed: Parsed::default(),
            index: HashMap::new(),
        }
    }

    /// Records a warning.
    pub(crate) fn warn(&mut self, line: Option<u32>, message: String) {
        self.parsed.warnings.push(Warning {
            path: self.path.clone(),
            line,
            message,
        });
    }

    /// Adds a component, or merges it into the one already read for the same package and
    /// version: direct when either is, the more required scope.
    pub(crate) fn push(&mut self, component: Component) {
        let key = (
            component.ecosystem.to_string(),
            component.name.clone(),
            component.version.clone(),
        );
        if let Some(seen) = self
            .index
            .get(&key)
            .and_then(|&i| self.parsed.components.get_mut(i))
        {
            seen.direct = merge_direct(seen.direct, component.direct);
            seen.scope = seen.scope.min(component.scope);
            if seen.source_package.is_none() {
                seen.source_package = component.source_package;
            }
            return;
        }
        self.index.insert(key, self.parsed.components.len());
        self.parsed.components.push(component);
    }

    /// The result.
    pub(crate) fn finish(self) -> Parsed {
        self.parsed
    }
}

/// Direct when either says so, transitive when either says so and none says direct.
fn merge_direct(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), _) | (_, Some(false)) => Some(false),
        _ => None,
    }
}

/// The ids the `roots` depend on directly, following `edges` (id → what it depends on) and
/// looking through ids that are not packages; `None` when no root has an entry in `edges`,
/// so the graph does not say.
pub(crate) fn direct_ids(
    roots: &[&str],
    edges: &HashMap<String, Vec<String>>,
    is_package: &dyn Fn(&str) -> bool,
) -> Option<HashSet<String>> {
    if !roots.iter().any(|r| edges.contains_key(*r)) {
        return None;
    }
    let mut direct = HashSet::new();
    let mut seen: HashSet<&str> = roots.iter().copied().collect();
    let mut queue: Vec<&str> = roots.to_vec();
    while let Some(id) = queue.pop() {
        for child in edges.get(id).into_iter().flatten() {
            if is_package(child) {
                direct.insert(child.clone());
            } else if seen.insert(child) {
                queue.push(child);
            }
        }
    }
    Some(direct)
}

// --- reading CycloneDX --------------------------------------------------------------------

/// One component entry of a CycloneDX document, in JSON or XML.
#[derive(Default)]
struct RawComponent {
    bom_ref: Option<String>,
    kind: Option<String>,
    label: String,
    version: Option<String>,
    purl: Option<String>,
    scope: Option<String>,
    excluded: bool,
    dev: bool,
    /// `patchwarden:source-package` (`name@version`), as [`write_json`] records it.
    source_package: Option<String>,
}

/// What the readers take from a CycloneDX document.
#[derive(Default)]
struct RawBom {
    root: Option<String>,
    components: Vec<RawComponent>,
    edges: HashMap<String, Vec<String>>,
    warnings: Vec<String>,
}

/// The message for an unsupported `specVersion`.
fn check_spec_version(version: &str) -> Result<(), ParseError> {
    if SUPPORTED_SPEC_VERSIONS.contains(&version) {
        Ok(())
    } else {
        Err(ParseError(format!(
            "CycloneDX specVersion `{}` is not supported (1.4, 1.5 and 1.6 are)",
            shorten(version)
        )))
    }
}

/// Reads a CycloneDX 1.4–1.6 JSON document.
pub fn parse_json(path: &str, text: &str) -> Result<Parsed, ParseError> {
    let doc: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| ParseError(format!("not valid JSON: {e}")))?;
    parse_json_value(path, &doc)
}

/// Reads a CycloneDX 1.4–1.6 JSON document already parsed.
pub(crate) fn parse_json_value(path: &str, doc: &Value) -> Result<Parsed, ParseError> {
    let Some(top) = doc.as_object() else {
        return Err(ParseError(
            "not a CycloneDX document: the JSON is not an object".into(),
        ));
    };
    match top.get("bomFormat") {
        Some(Value::String(f)) if f == "CycloneDX" => {}
        Some(other) => {
            return Err(ParseError(format!(
                "not a CycloneDX document: bomFormat is {}, not \"CycloneDX\"",
                shorten(&other.to_string())
            )));
        }
        None if top.contains_key("spdxVersion") => {
            return Err(ParseError(
                "an SPDX document, not CycloneDX: read it as SPDX JSON".into(),
            ));
        }
        None => {
            return Err(ParseError(
                "not a CycloneDX document: no bomFormat field".into(),
            ));
        }
    }
    match top.get("specVersion") {
        Some(Value::String(v)) => check_spec_version(v)?,
        Some(_) => return Err(ParseError("CycloneDX specVersion is not a string".into())),
        None => return Err(ParseError("CycloneDX document has no specVersion".into())),
    }
    let mut bom = RawBom::default();
    if let Some(meta) = top.get("metadata") {
        bom.root = meta
            .get("component")
            .and_then(|c| c.get("bom-ref"))
            .and_then(Value::as_str)
            .map(str::to_string);
    }
    match top.get("components") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for c in list {
                json_component(c, 1, false, &mut bom)?;
            }
        }
        Some(_) => return Err(ParseError("`components` is not an array".into())),
    }
    match top.get("dependencies") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for d in list {
                let from = d.get("ref").and_then(Value::as_str);
                let Some(from) = from else {
                    bom.warnings
                        .push("a dependency entry has no `ref` string; ignored".into());
                    continue;
                };
                let to = d
                    .get("dependsOn")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string);
                bom.edges.entry(from.to_string()).or_default().extend(to);
            }
        }
        Some(_) => {
            bom.warnings
                .push("`dependencies` is not an array; directness unknown".into());
        }
    }
    Ok(finish(path, bom))
}

/// Reads one JSON component and its nested components into `bom`.
fn json_component(
    value: &Value,
    depth: usize,
    excluded: bool,
    bom: &mut RawBom,
) -> Result<(), ParseError> {
    if depth > MAX_NESTING {
        return Err(ParseError(format!(
            "components nested deeper than {MAX_NESTING} levels"
        )));
    }
    let Some(obj) = value.as_object() else {
        bom.warnings
            .push("a component is not a JSON object; skipped".into());
        return Ok(());
    };
    let text = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_string);
    let mut c = RawComponent {
        bom_ref: text("bom-ref"),
        kind: text("type"),
        version: text("version"),
        purl: text("purl"),
        scope: text("scope"),
        ..RawComponent::default()
    };
    c.label = label(
        text("group"),
        text("name"),
        c.version.as_deref(),
        &c.bom_ref,
    );
    if obj
        .get("purl")
        .is_some_and(|p| !p.is_string() && !p.is_null())
    {
        bom.warnings
            .push(format!("`{}`: purl is not a string", c.label));
    }
    c.excluded = excluded || c.scope.as_deref() == Some("excluded");
    for p in obj
        .get("properties")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let value = p.get("value").and_then(Value::as_str);
        match p.get("name").and_then(Value::as_str) {
            Some("patchwarden:scope") => c.dev |= value == Some("dev"),
            Some("patchwarden:source-package") => c.source_package = value.map(str::to_string),
            _ => {}
        }
    }
    let children_excluded = c.excluded;
    bom.components.push(c);
    match obj.get("components") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for child in list {
                json_component(child, depth + 1, children_excluded, bom)?;
            }
        }
        Some(_) => bom
            .warnings
            .push("nested `components` is not an array; ignored".into()),
    }
    Ok(())
}

/// How a component is named in warnings: `group/name@version`, or its bom-ref.
fn label(
    group: Option<String>,
    name: Option<String>,
    version: Option<&str>,
    bom_ref: &Option<String>,
) -> String {
    let name = match (group.filter(|g| !g.is_empty()), name) {
        (Some(g), Some(n)) => format!("{g}/{n}"),
        (_, Some(n)) => n,
        (_, None) => bom_ref.clone().unwrap_or_else(|| "(unnamed)".into()),
    };
    let label = match version {
        Some(v) if !v.is_empty() => format!("{name}@{v}"),
        _ => name,
    };
    shorten(&label)
}

/// Turns the entries of a document into components and warnings.
fn finish(path: &str, bom: RawBom) -> Parsed {
    let mut out = Collector::new(path);
    for w in bom.warnings {
        out.warn(None, w);
    }
    let packages: HashSet<&str> = bom
        .components
        .iter()
        .filter(|c| c.purl.is_some())
        .filter_map(|c| c.bom_ref.as_deref())
        .collect();
    let direct = bom
        .root
        .as_deref()
        .and_then(|root| direct_ids(&[root], &bom.edges, &|id: &str| packages.contains(id)));
    for c in &bom.components {
        if c.excluded {
            out.warn(None, format!("`{}` has scope `excluded`; skipped", c.label));
            continue;
        }
        let Some(purl) = &c.purl else {
            if !c.kind.as_deref().is_some_and(|k| NOT_PACKAGES.contains(&k)) {
                out.warn(None, format!("`{}` has no purl; skipped", c.label));
            }
            continue;
        };
        match component_with_fallback(purl, path, c.version.as_deref()) {
            Ok(mut component) => {
                component.scope = match c.scope.as_deref() {
                    _ if c.dev => Scope::Dev,
                    Some("optional") => Scope::Optional,
                    _ => Scope::Required,
                };
                if component.source_package.is_none()
                    && let Some((name, version)) =
                        c.source_package.as_deref().and_then(|s| s.rsplit_once('@'))
                    && !name.is_empty()
                    && !version.is_empty()
                {
                    component.source_package = Some(SourcePackage {
                        name: name.to_string(),
                        version: version.to_string(),
                    });
                }
                component.direct = direct
                    .as_ref()
                    .map(|set| c.bom_ref.as_ref().is_some_and(|r| set.contains(r.as_str())));
                out.push(component);
            }
            Err(e) => out.warn(None, format!("`{}`: {e}; skipped", c.label)),
        }
    }
    out.finish()
}

/// An XML element: local name, attributes, text and children.
#[derive(Default)]
pub(crate) struct Node {
    pub(crate) name: String,
    pub(crate) attrs: Vec<(String, String)>,
    pub(crate) text: String,
    pub(crate) children: Vec<Node>,
}

impl Node {
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn children_named<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub(crate) fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The trimmed text of the first child named `name`, when not empty.
    pub(crate) fn child_text(&self, name: &str) -> Option<String> {
        let text = self.child(name)?.text.trim();
        (!text.is_empty()).then(|| text.to_string())
    }
}

/// Parses XML into a tree, refusing a DOCTYPE, undefined entities, deep nesting and more than
/// [`MAX_XML_ELEMENTS`] elements.
pub(crate) fn xml_tree(text: &str) -> Result<Node, ParseError> {
    let bad = |e: &dyn std::fmt::Display| ParseError(format!("not well-formed XML: {e}"));
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    let mut elements = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| bad(&e))?;
        match event {
            Event::DocType(_) => {
                return Err(ParseError(
                    "XML with a DOCTYPE declaration is refused (entities are never expanded)"
                        .into(),
                ));
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                if root.is_some() {
                    return Err(bad(&"more than one root element"));
                }
                elements += 1;
                if elements > MAX_XML_ELEMENTS {
                    return Err(ParseError(format!(
                        "more than {MAX_XML_ELEMENTS} XML elements; refusing to read further"
                    )));
                }
                let mut node = Node {
                    name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                    ..Node::default()
                };
                for attr in e.attributes() {
                    let attr = attr.map_err(|e| bad(&e))?;
                    let value = attr.unescape_value().map_err(|e| bad(&e))?;
                    let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
                    node.attrs.push((key, value.into_owned()));
                }
                if matches!(event, Event::Empty(_)) {
                    attach(&mut stack, &mut root, node);
                } else {
                    if stack.len() >= MAX_XML_DEPTH {
                        return Err(ParseError(format!(
                            "XML elements nested deeper than {MAX_XML_DEPTH} levels"
                        )));
                    }
                    stack.push(node);
                }
            }
            Event::End(_) => {
                if let Some(node) = stack.pop() {
                    attach(&mut stack, &mut root, node);
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.decode().map_err(|e| bad(&e))?);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.decode().map_err(|e| bad(&e))?);
                }
            }
            Event::GeneralRef(r) => {
                let Some(top) = stack.last_mut() else {
                    continue;
                };
                if let Some(c) = r.resolve_char_ref().map_err(|e| bad(&e))? {
                    top.text.push(c);
                    continue;
                }
                let name = r.decode().map_err(|e| bad(&e))?;
                let c = match name.as_ref() {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    other => {
                        return Err(ParseError(format!(
                            "undefined XML entity `&{};`",
                            shorten(other)
                        )));
                    }
                };
                top.text.push(c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(bad(&"the document ends inside an element"));
    }
    root.ok_or_else(|| ParseError("not XML: no element".into()))
}

fn attach(stack: &mut [Node], root: &mut Option<Node>, node: Node) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => *root = Some(node),
    }
}

/// Reads a CycloneDX 1.4–1.6 XML document.
pub fn parse_xml(path: &str, text: &str) -> Result<Parsed, ParseError> {
    let root = xml_tree(text.trim_start_matches('\u{feff}'))?;
    parse_xml_root(path, &root)
}

/// Reads a CycloneDX 1.4–1.6 XML document already parsed into its root element.
pub(crate) fn parse_xml_root(path: &str, root: &Node) -> Result<Parsed, ParseError> {
    if root.name != "bom" {
        return Err(ParseError(format!(
            "not a CycloneDX document: the root element is <{}>, not <bom>",
            shorten(&root.name)
        )));
    }
    let namespace = root
        .attrs
        .iter()
        .filter(|(k, _)| k == "xmlns" || k.starts_with("xmlns:"))
        .find_map(|(_, v)| v.strip_prefix(XML_NAMESPACE));
    let Some(version) = namespace else {
        return Err(ParseError(
            "not a CycloneDX document: <bom> is not in a CycloneDX namespace".into(),
        ));
    };
    check_spec_version(version)?;
    let mut bom = RawBom {
        root: root
            .child("metadata")
            .and_then(|m| m.child("component"))
            .and_then(|c| c.attr("bom-ref"))
            .map(str::to_string),
        ..RawBom::default()
    };
    for list in root.children_named("components") {
        for c in list.children_named("component") {
            xml_component(c, 1, false, &mut bom)?;
        }
    }
    for list in root.children_named("dependencies") {
        for d in list.children_named("dependency") {
            let Some(from) = d.attr("ref") else {
                bom.warnings
                    .push("a <dependency> has no ref attribute; ignored".into());
                continue;
            };
            let to = d
                .children_named("dependency")
                .filter_map(|c| c.attr("ref"))
                .map(str::to_string);
            bom.edges.entry(from.to_string()).or_default().extend(to);
        }
    }
    Ok(finish(path, bom))
}

/// Reads one XML `<component>` and its nested components into `bom`.
fn xml_component(
    node: &Node,
    depth: usize,
    excluded: bool,
    bom: &mut RawBom,
) -> Result<(), ParseError> {
    if depth > MAX_NESTING {
        return Err(ParseError(format!(
            "components nested deeper than {MAX_NESTING} levels"
        )));
    }
    let mut c = RawComponent {
        bom_ref: node.attr("bom-ref").map(str::to_string),
        kind: node.attr("type").map(str::to_string),
        version: node.child_text("version"),
        purl: node.child_text("purl"),
        scope: node.child_text("scope"),
        ..RawComponent::default()
    };
    c.label = label(
        node.child_text("group"),
        node.child_text("name"),
        c.version.as_deref(),
        &c.bom_ref,
    );
    c.excluded = excluded || c.scope.as_deref() == Some("excluded");
    for p in node
        .children_named("properties")
        .flat_map(|p| p.children_named("property"))
    {
        let value = p.text.trim();
        match p.attr("name") {
            Some("patchwarden:scope") => c.dev |= value == "dev",
            Some("patchwarden:source-package") => c.source_package = Some(value.to_string()),
            _ => {}
        }
    }
    let children_excluded = c.excluded;
    bom.components.push(c);
    for list in node.children_named("components") {
        for child in list.children_named("component") {
            xml_component(child, depth + 1, children_excluded, bom)?;
        }
    }
    Ok(())
}

// --- writing --------------------------------------------------------------------------------

/// What an SBOM says about itself: what was scanned, by which version of Patchwarden, when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SbomMeta {
    /// What was scanned (a directory, image or file name); names the SBOM's subject.
    pub name: String,
    /// Patchwarden's version, recorded as the tool that wrote the SBOM.
    pub tool_version: String,
    /// When the SBOM was made, RFC 3339 (`2024-05-01T12:00:00Z`); passed in, so the output
    /// depends on no clock.
    pub timestamp: String,
}

/// One package of the output: the components with the same purl merged.
pub(crate) struct Merged<'a> {
    /// The purl, when the ecosystem has a purl type.
    pub purl: Option<String>,
    /// The component that represents the group (the least in `Component`'s order).
    pub component: &'a Component,
    /// Every distinct place it was found, sorted.
    pub locations: Vec<&'a Location>,
    /// Direct when any was, transitive when any was and none direct.
    pub direct: Option<bool>,
    /// The most required scope of the group.
    pub scope: Scope,
}

/// Sorts components by purl (ecosystem/name@version for those without one) and merges those
/// with the same purl.
pub(crate) fn merge_by_purl(components: &[Component]) -> Vec<Merged<'_>> {
    let mut groups: BTreeMap<String, Merged<'_>> = BTreeMap::new();
    for c in components {
        let purl = c.purl();
        let key = purl
            .clone()
            .unwrap_or_else(|| format!("~{}/{}@{}", c.ecosystem, c.name, c.version));
        match groups.get_mut(&key) {
            Some(m) => {
                if c < m.component {
                    m.component = c;
                }
                if !m.locations.contains(&&c.source) {
                    m.locations.push(&c.source);
                }
                m.direct = merge_direct(m.direct, c.direct);
                m.scope = m.scope.min(c.scope);
            }
            None => {
                groups.insert(
                    key,
                    Merged {
                        purl,
                        component: c,
                        locations: vec![&c.source],
                        direct: c.direct,
                        scope: c.scope,
                    },
                );
            }
        }
    }
    let mut out: Vec<Merged<'_>> = groups.into_values().collect();
    for m in &mut out {
        m.locations.sort();
    }
    out
}

/// A UUID in the version-5 layout made from the SHA-256 of `parts` (each followed by a NUL),
/// so the same content always gets the same id.
pub(crate) fn content_uuid(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for p in parts {
        hash.update(p.as_bytes());
        hash.update([0u8]);
    }
    let digest = hash.finalize();
    let mut b = [0u8; 16];
    for (slot, byte) in b.iter_mut().zip(digest.iter()) {
        *slot = *byte;
    }
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        hex.get(0..8).unwrap_or(""),
        hex.get(8..12).unwrap_or(""),
        hex.get(12..16).unwrap_or(""),
        hex.get(16..20).unwrap_or(""),
        hex.get(20..32).unwrap_or("")
    )
}

/// Hands out ids that are unique within one document: a repeated base gets `-2`, `-3`….
#[derive(Default)]
pub(crate) struct UniqueIds(HashSet<String>);

impl UniqueIds {
    /// `base`, or `base-N` with the least N ≥ 2 not yet used.
    pub(crate) fn make(&mut self, base: String) -> String {
        if self.0.insert(base.clone()) {
            return base;
        }
        let mut n = 2usize;
        loop {
            let candidate = format!("{base}-{n}");
            if self.0.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

/// `s` with every character outside `keep` replaced by `-`, runs of `-` collapsed.
pub(crate) fn sanitise(s: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = if keep(c) { c } else { '-' };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out.trim_matches('-').to_string()
}

/// The CycloneDX name and group of a component: Maven `group:artifact` and npm `@scope/name`
/// split, other names whole.
fn name_and_group(c: &Component) -> (String, Option<String>) {
    let split = match c.ecosystem.kind() {
        EcosystemKind::Maven => c.name.split_once(':'),
        EcosystemKind::Npm if c.name.starts_with('@') => c.name.split_once('/'),
        _ => None,
    };
    match split {
        Some((group, name)) if !group.is_empty() && !name.is_empty() => {
            (name.to_string(), Some(group.to_string()))
        }
        _ => (c.name.clone(), None),
    }
}

/// A CycloneDX 1.6 JSON SBOM of `components`: one entry per purl (sorted), with the files
/// (and image layers) it was found in as properties, the subject `meta.name` depending on
/// the direct components when directness is known. The same input always gives the same
/// text.
pub fn write_json(components: &[Component], meta: &SbomMeta) -> String {
    let merged = merge_by_purl(components);
    let root_ref = format!(
        "patchwarden:subject:{}",
        sanitise(&meta.name, |c| c.is_ascii_graphic())
    );
    let mut ids = UniqueIds::default();
    ids.make(root_ref.clone());
    let mut list = Vec::with_capacity(merged.len());
    let mut direct_refs = Vec::new();
    for m in &merged {
        let c = m.component;
        let base = m
            .purl
            .clone()
            .unwrap_or_else(|| format!("patchwarden:{}/{}@{}", c.ecosystem, c.name, c.version));
        let bom_ref = ids.make(sanitise(&base, |ch| ch.is_ascii_graphic()));
        if m.direct == Some(true) {
            direct_refs.push(bom_ref.clone());
        }
        let (name, group) = name_and_group(c);
        let mut entry = Map::new();
        entry.insert("type".into(), json!("library"));
        entry.insert("bom-ref".into(), json!(bom_ref));
        if let Some(g) = group {
            entry.insert("group".into(), json!(g));
        }
        entry.insert("name".into(), json!(name));
        entry.insert("version".into(), json!(c.version));
        entry.insert(
            "scope".into(),
            json!(match m.scope {
                Scope::Required => "required",
                Scope::Dev | Scope::Optional => "optional",
            }),
        );
        if let Some(p) = &m.purl {
            entry.insert("purl".into(), json!(p));
        }
        let mut props = Vec::new();
        let mut prop = |name: &str, value: &str| {
            props.push(json!({ "name": name, "value": value }));
        };
        if m.purl.is_none() {
            prop("patchwarden:ecosystem", &c.ecosystem.to_string());
        }
        if m.scope == Scope::Dev {
            prop("patchwarden:scope", "dev");
        }
        if let Some(s) = &c.source_package {
            prop(
                "patchwarden:source-package",
                &format!("{}@{}", s.name, s.version),
            );
        }
        for loc in &m.locations {
            prop("patchwarden:source:path", &loc.path);
            if let Some(layer) = &loc.layer {
                prop("patchwarden:source:layer", layer);
            }
        }
        entry.insert("properties".into(), Value::Array(props));
        list.push(Value::Object(entry));
    }
    let components_json = Value::Array(list);
    let dependencies = if direct_refs.is_empty() {
        None
    } else {
        Some(json!([{ "ref": root_ref, "dependsOn": direct_refs }]))
    };
    let content = serde_json::to_string(&(&components_json, &dependencies)).unwrap_or_default();
    let serial = content_uuid(&[
        "cyclonedx-1.6",
        &meta.name,
        &meta.tool_version,
        &meta.timestamp,
        &content,
    ]);
    let mut doc = Map::new();
    doc.insert(
        "$schema".into(),
        json!("http://cyclonedx.org/schema/bom-1.6.schema.json"),
    );
    doc.insert("bomFormat".into(), json!("CycloneDX"));
    doc.insert("specVersion".into(), json!("1.6"));
    doc.insert("serialNumber".into(), json!(format!("urn:uuid:{serial}")));
    doc.insert("version".into(), json!(1));
    doc.insert(
        "metadata".into(),
        json!({
            "timestamp": meta.timestamp,
            "tools": {
                "components": [{
                    "type": "application",
                    "name": "patchwarden",
                    "version": meta.tool_version,
                }]
            },
            "component": {
                "type": "application",
                "bom-ref": root_ref,
                "name": meta.name,
            }
        }),
    );
    doc.insert("components".into(), components_json);
    if let Some(d) = dependencies {
        doc.insert("dependencies".into(), d);
    }
    let mut text = serde_json::to_string_pretty(&Value::Object(doc)).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(purl: &str) -> Result<(String, String, String), String> {
        component_from_purl(purl, "bom.json").map(|c| (c.ecosystem.to_string(), c.name, c.version))
    }

    fn ok(purl: &str) -> (String, String, String) {
        from(purl).unwrap_or_else(|e| panic!("{purl}: {e}"))
    }

    fn t(e: &str, n: &str, v: &str) -> (String, String, String) {
        (e.into(), n.into(), v.into())
    }

    #[test]
    fn purls_are_split_and_percent_decoded() {
        let p = Purl::parse("pkg:npm/%40babel/core@7.0.0?arch=x&distro=a%2Fb#sub/path")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.ty, "npm");
        assert_eq!(p.namespace.as_deref(), Some("@babel"));
        assert_eq!(p.name, "core");
        assert_eq!(p.version.as_deref(), Some("7.0.0"));
        assert_eq!(p.qualifiers.get("distro").map(String::as_str), Some("a/b"));
        let unversioned = Purl::parse("pkg:npm/@babel/core").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(unversioned.namespace.as_deref(), Some("@babel"));
        assert_eq!(unversioned.version, None);
        for bad in [
            "",
            "npm/lodash@1",
            "pkg:",
            "pkg:npm",
            "pkg:npm/",
            "pkg:n%20m/x@1",
            "pkg:npm/%ff%fe@1",
        ] {
            assert!(Purl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn language_purls_map_to_osv_ecosystems() {
        assert_eq!(
            ok("pkg:npm/%40babel/core@7.0.0"),
            t("npm", "@babel/core", "7.0.0")
        );
        assert_eq!(ok("pkg:npm/lodash@4.17.20"), t("npm", "lodash", "4.17.20"));
        assert_eq!(ok("pkg:pypi/django@3.1.3"), t("PyPI", "django", "3.1.3"));
        assert_eq!(
            ok("pkg:cargo/smallvec@1.6.0"),
            t("crates.io", "smallvec", "1.6.0")
        );
        assert_eq!(
            ok("pkg:golang/github.com/gin-gonic/gin@v1.9.0"),
            t("Go", "github.com/gin-gonic/gin", "1.9.0")
        );
        assert_eq!(
            ok("pkg:golang/stdlib@go1.21.3"),
            t("Go", "stdlib", "1.21.3")
        );
        assert_eq!(
            ok("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar"),
            t("Maven", "org.apache.logging.log4j:log4j-core", "2.14.1")
        );
        assert_eq!(
            ok("pkg:nuget/Newtonsoft.Json@13.0.1"),
            t("NuGet", "Newtonsoft.Json", "13.0.1")
        );
        assert_eq!(ok("pkg:gem/rails@7.0.4"), t("RubyGems", "rails", "7.0.4"));
        assert_eq!(
            ok("pkg:composer/symfony/console@6.0.0"),
            t("Packagist", "symfony/console", "6.0.0")
        );
        assert_eq!(ok("pkg:pub/http@1.1.0"), t("Pub", "http", "1.1.0"));
        assert_eq!(ok("pkg:hex/phoenix@1.7.0"), t("Hex", "phoenix", "1.7.0"));
        assert_eq!(
            ok("pkg:swift/github.com/apple/swift-nio@2.60.0"),
            t("SwiftURL", "github.com/apple/swift-nio", "2.60.0")
        );
        assert_eq!(ok("pkg:cran/ggplot2@3.4.0"), t("CRAN", "ggplot2", "3.4.0"));
        assert_eq!(
            ok("pkg:hackage/aeson@2.1.0.0"),
            t("Hackage", "aeson", "2.1.0.0")
        );
        assert_eq!(
            ok("pkg:github/actions/checkout@v4"),
            t("GitHub Actions", "actions/checkout", "v4")
        );
    }

    #[test]
    fn os_purls_take_the_release_from_distro() {
        assert_eq!(
            ok("pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12.4"),
            t("Debian:12", "libssl3", "3.0.11-1~deb12u2")
        );
        assert_eq!(
            ok("pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1.15?distro=ubuntu-22.04"),
            t("Ubuntu:22.04:LTS", "openssl", "3.0.2-0ubuntu1.15")
        );
        assert_eq!(
            ok("pkg:deb/ubuntu/bash@5.2.15-2ubuntu1?distro=ubuntu-23.10"),
            t("Ubuntu:23.10", "bash", "5.2.15-2ubuntu1")
        );
        assert_eq!(
            ok("pkg:deb/debian/perl@5.36.0-7?epoch=1&distro=debian-12"),
            t("Debian:12", "perl", "1:5.36.0-7")
        );
        assert_eq!(
            ok("pkg:deb/debian/bash@5.2-2"),
            t("Debian", "bash", "5.2-2")
        );
        assert_eq!(
            ok("pkg:apk/alpine/busybox@1.36.1-r2?arch=x86_64&distro=3.20.1"),
            t("Alpine:v3.20", "busybox", "1.36.1-r2")
        );
        assert_eq!(
            ok("pkg:apk/alpine/musl@1.2.4-r2?distro=alpine-3.18.4"),
            t("Alpine:v3.18", "musl", "1.2.4-r2")
        );
        assert_eq!(
            ok("pkg:rpm/almalinux/openssl@3.0.7-27.el9?distro=almalinux-9.3&epoch=1"),
            t("AlmaLinux:9", "openssl", "1:3.0.7-27.el9")
        );
        assert_eq!(
            ok("pkg:rpm/redhat/bash@5.1.8-9.el9?distro=rhel-9.2"),
            t("Red Hat:enterprise_linux:9", "bash", "5.1.8-9.el9")
        );
        assert_eq!(
            ok("pkg:rpm/rocky/bash@5.1.8-9.el9?distro=rocky-9"),
            t("Rocky Linux:9", "bash", "5.1.8-9.el9")
        );
        assert_eq!(
            ok("pkg:rpm/opensuse/bash@4.4-150400.27.3.2?distro=opensuse-leap-15.6"),
            t("openSUSE:Leap 15.6", "bash", "4.4-150400.27.3.2")
        );
        assert!(from("pkg:rpm/fedora/bash@5.2-1.fc39").is_err());
        assert!(from("pkg:deb/bash@5.2").is_err());
    }

    #[test]
    fn upstream_qualifiers_give_the_source_package() {
        let src = |purl: &str| {
            component_from_purl(purl, "x")
                .ok()
                .and_then(|c| c.source_package)
                .map(|s| (s.name, s.version))
        };
        assert_eq!(
            src("pkg:deb/debian/libssl3@3.0.11-1?upstream=openssl&distro=debian-12"),
            Some(("openssl".into(), "3.0.11-1".into()))
        );
        assert_eq!(
            src("pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?upstream=glibc%402.36-9"),
            Some(("glibc".into(), "2.36-9".into()))
        );
        assert_eq!(
            src(
                "pkg:rpm/almalinux/openssl-libs@3.0.7-27.el9?epoch=1&upstream=openssl-3.0.7-27.el9.src.rpm"
            ),
            Some(("openssl".into(), "1:3.0.7-27.el9".into()))
        );
        assert_eq!(src("pkg:npm/x@1?upstream=y"), None);
    }

    #[test]
    fn unknown_types_and_missing_versions_are_errors() {
        assert!(from("pkg:generic/openssl@3.0").is_err());
        assert!(from("pkg:docker/library/nginx@1.25").is_err());
        assert!(from("pkg:npm/lodash").is_err());
        assert!(from("pkg:maven/log4j-core@2.14.1").is_err());
        let fallback = component_with_fallback("pkg:npm/lodash", "x", Some("4.17.21"));
        assert_eq!(fallback.map(|c| c.version).ok().as_deref(), Some("4.17.21"));
    }

    #[test]
    fn sboms_are_recognised_by_name_and_content() {
        let k = |n: &str, h: &str| looks_like_sbom(n, h.as_bytes());
        assert_eq!(k("app.cdx.json", ""), Some(SbomKind::CycloneDxJson));
        assert_eq!(k("bom.json", ""), Some(SbomKind::CycloneDxJson));
        assert_eq!(k("x/BOM.XML", ""), Some(SbomKind::CycloneDxXml));
        assert_eq!(k("app.cdx.xml", ""), Some(SbomKind::CycloneDxXml));
        assert_eq!(k("app.spdx.json", ""), Some(SbomKind::SpdxJson));
        assert_eq!(k("app.spdx", ""), Some(SbomKind::SpdxTagValue));
        assert_eq!(
            k("out.json", "{\n  \"bomFormat\" : \"CycloneDX\","),
            Some(SbomKind::CycloneDxJson)
        );
        assert_eq!(
            k("sbom.json", "{\"spdxVersion\":\"SPDX-2.3\""),
            Some(SbomKind::SpdxJson)
        );
        assert_eq!(
            k(
                "sbom.xml",
                "<?xml version=\"1.0\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\">"
            ),
            Some(SbomKind::CycloneDxXml)
        );
        assert_eq!(
            k("sbom.txt", "SPDXVersion: SPDX-2.3\n"),
            Some(SbomKind::SpdxTagValue)
        );
        assert_eq!(
            k("bom.json", "{\"spdxVersion\": \"SPDX-2.3\""),
            Some(SbomKind::SpdxJson)
        );
        assert_eq!(k("package.json", "{\"name\": \"x\"}"), None);
        assert_eq!(k("pom.xml", "<project>"), None);
    }

    #[test]
    fn content_uuids_are_stable_version_5_layout() {
        let a = content_uuid(&["a", "b"]);
        assert_eq!(a, content_uuid(&["a", "b"]));
        assert_ne!(a, content_uuid(&["ab", ""]));
        assert_eq!(a.len(), 36);
        assert_eq!(a.get(14..15), Some("5"));
        assert!(matches!(a.get(19..20), Some("8" | "9" | "a" | "b")));
    }

    #[test]
    fn ids_are_sanitised_and_unique() {
        assert_eq!(sanitise("a b/c", |c| c.is_ascii_alphanumeric()), "a-b-c");
        let mut ids = UniqueIds::default();
        assert_eq!(ids.make("x".into()), "x");
        assert_eq!(ids.make("x".into()), "x-2");
        assert_eq!(ids.make("x".into()), "x-3");
    }

    #[test]
    fn doctype_and_unknown_entities_are_refused() {
        let laughs = "<?xml version=\"1.0\"?><!DOCTYPE bom [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]><bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\"><components><component type=\"library\"><name>&b;</name></component></components></bom>";
        let e = parse_xml("bom.xml", laughs)
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        assert!(e.contains("DOCTYPE"), "{e}");
        let undefined = "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\"><components><component><name>&b;</name></component></components></bom>";
        let e = parse_xml("bom.xml", undefined)
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        assert!(e.contains("undefined XML entity"), "{e}");
    }

    #[test]
    fn other_versions_and_formats_are_refused_clearly() {
        let e = |t: &str| parse_json("x", t).err().map(|e| e.0).unwrap_or_default();
        assert!(e(r#"{"bomFormat":"CycloneDX","specVersion":"1.2"}"#).contains("1.2"));
        assert!(e(r#"{"spdxVersion":"SPDX-2.3"}"#).contains("SPDX"));
        assert!(e("[1]").contains("not an object"));
        assert!(
            e(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":{}}"#)
                .contains("not an array")
        );
        let x = parse_xml("x", "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.3\"/>");
        assert!(x.err().is_some_and(|e| e.0.contains("1.3")));
    }
}
