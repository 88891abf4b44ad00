//! Quarterly partner reports: gathering a partner's report from the store, rendering it,
//! delivering it through the partner's channel (a signed webhook or an email with the
//! documents attached) and recording each delivery for audit; and the `partner-reports` job,
//! which delivers the previous quarter's report to every opted-in partner that has not had
//! it yet.
//!
//! This lives in the server crate rather than the engine because the report crate depends on
//! the engine: the engine cannot call `patchwarden_report` without a dependency cycle. The
//! CLI (`report partner`, `jobs run partner-reports`) and the REST API call it alike.
//! `docs/partners.md` describes the envelope, the email and the job.

use std::time::Instant;

use patchwarden_notify::{Attachment, Document, Rules, deliver_document};
use patchwarden_report::portfolio::{
    PartnerInput, PartnerReport, Publisher, Quarter, build_partner, parse_day, partner_csaf,
    partner_html, partner_json,
};
use patchwarden_store::{
    DeliveryStatus, DeliveryTrigger, FindingFilter, NewDelivery, Partner, PartnerDelivery, Store,
    StoreError,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The `schema` of the webhook envelope.
pub const DELIVERY_SCHEMA: &str = "patchwarden.partner-delivery/1";

/// The `X-Patchwarden-Event` header of a partner report webhook.
pub const PARTNER_EVENT: &str = "partner.report";

/// Default [`ReportConfig::publisher`].
pub const DEFAULT_PUBLISHER: &str = "Patchwarden";

/// Default [`ReportConfig::namespace`].
pub const DEFAULT_NAMESPACE: &str = "https://patchwarden.invalid";

/// The `[report]` table of the configuration file: who publishes the reports.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportConfig {
    /// The organisation publishing the reports (CSAF `document.publisher.name`).
    pub publisher: String,
    /// A URL of the organisation (CSAF `document.publisher.namespace`), `https://...`.
    pub namespace: String,
}

impl Default for ReportConfig {
    fn default() -> Self {
        ReportConfig {
            publisher: DEFAULT_PUBLISHER.into(),
            namespace: DEFAULT_NAMESPACE.into(),
        }
    }
}

impl ReportConfig {
    /// The publisher of the reports; an error when the table is unusable.
    pub fn publisher(&self) -> Result<Publisher, String> {
        if self.publisher.trim().is_empty() {
            return Err("[report] publisher must not be empty".into());
        }
        if !self.namespace.starts_with("https://") && !self.namespace.starts_with("http://") {
            return Err(format!(
                "[report] namespace `{}`: expected a URL such as https://example.com",
                self.namespace
            ));
        }
        Ok(Publisher {
            name: self.publisher.clone(),
            namespace: self.namespace.clone(),
        })
    }
}

/// Why a partner report could not be made or sent (a failed delivery is not an error: it is
/// recorded and returned as a [`PartnerDelivery`] with status `failed`).
#[derive(Debug, thiserror::Error)]
pub enum PartnerError {
    /// The store failed, or a partner or product is unknown.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The partner has not opted in (nothing is sent to it).
    #[error("partner {0} has not opted in to reports (`patchwarden partner opt-in {0}`)")]
    NotOptedIn(String),
    /// A time or quarter could not be read.
    #[error("{0}")]
    Input(String),
}

/// The documents of one report: the JSON always, the HTML page and the CSAF 2.0 VEX document
/// when their renderers are available.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartnerDocuments {
    /// The partner report JSON (`patchwarden.partner-report/1`).
    pub json: String,
    /// One self-contained, printable HTML page.
    pub html: String,
    /// The CSAF 2.0 VEX document (JSON).
    pub csaf: String,
}

/// Renders every document of a report.
pub fn partner_documents(report: &PartnerReport) -> PartnerDocuments {
    PartnerDocuments {
        json: partner_json(report),
        html: partner_html(report),
        csaf: partner_csaf(report),
    }
}

/// The quarter before the one `now` (RFC 3339) falls in: what the schedule sends.
pub fn previous_quarter(now: &str) -> Result<Quarter, PartnerError> {
    let day = parse_day(now.get(..10).unwrap_or(now))
        .map_err(|e| PartnerError::Input(format!("clock `{now}`: {e}")))?;
    Ok(Quarter::of(day).previous())
}

