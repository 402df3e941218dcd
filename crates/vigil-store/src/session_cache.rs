//! A per-instance cache of live sessions, so a page view need not read the session
//! and its user from the database on every request.
//!
//! It must never let an ended session live on where this instance can know better:
//! every change on this instance to sessions, users or second factors
//! ([`SessionCache::invalidate`], called by `auth.rs` after each such commit) empties
//! it, and a lookup that raced with such a change is not kept (generation check).
//! Changes made by another instance sharing the database (PostgreSQL, or the command
//! line beside a running server) reach this one within [`SESSION_CACHE_TTL`]: the bound
//! documented in docs/security.md. Expiry (idle, maximum age) is still checked against
//! the store's clock on every hit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::auth::Session;

/// How long a cached session is trusted without asking the database again. It bounds
/// how late a revocation made on *another* instance takes effect here.
pub const SESSION_CACHE_TTL: Duration = Duration::from_secs(2);

/// More sessions than this at once empties the cache (it refills from the database).
const MAX_ENTRIES: usize = 10_000;

/// A session as read from the database, with the times expiry is judged by.
#[derive(Clone)]
pub(crate) struct Cached {
    pub session: Session,
    pub created: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

struct Entry {
    cached: Cached,
    at: Instant,
}

#[derive(Default)]
struct Inner {
    /// Bumped by every invalidation; a lookup stores its result only if it is unchanged
    /// since the lookup began.
    generation: u64,
    entries: HashMap<String, Entry>,
}

/// Live sessions by the hash of their cookie (never the cookie itself).
#[derive(Default)]
pub struct SessionCache {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionCache")
    }
}

impl SessionCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock only means a panic elsewhere mid-update of a plain map:
        // empty it and go on rather than serve from a half-written state.
        self.inner.lock().unwrap_or_else(|p| {
            let mut g = p.into_inner();
            g.entries.clear();
            g.generation += 1;
            g
        })
    }

    /// The cached session for a token hash, if it was read less than the TTL ago.
    pub(crate) fn get(&self, hash: &str) -> Option<Cached> {
        let mut g = self.lock();
        match g.entries.get(hash) {
            Some(e) if e.at.elapsed() < SESSION_CACHE_TTL => Some(e.cached.clone()),
            Some(_) => {
                g.entries.remove(hash);
                None
            }
            None => None,
        }
    }

    /// The generation to pass to [`SessionCache::put`] after reading the database.
    pub(crate) fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Keep a session read from the database, unless something was invalidated since
    /// `generation` was taken (the read may be older than that change).
    pub(crate) fn put(&self, hash: String, cached: Cached, generation: u64) {
        let mut g = self.lock();
        if g.generation != generation {
            return;
        }
        if g.entries.len() >= MAX_ENTRIES {
            g.entries.clear();
        }
        g.entries.insert(
            hash,
            Entry {
                cached,
                at: Instant::now(),
            },
        );
    }

    /// Forget one session (signed out, expired).
    pub(crate) fn forget(&self, hash: &str) {
        let mut g = self.lock();
        g.generation += 1;
        g.entries.remove(hash);
    }

    /// Forget every session: a user, their sessions or their second factor changed.
    pub fn invalidate(&self) {
        let mut g = self.lock();
        g.generation += 1;
        g.entries.clear();
    }

    /// How many sessions are cached (for tests).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
