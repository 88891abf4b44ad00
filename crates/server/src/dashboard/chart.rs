//! The 90-day trend as inline SVG: open findings as a line over the days, new and fixed
//! findings as bars below it. Only numbers and dates go into the markup; colours come from
//! the stylesheet's classes (no inline styles, which the page's CSP forbids).

use std::fmt::Write as _;

use patchwarden_metrics::TrendDay;

const WIDTH: f64 = 720.0;
const TOP: f64 = 160.0;
const BARS: f64 = 60.0;
const GAP: f64 = 24.0;
const LEFT: f64 = 44.0;

/// A short sentence describing the trend (the chart's `<desc>` and its text alternative).
pub fn describe(trend: &[TrendDay]) -> String {
    match (trend.first(), trend.last()) {
        (Some(first), Some(last)) => {
            let new: u64 = trend.iter().map(|d| d.new).sum();
            let fixed: u64 = trend.iter().map(|d| d.fixed).sum();
            let peak = trend.iter().map(|d| d.open).max().unwrap_or(0);
            format!(
                "From {} to {}: open findings went from {} to {} (peak {}); {} new and {} fixed over the period.",
                first.day, last.day, first.open, last.open, peak, new, fixed
            )
        }
        _ => "No trend: the day is unknown.".to_string(),
    }
}

/// The SVG markup of the trend.
pub fn svg(trend: &[TrendDay]) -> String {
    let height = TOP + GAP + BARS + 20.0;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="trend" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="trend-title trend-desc" xmlns="http://www.w3.org/2000/svg"><title id="trend-title">Open findings per day, and new and fixed findings per day, last {} days</title><desc id="trend-desc">{}</desc>"#,
        trend.len(),
        describe(trend)
    );
    if trend.is_empty() {
        out.push_str("</svg>");
        return out;
    }
    let n = trend.len() as f64;
    let step = (WIDTH - LEFT - 4.0) / n;
    let max_open = trend.iter().map(|d| d.open).max().unwrap_or(0).max(1) as f64;
    let max_flow = trend
        .iter()
        .map(|d| d.new.max(d.fixed))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    // Axes and scale labels.
    let _ = write!(
        out,
        r#"<g class="axis"><line x1="{LEFT}" y1="4" x2="{LEFT}" y2="{TOP}"/><line x1="{LEFT}" y1="{TOP}" x2="{WIDTH}" y2="{TOP}"/><text x="{x}" y="12" text-anchor="end">{max_open}</text><text x="{x}" y="{TOP}" text-anchor="end">0</text><text x="{x}" y="{by}" text-anchor="end">{max_flow}</text></g>"#,
        x = LEFT - 4.0,
        by = TOP + GAP + 10.0,
    );
    // Open findings.
    let points: Vec<String> = trend
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let x = LEFT + step * (i as f64 + 0.5);
            let y = TOP - (d.open as f64 / max_open) * (TOP - 8.0);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let _ = write!(
        out,
        r#"<polyline class="open-line" fill="none" points="{}"/>"#,
        points.join(" ")
    );
    // New and fixed per day: two thin bars per day.
    let base = TOP + GAP + BARS;
    out.push_str(r#"<g class="flow">"#);
    for (i, d) in trend.iter().enumerate() {
        let x = LEFT + step * i as f64;
        let w = (step / 2.0 - 0.3).max(0.5);
        for (value, class, dx) in [(d.new, "bar-new", 0.0), (d.fixed, "bar-fixed", step / 2.0)] {
            if value > 0 {
                let h = (value as f64 / max_flow) * BARS;
                let _ = write!(
                    out,
                    r#"<rect class="{class}" x="{:.1}" y="{:.1}" width="{w:.1}" height="{h:.1}"><title>{}: {value} {}</title></rect>"#,
                    x + dx,
                    base - h,
                    d.day,
                    if class == "bar-new" { "new" } else { "fixed" }
                );
            }
        }
    }
    out.push_str("</g>");
    let _ = write!(
        out,
        r#"<g class="axis"><text x="{LEFT}" y="{y}">{}</text><text x="{WIDTH}" y="{y}" text-anchor="end">{}</text></g></svg>"#,
        trend.first().map_or("", |d| d.day.as_str()),
        trend.last().map_or("", |d| d.day.as_str()),
        y = base + 16.0,
    );
    out
}