/// Gathers a partner's report for a quarter as of `now` (RFC 3339): the findings of its
/// products, their exceptions and patch records, built into the report.
pub async fn gather_partner_report(
    store: &Store,
    partner: &Partner,
    quarter: Quarter,
    now: &str,
    publisher: &Publisher,
) -> Result<PartnerReport, PartnerError> {
    let findings = store
        .findings(&FindingFilter {
            product_ids: Some(partner.product_ids.clone()),
            ..FindingFilter::default()
        })
        .await?;
    let mut exceptions = Vec::new();
    for product in &partner.products {
        exceptions.extend(store.exceptions(Some(product)).await?);
    }
    let mut patches = Vec::new();
    for f in findings
        .iter()
        .filter(|f| matches!(f.severity.as_str(), "Critical" | "High"))
    {
        patches.extend(store.patches(f.id).await?);
    }
    Ok(build_partner(PartnerInput {
        partner: &partner.name,
        products: &partner.products,
        quarter,
        generated_at: now,
        publisher,
        findings: &findings,
        exceptions: &exceptions,
        patches: &patches,
    }))
}

/// The webhook body: `{"schema", "partner", "quarter", "generated_at", "report", "csaf"}`
/// with the report (and the CSAF document, when there is one) as JSON objects.
pub fn partner_envelope(
    report: &PartnerReport,
    documents: &PartnerDocuments,
) -> Result<Vec<u8>, PartnerError> {
    let parse = |what: &str, text: &str| {
        serde_json::from_str::<Value>(text)
            .map_err(|e| PartnerError::Input(format!("the {what} document is not JSON: {e}")))
    };
    let mut envelope = Map::new();
    envelope.insert("schema".into(), DELIVERY_SCHEMA.into());
    envelope.insert("partner".into(), report.partner.clone().into());
    envelope.insert("quarter".into(), report.quarter.to_string().into());
    envelope.insert("generated_at".into(), report.generated_at.clone().into());
    envelope.insert("report".into(), parse("report", &documents.json)?);
    envelope.insert("csaf".into(), parse("CSAF", &documents.csaf)?);
    serde_json::to_vec(&Value::Object(envelope))
        .map_err(|e| PartnerError::Input(format!("the envelope: {e}")))
}

/// A file name part from a partner's name: letters, digits, `-`, `_` and `.` kept, anything
/// else `-`.
pub fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    stem.trim_matches(['-', '.']).to_string()
}

/// The email's text: the counts, then the vulnerabilities still exposed (up to 20).
fn email_text(report: &PartnerReport) -> String {
    let s = &report.summary;
    let mut text = format!(
        "Partner report {} for {}\nPeriod: {} to {}; statuses as of {}.\nProducts: {}\n\n",
        report.quarter,
        report.partner,
        report.from,
        report.to,
        report.generated_at,
        report.products.join(", ")
    );
    text.push_str(&format!(
        "{} vulnerabilities ({} Critical, {} High; {} known exploited).\n",
        s.vulnerabilities, s.critical, s.high, s.exploited
    ));
    text.push_str(&format!(
        "Product entries: {} still exposed ({} overdue), {} fixed, {} not affected.\n",
        s.affected, s.overdue, s.fixed, s.not_affected
    ));
    let exposed: Vec<String> = report
        .vulnerabilities
        .iter()
        .flat_map(|v| {
            v.products
                .iter()
                .filter(|p| p.status.is_affected())
                .map(move |p| {
                    let due = p
                        .due
                        .as_deref()
                        .map(|d| format!(", due {d}"))
                        .unwrap_or_default();
                    format!(
                        "- {} {} in {}: {}{due}{}",
                        v.severity,
                        v.id,
                        p.product,
                        p.status.label(),
                        if p.overdue { " (overdue)" } else { "" }
                    )
                })
        })
        .collect();
    if !exposed.is_empty() {
        text.push_str("\nStill exposed:\n");
        for line in exposed.iter().take(20) {
            text.push_str(line);
            text.push('\n');
        }
        if exposed.len() > 20 {
            text.push_str(&format!("... and {} more.\n", exposed.len() - 20));
        }
    }
    text.push_str(
        "\nAttached: the report as JSON, as a printable HTML page, and as a CSAF 2.0 VEX document.\n",
    );
    text
}

