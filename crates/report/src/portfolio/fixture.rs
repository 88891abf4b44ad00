//! A small seeded portfolio the portfolio reports' tests share. Its figures are worked out by
//! hand in each test; change a row here and those tests say which figure moved.
//!
//! Products `chat` and `billing` are the ones partner "Acme Hospital" runs; `intranet` is not.
//! The report day is 2026-11-23 and the quarter 2026Q3 (1 July to 30 September).

use patchwarden_store::{
    FindingRow, Patch, ProcessReview, Product, ProjectActivity, SourceStatus, StoredException,
};

use super::partner::{PartnerInput, PartnerReport, Publisher, build};
use super::period::Quarter;

/// When the reports are made.
pub const NOW: &str = "2026-11-23T09:00:00Z";

/// Who publishes them.
pub fn publisher() -> Publisher {
    Publisher {
        name: "Example Software AG".into(),
        namespace: "https://software.example".into(),
    }
}

struct Row<'a> {
    id: i64,
    product: (i64, &'a str),
    project: (i64, &'a str),
    package: (&'a str, &'a str, &'a str),
    ids: &'a [&'a str],
    severity: &'a str,
    cvss: Option<(&'a str, f64)>,
    fixed: &'a [&'a str],
    kev: bool,
    first_seen: &'a str,
    due: &'a str,
    status: &'a str,
}

fn row(r: Row<'_>) -> FindingRow {
    let (ecosystem, package, version) = r.package;
    FindingRow {
        id: r.id,
        product_id: r.product.0,
        product: r.product.1.into(),
        project_id: r.project.0,
        project: r.project.1.into(),
        ecosystem: ecosystem.into(),
        package: package.into(),
        vulnerability_id: r.ids.first().copied().unwrap_or_default().into(),
        ids: r.ids.iter().map(|s| s.to_string()).collect(),
        versions: vec![version.into()],
        purl: None,
        path: None,
        summary: Some(format!("Flaw in {package}")),
        severity: r.severity.into(),
        cvss_vector: r.cvss.map(|c| c.0.to_string()),
        cvss_score: r.cvss.map(|c| c.1),
        fixed_versions: r.fixed.iter().map(|s| s.to_string()).collect(),
        kev: r.kev,
        epss: None,
        published: None,
        first_seen: format!("{}T10:00:00Z", r.first_seen),
        last_seen: NOW.into(),
        first_artifact_id: None,
        last_artifact_id: None,
        due: r.due.into(),
        sla_days: 30,
        status: r.status.into(),
        status_reason: None,
        closed_by_system: false,
        accepted_by: None,
        accepted_until: None,
        fixed_at: None,
        fixed_artifact_id: None,
        verified_at: None,
        verified_deployment_id: None,
        updated_at: format!("{}T10:00:00Z", r.first_seen),
    }
}

const CHAT: (i64, &str) = (1, "chat");
const BILLING: (i64, &str) = (2, "billing");
const INTRANET: (i64, &str) = (3, "intranet");
const RAPID_RESET: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H";

/// The findings, numbered 1 to 11.
pub fn findings() -> Vec<FindingRow> {
    let lodash = ["CVE-2021-23337", "GHSA-35jh-r3h4-6jhm"];
    let lodash_cvss = Some(("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2));
    let mut rows = vec![
        // 1: fixed on time in Q3.
        row(Row {
            id: 1,
            product: CHAT,
            project: (11, "api"),
            package: ("npm", "lodash", "4.17.20"),
            ids: &lodash,
            severity: "High",
            cvss: lodash_cvss,
            fixed: &["4.17.21"],
            kev: false,
            first_seen: "2026-07-10",
            due: "2026-08-09",
            status: "fixed",
        }),
        // 2: the same vulnerability in another project, fixed late, verified.
        row(Row {
            id: 2,
            product: CHAT,
            project: (12, "web"),
            package: ("npm", "lodash", "4.17.19"),
            ids: &lodash,
            severity: "High",
            cvss: lodash_cvss,
            fixed: &["4.17.21"],
            kev: false,
            first_seen: "2026-07-10",
            due: "2026-08-09",
            status: "verified",
        }),
        // 3: exploited, open and overdue.
        row(Row {
            id: 3,
            product: CHAT,
            project: (11, "api"),
            package: ("crates.io", "h2", "0.3.20"),
            ids: &["CVE-2023-44487", "GHSA-qppj-fm5r-hxr3"],
            severity: "High",
            cvss: Some((RAPID_RESET, 7.5)),
            fixed: &["0.3.24"],
            kev: true,
            first_seen: "2026-08-15",
            due: "2026-09-14",
            status: "open",
        }),
        // 4: critical, risk accepted until the end of the year.
        row(Row {
            id: 4,
            product: CHAT,
            project: (11, "api"),
            package: ("Debian:12", "openssl", "3.0.11-1~deb12u1"),
            ids: &["CVE-2024-5535"],
            severity: "Critical",
            cvss: Some(("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H", 9.1)),
            fixed: &["3.0.14-1~deb12u1"],
            kev: false,
            first_seen: "2026-09-20",
            due: "2026-10-20",
            status: "risk_accepted",
        }),
        // 5: medium: never in a partner report.
        row(Row {
            id: 5,
            product: CHAT,
            project: (11, "api"),
            package: ("PyPI", "requests", "2.31.0"),
            ids: &["CVE-2024-35195", "GHSA-9wx4-h78v-vm56"],
            severity: "Medium",
            cvss: Some(("CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:H/I:H/A:N", 5.6)),
            fixed: &["2.32.0"],
            kev: false,
            first_seen: "2026-07-01",
            due: "2026-09-29",
            status: "triaged",
        }),
        // 6: fixed before Q3 began: not in the Q3 report.
        row(Row {
            id: 6,
            product: BILLING,
            project: (21, "core"),
            package: ("Maven", "org.apache.logging.log4j:log4j-core", "2.14.1"),
            ids: &["CVE-2021-44228", "GHSA-jfh8-c2jp-5v3q"],
            severity: "Critical",
            cvss: Some(("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0)),
            fixed: &["2.15.0", "2.12.2"],
            kev: true,
            first_seen: "2026-06-01",
            due: "2026-07-01",
            status: "fixed",
        }),
        // 7: the exploited vulnerability of 3 in the other product, being patched.
        row(Row {
            id: 7,
            product: BILLING,
            project: (21, "core"),
            package: ("Go", "golang.org/x/net", "0.15.0"),
            ids: &["CVE-2023-44487", "GHSA-qppj-fm5r-hxr3"],
            severity: "High",
            cvss: Some((RAPID_RESET, 7.5)),
            fixed: &["0.17.0"],
            kev: true,
            first_seen: "2026-09-01",
            due: "2026-10-01",
            status: "patching",
        }),
        // 8: not affected, decided in Q3.
        row(Row {
            id: 8,
            product: BILLING,
            project: (21, "core"),
            package: ("npm", "jsonwebtoken", "8.5.1"),
            ids: &["CVE-2022-23529", "GHSA-27h2-hvpr-p74q"],
            severity: "High",
            cvss: Some(("CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.6)),
            fixed: &["9.0.0"],
            kev: false,
            first_seen: "2026-07-05",
            due: "2026-08-04",
            status: "not_affected",
        }),
        // 9: a product the partner does not run.
        row(Row {
            id: 9,
            product: INTRANET,
            project: (31, "portal"),
            package: ("npm", "axios", "0.21.1"),
            ids: &["CVE-2021-3749", "GHSA-cph5-m8f7-6c5x"],
            severity: "High",
            cvss: Some(("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5)),
            fixed: &["0.21.2"],
            kev: false,
            first_seen: "2026-08-01",
            due: "2026-08-31",
            status: "open",
        }),
        // 10: first seen in Q4: not in the Q3 report.
        row(Row {
            id: 10,
            product: CHAT,
            project: (12, "web"),
            package: ("npm", "minimist", "1.2.5"),
            ids: &["CVE-2021-44906", "GHSA-xvch-5gv4-984h"],
            severity: "Critical",
            cvss: Some(("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8)),
            fixed: &["1.2.6"],
            kev: false,
            first_seen: "2026-10-05",
            due: "2026-11-04",
            status: "open",
        }),
        // 11: a false positive decided before Q3: not in the Q3 report.
        row(Row {
            id: 11,
            product: BILLING,
            project: (21, "core"),
            package: ("npm", "node-fetch", "2.6.1"),
            ids: &["CVE-2022-0235", "GHSA-r683-j2x4-v87g"],
            severity: "High",
            cvss: Some(("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:N", 6.1)),
            fixed: &["2.6.7"],
            kev: false,
            first_seen: "2026-05-20",
            due: "2026-06-19",
            status: "false_positive",
        }),
    ];
    let set = |rows: &mut Vec<FindingRow>, id: i64, f: &dyn Fn(&mut FindingRow)| {
        if let Some(r) = rows.iter_mut().find(|r| r.id == id) {
            f(r);
        }
    };
    set(&mut rows, 1, &|r| {
        r.fixed_at = Some("2026-08-01T12:00:00Z".into());
        r.updated_at = "2026-08-01T12:00:00Z".into();
    });
    set(&mut rows, 2, &|r| {
        r.fixed_at = Some("2026-08-20T12:00:00Z".into());
        r.verified_at = Some("2026-08-25T12:00:00Z".into());
        r.updated_at = "2026-08-25T12:00:00Z".into();
    });
    set(&mut rows, 4, &|r| {
        r.status_reason = Some("TLS terminates at the gateway; the flawed call is unused".into());
        r.accepted_by = Some("ciso".into());
        r.accepted_until = Some("2026-12-31".into());
        r.updated_at = "2026-10-01T08:00:00Z".into();
    });
    set(&mut rows, 6, &|r| {
        r.fixed_at = Some("2026-06-20T12:00:00Z".into());
        r.updated_at = "2026-06-20T12:00:00Z".into();
    });
    set(&mut rows, 8, &|r| {
        r.status_reason = Some("vulnerable_code_not_in_execute_path".into());
        r.updated_at = "2026-07-20T12:00:00Z".into();
    });
    set(&mut rows, 11, &|r| {
        r.status_reason = Some("the scanner read a test fixture".into());
        r.updated_at = "2026-06-15T12:00:00Z".into();
    });
    rows
}

/// The exceptions: billing's for the exploited vulnerability (added 2026-10-02), chat's for
/// requests (expires 2026-10-31) and chat's for lodash (expired 2026-08-31).
pub fn exceptions() -> Vec<StoredException> {
    let base = StoredException {
        id: 1,
        product: "billing".into(),
        project: None,
        vulnerability: Some("CVE-2023-44487".into()),
        ecosystem: None,
        package: None,
        purl: None,
        reason: "Rate limiting at the load balancer caps HTTP/2 resets".into(),
        approved_by: "ciso".into(),
        expires: "2026-12-15".into(),
        created_at: "2026-10-02T09:00:00Z".into(),
        created_by: "alice".into(),
    };
    vec![
        base.clone(),
        StoredException {
            id: 2,
            product: "chat".into(),
            vulnerability: Some("CVE-2024-35195".into()),
            reason: "Certificate checks are pinned in the client wrapper".into(),
            expires: "2026-10-31".into(),
            created_at: "2026-08-01T09:00:00Z".into(),
            ..base.clone()
        },
        StoredException {
            id: 3,
            product: "chat".into(),
            vulnerability: None,
            ecosystem: Some("npm".into()),
            package: Some("lodash".into()),
            reason: "Template input is escaped before it reaches lodash".into(),
            approved_by: "ciso".into(),
            expires: "2026-08-31".into(),
            created_at: "2026-06-01T09:00:00Z".into(),
            ..base
        },
    ]
}

/// The patch records: one planned upgrade for finding 7.
pub fn patches() -> Vec<Patch> {
    vec![Patch {
        id: 1,
        finding_id: 7,
        planned_version: Some("0.17.0".into()),
        pull_request: Some("https://git.example/billing/core/pull/88".into()),
        state: "planned".into(),
        created_at: "2026-10-03T09:00:00Z".into(),
        updated_at: "2026-10-03T09:00:00Z".into(),
        actor: "bob".into(),
    }]
}

/// The 2026Q3 report of partner "Acme Hospital", which runs `chat` and `billing`.
pub fn q3_partner_report() -> PartnerReport {
    let products = vec!["chat".to_string(), "billing".to_string()];
    build(PartnerInput {
        partner: "Acme Hospital",
        products: &products,
        quarter: Quarter::parse("2026Q3").unwrap_or_else(|e| panic!("{e}")),
        generated_at: NOW,
        publisher: &publisher(),
        findings: &findings(),
        exceptions: &exceptions(),
        patches: &patches(),
    })
}

/// The 2026Q3 report of partner "Nobody", whose product has no findings.
pub fn empty_partner_report() -> PartnerReport {
    let products = vec!["intranet-less".to_string()];
    build(PartnerInput {
        partner: "Nobody",
        products: &products,
        quarter: Quarter::parse("2026Q3").unwrap_or_else(|e| panic!("{e}")),
        generated_at: NOW,
        publisher: &publisher(),
        findings: &findings(),
        exceptions: &[],
        patches: &[],
    })
}

const LAB: (i64, &str) = (4, "lab");
const KIOSK: (i64, &str) = (5, "lab kiosk");

/// Findings 101 to 108 of products `lab` and `lab kiosk`, all in 2026Q3, for the edges of the
/// renderers: ids without a CVE, CVSS 4.0 and 2.0 vectors, no vector, two CVEs on one
/// vulnerability, one CVE on two, a false positive, a not-affected justification in words,
/// markup in texts. The ids are made up.
pub fn edge_findings() -> Vec<FindingRow> {
    let v3 = |v: &'static str, s: f64| Some((v, s));
    let mut rows = vec![
        // 101: a GitHub advisory without a CVE, open.
        row(Row {
            id: 101,
            product: LAB,
            project: (41, "bench"),
            package: ("npm", "pad-<left>", "1.0.0"),
            ids: &["GHSA-7f3x-q2m9-v4hc"],
            severity: "High",
            cvss: v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5),
            fixed: &["1.0.1"],
            kev: false,
            first_seen: "2026-07-02",
            due: "2026-08-01",
            status: "open",
        }),
        // 102: only a CVSS 4.0 vector, no fixed version anywhere, triaged.
        row(Row {
            id: 102,
            product: LAB,
            project: (41, "bench"),
            package: ("crates.io", "spool", "0.4.2"),
            ids: &["CVE-2026-20001"],
            severity: "Critical",
            cvss: v3(
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                9.3,
            ),
            fixed: &[],
            kev: false,
            first_seen: "2026-08-03",
            due: "2026-12-01",
            status: "triaged",
        }),
        // 103: a false positive decided in Q3.
        row(Row {
            id: 103,
            product: KIOSK,
            project: (51, "screen"),
            package: ("npm", "thumbs", "2.1.0"),
            ids: &["CVE-2026-20002", "GHSA-m4c2-8v6r-wq3p"],
            severity: "High",
            cvss: v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8),
            fixed: &["2.1.1"],
            kev: false,
            first_seen: "2026-07-20",
            due: "2026-08-19",
            status: "false_positive",
        }),
        // 104: a PyPI advisory with two CVEs and a CVSS 2.0 vector, being patched.
        row(Row {
            id: 104,
            product: LAB,
            project: (42, "notebook"),
            package: ("PyPI", "sheetcalc", "3.2.0"),
            ids: &["PYSEC-2026-17", "CVE-2026-20004", "CVE-2026-20003"],
            severity: "High",
            cvss: v3("AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5),
            fixed: &["3.2.1"],
            kev: true,
            first_seen: "2026-09-10",
            due: "2026-10-10",
            status: "patching",
        }),
        // 105 and 106: one CVE under two vulnerability ids (a GitHub advisory and the CVE).
        row(Row {
            id: 105,
            product: LAB,
            project: (41, "bench"),
            package: ("Go", "example.org/relay", "1.3.0"),
            ids: &["GHSA-9h2q-5c8w-r6mj", "CVE-2026-20005"],
            severity: "High",
            cvss: v3("CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8),
            fixed: &["1.3.4"],
            kev: false,
            first_seen: "2026-07-15",
            due: "2026-08-14",
            status: "open",
        }),
        row(Row {
            id: 106,
            product: KIOSK,
            project: (51, "screen"),
            package: ("Go", "example.org/relay", "1.2.9"),
            ids: &["CVE-2026-20005"],
            severity: "High",
            cvss: v3("CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8),
            fixed: &["1.3.4"],
            kev: false,
            first_seen: "2026-07-15",
            due: "2026-08-14",
            status: "fixed",
        }),
        // 107: not affected, the justification in words.
        row(Row {
            id: 107,
            product: KIOSK,
            project: (51, "screen"),
            package: ("Maven", "org.example:render", "5.0.1"),
            ids: &["CVE-2026-20006"],
            severity: "High",
            cvss: v3("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
            fixed: &["5.0.2"],
            kev: false,
            first_seen: "2026-07-25",
            due: "2026-08-24",
            status: "not_affected",
        }),
        // 108: a RustSec advisory without any CVSS vector, open.
        row(Row {
            id: 108,
            product: LAB,
            project: (41, "bench"),
            package: ("crates.io", "ringbuf-x", "0.9.0"),
            ids: &["RUSTSEC-2026-0042"],
            severity: "Critical",
            cvss: None,
            fixed: &["0.9.1"],
            kev: false,
            first_seen: "2026-09-29",
            due: "2026-10-29",
            status: "open",
        }),
    ];
    for r in &mut rows {
        match r.id {
            101 => r.summary = Some("Padding <script>alert('x')</script> & more".into()),
            103 => {
                r.status_reason = Some("the scanner matched a vendored test fixture".into());
                r.updated_at = "2026-08-10T12:00:00Z".into();
            }
            106 => {
                r.fixed_at = Some("2026-09-01T12:00:00Z".into());
                r.updated_at = "2026-09-01T12:00:00Z".into();
            }
            107 => {
                r.status_reason =
                    Some("Inline mitigations already exist: input is sanitised".into());
                r.updated_at = "2026-08-02T12:00:00Z".into();
            }
            108 => r.summary = None,
            _ => {}
        }
    }
    rows
}

/// The 2026Q3 report of partner "Lab & <Partners>", which runs `lab`, `lab kiosk` and
/// `lab-kiosk` (no findings; its CSAF product id must not clash with `lab kiosk`'s), made
/// from [`edge_findings`].
pub fn edge_partner_report() -> PartnerReport {
    let products = vec![
        "lab".to_string(),
        "lab kiosk".to_string(),
        "lab-kiosk".to_string(),
    ];
    build(PartnerInput {
        partner: "Lab & <Partners>",
        products: &products,
        quarter: Quarter::parse("2026Q3").unwrap_or_else(|e| panic!("{e}")),
        generated_at: NOW,
        publisher: &publisher(),
        findings: &edge_findings(),
        exceptions: &[],
        patches: &[],
    })
}

/// The SAMM assessment's portfolio: [`findings`] plus three findings without a fix — 12 open
/// with no decision, 13 risk-accepted without an approver, 14 covered by exception 3.
pub fn samm_findings() -> Vec<FindingRow> {
    let mut rows = findings();
    rows.push(row(Row {
        id: 12,
        product: INTRANET,
        project: (31, "portal"),
        package: ("npm", "marked", "4.0.0"),
        ids: &["CVE-2026-1200"],
        severity: "High",
        cvss: None,
        fixed: &[],
        kev: false,
        first_seen: "2026-11-01",
        due: "2026-12-01",
        status: "open",
    }));
    let mut accepted = row(Row {
        id: 13,
        product: CHAT,
        project: (12, "web"),
        package: ("npm", "xmldom", "0.6.0"),
        ids: &["CVE-2026-1300"],
        severity: "Critical",
        cvss: None,
        fixed: &[],
        kev: false,
        first_seen: "2026-10-10",
        due: "2026-11-09",
        status: "risk_accepted",
    });
    accepted.status_reason = Some("input is trusted".into());
    accepted.accepted_until = Some("2027-01-31".into());
    rows.push(accepted);
    rows.push(row(Row {
        id: 14,
        product: BILLING,
        project: (21, "core"),
        package: ("PyPI", "pyjwt", "2.3.0"),
        ids: &["CVE-2026-1400"],
        severity: "Medium",
        cvss: None,
        fixed: &[],
        kev: false,
        first_seen: "2026-09-16",
        due: "2026-12-15",
        status: "open",
    }));
    rows
}

/// [`exceptions`] 1 and 2, plus a new exception 3, in force for finding 14.
pub fn samm_exceptions() -> Vec<StoredException> {
    // Without chat's expired lodash exception (3): the SAMM figures were worked out on the
    // two exceptions in force.
    let mut all: Vec<StoredException> = exceptions().into_iter().filter(|x| x.id != 3).collect();
    let mut third = all[0].clone();
    third.id = 3;
    third.vulnerability = Some("CVE-2026-1400".into());
    third.reason = "Tokens are verified by the gateway before reaching core".into();
    third.expires = "2027-03-31".into();
    third.created_at = "2026-09-20T09:00:00Z".into();
    all.push(third);
    all
}

/// The projects with their latest scan: api 3 days before the report, web 13, core 53,
/// portal never.
pub fn projects() -> Vec<ProjectActivity> {
    let p = |id, product: &str, project: &str, artifacts, last: Option<&str>| ProjectActivity {
        project_id: id,
        product: product.into(),
        project: project.into(),
        artifacts,
        last_recorded_at: last.map(str::to_string),
    };
    vec![
        p(21, "billing", "core", 4, Some("2026-10-01T08:00:00Z")),
        p(11, "chat", "api", 9, Some("2026-11-20T17:30:00Z")),
        p(12, "chat", "web", 5, Some("2026-11-10T12:00:00Z")),
        p(31, "intranet", "portal", 0, None),
    ]
}

/// The advisory sources: OSV updated a day before the report, KEV two days (still fresh),
/// EPSS 13 days, NVD never (its last attempt failed).
pub fn sources() -> Vec<SourceStatus> {
    let s = |name: &str, kind: &str, last: Option<&str>, error: Option<&str>| SourceStatus {
        name: name.into(),
        kind: kind.into(),
        location: format!("https://feeds.example/{name}"),
        records: 100,
        last_success: last.map(str::to_string),
        last_attempt: Some("2026-11-22T04:00:00Z".into()),
        last_error: error.map(str::to_string),
        etag: None,
        last_modified: None,
        sha256: None,
    };
    vec![
        s("epss", "epss", Some("2026-11-10T04:00:00Z"), None),
        s("kev", "kev", Some("2026-11-21T06:00:00Z"), None),
        s("nvd", "nvd", None, Some("HTTP 503")),
        s("osv:npm", "osv", Some("2026-11-22T04:00:00Z"), None),
    ]
}

/// The products: chat has its own policy, billing and intranet run on the defaults.
pub fn products() -> Vec<Product> {
    let p = |id, name: &str, policy: Option<&str>| Product {
        id,
        name: name.into(),
        description: String::new(),
        policy: policy.map(str::to_string),
        created_at: "2026-01-05T09:00:00Z".into(),
    };
    vec![
        p(2, "billing", None),
        p(1, "chat", Some("[sla]\ncritical = 7\nhigh = 14\n")),
        p(3, "intranet", None),
    ]
}

/// The process reviews: two within the year before the report, one older.
pub fn reviews() -> Vec<ProcessReview> {
    let r = |id, on: &str, reviewer: &str, summary: &str, changes: Option<&str>| ProcessReview {
        id,
        reviewed_on: on.into(),
        reviewer: reviewer.into(),
        summary: summary.into(),
        changes: changes.map(str::to_string),
        recorded_at: format!("{on}T16:00:00Z"),
        recorded_by: reviewer.into(),
    };
    vec![
        r(1, "2025-10-01", "carol", "First retrospective", None),
        r(
            2,
            "2026-04-20",
            "bob",
            "Patch windows clash with releases",
            Some("patch window moved to Tuesdays"),
        ),
        r(
            3,
            "2026-10-15",
            "alice",
            "KEV alerts reach on-call too late",
            Some("KEV findings page on-call"),
        ),
    ]
}

/// The SAMM assessment's evidence: the SAMM findings and exceptions, the projects, sources,
/// products, reviews and the patched finding of [`patches`].
pub fn samm_evidence() -> super::samm::SammEvidence {
    super::samm::SammEvidence {
        generated_at: NOW.into(),
        options: super::samm::SammOptions::default(),
        projects: projects(),
        sources: sources(),
        findings: samm_findings(),
        exceptions: samm_exceptions(),
        patched_findings: patches().iter().map(|p| p.finding_id).collect(),
        products: products(),
        reviews: reviews(),
    }
}
