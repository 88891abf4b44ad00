//! The HTTP server behind `patchwarden serve`: the liveness and readiness endpoints load
//! balancers probe, and the scheduled jobs ([`jobs`]). The REST API and the dashboard arrive
//! with it.

pub mod jobs;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use patchwarden_store::Store;
use serde_json::{Value, json};

/// The router: `GET /healthz` (the process answers) and `GET /readyz` (the database answers).
pub fn router(store: Store) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(store)
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn readyz(State(store): State<Store>) -> (StatusCode, Json<Value>) {
    match store.advisory_count().await {
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
}
