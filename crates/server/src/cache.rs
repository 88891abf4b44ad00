//! Small in-process caches: figures reused for a few seconds, and when each API token was
//! last marked as used (so a busy client does not write to the database on every request).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A map whose entries are forgotten after a time to live.
#[derive(Debug)]
pub struct TtlCache<V> {
    entries: Mutex<HashMap<String, (Instant, V)>>,
    /// Bumped by every [`TtlCache::clear`], so a value computed before a write is not stored
    /// after it ([`TtlCache::put_unless_cleared`]).
    generation: AtomicU64,
}

impl<V> Default for TtlCache<V> {
    fn default() -> Self {
        TtlCache {
            entries: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
        }
    }
}

impl<V: Clone> TtlCache<V> {
    /// The value under `key` if it was stored less than `ttl` ago.
    pub fn get(&self, key: &str, ttl: Duration) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < ttl)
            .map(|(_, v)| v.clone())
    }

    /// The value under `key` however old, with whether it is younger than `ttl` (to serve a
    /// stale value while a fresh one is computed).
    pub fn get_any(&self, key: &str, ttl: Duration) -> Option<(V, bool)> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .map(|(at, v)| (v.clone(), at.elapsed() < ttl))
    }

    /// Stores `value` under `key`, dropping expired entries when the map grows.
    pub fn put(&self, key: &str, value: V, ttl: Duration) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() > 1024 {
                entries.retain(|_, (at, _)| at.elapsed() < ttl);
            }
            entries.insert(key.to_string(), (Instant::now(), value));
        }
    }

    /// Forgets everything (after a write that changes what is cached).
    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    /// The number of [`TtlCache::clear`] calls so far; read it before computing a value.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Stores `value` unless the cache was cleared since `generation` was read (the value
    /// may then predate a write).
    pub fn put_unless_cleared(&self, key: &str, value: V, ttl: Duration, generation: u64) {
        if let Ok(mut entries) = self.entries.lock() {
            if self.generation.load(Ordering::SeqCst) != generation {
                return;
            }
            if entries.len() > 1024 {
                entries.retain(|_, (at, _)| at.elapsed() < ttl);
            }
            entries.insert(key.to_string(), (Instant::now(), value));
        }
    }
}

/// The caches of one server.
#[derive(Debug, Default)]
pub struct Caches {
    /// Overview figures per scope of products.
    pub overview: TtlCache<Arc<crate::api::overview::Overview>>,
    /// Held while overview figures are computed, so concurrent misses compute them once
    /// (the others wait, then find them cached).
    pub overview_compute: Arc<tokio::sync::Mutex<()>>,
    /// API token id → when `last_used_at` was last written.
    pub token_touched: TtlCache<()>,
    /// Token digest → who it acts as and its id, for [`TOKEN_CACHE_SECONDS`]: a busy CI or
    /// dashboard client does not cost two queries per request. A revoked or expired token,
    /// or a disabled user, is refused at most that long after the change.
    pub tokens: TtlCache<(patchwarden_access::Principal, i64)>,
}

/// How long a checked API token is trusted without asking the database again.
pub const TOKEN_CACHE_SECONDS: u64 = 2;
