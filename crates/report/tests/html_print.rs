//! The report pages (partner, SLA, SAMM) render in headless Chromium and print to an A4 PDF. Skipped, with a
//! message, when no `chromium` (or `chromium-browser`, `google-chrome`) is on the PATH.

use std::path::{Path, PathBuf};
use std::process::Command;

use patchwarden_report::portfolio::{
    Period, SlaInput, assess_samm, build_sla, partner_html, samm_html, sla_html,
};
#[allow(dead_code)]
#[path = "../src/portfolio/fixture.rs"]
mod fixture;
use patchwarden_report::portfolio::{partner, period, samm};

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

fn print(browser: &str, html: &Path, pdf: &Path) {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {browser}: {e}"));
    assert!(
        out.status.success(),
        "{browser} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Pages of a PDF: its `/Type /Page` objects (not `/Pages`).
fn pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Type /Page")
        .chain(text.match_indices("/Type/Page"))
        .filter(|(i, m)| !text[i + m.len()..].starts_with('s'))
        .count()
}

#[test]
fn report_pages_print_to_pdf_in_headless_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must print the reports: install chromium (.ci/oracles.sh does)"
        );
        eprintln!("skipped: no chromium on the PATH");
        return;
    };
    // The PDFs stay under target/reports/ for review.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/reports");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let sla = build_sla(SlaInput {
        period: Period::parse("2026-07-01", "2026-09-30").unwrap_or_else(|e| panic!("{e}")),
        generated_at: fixture::NOW,
        product: None,
        findings: &fixture::findings(),
        exceptions: &fixture::exceptions(),
    });
    let pages_to_print = [
        ("partner-q3", partner_html(&fixture::q3_partner_report()), 4),
        (
            "partner-empty",
            partner_html(&fixture::empty_partner_report()),
            1,
        ),
        (
            "partner-edges",
            partner_html(&fixture::edge_partner_report()),
            4,
        ),
        ("sla-q3", sla_html(&sla), 6),
        // Three questions, eight criteria, each with its evidence lists.
        (
            "samm",
            samm_html(&assess_samm(&fixture::samm_evidence())),
            10,
        ),
    ];
    for (name, page, most) in pages_to_print {
        let html: PathBuf = dir.join(format!("{name}.html"));
        let pdf = dir.join(format!("{name}.pdf"));
        std::fs::write(&html, page).unwrap_or_else(|e| panic!("{e}"));
        print(browser, &html, &pdf);
        let bytes = std::fs::read(&pdf).unwrap_or_else(|e| panic!("{}: {e}", pdf.display()));
        assert!(bytes.starts_with(b"%PDF-"), "{name}: not a PDF");
        let n = pages(&bytes);
        assert!((1..=most).contains(&n), "{name}: {n} pages");
        // A4 is 595 x 842 points (Chromium writes 594.95996 x 841.91998).
        let text = String::from_utf8_lossy(&bytes);
        let boxes: Vec<&str> = text
            .match_indices("/MediaBox [0 0 ")
            .filter_map(|(i, m)| text[i + m.len()..].split(']').next())
            .collect();
        assert_eq!(boxes.len(), n, "{name}: {boxes:?}");
        for b in boxes {
            let size: Vec<f64> = b
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            assert!(
                size.len() == 2 && (size[0] - 595.0).abs() < 1.0 && (size[1] - 842.0).abs() < 1.0,
                "{name}: page {b} is not A4"
            );
        }
    }
}
