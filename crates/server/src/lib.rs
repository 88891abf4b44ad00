//! The HTTP server behind `patchwarden serve`: the REST API ([`api`]) with its OpenAPI
//! document, the server-rendered web dashboard ([`dashboard`]), authentication ([`auth`]),
//! the liveness and readiness endpoints load balancers probe, and the scheduled jobs
//! ([`jobs`]); [`reports`] gathers the evidence of the portfolio reports for the CLI and the
//! API alike.

pub mod api;
pub mod auth;
mod cache;
pub mod dashboard;
pub mod error;
pub mod jobs;
pub mod partners;
pub mod reports;
pub mod state;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use patchwarden_store::Store;
use serde_json::{Value, json};
use tower_http::LatencyUnit;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

pub use state::{AppState, Settings};

/// The whole application: API, OpenAPI document and its interactive page (`/api/docs`),
/// health endpoints; every request logged with method, path, status and latency.
pub fn app(state: AppState) -> Router {
    let max_body = state.settings.max_body_bytes;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(api::routes())
        .merge(dashboard::routes())
        .with_state(state)
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", api::ApiDoc::openapi()))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_request(())
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
}

/// The whole application over a store, with default settings and the system clock.
pub fn router(store: Store) -> Router {
    app(AppState::with_defaults(store))
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.store.advisory_count().await {
        Ok(advisories) => (
            StatusCode::OK,
            Json(json!({"status": "ready", "advisories": advisories})),
        ),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "error": e.to_string()})),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn get_json(app: Router, path: &str) -> (StatusCode, Value) {
        let response = app
            .oneshot(Request::get(path).body(Body::empty()).unwrap_or_default())
            .await
            .unwrap_or_else(|e| match e {});
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    #[tokio::test]
    async fn health_and_readiness() {
        let store = Store::open("sqlite::memory:")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let (status, body) = get_json(router(store.clone()), "/healthz").await;
        assert_eq!(
            (status, body["status"].as_str()),
            (StatusCode::OK, Some("ok"))
        );
        let (status, body) = get_json(router(store.clone()), "/readyz").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["advisories"].as_i64(), Some(0));
        // A closed database is not ready.
        store.close().await;
        let (status, body) = get_json(router(store), "/readyz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["status"].as_str(), Some("unavailable"));
    }

    #[tokio::test]
    async fn the_openapi_document_is_3_1_and_lists_the_api() {
        let store = Store::open("sqlite::memory:")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let (status, doc) = get_json(router(store), "/api/openapi.json").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1"))
        );
        for path in [
            "/api/v1/findings",
            "/api/v1/findings/{id}/transitions",
            "/api/v1/auth/login",
            "/api/v1/overview",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} missing");
        }
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    }
}
