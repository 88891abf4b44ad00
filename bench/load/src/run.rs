//! `patchwarden-load run`: an open-loop load generator. Requests leave at a fixed rate
//! whatever the server's pace (request `i` is due at `start + i / rate`), each on a
//! keep-alive connection of a shared pool (a new connection opens when every idle one is busy),
//! and each latency is measured from the time the request was due, not from when it left, so
//! that a server falling behind shows as queueing instead of as a lower request rate
//! (coordinated omission).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use reqwest::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use serde_json::{Value, json};
use tokio::time::Instant;

/// One phase: an endpoint driven at a rate, with its target.
#[derive(Debug, Clone)]
pub struct Phase {
    /// `findings`, `overview` or `dashboard`.
    pub name: String,
    /// Requests per second.
    pub rate: f64,
    /// The percentile the target is on (0.95, 0.99).
    pub percentile: f64,
    /// The target at that percentile, in milliseconds.
    pub target_ms: f64,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// An API token (findings and overview).
    pub token: String,
    /// A user name and password for the dashboard's session.
    pub login: Option<(String, String)>,
    /// The phases, in order.
    pub phases: Vec<Phase>,
    /// Measured seconds per phase.
    pub duration: Duration,
    /// Unmeasured seconds before each phase.
    pub warmup: Duration,
    /// Products the findings queries filter on.
    pub products: Vec<String>,
    /// Where to write the figures as JSON.
    pub json: Option<std::path::PathBuf>,
}

/// How a request authenticates.
#[derive(Clone)]
enum Auth {
    Token(String),
    Cookie(String),
}

/// The figures of one phase.
#[derive(Debug, Default)]
struct Figures {
    sent: usize,
    errors: usize,
    error_samples: Vec<String>,
    latencies_us: Vec<u64>,
    by_variant: HashMap<String, Vec<u64>>,
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64 / 1000.0
}

/// A findings query: realistic filters and orders; `follow` continues a previous page.
fn findings_variants(products: &[String]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = [
        ("default", "limit=50"),
        ("active", "status=active&limit=50"),
        (
            "critical-high-active",
            "severity=critical,high&status=active&limit=50",
        ),
        ("overdue", "overdue=true&limit=50"),
        ("kev", "kev=true&status=active&limit=50"),
        ("severity-sort", "status=active&sort=severity&limit=50"),
        ("epss-sort", "status=active&sort=epss&limit=50"),
        ("cvss-sort", "sort=cvss&limit=50"),
        ("recent", "sort=first_seen&order=desc&limit=50"),
        ("updated", "sort=updated_at&order=desc&limit=50"),
        (
            "fixed",
            "status=fixed,verified&sort=updated_at&order=desc&limit=50",
        ),
        ("accepted", "status=risk_accepted&limit=50"),
    ]
    .iter()
    .map(|(n, q)| (n.to_string(), q.to_string()))
    .collect();
    for (i, p) in products.iter().enumerate().take(4) {
        v.push((format!("product-{i}"), format!("product={p}&limit=50")));
        v.push((
            format!("product-{i}-active-severity"),
            format!("product={p}&status=active&sort=severity&limit=50"),
        ));
    }
    if let Some(p) = products.first() {
        v.push((
            "project".into(),
            format!("product={p}&project=service-001&limit=50"),
        ));
    }
    v
}

