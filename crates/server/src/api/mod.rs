//! The REST API under `/api/v1`, and its OpenAPI 3.1 document at `/api/openapi.json`
//! (generated from the handlers' annotations) with an interactive page at `/api/docs`.
//!
//! Every handler authenticates the caller ([`crate::auth::Viewer`]) and checks the product
//! it touches before reading or writing; every write goes through the store's audited
//! transactions under the caller's name.

pub mod admin;
pub mod decisions;
pub mod findings;
pub mod overview;
pub mod products;
pub mod releases;
pub mod reports;
pub mod scans;

use axum::Router;
use axum::routing::{get, post, put};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::auth;
use crate::state::AppState;

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Patchwarden",
        description = "Vulnerability patch management: products, projects, artifacts, findings with SLA deadlines, risk decisions, deployments and verification.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    paths(
        auth::login, auth::logout, auth::me,
        products::list_products, products::create_product, products::get_product,
        products::get_policy, products::set_policy,
        products::list_projects, products::create_project,
        products::list_artifacts, products::get_artifact,
        scans::upload,
        findings::list_findings, findings::get_finding, findings::transition,
        decisions::list_exceptions, decisions::add_exception,
        releases::list_environments, releases::create_environment,
        releases::list_deployments, releases::deploy,
        admin::advisory, admin::audit, admin::reevaluate, admin::jobs,
        overview::overview,
        reports::sla, reports::samm, reports::partner_report,
        reports::partner_deliveries, reports::deliver_partner,
    ),
    modifiers(&Security),
    tags(
        (name = "auth", description = "Password login, sessions and who is calling"),
        (name = "products", description = "Products, their policy, projects and artifacts"),
        (name = "scans", description = "Uploading scans and SBOMs"),
        (name = "findings", description = "Findings and their lifecycle"),
        (name = "exceptions", description = "Risk acceptances with approver and expiry"),
        (name = "releases", description = "Environments and deployments"),
        (name = "advisories", description = "Advisory intelligence"),
        (name = "overview", description = "Portfolio figures"),
        (name = "reports", description = "SLA compliance, partner and SAMM reports"),
        (name = "audit", description = "The audit log"),
        (name = "admin", description = "Re-evaluation and scheduled jobs"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (`patchwarden token create`), `pw_` and 43 characters",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                auth::SESSION_COOKIE,
                "The session cookie set by POST /api/v1/auth/login; changing requests also send X-CSRF-Token",
            ))),
        );
    }
}

/// The routes under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/auth/me", get(auth::me))
        .route(
            "/api/v1/products",
            get(products::list_products).post(products::create_product),
        )
        .route("/api/v1/products/{product}", get(products::get_product))
        .route(
            "/api/v1/products/{product}/policy",
            put(products::set_policy).get(products::get_policy),
        )
        .route(
            "/api/v1/products/{product}/projects",
            get(products::list_projects).post(products::create_project),
        )
        .route(
            "/api/v1/products/{product}/artifacts",
            get(products::list_artifacts),
        )
        .route(
            "/api/v1/products/{product}/exceptions",
            get(decisions::list_exceptions).post(decisions::add_exception),
        )
        .route(
            "/api/v1/products/{product}/deployments",
            get(releases::list_deployments),
        )
        .route(
            "/api/v1/products/{product}/projects/{project}/scans",
            post(scans::upload),
        )
        .route("/api/v1/artifacts/{id}", get(products::get_artifact))
        .route("/api/v1/findings", get(findings::list_findings))
        .route("/api/v1/findings/{id}", get(findings::get_finding))
        .route(
            "/api/v1/findings/{id}/transitions",
            post(findings::transition),
        )
        .route(
            "/api/v1/environments",
            get(releases::list_environments).post(releases::create_environment),
        )
        .route("/api/v1/deployments", post(releases::deploy))
        .route("/api/v1/advisories/{id}", get(admin::advisory))
        .route("/api/v1/audit", get(admin::audit))
        .route("/api/v1/reevaluate", post(admin::reevaluate))
        .route("/api/v1/jobs", get(admin::jobs))
        .route("/api/v1/overview", get(overview::overview))
        .route("/api/v1/reports/sla", get(reports::sla))
        .route("/api/v1/reports/samm", get(reports::samm))
        .route(
            "/api/v1/reports/partner/{partner}",
            get(reports::partner_report),
        )
        .route(
            "/api/v1/reports/partner/{partner}/deliveries",
            get(reports::partner_deliveries).post(reports::deliver_partner),
        )
}
