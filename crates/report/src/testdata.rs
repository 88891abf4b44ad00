//! Scan results the renderers' tests share: [`sample`] (one open finding) and [`rich`]
//! (every kind of finding a report must show).

use patchwarden_core::{
    Component, Ecosystem, EcosystemKind, Location, Scope, Severity, SourcePackage,
};
use patchwarden_engine::{
    ComponentRemediation, Finding, FindingStatus, Gate, KevInfo, ScanResult, VexInfo,
};
use patchwarden_inventory::{LockfileKind, SourceFile, Warning};
use patchwarden_matching::Remediation;
use patchwarden_policy::CvssScore;
use patchwarden_policy::exceptions::AppliedException;
use patchwarden_policy::rules::Decision;
use patchwarden_policy::vex::VexStatus;
use time::Date;
use time::macros::date;

fn crate_component(name: &str, version: &str, line: Option<u32>) -> Component {
    Component {
        direct: Some(true),
        ..Component::new(
            Ecosystem::new(EcosystemKind::CratesIo),
            name,
            version,
            Location {
                path: "app/Cargo.lock".into(),
                line,
                layer: None,
            },
        )
    }
}

fn decision(severity: Severity, days: u32, due: Date) -> Decision {
    Decision {
        sla_severity: severity,
        sla_days: days,
        epss_escalated: false,
        due,
        kev_due_applied: false,
        overdue: false,
        exception: None,
    }
}

fn remediation(
    component: &Component,
    ids: &[&str],
    upgrade_to: Option<&str>,
) -> ComponentRemediation {
    ComponentRemediation {
        component: component.clone(),
        vulnerabilities: ids.iter().map(|s| s.to_string()).collect(),
        remediation: Remediation {
            upgrade_to: upgrade_to.map(str::to_string),
            same_major: true,
            partial_in_major: None,
            unfixed: if upgrade_to.is_none() {
                ids.iter().map(|s| s.to_string()).collect()
            } else {
                Vec::new()
            },
        },
    }
}

/// One open Critical finding on a crate, with a gate rule that it fails.
pub(crate) fn sample() -> ScanResult {
    let component = crate_component;
    ScanResult {
        target: "app".into(),
        scanned_at: "2026-11-23T00:00:00Z".into(),
        advisories_in_store: 2,
        sources: vec![SourceFile {
            path: "app/Cargo.lock".into(),
            kind: LockfileKind::CargoLock,
            components: 2,
        }],
        components: vec![
            component("smallvec", "1.6.0", Some(40)),
            component("serde", "1.0.0", None),
        ],
        findings: vec![Finding {
            advisory_id: "RUSTSEC-2021-0003".into(),
            advisory_ids: vec!["RUSTSEC-2021-0003".into()],
            vulnerability_id: "CVE-2021-25900".into(),
            aliases: vec!["GHSA-43w2-9j62-hq99".into(), "RUSTSEC-2021-0003".into()],
            summary: Some("Buffer overflow in insert_many".into()),
            severity: Severity::Critical,
            cvss: Some(CvssScore {
                version: "3.1",
                vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
                score: 9.8,
            }),
            cvss_source: Some("advisory"),
            published: Some("2021-01-08T12:00:00Z".into()),
            component: component("smallvec", "1.6.0", Some(40)),
            via_source_package: false,
            fixed: vec!["1.6.1".into()],
            approximate: false,
            ranges: vec![
                "RUSTSEC-2021-0003: SEMVER >=0.6.3, <0.6.14".into(),
                "RUSTSEC-2021-0003: SEMVER >=1.0.0, <1.6.1".into(),
            ],
            kev: None,
            epss: Some((0.0123, 0.85)),
            first_seen: date!(2026 - 11 - 23),
            decision: decision(Severity::Critical, 30, date!(2026 - 12 - 23)),
            status: FindingStatus::Open,
            vex: None,
            gate: vec!["severity Critical at or above High".into()],
            priority: 1,
        }],
        remediations: vec![remediation(
            &component("smallvec", "1.6.0", Some(40)),
            &["CVE-2021-25900"],
            Some("1.6.1"),
        )],
        warnings: vec![],
        problems: vec![],
        image: None,
        gate: Gate {
            rules_set: true,
            passed: false,
            failing_findings: 1,
            reasons: vec![("severity Critical at or above High".into(), 1)],
        },
        expired_exceptions: vec![],
        policy_sources: vec!["patchwarden.toml".into()],
        record: None,
    }
}