/// The document delivered: the envelope for a webhook; for an email, a text summary with the
/// report JSON, the printable HTML page and the CSAF 2.0 VEX document attached.
pub fn partner_document(
    report: &PartnerReport,
    documents: &PartnerDocuments,
) -> Result<Document, PartnerError> {
    let stem = format!("{}-{}", file_stem(&report.partner), report.quarter);
    let mut attachments = vec![Attachment {
        filename: format!("{stem}.json"),
        content_type: "application/json".into(),
        content: documents.json.clone().into_bytes(),
    }];
    attachments.push(Attachment {
        filename: format!("{stem}.html"),
        content_type: "text/html; charset=utf-8".into(),
        content: documents.html.clone().into_bytes(),
    });
    attachments.push(Attachment {
        filename: format!("{stem}.csaf.json"),
        content_type: "application/json".into(),
        content: documents.csaf.clone().into_bytes(),
    });
    Ok(Document {
        event: PARTNER_EVENT.into(),
        json: partner_envelope(report, documents)?,
        subject: format!(
            "[{}] Partner report {} for {}",
            report.publisher.name, report.quarter, report.partner
        ),
        text: email_text(report),
        attachments,
    })
}

/// `now` moved on by the time elapsed since `started` (so that a fixed test clock still
/// gives a finish after the start).
fn later(now: &str, started: Instant) -> String {
    OffsetDateTime::parse(now, &Rfc3339)
        .ok()
        .map(|t| t + started.elapsed())
        .and_then(|t| t.replace_nanosecond(0).ok())
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| now.to_string())
}

/// Who asks and why, for [`deliver_partner_report`].
#[derive(Clone, Copy, Debug)]
pub struct DeliveryRequest<'a> {
    /// `schedule` or `request`.
    pub trigger: DeliveryTrigger,
    /// Who acts (the audit log's actor; `requested_by` of a `request`).
    pub actor: &'a str,
    /// Now, RFC 3339: the report's time and the delivery's start.
    pub now: &'a str,
}

/// Builds the partner's report of `quarter`, delivers it through the partner's channel (with
/// the channel's retries) and records the delivery (time, channel, SHA-256 of the bytes sent,
/// attempts, the receiver's answer, or the error). A delivery that fails is recorded, logged
/// at error level and returned with status `failed`; an error is returned only when nothing
/// could be recorded or the partner has not opted in.
pub async fn deliver_partner_report(
    store: &Store,
    rules: &Rules,
    publisher: &Publisher,
    partner: &Partner,
    quarter: Quarter,
    request: DeliveryRequest<'_>,
) -> Result<PartnerDelivery, PartnerError> {
    if !partner.opted_in {
        return Err(PartnerError::NotOptedIn(partner.name.clone()));
    }
    let started = Instant::now();
    let report = gather_partner_report(store, partner, quarter, request.now, publisher).await?;
    let documents = partner_documents(&report);
    let document = partner_document(&report, &documents)?;
    let (channel_type, outcome) = match rules.channel(&partner.channel) {
        Some(channel) => (
            channel.config.type_name(),
            deliver_document(channel, &document).await.map_err(|e| {
                (
                    e.attempts(),
                    e.payload_sha256().map(str::to_string),
                    e.to_string(),
                )
            }),
        ),
        None => (
            "none",
            Err((
                0,
                None,
                format!(
                    "partner {}: channel `{}` is not in [notify.channels]",
                    partner.name, partner.channel
                ),
            )),
        ),
    };
    let finished = later(request.now, started);
    let quarter_text = quarter.to_string();
    let requested_by = match request.trigger {
        DeliveryTrigger::Request => Some(request.actor),
        DeliveryTrigger::Schedule => None,
    };
    let mut new = NewDelivery {
        partner,
        quarter: &quarter_text,
        trigger: request.trigger,
        requested_by,
        channel: &partner.channel,
        channel_type,
        started_at: request.now,
        finished_at: &finished,
        status: DeliveryStatus::Delivered,
        attempts: 0,
        sha256: None,
        response: None,
        error: None,
    };
    let response;
    let failure;
    match &outcome {
        Ok(receipt) => {
            response = receipt
                .http_status
                .map(|s| format!("HTTP {s}"))
                .or_else(|| receipt.smtp_response.clone());
            new.attempts = i64::from(receipt.attempts);
            new.sha256 = Some(&receipt.payload_sha256);
            new.response = response.as_deref();
        }
        Err((attempts, sha256, error)) => {
            failure = error.clone();
            new.status = DeliveryStatus::Failed;
            new.attempts = i64::from(*attempts);
            new.sha256 = sha256.as_deref();
            new.error = Some(&failure);
            tracing::error!(
                partner = %partner.name,
                quarter = %quarter_text,
                channel = %partner.channel,
                "partner report delivery failed: {error}"
            );
        }
    }
    let mut w = store.write(request.actor, request.now).await?;
    let delivery = w.record_partner_delivery(&new).await?;
    w.commit().await?;
    if delivery.status == DeliveryStatus::Delivered {
        tracing::info!(
            partner = %partner.name,
            quarter = %quarter_text,
            channel = %partner.channel,
            attempts = delivery.attempts,
            "partner report delivered"
        );
    }
    Ok(delivery)
}

