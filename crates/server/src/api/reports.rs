//! Reports under `/api/v1/reports`: the SLA compliance report of a period, the quarterly
//! partner report and the SAMM self-assessment, in the formats the CLI writes. The role rules
//! are the API's: the SLA report covers the products the caller may read.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use patchwarden_access::Role;
use patchwarden_report::portfolio::{
    Period, Quarter, SammOptions, SlaTable, assess_samm, samm_html, samm_json, sla_csv, sla_html,
    sla_json, sla_markdown,
};
use patchwarden_store::{DeliveryStatus, DeliveryTrigger, Partner, PartnerDelivery};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::partners::{
    DeliveryRequest, PartnerError, deliver_partner_report, file_stem, gather_partner_report,
    partner_documents, previous_quarter,
};
use crate::reports;
use crate::state::AppState;

/// A rendered report and how to send it.
pub struct Document {
    /// `application/json`, `text/html; charset=utf-8`, ...
    pub media_type: &'static str,
    /// The file name offered to a browser saving it.
    pub filename: String,
    /// The text.
    pub body: String,
}

impl IntoResponse for Document {
    fn into_response(self) -> Response {
        let disposition = HeaderValue::from_str(&format!(
            "inline; filename=\"{}\"",
            self.filename.replace(['"', '\\', '\r', '\n'], "_")
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("inline"));
        (
            [
                (CONTENT_TYPE, HeaderValue::from_static(self.media_type)),
                (CONTENT_DISPOSITION, disposition),
            ],
            self.body,
        )
            .into_response()
    }
}

/// The media type and file extension of a format name.
pub(crate) fn media_type(format: &str) -> Option<(&'static str, &'static str)> {
    match format {
        "json" => Some(("application/json", "json")),
        "html" => Some(("text/html; charset=utf-8", "html")),
        "markdown" | "md" => Some(("text/markdown; charset=utf-8", "md")),
        "csv" => Some(("text/csv; charset=utf-8", "csv")),
        "csaf" => Some(("application/json", "csaf.json")),
        _ => None,
    }
}

/// What the SLA report covers and how it is written.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlaQuery {
    /// First day of the period, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day of the period, `YYYY-MM-DD`.
    pub to: Option<String>,
    /// Only this product (default: every product the caller may read).
    pub product: Option<String>,
    /// `json` (default), `html`, `markdown` or `csv`.
    pub format: Option<String>,
    /// With `format=csv`: `figures` (default), `overdue` or `exceptions`.
    pub table: Option<String>,
}

/// The SLA compliance report of a period: compliance per severity and product (closed
/// within SLA ÷ due in the period), mean and p90 time to remediate, overdue findings with
/// their age, a monthly trend, and the exceptions in force and expired. Definitions:
/// docs/reports.md.
#[utoipa::path(get, path = "/api/v1/reports/sla", tag = "reports",
    params(SlaQuery),
    responses((status = 200, description = "The report, in the format asked for (JSON: `patchwarden.sla-report/1`)", content((Object = "application/json"), (String = "text/html"), (String = "text/markdown"), (String = "text/csv"))),
        (status = 400, description = "A missing or invalid period, format or table", body = ErrorBody),
        (status = 401, description = "No working credentials", body = ErrorBody),
        (status = 403, description = "A partner, or a product the caller may not read", body = ErrorBody),
        (status = 404, description = "No such product", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn sla(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<SlaQuery>,
) -> ApiResult<Document> {
    viewer.require_portfolio_reader()?;
    let (Some(from), Some(to)) = (q.from.as_deref(), q.to.as_deref()) else {
        return Err(ApiError::bad_request(
            "from and to are required (YYYY-MM-DD)",
        ));
    };
    let period = Period::parse(from, to).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let format = q.format.as_deref().unwrap_or("json");
    let (media, extension) = media_type(format)
        .filter(|_| format != "csaf")
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "unknown format {format:?}: expected json, html, markdown or csv"
            ))
        })?;
    let table = match q.table.as_deref() {
        None => SlaTable::Figures,
        Some(t) => SlaTable::parse(t).ok_or_else(|| {
            ApiError::bad_request(format!(
                "unknown table {t:?}: expected figures, overdue or exceptions"
            ))
        })?,
    };
    let product = match q
        .product
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(name) => Some(viewer.readable_product(&state, name).await?.name),
        None => None,
    };
    let report = reports::sla_report(
        &state.store,
        period,
        product.as_deref(),
        viewer.product_scope(),
        &state.now(),
    )
    .await?;
    let body = match format {
        "html" => sla_html(&report),
        "markdown" | "md" => sla_markdown(&report),
        "csv" => sla_csv(&report, table),
        _ => sla_json(&report),
    };
    Ok(Document {
        media_type: media,
        filename: format!(
            "sla-{}{}-{}-{}.{extension}",
            product
                .as_deref()
                .map_or(String::new(), |p| format!("{p}-")),
            report.from,
            report.to,
            if format == "csv" {
                table_name(table)
            } else {
                "report"
            }
        ),
        body,
    })
}