/// [`sample`] and more: an open High finding with no fix on a component whose line is
/// unknown (npm lockfile v1), an overdue Medium one in an image layer (a Debian package
/// matched through its source package, CVSS 4.0), a finding covered by an exception, one a
/// VEX statement marks not affected, an expired exception, a warning and a problem.
/// Summaries carry characters that Markdown, HTML and spreadsheets treat specially.
pub(crate) fn rich() -> ScanResult {
    let mut r = sample();
    r.target = ".".into();
    r.advisories_in_store = 6;
    if let Some(first) = r.findings.first_mut() {
        first.kev = Some(KevInfo {
            cve: "CVE-2021-25900".into(),
            date_added: "2026-10-01".into(),
            due_date: "2026-10-22".into(),
            ransomware: false,
        });
    }

    let npm = |name: &str, version: &str, path: &str, line: Option<u32>| Component {
        direct: Some(false),
        ..Component::new(
            Ecosystem::new(EcosystemKind::Npm),
            name,
            version,
            Location::at(path, line),
        )
    };
    let ip = npm("ip", "2.0.1", "web/package-lock.json", None);
    let babel = Component {
        scope: Scope::Dev,
        ..npm("@babel/traverse", "7.22.0", "web/package-lock.json", None)
    };
    let pyyaml = Component {
        direct: Some(true),
        ..Component::new(
            Ecosystem::new(EcosystemKind::PyPI),
            "pyyaml",
            "5.3",
            Location::at("requirements.txt", Some(3)),
        )
    };
    let libssl = Component {
        source_package: Some(SourcePackage {
            name: "openssl".into(),
            version: "3.0.11-1~deb12u1".into(),
        }),
        ..Component::new(
            Ecosystem::with_release(EcosystemKind::Debian, "12"),
            "libssl3",
            "3.0.11-1~deb12u1",
            Location {
                path: "var/lib/dpkg/status".into(),
                line: Some(1234),
                layer: Some(
                    "sha256:4f4fb700ef54461cfa02571ae0db9a0dc1e0cdb5577484a6d75e68dc38e8acc1"
                        .into(),
                ),
            },
        )
    };
    r.components
        .extend([ip.clone(), babel.clone(), pyyaml.clone(), libssl.clone()]);
    r.sources.extend([
        SourceFile {
            path: "web/package-lock.json".into(),
            kind: LockfileKind::NpmLock,
            components: 2,
        },
        SourceFile {
            path: "requirements.txt".into(),
            kind: LockfileKind::PipRequirements,
            components: 1,
        },
        SourceFile {
            path: "var/lib/dpkg/status".into(),
            kind: LockfileKind::DpkgStatus,
            components: 1,
        },
    ]);

    let no_fix = Finding {
        advisory_id: "GHSA-2p57-rm9w-gvfp".into(),
        advisory_ids: vec!["GHSA-2p57-rm9w-gvfp".into()],
        vulnerability_id: "CVE-2024-29415".into(),
        aliases: vec!["GHSA-2p57-rm9w-gvfp".into()],
        summary: Some(
            "ip's isPublic() | isPrivate() misjudge <some> addresses, e.g. 127.1 & 01200034567"
                .into(),
        ),
        severity: Severity::High,
        cvss: Some(CvssScore {
            version: "3.1",
            vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
            score: 8.1,
        }),
        cvss_source: Some("nvd"),
        published: Some("2024-05-27T20:15:08Z".into()),
        component: ip.clone(),
        via_source_package: false,
        fixed: vec![],
        approximate: false,
        ranges: vec![],
        kev: None,
        epss: Some((0.0009, 0.38)),
        first_seen: date!(2026 - 11 - 23),
        decision: decision(Severity::High, 60, date!(2027 - 01 - 22)),
        status: FindingStatus::Open,
        vex: None,
        gate: vec!["severity High at or above High".into()],
        priority: 2,
    };
    let overdue = Finding {
        advisory_id: "DSA-5532-1".into(),
        advisory_ids: vec!["DSA-5532-1".into()],
        vulnerability_id: "CVE-2023-5678".into(),
        aliases: vec!["DSA-5532-1".into()],
        summary: Some("=HYPERLINK(\"http://x\") openssl: DH key checks are slow".into()),
        severity: Severity::Medium,
        cvss: Some(CvssScore {
            version: "4.0",
            vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N".into(),
            score: 6.9,
        }),
        cvss_source: Some("advisory"),
        published: Some("2023-11-06".into()),
        component: libssl.clone(),
        via_source_package: true,
        fixed: vec!["3.0.13-1~deb12u1".into()],
        approximate: false,
        ranges: vec![],
        kev: None,
        epss: None,
        first_seen: date!(2026 - 08 - 03),
        decision: Decision {
            overdue: true,
            ..decision(Severity::Medium, 90, date!(2026 - 11 - 01))
        },
        status: FindingStatus::Open,
        vex: None,
        gate: vec!["overdue since 2026-11-01".into()],
        priority: 3,
    };
    let excepted = Finding {
        advisory_id: "GHSA-67hx-6x53-jw92".into(),
        advisory_ids: vec!["GHSA-67hx-6x53-jw92".into()],
        vulnerability_id: "CVE-2023-45133".into(),
        aliases: vec!["GHSA-67hx-6x53-jw92".into()],
        summary: Some(
            "Babel vulnerable to arbitrary code execution when compiling crafted code".into(),
        ),
        severity: Severity::High,
        cvss: Some(CvssScore {
            version: "3.1",
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H".into(),
            score: 8.8,
        }),
        cvss_source: Some("advisory"),
        published: Some("2023-10-16T13:55:36Z".into()),
        component: babel.clone(),
        via_source_package: false,
        fixed: vec!["7.23.2".into(), "8.0.0-alpha.4".into()],
        approximate: false,
        ranges: vec![],
        kev: None,
        epss: None,
        first_seen: date!(2026 - 11 - 23),
        decision: Decision {
            exception: Some(AppliedException {
                selector: "CVE-2023-45133".into(),
                reason: "build-time only; we compile our own code".into(),
                approved_by: Some("security@example.com".into()),
                expires: Some(date!(2027 - 01 - 31)),
                source: "patchwarden.toml".into(),
            }),
            ..decision(Severity::High, 60, date!(2027 - 01 - 22))
        },
        status: FindingStatus::Excepted,
        vex: None,
        gate: vec![],
        priority: 4,
    };
    let not_affected = Finding {
        advisory_id: "PYSEC-2021-142".into(),
        advisory_ids: vec!["PYSEC-2021-142".into()],
        vulnerability_id: "CVE-2020-14343".into(),
        aliases: vec!["GHSA-8q59-q68h-6hv4".into(), "PYSEC-2021-142".into()],
        summary: Some("Arbitrary code execution in full_load".into()),
        severity: Severity::Critical,
        cvss: Some(CvssScore {
            version: "3.1",
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
            score: 9.8,
        }),
        cvss_source: Some("advisory"),
        published: Some("2021-02-09T21:15:00Z".into()),
        component: pyyaml.clone(),
        via_source_package: false,
        fixed: vec!["5.4".into()],
        approximate: false,
        ranges: vec![],
        kev: None,
        epss: Some((0.0166, 0.81)),
        first_seen: date!(2026 - 11 - 23),
        decision: decision(Severity::Critical, 30, date!(2026 - 12 - 23)),
        status: FindingStatus::NotAffected,
        vex: Some(VexInfo {
            status: VexStatus::NotAffected,
            justification: Some(
                "vulnerable_code_not_in_execute_path: only yaml.safe_load is called".into(),
            ),
            source: "app.openvex.json".into(),
        }),
        gate: vec![],
        priority: 5,
    };
    r.findings.extend([no_fix, overdue, excepted, not_affected]);
    r.remediations.extend([
        remediation(&ip, &["CVE-2024-29415"], None),
        remediation(&babel, &["CVE-2023-45133"], Some("7.23.2")),
        remediation(&pyyaml, &["CVE-2020-14343"], Some("5.4")),
        remediation(&libssl, &["CVE-2023-5678"], Some("3.0.13-1~deb12u1")),
    ]);
    r.warnings.push(Warning {
        path: "requirements.txt".into(),
        line: Some(6),
        message:
            "requests is not pinned to one version (`requests>=2.0`); pin it with == to scan it"
                .into(),
    });
    r.problems.push(patchwarden_engine::Problem {
        advisory_id: "GHSA-xxxx-yyyy-zzzz".into(),
        component: ip,
        message: "`2.0.1-x` is not a valid version".into(),
    });
    r.expired_exceptions.push(AppliedException {
        selector: "CVE-2019-0000".into(),
        reason: "legacy".into(),
        approved_by: None,
        expires: Some(date!(2026 - 10 - 01)),
        source: "patchwarden.toml".into(),
    });
    r.policy_sources.push("app.openvex.json".into());
    r.gate = Gate {
        rules_set: true,
        passed: false,
        failing_findings: 3,
        reasons: vec![
            ("severity Critical at or above High".into(), 1),
            ("severity High at or above High".into(), 1),
            ("overdue".into(), 1),
        ],
    };
    r
}
