//! `patchwarden-load seed`: a large synthetic portfolio written through the store's own write
//! path ([`patchwarden_store::Write`]): products, projects, one artifact per project with its
//! components, and the findings with every lifecycle status, due dates behind and ahead, KEV
//! entries, EPSS and CVSS figures, each audited as `finding.created` like a real scan's.
//!
//! Recording scans of real SBOMs (`bench/portfolio.sh`) makes ~100 findings per 1000
//! components from real advisories; reaching 100,000 findings that way takes many minutes, so
//! this writes the findings directly, in one transaction per project.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use patchwarden_core::{Component, Ecosystem, Location, purl_for};
use patchwarden_store::{FindingRow, NewArtifact, Store};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// What to seed.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    /// Database path or URL.
    pub database: String,
    /// Findings in all.
    pub findings: usize,
    /// Products.
    pub products: usize,
    /// Projects per product.
    pub projects: usize,
    /// Generator seed.
    pub seed: u64,
    /// The time the portfolio is seeded at (RFC 3339; due dates are around it).
    pub now: OffsetDateTime,
}

/// SplitMix64: a tiny seeded generator, so that a seed gives the same portfolio everywhere.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n).
    fn below(&mut self, n: usize) -> usize {
        ((self.unit() * n as f64) as usize).min(n.saturating_sub(1))
    }

    /// An index of `weights`, with probability proportional to its weight.
    fn pick<T: Copy>(&mut self, weights: &[(T, f64)]) -> T {
        let total: f64 = weights.iter().map(|(_, w)| w).sum();
        let mut r = self.unit() * total;
        for (v, w) in weights {
            if r < *w {
                return *v;
            }
            r -= w;
        }
        weights[weights.len() - 1].0
    }
}

/// The ecosystems projects are written in, with the file their components come from.
const STACKS: [(&str, &str); 6] = [
    ("npm", "package-lock.json"),
    ("PyPI", "poetry.lock"),
    ("Maven", "pom.xml"),
    ("Go", "go.sum"),
    ("crates.io", "Cargo.lock"),
    ("Debian:12", "var/lib/dpkg/status"),
];
const WORDS_A: [&str; 24] = [
    "acorn", "bolt", "cinder", "delta", "ember", "flint", "garnet", "harbor", "iris", "jasper",
    "kestrel", "lumen", "maple", "nimbus", "onyx", "pylon", "quartz", "raven", "sable", "tundra",
    "umber", "vortex", "willow", "zephyr",
];
const WORDS_B: [&str; 25] = [
    "parser",
    "utils",
    "core",
    "http",
    "json",
    "yaml",
    "crypto",
    "stream",
    "cli",
    "log",
    "xml",
    "auth",
    "cache",
    "config",
    "date",
    "fs",
    "image",
    "mail",
    "net",
    "orm",
    "queue",
    "regex",
    "template",
    "validator",
    "zip",
];
/// Packages per ecosystem.
const PACKAGES: usize = 600;
/// Vulnerabilities per ecosystem.
const VULNS: usize = 4000;

fn package_name(eco: &str, i: usize) -> String {
    let a = WORDS_A[i % WORDS_A.len()];
    let b = WORDS_B[(i / WORDS_A.len()) % WORDS_B.len()];
    match eco {
        "Maven" => format!("org.{a}:{a}-{b}"),
        "Go" => format!("github.com/{a}/{b}"),
        "crates.io" => format!("{a}_{b}"),
        "Debian:12" => format!("lib{a}-{b}"),
        _ => format!("{a}-{b}"),
    }
}

/// One synthetic vulnerability: the package it affects and its scores.
struct Vuln {
    package: usize,
    id: String,
    ids: Vec<String>,
    severity: &'static str,
    cvss: Option<(String, f64)>,
    kev: bool,
    epss: f64,
    published: String,
    fixed: String,
}

