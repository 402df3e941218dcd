//! A per-instance cache of what almost every page reads and almost nothing changes:
//! the vocabularies (labels of every code shown) and the number of incidents, persons
//! and groups in each compartment (the front page).
//!
//! Neither is secret beyond what the caller may already see: the vocabularies are
//! the same for everyone, and the counts are kept per compartment and summed over the
//! caller's own compartments at each request ([`crate::Store::counts`]), so the cache
//! never decides who sees what.
//!
//! Freshness: every change on this instance (a term added or removed, a record
//! created, an import committed) empties the cache at once, and a read that raced with
//! such a change is not kept (generation check, as in `session_cache.rs`). Changes made
//! by another instance sharing the database reach this one within [`READ_CACHE_TTL`]
//! (docs/performance.md). When an entry expires under load, one request reads the
//! database again and the others wait for it instead of all asking at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use vigil_domain::vocab::Vocabularies;

use vigil_domain::model::Id;

/// How long a cached read is trusted without asking the database again.
pub const READ_CACHE_TTL: Duration = Duration::from_secs(5);

/// Incidents, persons and groups in one compartment.
pub(crate) type CompartmentCounts = HashMap<Id, [i64; 3]>;

struct Slot<T> {
    value: Arc<T>,
    at: Instant,
}

impl<T> Slot<T> {
    fn fresh(&self) -> Option<Arc<T>> {
        (self.at.elapsed() < READ_CACHE_TTL).then(|| self.value.clone())
    }
}

#[derive(Default)]
struct Inner {
    generation: u64,
    vocab: Option<Slot<Vocabularies>>,
    counts: Option<Slot<CompartmentCounts>>,
}

#[derive(Default)]
pub struct ReadCache {
    inner: Mutex<Inner>,
    /// Held while one request refills an entry (single flight).
    pub(crate) refill: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReadCache")
    }
}

impl ReadCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere mid-update: forget everything and read again.
        self.inner.lock().unwrap_or_else(|p| {
            let mut g = p.into_inner();
            g.vocab = None;
            g.counts = None;
            g.generation += 1;
            g
        })
    }

    pub(crate) fn generation(&self) -> u64 {
        self.lock().generation
    }

    pub(crate) fn vocabularies(&self) -> Option<Arc<Vocabularies>> {
        self.lock().vocab.as_ref().and_then(Slot::fresh)
    }

    pub(crate) fn counts(&self) -> Option<Arc<CompartmentCounts>> {
        self.lock().counts.as_ref().and_then(Slot::fresh)
    }

    /// Keep vocabularies read from the database, unless something changed since
    /// `generation` was taken.
    pub(crate) fn put_vocabularies(&self, v: Arc<Vocabularies>, generation: u64) {
        let mut g = self.lock();
        if g.generation == generation {
            g.vocab = Some(Slot {
                value: v,
                at: Instant::now(),
            });
        }
    }

    pub(crate) fn put_counts(&self, c: Arc<CompartmentCounts>, generation: u64) {
        let mut g = self.lock();
        if g.generation == generation {
            g.counts = Some(Slot {
                value: c,
                at: Instant::now(),
            });
        }
    }

    /// Something changed on this instance: read everything again.
    pub fn invalidate(&self) {
        let mut g = self.lock();
        g.generation += 1;
        g.vocab = None;
        g.counts = None;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn a_read_that_raced_with_a_change_is_not_kept() {
        let c = ReadCache::default();
        let before = c.generation();
        c.invalidate();
        c.put_counts(Arc::new(HashMap::from([(1, [1, 2, 3])])), before);
        assert!(c.counts().is_none());
        let now = c.generation();
        c.put_counts(Arc::new(HashMap::from([(1, [1, 2, 3])])), now);
        assert_eq!(c.counts().unwrap()[&1], [1, 2, 3]);
        c.invalidate();
        assert!(c.counts().is_none());
    }
}
