//! Group commit for audit entries written on their own (reads of sensitive records,
//! searches, exports, logins): concurrent requests share one transaction instead of
//! queueing for one each.
//!
//! What must not change: a request gets its answer only after **its own** entry is
//! committed to the chain (a page is never sent before its read is recorded), entries
//! stay one per event with their own `seq` and hash, and a failing entry fails only its
//! own request.
//!
//! How: each caller puts its entry in a shared queue and then waits for the writer
//! lock. Whoever holds the lock takes everything queued so far, appends it all in one
//! transaction and hands each caller its own result; a caller whose entry was written
//! by an earlier holder finds its result waiting and does not write at all. The write
//! runs in a task of its own holding the lock, so a request dropped half-way (a client
//! that went away) cannot leave the others' entries half-done. If the shared
//! transaction fails, each entry of that batch is tried again alone, so one bad entry
//! does not take the others down with it.

use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::audit::AuditEntry;
use crate::{Result, Store};

/// More entries than this are written in separate transactions.
const MAX_BATCH: usize = 256;

type Waiting = (AuditEntry, oneshot::Sender<Result<i64>>);

#[derive(Default)]
pub struct AuditBatch {
    queue: Mutex<Vec<Waiting>>,
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for AuditBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditBatch")
    }
}

impl AuditBatch {
    fn take(&self, max: usize) -> Vec<Waiting> {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        let n = q.len().min(max);
        q.drain(..n).collect()
    }
}

impl Store {
    /// Append one entry in its own transaction, or in one shared with entries other
    /// requests are appending at the same moment (see the module comment).
    pub async fn audit(&self, entry: &AuditEntry) -> Result<i64> {
        let batch = self.audit_batch.clone();
        let (tx, mut rx) = oneshot::channel();
        batch
            .queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((entry.clone(), tx));
        loop {
            if let Ok(done) = rx.try_recv() {
                return done;
            }
            let guard = batch.writer.clone().lock_owned().await;
            if let Ok(done) = rx.try_recv() {
                return done;
            }
            let work = batch.take(MAX_BATCH);
            if work.is_empty() {
                // Our entry is in a batch someone else has taken and is writing.
                drop(guard);
                return rx.await.unwrap_or_else(|_| Err(gone()));
            }
            let store = self.clone();
            let writing = tokio::spawn(async move {
                store.write_batch(work).await;
                drop(guard);
            });
            // Our entry was queued before we took the lock, so it is in `work` unless
            // more than MAX_BATCH were waiting; then go round again.
            let _ = writing.await;
        }
    }

    async fn write_batch(&self, work: Vec<Waiting>) {
        if work.len() == 1 {
            for (entry, reply) in work {
                let _ = reply.send(self.append_alone(&entry).await);
            }
            return;
        }
        let (entries, replies): (Vec<AuditEntry>, Vec<_>) = work.into_iter().unzip();
        let together = async {
            let mut tx = self.db.begin().await?;
            let seqs = self.audit_many_in(&mut tx, &entries).await?;
            tx.commit().await?;
            Ok::<_, crate::StoreError>(seqs)
        };
        match together.await {
            Ok(seqs) => {
                for (reply, seq) in replies.into_iter().zip(seqs) {
                    let _ = reply.send(Ok(seq));
                }
            }
            Err(_) => {
                for (entry, reply) in entries.iter().zip(replies) {
                    let _ = reply.send(self.append_alone(entry).await);
                }
            }
        }
    }

    async fn append_alone(&self, entry: &AuditEntry) -> Result<i64> {
        let mut tx = self.db.begin().await?;
        let seq = self.audit_in(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(seq)
    }
}

fn gone() -> crate::StoreError {
    crate::StoreError::Backend(crate::BackendError::Config(
        "the audit entry's writer stopped before it answered".to_owned(),
    ))
}