fn vulnerabilities(eco_index: usize, rng: &mut Rng, now: OffsetDateTime) -> Vec<Vuln> {
    (0..VULNS)
        .map(|j| {
            let serial = eco_index * VULNS + j;
            // Popular packages have more advisories.
            let package = ((rng.unit() * rng.unit()) * PACKAGES as f64) as usize;
            let year = 2019 + rng.below(8);
            let ghsa = format!(
                "GHSA-{:04x}-{:04x}-{:04x}",
                rng.next_u64() & 0xffff,
                rng.next_u64() & 0xffff,
                serial & 0xffff
            );
            let (id, ids) = if rng.unit() < 0.75 {
                let cve = format!("CVE-{year}-{}", 20000 + serial);
                (cve.clone(), vec![cve, ghsa])
            } else {
                (ghsa.clone(), vec![ghsa])
            };
            let severity = rng.pick(&[
                ("Critical", 0.10),
                ("High", 0.30),
                ("Medium", 0.40),
                ("Low", 0.12),
                ("Unknown", 0.08),
            ]);
            let cvss = match severity {
                "Critical" => Some(("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.0, 1.0)),
                "High" => Some(("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.0, 1.9)),
                "Medium" => Some(("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:U/C:L/I:L/A:N", 4.0, 2.9)),
                "Low" => Some(("CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 0.1, 3.8)),
                _ => None,
            }
            .map(|(v, low, span)| {
                let score = ((low + rng.unit() * span) * 10.0).round() / 10.0;
                (v.to_string(), score)
            });
            let kev = match severity {
                "Critical" => rng.unit() < 0.12,
                "High" => rng.unit() < 0.04,
                _ => false,
            };
            let epss = (rng.unit().powi(4) * 10000.0).round() / 10000.0;
            let published = now - Duration::days(30 + rng.below(2000) as i64);
            Vuln {
                package,
                id,
                ids,
                severity,
                cvss,
                kev,
                epss,
                published: rfc3339(published),
                fixed: format!(
                    "{}.{}.{}",
                    1 + rng.below(5),
                    rng.below(20),
                    1 + rng.below(9)
                ),
            }
        })
        .collect()
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

fn day(t: OffsetDateTime) -> String {
    let d = t.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn sla_days(severity: &str, kev: bool) -> i64 {
    let days = match severity {
        "Critical" | "High" => 30,
        "Low" => 180,
        _ => 90,
    };
    if kev { days.min(7) } else { days }
}

/// Seeds the portfolio and prints what it wrote.
pub async fn seed(o: &SeedOptions) -> Result<()> {
    if o.findings == 0 || o.products == 0 || o.projects == 0 {
        bail!("--findings, --products and --projects must be at least 1");
    }
    let projects = o.products * o.projects;
    if o.findings > projects * VULNS / 2 {
        bail!(
            "{} findings over {projects} projects: at most {} per project; add projects",
            o.findings,
            VULNS / 2
        );
    }
    let started = Instant::now();
    let store = Store::open(&o.database)
        .await
        .with_context(|| format!("cannot open {}", o.database))?;
    let (artifacts, existing) = store.portfolio_counts().await?;
    if artifacts > 0 || existing > 0 {
        bail!(
            "{} holds a portfolio already ({artifacts} artifacts, {existing} findings); seed a fresh database",
            o.database
        );
    }
    let mut rng = Rng(o.seed);
    let pools: Vec<Vec<Vuln>> = (0..STACKS.len())
        .map(|e| vulnerabilities(e, &mut rng, o.now))
        .collect();
    // Findings per project: uneven, as portfolios are, summing to the total.
    let weights: Vec<f64> = (0..projects).map(|_| 0.3 + rng.unit() * 1.4).collect();
    let total: f64 = weights.iter().sum();
    let mut counts: Vec<usize> = weights
        .iter()
        .map(|w| ((w / total) * o.findings as f64) as usize)
        .collect();
    let mut short = o.findings - counts.iter().sum::<usize>();
    let n = counts.len();
    let mut k = 0;
    while short > 0 {
        counts[k % n] += 1;
        short -= 1;
        k += 1;
    }
    let now_text = rfc3339(o.now);
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_severity: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut overdue, mut kev, mut written) = (0usize, 0usize, 0usize);
    let today = day(o.now);
    for (k, count) in counts.iter().enumerate() {
        let product_name = format!("bench-{:02}", k % o.products + 1);
        let project_name = format!("service-{:03}", k / o.products + 1);
        let eco_index = rng.below(STACKS.len());
        let (eco, file) = STACKS[eco_index];
        let pool = &pools[eco_index];
        let mut w = store.write("bench-seed", &now_text).await?;
        let (product, _) = w.ensure_product(&product_name).await?;
        let (project, _) = w.ensure_project(&product, &project_name).await?;
        // Which vulnerabilities the project has: popular ones more often.
        let mut chosen = BTreeSet::new();
        while chosen.len() < *count {
            chosen.insert(((rng.unit() * rng.unit()) * VULNS as f64) as usize);
        }
        let mut versions: BTreeMap<usize, String> = BTreeMap::new();
        for v in &chosen {
            versions
                .entry(pool[*v].package)
                .or_insert_with(|| format!("0.{}.{}", rng.below(12), rng.below(30)));
        }
        let ecosystem = Ecosystem::parse(eco);
        let components: Vec<Component> = versions
            .iter()
            .map(|(p, v)| {
                Component::new(
                    ecosystem.clone(),
                    package_name(eco, *p),
                    v.clone(),
                    Location::file(file),
                )
            })
            .collect();
        let reference = format!("{:040x}", rng.next_u64());
        let artifact = NewArtifact {
            project_id: project.id,
            reference: &reference,
            kind: "commit",
            target: file,
            built_at: None,
            image_name: None,
            components: components.len() as i64,
            policy: "",
            scan_id: None,
        };
        let artifact_id = w
            .insert_artifact(&artifact, product.id, &components)
            .await?;
        let mut active_ids = Vec::new();
        let mut seen_keys = HashSet::new();
        for v in &chosen {
            let vuln = &pool[*v];
            let package = package_name(eco, vuln.package);
            if !seen_keys.insert((package.clone(), vuln.id.clone())) {
                continue;
            }
            let version = versions.get(&vuln.package).cloned().unwrap_or_default();
            // Recent findings are more common than old ones.
            let age = (rng.unit().powi(2) * 540.0) as i64;
            let first = o.now - Duration::days(age) - Duration::seconds(rng.below(86_400) as i64);
            let sla = sla_days(vuln.severity, vuln.kev);
            let due = first + Duration::days(sla);
            let status = rng.pick(&[
                ("open", 0.30),
                ("triaged", 0.10),
                ("patching", 0.08),
                ("fixed", 0.25),
                ("verified", 0.15),
                ("risk_accepted", 0.06),
                ("not_affected", 0.04),
                ("false_positive", 0.02),
            ]);
            let elapsed = (o.now - first).whole_days().max(1);
            let changed = first + Duration::days(rng.below(elapsed as usize) as i64);
            let mut row = FindingRow {
                id: 0,
                product_id: product.id,
                product: product.name.clone(),
                project_id: project.id,
                project: project.name.clone(),
                ecosystem: eco.to_string(),
                package: package.clone(),
                vulnerability_id: vuln.id.clone(),
                ids: vuln.ids.clone(),
                versions: vec![version.clone()],
                purl: purl_for(&ecosystem, &package, &version),
                path: Some(file.to_string()),
                summary: Some(format!(
                    "Synthetic benchmark vulnerability {} in {package}",
                    vuln.id
                )),
                severity: vuln.severity.to_string(),
                cvss_vector: vuln.cvss.as_ref().map(|(v, _)| v.clone()),
                cvss_score: vuln.cvss.as_ref().map(|(_, s)| *s),
                fixed_versions: vec![vuln.fixed.clone()],
                kev: vuln.kev,
                epss: Some(vuln.epss),
                published: Some(vuln.published.clone()),
                first_seen: rfc3339(first),
                last_seen: now_text.clone(),
                first_artifact_id: Some(artifact_id),
                last_artifact_id: Some(artifact_id),
                due: day(due),
                sla_days: sla,
                status: status.to_string(),
                status_reason: None,
                closed_by_system: false,
                accepted_by: None,
                accepted_until: None,
                fixed_at: None,
                fixed_artifact_id: None,
                verified_at: None,
                verified_deployment_id: None,
                updated_at: rfc3339(changed),
            };
            match status {
                "open" => row.updated_at = row.first_seen.clone(),
                "fixed" | "verified" => {
                    row.fixed_at = Some(rfc3339(changed));
                    row.last_seen = rfc3339(changed);
                    row.closed_by_system = true;
                    row.fixed_artifact_id = Some(artifact_id);
                    if status == "verified" {
                        let at = changed + Duration::days(1 + rng.below(5) as i64);
                        row.verified_at = Some(rfc3339(at.min(o.now)));
                        row.updated_at = rfc3339(at.min(o.now));
                    }
                }
                "risk_accepted" => {
                    row.status_reason =
                        Some("compensating control: not reachable from outside".into());
                    row.accepted_by = Some("auditor".into());
                    row.accepted_until =
                        Some(day(o.now + Duration::days(14 + rng.below(180) as i64)));
                }
                "not_affected" => {
                    row.status_reason = Some("vulnerable_code_not_in_execute_path".into());
                }
                "false_positive" => {
                    row.status_reason = Some("the component is not the affected package".into());
                }
                _ => {}
            }
            let active = matches!(status, "open" | "triaged" | "patching");
            if active && row.due < today {
                overdue += 1;
            }
            kev += usize::from(row.kev);
            *by_status.entry(status).or_default() += 1;
            *by_severity.entry(vuln.severity).or_default() += 1;
            row.id = w.insert_finding(&row).await?;
            if active {
                active_ids.push(row.id);
            }
            w.audit(
                "finding.created",
                "finding",
                row.id,
                Some(product.id),
                None,
                Some(&json!({
                    "status": row.status, "severity": row.severity,
                    "first_seen": row.first_seen, "due": row.due, "artifact_id": artifact_id,
                })),
            )
            .await?;
            written += 1;
        }
        w.set_artifact_findings(artifact_id, &active_ids).await?;
        w.commit().await?;
    }
    store.close().await;
    eprintln!(
        "seeded {written} findings in {projects} projects of {} products in {:.1} s",
        o.products,
        started.elapsed().as_secs_f64()
    );
    eprintln!("  by status: {by_status:?}");
    eprintln!("  by severity: {by_severity:?}");
    eprintln!("  active and overdue on {today}: {overdue}; in KEV: {kev}");
    Ok(())
}
