//! A seeded server for the API tests: the demo advisories, the three demo projects recorded
//! as product `demo`, the storefront project recorded again as product `other`, and one user
//! per role with an API token, on a fixed clock.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use patchwarden_access::Role;
use patchwarden_access::secrets::{hash_password, new_token};
use patchwarden_engine::Strictness;
use patchwarden_engine::portfolio::RecordTarget;
use patchwarden_server::{AppState, Settings};
use patchwarden_store::Store;
use serde_json::Value;
use tower::ServiceExt;

/// The server's clock.
pub const NOW: &str = "2026-11-23T10:00:00Z";
/// Every seeded user's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// The examples folder of the repository.
pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// A seeded server.
pub struct Seeded {
    /// The application.
    pub app: Router,
    /// Its state.
    pub state: AppState,
    /// API tokens: admin, maintainer (granted `demo`), auditor, partner (granted `demo`),
    /// plus an expired and a revoked token of the maintainer.
    pub admin: String,
    pub maintainer: String,
    pub auditor: String,
    pub partner: String,
    pub expired: String,
    pub revoked: String,
}

fn check<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// Opens `target`, seeds it and builds the application.
pub async fn seeded(target: &str) -> Seeded {
    let store = check(Store::open(target).await);
    check(
        patchwarden_engine::import_advisories(
            &store,
            &examples().join("advisories"),
            Strictness::Strict,
            NOW,
        )
        .await,
    );
    let portfolio = examples().join("portfolio");
    for (product, project) in [
        ("demo", "billing-api"),
        ("demo", "edge-proxy"),
        ("demo", "storefront"),
        ("other", "storefront"),
    ] {
        let mut result =
            check(patchwarden_engine::scan(&store, &portfolio.join(project), NOW).await);
        let json = patchwarden_report::json(&result).to_string();
        check(
            patchwarden_engine::portfolio::record(
                &store,
                &mut result,
                &patchwarden_engine::Evaluation::default(),
                &RecordTarget {
                    product,
                    project,
                    artifact: Some("v1"),
                    commit: None,
                    actor: "seed",
                },
                &json,
            )
            .await,
        );
    }
    let hash = check(hash_password(PASSWORD));
    let mut w = check(store.write("seed", NOW).await);
    let demo = check(w.user("nobody").await);
    assert!(demo.is_none());
    for (name, role) in [
        ("ada", Role::Admin),
        ("max", Role::Maintainer),
        ("aud", Role::Auditor),
        ("pat", Role::Partner),
    ] {
        check(w.create_user(name, role, Some(&hash)).await);
    }
    check(w.commit().await);
    let demo = check(store.product("demo").await).unwrap_or_else(|| panic!("no demo"));
    let mut w = check(store.write("seed", NOW).await);
    check(w.grant_product("max", &demo).await);
    check(w.grant_product("pat", &demo).await);
    let mut tokens = Vec::new();
    for (user, expires) in [
        ("ada", None),
        ("max", None),
        ("aud", None),
        ("pat", None),
        ("max", Some("2026-11-01T00:00:00Z")),
        ("max", None),
    ] {
        let t = check(new_token());
        let stored = check(
            w.create_token(user, "test", &t.prefix, &t.hash, expires)
                .await,
        );
        tokens.push((t.plain, stored.id));
    }
    check(w.revoke_token(tokens[5].1).await);
    check(w.commit().await);
    let state = AppState::new(store, Settings::default(), Arc::new(|| NOW.to_string()));
    let app = patchwarden_server::app(state.clone());
    let mut t = tokens.into_iter().map(|(plain, _)| plain);
    let mut next = || t.next().unwrap_or_default();
    Seeded {
        app,
        state,
        admin: next(),
        maintainer: next(),
        auditor: next(),
        partner: next(),
        expired: next(),
        revoked: next(),
    }
}

/// A response: status, headers and JSON body (`Null` when not JSON).
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

/// How a request authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    None,
    Token(&'a str),
    /// Session cookie and, for changing requests, the CSRF token.
    Session(&'a str, Option<&'a str>),
    /// A raw Authorization header value.
    Raw(&'a str),
}

/// Sends one request to the application.
pub async fn call(
    app: &Router,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    body: Option<Value>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    match auth {
        Auth::None => {}
        Auth::Token(t) => request = request.header("authorization", format!("Bearer {t}")),
        Auth::Raw(v) => request = request.header("authorization", v),
        Auth::Session(cookie, csrf) => {
            request = request.header("cookie", format!("pw_session={cookie}"));
            if let Some(c) = csrf {
                request = request.header("x-csrf-token", c);
            }
        }
    }
    let body = match body {
        Some(v) => {
            request = request.header("content-type", "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let request = check(request.body(body));
    let response = app
        .clone()
        .oneshot(request)
        .await
        .unwrap_or_else(|e| match e {});
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    Reply {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}
