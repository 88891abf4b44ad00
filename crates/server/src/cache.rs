//! Small in-process caches: figures reused for a few seconds, and when each API token was
//! last marked as used (so a busy client does not write to the database on every request).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A map whose entries are forgotten after a time to live.
#[derive(Debug)]
pub struct TtlCache<V> {
    entries: Mutex<HashMap<String, (Instant, V)>>,
}

impl<V> Default for TtlCache<V> {
    fn default() -> Self {
        TtlCache {
            entries: Mutex::new(HashMap::new()),
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
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

/// The caches of one server.
#[derive(Debug, Default)]
pub struct Caches {
    /// Overview figures per scope of products (JSON, as sent).
    pub overview: TtlCache<serde_json::Value>,
    /// API token id → when `last_used_at` was last written.
    pub token_touched: TtlCache<()>,
}
