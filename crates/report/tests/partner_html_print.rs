//! `partner_html` pages render in headless Chromium and print to an A4 PDF. Skipped, with a
//! message, when no `chromium` (or `chromium-browser`, `google-chrome`) is on the PATH.

use std::path::{Path, PathBuf};
use std::process::Command;

use patchwarden_report::portfolio::partner_html;
#[allow(dead_code)]
#[path = "../src/portfolio/fixture.rs"]
mod fixture;
use patchwarden_report::portfolio::{partner, period};

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
fn partner_pages_print_to_pdf_in_headless_chromium() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium on the PATH");
        return;
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (name, report) in [
        ("q3", fixture::q3_partner_report()),
        ("empty", fixture::empty_partner_report()),
        ("edges", fixture::edge_partner_report()),
    ] {
        let html: PathBuf = dir.path().join(format!("{name}.html"));
        let pdf = dir.path().join(format!("{name}.pdf"));
        std::fs::write(&html, partner_html(&report)).unwrap_or_else(|e| panic!("{e}"));
        print(browser, &html, &pdf);
        let bytes = std::fs::read(&pdf).unwrap_or_else(|e| panic!("{}: {e}", pdf.display()));
        assert!(bytes.starts_with(b"%PDF-"), "{name}: not a PDF");
        let n = pages(&bytes);
        assert!((1..=4).contains(&n), "{name}: {n} pages");
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