/// Logs in through the API and gives the session cookie (`pw_session=...`).
async fn login(client: &reqwest::Client, base: &str, user: &str, password: &str) -> Result<String> {
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(json!({"username": user, "password": password}).to_string())
        .send()
        .await
        .context("login request failed")?;
    let status = response.status();
    let cookie = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("pw_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string);
    match cookie {
        Some(c) if status.is_success() => Ok(c),
        _ => bail!("login as {user} failed: HTTP {status}"),
    }
}

/// Whether `path` answers (anything but 404) with these credentials; the status.
async fn probe(client: &reqwest::Client, url: &str, auth: &Auth) -> Result<u16> {
    let r = authed(client.get(url), auth)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?;
    Ok(r.status().as_u16())
}

fn authed(b: reqwest::RequestBuilder, auth: &Auth) -> reqwest::RequestBuilder {
    match auth {
        Auth::Token(t) => b.header(AUTHORIZATION, format!("Bearer {t}")),
        Auth::Cookie(c) => b.header(COOKIE, c.as_str()),
    }
}

/// Cursors seen per findings variant, to continue lists as a user paging through would.
type Cursors = Arc<Mutex<HashMap<String, Vec<String>>>>;

/// Runs every phase and prints the figures; `Ok(false)` when a target was missed.
pub async fn run(o: &RunOptions) -> Result<bool> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .context("cannot build the HTTP client")?;
    let token = Auth::Token(o.token.clone());
    let mut all_met = true;
    let mut report = Vec::new();
    println!(
        "{:<10} {:>8} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8}  target",
        "endpoint", "requests", "errors", "rate/s", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    for phase in &o.phases {
        let (auth, url) = match phase.name.as_str() {
            "findings" => (token.clone(), format!("{}/api/v1/findings", o.base)),
            "overview" => (token.clone(), format!("{}/api/v1/overview", o.base)),
            "dashboard" => {
                let Some((user, password)) = &o.login else {
                    println!(
                        "{:<10} skipped: no --user/--password-file to log in with",
                        "dashboard"
                    );
                    continue;
                };
                let cookie = login(&client, &o.base, user, password).await?;
                (Auth::Cookie(cookie), format!("{}/", o.base))
            }
            other => bail!("unknown phase {other}: expected findings, overview or dashboard"),
        };
        let status = probe(&client, &url, &auth).await?;
        if status == 404 {
            println!(
                "{:<10} skipped: GET {url} answers 404 (not on this server yet)",
                phase.name
            );
            report.push(json!({"endpoint": phase.name, "skipped": "404"}));
            continue;
        }
        if !(200..300).contains(&status) {
            bail!(
                "{}: GET {url} answers HTTP {status} before the run",
                phase.name
            );
        }
        if !o.warmup.is_zero() {
            drive(&client, &url, &auth, phase, o, o.warmup).await;
        }
        let mut f = drive(&client, &url, &auth, phase, o, o.duration).await;
        f.latencies_us.sort_unstable();
        let secs = o.duration.as_secs_f64();
        let p = |q| percentile(&f.latencies_us, q);
        let at_target = p(phase.percentile);
        let met = f.errors == 0 && !f.latencies_us.is_empty() && at_target < phase.target_ms;
        all_met &= met;
        let label = format!("p{:.0}", phase.percentile * 100.0);
        println!(
            "{:<10} {:>8} {:>7} {:>8.1} {:>8.2} {:>8.2} {:>8.2} {:>8.2}  {label} < {} ms: {}",
            phase.name,
            f.sent,
            f.errors,
            f.latencies_us.len() as f64 / secs,
            p(0.50),
            p(0.95),
            p(0.99),
            f.latencies_us.last().copied().unwrap_or(0) as f64 / 1000.0,
            phase.target_ms,
            if met { "PASS" } else { "FAIL" }
        );
        for e in f.error_samples.iter().take(3) {
            println!("           error: {e}");
        }
        let mut variants: Vec<(String, f64, f64, usize)> = f
            .by_variant
            .iter_mut()
            .map(|(k, v)| {
                v.sort_unstable();
                (k.clone(), percentile(v, 0.50), percentile(v, 0.99), v.len())
            })
            .collect();
        variants.sort_by(|a, b| b.2.total_cmp(&a.2));
        if variants.len() > 1 {
            let slow: Vec<String> = variants
                .iter()
                .take(4)
                .map(|(k, p50, p99, n)| format!("{k} p50 {p50:.1} p99 {p99:.1} (n {n})"))
                .collect();
            println!("           slowest queries: {}", slow.join("; "));
        }
        report.push(json!({
            "endpoint": phase.name, "rate": phase.rate, "seconds": secs,
            "requests": f.sent, "errors": f.errors,
            "achieved_rate": f.latencies_us.len() as f64 / secs,
            "p50_ms": p(0.50), "p95_ms": p(0.95), "p99_ms": p(0.99),
            "max_ms": f.latencies_us.last().copied().unwrap_or(0) as f64 / 1000.0,
            "target": format!("{label} < {} ms", phase.target_ms), "met": met,
            "variants": variants.iter().map(|(k, p50, p99, n)| json!({"name": k, "p50_ms": p50, "p99_ms": p99, "requests": n})).collect::<Vec<_>>(),
        }));
    }
    if let Some(path) = &o.json {
        std::fs::write(path, serde_json::to_vec_pretty(&Value::Array(report))?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(all_met)
}

/// Sends requests to `url` at the phase's rate for `length`; the figures.
async fn drive(
    client: &reqwest::Client,
    url: &str,
    auth: &Auth,
    phase: &Phase,
    o: &RunOptions,
    length: Duration,
) -> Figures {
    let variants = if phase.name == "findings" {
        findings_variants(&o.products)
    } else {
        vec![(phase.name.clone(), String::new())]
    };
    let cursors: Cursors = Arc::default();
    let figures = Arc::new(Mutex::new(Figures::default()));
    let interval = Duration::from_secs_f64(1.0 / phase.rate.max(0.001));
    let start = Instant::now() + Duration::from_millis(5);
    let total = (length.as_secs_f64() * phase.rate).round() as usize;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..total {
        let due = start + interval.mul_f64(i as f64);
        tokio::time::sleep_until(due).await;
        let (name, query) = &variants[i % variants.len()];
        // Every third findings request continues a list a previous one started.
        let mut query = query.clone();
        let mut variant = name.clone();
        if phase.name == "findings" && i % 3 == 2 {
            let next = cursors
                .lock()
                .ok()
                .and_then(|mut c| c.get_mut(name).and_then(Vec::pop));
            if let Some(cursor) = next {
                query = format!("{query}&cursor={cursor}");
                variant = format!("{name}+next");
            }
        }
        let target = if query.is_empty() {
            url.to_string()
        } else {
            format!("{url}?{query}")
        };
        let request = authed(client.get(target), auth);
        let figures = figures.clone();
        let cursors = cursors.clone();
        let follow = phase.name == "findings";
        let base_name = name.clone();
        tasks.spawn(async move {
            let outcome = match request.send().await {
                Ok(r) if r.status().is_success() => r
                    .bytes()
                    .await
                    .map_err(|e| anyhow!("reading the body: {e}")),
                Ok(r) => Err(anyhow!("HTTP {}", r.status())),
                Err(e) => Err(anyhow!("{e}")),
            };
            let elapsed = due.elapsed().as_micros() as u64;
            if let Ok(mut f) = figures.lock() {
                f.sent += 1;
                f.latencies_us.push(elapsed);
                f.by_variant.entry(variant).or_default().push(elapsed);
                if let Err(e) = &outcome {
                    f.errors += 1;
                    if f.error_samples.len() < 10 {
                        f.error_samples.push(e.to_string());
                    }
                }
            }
            if let (true, Ok(body)) = (follow, outcome) {
                let next = serde_json::from_slice::<Value>(&body)
                    .ok()
                    .and_then(|v| v["next_cursor"].as_str().map(str::to_string));
                if let (Some(next), Ok(mut c)) = (next, cursors.lock()) {
                    let list = c.entry(base_name).or_default();
                    if list.len() < 64 {
                        list.push(next);
                    }
                }
            }
        });
        // Reap finished tasks as we go so the set stays small.
        while let Some(done) = tasks.try_join_next() {
            drop(done);
        }
    }
    while tasks.join_next().await.is_some() {}
    Arc::try_unwrap(figures)
        .ok()
        .and_then(|m| m.into_inner().ok())
        .unwrap_or_default()
}