fn table_name(t: SlaTable) -> &'static str {
    match t {
        SlaTable::Figures => "figures",
        SlaTable::Overdue => "overdue",
        SlaTable::Exceptions => "exceptions",
    }
}

/// How the SAMM assessment is measured and written.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SammQuery {
    /// `json` (default) or `html`.
    pub format: Option<String>,
    /// 1a: a project's component list is up to date when scanned within this many days
    /// (default 30).
    pub inventory_days: Option<u32>,
    /// 3a: a project is rescanned regularly when scanned within this many days (default 7).
    pub rescan_days: Option<u32>,
    /// 1b, 2b: an advisory source is fresh when updated within this many days (default 2).
    pub source_days: Option<u32>,
    /// 2a, 3b, 3c: the look-back window for remediations and process reviews (default 365).
    pub review_days: Option<u32>,
}

/// The SAMM "Patching and Updating" self-assessment: the three questions answered from the
/// portfolio's evidence, each quality criterion with its measured figure and what would
/// raise the answer (docs/samm.md). It covers the whole portfolio, so it is for admins and
/// auditors.
#[utoipa::path(get, path = "/api/v1/reports/samm", tag = "reports",
    params(SammQuery),
    responses((status = 200, description = "The assessment (JSON: `patchwarden.samm-assessment/1`)", content((Object = "application/json"), (String = "text/html"))),
        (status = 400, description = "An unknown format or a window outside 1 to 3650 days", body = ErrorBody),
        (status = 401, description = "No working credentials", body = ErrorBody),
        (status = 403, description = "Neither admin nor auditor", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn samm(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<SammQuery>,
) -> ApiResult<Document> {
    if !viewer.reads_everything() {
        return Err(ApiError::forbidden(
            "the SAMM assessment covers the whole portfolio: it needs the admin or auditor role",
        ));
    }
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "html") {
        return Err(ApiError::bad_request(format!(
            "unknown format {format:?}: expected json or html"
        )));
    }
    let defaults = SammOptions::default();
    let days = |name: &str, v: Option<u32>, default: u32| -> ApiResult<u32> {
        match v {
            None => Ok(default),
            Some(d) if (1..=3650).contains(&d) => Ok(d),
            Some(d) => Err(ApiError::bad_request(format!(
                "{name} {d} is outside 1 to 3650 days"
            ))),
        }
    };
    let options = SammOptions {
        inventory_days: days("inventory_days", q.inventory_days, defaults.inventory_days)?,
        rescan_days: days("rescan_days", q.rescan_days, defaults.rescan_days)?,
        source_days: days("source_days", q.source_days, defaults.source_days)?,
        review_days: days("review_days", q.review_days, defaults.review_days)?,
    };
    let now = state.now();
    let evidence = reports::samm_evidence(&state.store, &now, options).await?;
    let assessment = assess_samm(&evidence);
    let day: String = now.chars().take(10).collect();
    Ok(if format == "html" {
        Document {
            media_type: "text/html; charset=utf-8",
            filename: format!("samm-{day}.html"),
            body: samm_html(&assessment),
        }
    } else {
        Document {
            media_type: "application/json",
            filename: format!("samm-{day}.json"),
            body: samm_json(&assessment),
        }
    })
}

/// Which quarter of a partner's report, and how it is written.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartnerQuery {
    /// The quarter, `2026Q3` (default: the previous quarter).
    pub quarter: Option<String>,
    /// `json` (default), `html` or `csaf` (CSAF 2.0 VEX).
    pub format: Option<String>,
}

/// What to deliver on request.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DeliveryBody {
    /// The quarter, `2026Q3` (default: the previous quarter).
    pub quarter: Option<String>,
}

fn partner_error(e: PartnerError) -> ApiError {
    match e {
        PartnerError::Store(e) => e.into(),
        PartnerError::NotOptedIn(_) => ApiError::conflict(e.to_string()),
        PartnerError::Input(m) => ApiError::bad_request(m),
    }
}

/// The partner named `name` if the caller may read its reports: admins and auditors, and
/// maintainers and partner users granted every product the partner runs. A partner that
/// does not exist gives 404 to those who read everything, else the same 403.
async fn readable_partner(state: &AppState, viewer: &Viewer, name: &str) -> ApiResult<Partner> {
    let partner = state.store.partner(name).await?;
    match partner {
        Some(p)
            if !p.product_ids.is_empty()
                && p.product_ids
                    .iter()
                    .all(|id| viewer.principal.can_read_partner_report(*id)) =>
        {
            Ok(p)
        }
        Some(p) if viewer.reads_everything() => Ok(p),
        None if viewer.reads_everything() => {
            Err(ApiError::not_found(format!("no partner named {name}")))
        }
        _ => Err(ApiError::forbidden(format!(
            "may not read the reports of partner {name}"
        ))),
    }
}

fn quarter_of(state: &AppState, text: Option<&str>) -> ApiResult<Quarter> {
    match text {
        Some(q) => Quarter::parse(q).map_err(|e| ApiError::bad_request(e.to_string())),
        None => previous_quarter(&state.now()).map_err(partner_error),
    }
}

