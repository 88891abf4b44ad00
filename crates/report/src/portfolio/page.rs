//! The printable page the portfolio reports share: one self-contained HTML document with
//! inline CSS (no scripts, no external files), A4 when printed, readable on a phone.

use crate::html::escape;

/// The report stylesheet.
pub const STYLE: &str = "
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --head: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: var(--fg); margin: 0 auto; padding: 1.5rem; max-width: 80rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; break-after: avoid; page-break-after: avoid; }
.meta, .muted, footer { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid var(--line); padding: .3rem .45rem; text-align: left; vertical-align: top; }
thead th { background: var(--head); }
tr { break-inside: avoid; page-break-inside: avoid; }
tr.total th, tr.total td { font-weight: 600; background: var(--head); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.sev { font-weight: 600; white-space: nowrap; padding: 0 .3em; border-radius: .2em; }
.sev-critical { background: #8b0000; color: #fff; }
.sev-high { background: #c62828; color: #fff; }
.sev-medium { background: #f9a825; color: #1b1f24; }
.sev-low { background: #1565c0; color: #fff; }
.sev-none, .sev-unknown { background: #e1e4e8; color: #1b1f24; }
.badge { display: inline-block; font-size: .75em; font-weight: 700; padding: 0 .35em; border-radius: .25em; background: #6a1b9a; color: #fff; }
.overdue { color: #b00020; font-weight: 700; }
.tiles { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; }
.tile { flex: 1 1 10rem; border: 1px solid var(--line); border-radius: .4rem; padding: .6rem .8rem; display: flex; flex-direction: column; }
.tile .big { font-size: 1.6rem; font-weight: 700; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
.chart { flex: 1 1 18rem; width: 100%; max-width: 40rem; height: auto; }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .axis { font-size: 11px; fill: var(--muted); }
.chart .value { font-size: 11px; fill: var(--fg); }
.chart .bar.good { fill: #1a7f37; } .chart .bar.fair { fill: #bf8700; } .chart .bar.poor { fill: #b00020; }
.chart .bar.open, .key.open { fill: #57606a; background: #57606a; }
.chart .bar.late, .key.late { fill: #b00020; background: #b00020; }
.key { display: inline-block; width: .8em; height: .8em; margin-left: .6em; }
.legend { font-size: .85em; color: var(--muted); }
@media (max-width: 40rem) { body { padding: .75rem; font-size: 14px; } table { display: block; overflow-x: auto; } }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { padding: 0; max-width: none; font-size: 10.5pt; }
  .sev, .badge { border: 1px solid #000; }
  table { display: table; overflow: visible; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
";

/// A whole HTML document around `body`.
pub fn document(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"Patchwarden\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\
         <footer><p>Made by Patchwarden.</p></footer>\n</body>\n</html>\n",
        escape(title)
    )
}
