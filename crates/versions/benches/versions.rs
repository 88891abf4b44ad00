//! Version engine throughput: comparisons per second per scheme (on parsed versions, and on
//! strings including parsing), and OSV range evaluations per second.
//!
//! `cargo bench -p patchwarden-versions` prints `thrpt` in elements (comparisons or
//! evaluations) per second. Version strings are real ones from `../shared/data` when present.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use patchwarden_versions::{Event, Range, RangeKind, Scheme, evaluate};

/// Up to `n` real version strings a scheme parses, from an OSV archive of the shared data.
fn strings(scheme: Scheme, zip: &str, prefix: &str, fallback: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = common::shared_data()
        .map(|d| common::osv_version_strings(&d, zip, prefix))
        .unwrap_or_default()
        .into_iter()
        .filter(|s| scheme.parse(s).is_ok())
        .take(2000)
        .collect();
    if out.is_empty() {
        out = fallback.iter().map(|s| s.to_string()).collect();
    }
    out
}

fn schemes() -> Vec<(&'static str, Scheme, Vec<String>)> {
    vec![
        (
            "semver",
            Scheme::SemVer,
            strings(
                Scheme::SemVer,
                "crates-all.zip",
                "crates.io",
                &["1.0.0", "1.2.3-alpha.1", "0.10.2"],
            ),
        ),
        (
            "npm",
            Scheme::Npm,
            strings(
                Scheme::Npm,
                "npm-all.zip",
                "npm",
                &["1.0.0", "4.17.21", "2.0.0-rc.1"],
            ),
        ),
        (
            "pep440",
            Scheme::Pep440,
            strings(
                Scheme::Pep440,
                "PyPI-all.zip",
                "PyPI",
                &["1.0", "2.0.post1", "1!3.0rc1"],
            ),
        ),
        (
            "rubygems",
            Scheme::RubyGems,
            strings(
                Scheme::RubyGems,
                "RubyGems-all.zip",
                "RubyGems",
                &["1.0", "6.0.0.rc1", "2.3.4"],
            ),
        ),
        (
            "rpm",
            Scheme::Rpm,
            strings(
                Scheme::Rpm,
                "AlmaLinux-all.zip",
                "AlmaLinux",
                &["1:2.3-4.el9", "1.0~rc1-1", "2.0-1"],
            ),
        ),
        (
            "maven",
            Scheme::Maven,
            strings(
                Scheme::Maven,
                "Maven-all.zip",
                "Maven",
                &["1.0", "2.0-SNAPSHOT", "1.2.3.Final"],
            ),
        ),
        (
            "packagist",
            Scheme::Packagist,
            strings(
                Scheme::Packagist,
                "Packagist-all.zip",
                "Packagist",
                &["1.0.0", "v2.3.1-RC1", "3.0.0-beta2"],
            ),
        ),
        (
            "nuget",
            Scheme::NuGet,
            strings(
                Scheme::NuGet,
                "NuGet-all.zip",
                "NuGet",
                &["1.0.0", "4.7.1", "6.0.0-preview.1"],
            ),
        ),
        (
            "dpkg",
            Scheme::Dpkg,
            vec![
                "1:2.36-9+deb12u4".into(),
                "3.0.11-1~deb12u2".into(),
                "2.36-9".into(),
                "1.0~rc1-1".into(),
            ],
        ),
        (
            "generic",
            Scheme::Generic,
            vec![
                "1.2.3".into(),
                "1.2rc1".into(),
                "2.0-3".into(),
                "10.1".into(),
            ],
        ),
    ]
}

fn comparisons(c: &mut Criterion) {
    for (name, scheme, strings) in schemes() {
        let parsed: Vec<_> = strings
            .iter()
            .filter_map(|s| scheme.parse(s).ok())
            .collect();
        let n = parsed.len();
        let mut group = c.benchmark_group(format!("compare/{name}"));
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function("parsed", |b| {
            b.iter(|| {
                let mut less = 0usize;
                for i in 0..n {
                    if parsed[i] < parsed[(i + 7) % n] {
                        less += 1;
                    }
                }
                black_box(less)
            })
        });
        group.bench_function("strings", |b| {
            b.iter(|| {
                let mut less = 0usize;
                for i in 0..n {
                    if scheme
                        .compare(&strings[i], &strings[(i + 7) % n])
                        .is_ok_and(|o| o.is_lt())
                    {
                        less += 1;
                    }
                }
                black_box(less)
            })
        });
        group.finish();
    }
}

fn range_evaluation(c: &mut Criterion) {
    // RUSTSEC-2020-0071's 16-event range, the longest common shape.
    let events = [
        ("0.0.0-0", "0.2.0"),
        ("0.2.1-0", "0.2.1"),
        ("0.2.2-0", "0.2.2"),
        ("0.2.3-0", "0.2.3"),
        ("0.2.4-0", "0.2.4"),
        ("0.2.5-0", "0.2.5"),
        ("0.2.6-0", "0.2.6"),
        ("0.2.7-0", "0.2.23"),
    ];
    let range = Range {
        kind: RangeKind::SemVer,
        events: events
            .iter()
            .flat_map(|(i, f)| [Event::Introduced(i), Event::Fixed(f)])
            .collect(),
    };
    let simple = Range {
        kind: RangeKind::Ecosystem,
        events: vec![Event::Introduced("0"), Event::Fixed("5.4")],
    };
    let mut group = c.benchmark_group("evaluate");
    group.throughput(Throughput::Elements(1));
    group.bench_function("semver_16_events", |b| {
        b.iter(|| {
            evaluate(
                Scheme::SemVer,
                black_box("0.2.22"),
                std::slice::from_ref(&range),
                &[],
            )
        })
    });
    group.bench_function("pep440_2_events", |b| {
        b.iter(|| {
            evaluate(
                Scheme::Pep440,
                black_box("5.3.1"),
                std::slice::from_ref(&simple),
                &[],
            )
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

criterion_group! { name = benches; config = config(); targets = comparisons, range_evaluation }
criterion_main!(benches);