/// A partner's quarterly report: only the High and Critical vulnerabilities of the products
/// it runs, with aliases, CVSS, affected and fixed versions, status, due date, mitigations and
/// whether exploited (docs/partners.md, docs/csaf.md). Admins and auditors read every
/// partner's; maintainers and partner users those whose products are all granted to them.
#[utoipa::path(get, path = "/api/v1/reports/partner/{partner}", tag = "reports",
    params(("partner" = String, Path, description = "The partner's name"), PartnerQuery),
    responses((status = 200, description = "The report (JSON: `patchwarden.partner-report/1`; CSAF 2.0 VEX; or a printable HTML page)", content((Object = "application/json"), (String = "text/html"))),
        (status = 400, description = "An invalid quarter or format", body = ErrorBody),
        (status = 401, description = "No working credentials", body = ErrorBody),
        (status = 403, description = "A partner the caller may not read", body = ErrorBody),
        (status = 404, description = "No such partner", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn partner_report(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
    Query(q): Query<PartnerQuery>,
) -> ApiResult<Document> {
    let partner = readable_partner(&state, &viewer, &name).await?;
    let format = q.format.as_deref().unwrap_or("json");
    let (media, extension) = media_type(format)
        .filter(|_| matches!(format, "json" | "html" | "csaf"))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "unknown format {format:?}: expected json, html or csaf"
            ))
        })?;
    let quarter = quarter_of(&state, q.quarter.as_deref())?;
    let report = gather_partner_report(
        &state.store,
        &partner,
        quarter,
        &state.now(),
        &state.settings.publisher,
    )
    .await
    .map_err(partner_error)?;
    let documents = partner_documents(&report);
    let body = match format {
        "html" => documents.html,
        "csaf" => documents.csaf,
        _ => documents.json,
    };
    Ok(Document {
        media_type: media,
        filename: format!("partner-{}-{quarter}.{extension}", file_stem(&partner.name)),
        body,
    })
}

/// The record of a partner's report deliveries (time, channel, checksum, attempts, outcome),
/// newest first; the same read rule as the report.
#[utoipa::path(get, path = "/api/v1/reports/partner/{partner}/deliveries", tag = "reports",
    params(("partner" = String, Path, description = "The partner's name")),
    responses((status = 200, description = "The deliveries", body = Vec<PartnerDelivery>),
        (status = 401, description = "No working credentials", body = ErrorBody),
        (status = 403, description = "A partner the caller may not read", body = ErrorBody),
        (status = 404, description = "No such partner", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn partner_deliveries(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
) -> ApiResult<Json<Vec<PartnerDelivery>>> {
    let partner = readable_partner(&state, &viewer, &name).await?;
    Ok(Json(
        state.store.partner_deliveries(Some(&partner.name)).await?,
    ))
}

/// Sends a partner's report now through its channel, as the caller ("on request"), and
/// records the delivery. For admins, and for the partner's own users (partner role, every
/// product granted). The partner must have opted in.
#[utoipa::path(post, path = "/api/v1/reports/partner/{partner}/deliveries", tag = "reports",
    params(("partner" = String, Path, description = "The partner's name")),
    request_body = DeliveryBody,
    responses((status = 201, description = "Delivered; the record", body = PartnerDelivery),
        (status = 400, description = "An invalid quarter", body = ErrorBody),
        (status = 401, description = "No working credentials", body = ErrorBody),
        (status = 403, description = "Neither an admin nor the partner's user", body = ErrorBody),
        (status = 404, description = "No such partner", body = ErrorBody),
        (status = 409, description = "The partner has not opted in, or no channels are configured", body = ErrorBody),
        (status = 502, description = "The delivery failed after every attempt; it is recorded", body = PartnerDelivery)),
    security(("bearer" = []), ("session" = [])))]
pub async fn deliver_partner(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
    body: Option<Json<DeliveryBody>>,
) -> ApiResult<Response> {
    let partner = readable_partner(&state, &viewer, &name).await?;
    if !(viewer.principal.is_admin() || viewer.principal.role == Role::Partner) {
        return Err(ApiError::forbidden(
            "delivering a partner report needs the admin role or the partner's own user",
        ));
    }
    let Some(rules) = state.notify.clone() else {
        return Err(ApiError::conflict(
            "no [notify] channels are configured on this server",
        ));
    };
    let quarter = quarter_of(
        &state,
        body.as_ref().and_then(|Json(b)| b.quarter.as_deref()),
    )?;
    let now = state.now();
    let delivery = deliver_partner_report(
        &state.store,
        &rules,
        &state.settings.publisher,
        &partner,
        quarter,
        DeliveryRequest {
            trigger: DeliveryTrigger::Request,
            actor: viewer.actor(),
            now: &now,
        },
    )
    .await
    .map_err(partner_error)?;
    let status = if delivery.status == DeliveryStatus::Delivered {
        StatusCode::CREATED
    } else {
        StatusCode::BAD_GATEWAY
    };
    Ok((status, Json(delivery)).into_response())
}