/// What one run of the `partner-reports` job did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartnerReportsRun {
    /// The quarter sent (the one before the run's clock).
    pub quarter: String,
    /// Deliveries made this run (delivered and failed).
    pub deliveries: Vec<PartnerDelivery>,
    /// Opted-in partners that already had this quarter's report.
    pub already_delivered: Vec<String>,
    /// Partners that have not opted in (nothing sent).
    pub not_opted_in: Vec<String>,
}

impl PartnerReportsRun {
    /// The partners whose delivery failed this run.
    pub fn failed(&self) -> Vec<&str> {
        self.deliveries
            .iter()
            .filter(|d| d.status == DeliveryStatus::Failed)
            .map(|d| d.partner.as_str())
            .collect()
    }
}

/// The `partner-reports` job: the previous quarter's report (relative to `now`) to every
/// opted-in partner without a `delivered` delivery of it. Failed deliveries are recorded
/// and tried again by the next run; a delivered quarter is never sent again by the job.
pub async fn run_partner_reports(
    store: &Store,
    rules: &Rules,
    publisher: &Publisher,
    actor: &str,
    now: &str,
) -> Result<PartnerReportsRun, PartnerError> {
    let quarter = previous_quarter(now)?;
    let mut run = PartnerReportsRun {
        quarter: quarter.to_string(),
        deliveries: Vec::new(),
        already_delivered: Vec::new(),
        not_opted_in: Vec::new(),
    };
    for partner in store.partners().await? {
        if !partner.opted_in {
            run.not_opted_in.push(partner.name);
            continue;
        }
        if store.partner_delivered(partner.id, &run.quarter).await? {
            run.already_delivered.push(partner.name);
            continue;
        }
        let delivery = deliver_partner_report(
            store,
            rules,
            publisher,
            &partner,
            quarter,
            DeliveryRequest {
                trigger: DeliveryTrigger::Schedule,
                actor,
                now,
            },
        )
        .await?;
        run.deliveries.push(delivery);
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_sends_the_previous_quarter() {
        let q = |now: &str| {
            previous_quarter(now)
                .map(|q| q.to_string())
                .unwrap_or_default()
        };
        assert_eq!(q("2026-10-01T00:00:00Z"), "2026Q3");
        assert_eq!(q("2026-12-31T23:59:59Z"), "2026Q3");
        assert_eq!(q("2027-01-02T06:00:00Z"), "2026Q4");
        assert!(previous_quarter("yesterday").is_err());
    }

    #[test]
    fn file_names_keep_safe_characters_only() {
        assert_eq!(file_stem("Acme Hospital"), "Acme-Hospital");
        assert_eq!(file_stem("../etc/passwd"), "etc-passwd");
        assert_eq!(file_stem("acme_eu-2"), "acme_eu-2");
    }

    #[test]
    fn report_table_defaults_and_checks() {
        let p = ReportConfig::default()
            .publisher()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.name, "Patchwarden");
        assert_eq!(p.namespace, "https://patchwarden.invalid");
        let bad = ReportConfig {
            publisher: "Example".into(),
            namespace: "example.com".into(),
        };
        assert_eq!(
            bad.publisher().err().as_deref(),
            Some("[report] namespace `example.com`: expected a URL such as https://example.com")
        );
    }
}
