//! The attempt log: every attempt's [`AttemptRecord`], kept per delivery,
//! behind a trait, and an in-memory implementation.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::{Future, ready};
use std::sync::{Mutex, MutexGuard};

use super::ids::DeliveryId;
use super::record::AttemptRecord;
use super::store_error::{StoreError, poisoned};
use crate::idempotency::BoxFuture;

/// Where the records of attempts go, and where a delivery's history is
/// read back from.
///
/// Records are kept as appended: a job sent twice (a lease that expired
/// mid-attempt) leaves two records of the same attempt number, which is
/// what happened.
///
/// The methods return `Send` futures and need no async runtime; every log
/// also implements [`DynAttemptLog`], and `dyn DynAttemptLog`, `Arc<L>`,
/// `Box<L>` and `&L` implement this trait in turn.
pub trait AttemptLog: Send + Sync {
    /// Appends `record`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Full`] when the log is at its capacity,
    /// [`StoreError::Unavailable`] when the backend fails.
    fn append(&self, record: AttemptRecord) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The records of `delivery`, in the order they were appended.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when the backend fails.
    fn attempts(
        &self,
        delivery: &DeliveryId,
    ) -> impl Future<Output = Result<Vec<AttemptRecord>, StoreError>> + Send;
}

/// The dyn-compatible form of [`AttemptLog`], with boxed futures.
pub trait DynAttemptLog: Send + Sync {
    /// [`AttemptLog::append`], boxed.
    ///
    /// # Errors
    ///
    /// As [`AttemptLog::append`].
    fn append_boxed(&self, record: AttemptRecord) -> BoxFuture<'_, Result<(), StoreError>>;

    /// [`AttemptLog::attempts`], boxed.
    ///
    /// # Errors
    ///
    /// As [`AttemptLog::attempts`].
    fn attempts_boxed<'a>(
        &'a self,
        delivery: &'a DeliveryId,
    ) -> BoxFuture<'a, Result<Vec<AttemptRecord>, StoreError>>;
}

impl<L: AttemptLog> DynAttemptLog for L {
    fn append_boxed(&self, record: AttemptRecord) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(self.append(record))
    }

    fn attempts_boxed<'a>(
        &'a self,
        delivery: &'a DeliveryId,
    ) -> BoxFuture<'a, Result<Vec<AttemptRecord>, StoreError>> {
        Box::pin(self.attempts(delivery))
    }
}

impl AttemptLog for dyn DynAttemptLog {
    async fn append(&self, record: AttemptRecord) -> Result<(), StoreError> {
        self.append_boxed(record).await
    }

    async fn attempts(&self, delivery: &DeliveryId) -> Result<Vec<AttemptRecord>, StoreError> {
        self.attempts_boxed(delivery).await
    }
}

/// Implements the trait for a pointer by asking what it points to.
macro_rules! through_pointer {
    ($($pointer:ty),*) => {$(
        impl<L: AttemptLog + ?Sized> AttemptLog for $pointer {
            fn append(
                &self,
                record: AttemptRecord,
            ) -> impl Future<Output = Result<(), StoreError>> + Send {
                L::append(self, record)
            }

            fn attempts(
                &self,
                delivery: &DeliveryId,
            ) -> impl Future<Output = Result<Vec<AttemptRecord>, StoreError>> + Send {
                L::attempts(self, delivery)
            }
        }
    )*};
}

through_pointer!(&L, Box<L>, std::sync::Arc<L>);

/// An [`AttemptLog`] in the process's memory, holding at most `capacity`
/// records in all. When full, one made by [`new`](Self::new) refuses new
/// records ([`StoreError::Full`]); one made by
/// [`pruning`](Self::pruning) (the dispatcher's default) drops the oldest
/// record appended to make room, so a long-running process keeps the
/// latest `capacity` attempts. Thread-safe, and its futures are ready at
/// once.
pub struct MemoryAttemptLog {
    capacity: usize,
    prune: bool,
    state: Mutex<LogState>,
}

#[derive(Default)]
struct LogState {
    by_delivery: HashMap<DeliveryId, Vec<AttemptRecord>>,
    // The delivery of each record held, oldest first: what pruning drops.
    order: VecDeque<DeliveryId>,
    len: usize,
}

impl MemoryAttemptLog {
    /// An empty log holding at most `capacity` records.
    pub fn new(capacity: usize) -> MemoryAttemptLog {
        MemoryAttemptLog {
            capacity,
            prune: false,
            state: Mutex::new(LogState::default()),
        }
    }

    /// An empty log holding the latest `capacity` records at most: when
    /// full, appending drops the oldest record held (of whichever
    /// delivery), and a log of capacity 0 holds nothing.
    pub fn pruning(capacity: usize) -> MemoryAttemptLog {
        MemoryAttemptLog {
            prune: true,
            ..MemoryAttemptLog::new(capacity)
        }
    }

    /// The number of records held.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] if the lock is poisoned.
    pub fn len(&self) -> Result<usize, StoreError> {
        Ok(self.lock()?.len)
    }

    /// Whether no record is held.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] if the lock is poisoned.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }

    fn lock(&self) -> Result<MutexGuard<'_, LogState>, StoreError> {
        self.state.lock().map_err(|_| poisoned("attempt log"))
    }

    fn do_append(&self, record: AttemptRecord) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        if state.len >= self.capacity {
            if !self.prune {
                return Err(StoreError::Full {
                    capacity: self.capacity,
                });
            }
            if self.capacity == 0 {
                return Ok(());
            }
            state.drop_oldest();
        }
        state.order.push_back(record.delivery_id().clone());
        state
            .by_delivery
            .entry(record.delivery_id().clone())
            .or_default()
            .push(record);
        state.len = state.len.saturating_add(1);
        Ok(())
    }

    fn list(&self, delivery: &DeliveryId) -> Result<Vec<AttemptRecord>, StoreError> {
        Ok(self
            .lock()?
            .by_delivery
            .get(delivery)
            .cloned()
            .unwrap_or_default())
    }
}

impl LogState {
    /// Drops the oldest record held: the first of its delivery's, since
    /// each delivery's records are in append order.
    fn drop_oldest(&mut self) {
        let Some(delivery) = self.order.pop_front() else {
            return;
        };
        if let Some(records) = self.by_delivery.get_mut(&delivery) {
            if !records.is_empty() {
                records.remove(0);
                self.len = self.len.saturating_sub(1);
            }
            if records.is_empty() {
                self.by_delivery.remove(&delivery);
            }
        }
    }
}

impl AttemptLog for MemoryAttemptLog {
    fn append(&self, record: AttemptRecord) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.do_append(record))
    }

    fn attempts(
        &self,
        delivery: &DeliveryId,
    ) -> impl Future<Output = Result<Vec<AttemptRecord>, StoreError>> + Send {
        ready(self.list(delivery))
    }
}

impl fmt::Debug for MemoryAttemptLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self.state.lock().map(|s| s.len).ok();
        f.debug_struct("MemoryAttemptLog")
            .field("capacity", &self.capacity)
            .field("records", &len)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::job::tests::job;
    use crate::retry::{AttemptResult, Decision};
    use crate::test_support::block_on;
    use crate::time::Timestamp;
    use std::sync::Arc;

    fn record(status: u16, at: i64) -> AttemptRecord {
        let t = Timestamp::from_unix_seconds(at);
        AttemptRecord::new(
            &job(),
            t,
            t,
            &AttemptResult::Response { status },
            Decision::Delivered,
        )
    }

    #[test]
    fn records_come_back_in_append_order() {
        let log = MemoryAttemptLog::new(10);
        for (status, at) in [(503, 5), (500, 1), (200, 9)] {
            block_on(log.append(record(status, at))).unwrap();
        }
        let list = block_on(log.attempts(job().delivery_id())).unwrap();
        let statuses: Vec<_> = list.iter().map(|r| r.status()).collect();
        assert_eq!(statuses, [Some(503), Some(500), Some(200)]);
        let other = DeliveryId::parse("dlv_00000000000000000000000000000000").unwrap();
        assert!(block_on(log.attempts(&other)).unwrap().is_empty());
        assert_eq!(log.len().unwrap(), 3);
    }

    #[test]
    fn a_full_log_refuses() {
        let log = MemoryAttemptLog::new(1);
        block_on(log.append(record(500, 1))).unwrap();
        assert!(matches!(
            block_on(log.append(record(200, 2))),
            Err(StoreError::Full { capacity: 1 })
        ));
        assert_eq!(
            block_on(log.attempts(job().delivery_id())).unwrap().len(),
            1
        );
    }

    #[test]
    fn a_pruning_log_keeps_the_latest_records() {
        let log = MemoryAttemptLog::pruning(2);
        let other_job = || {
            let mut j = job();
            j.delivery_id = DeliveryId::parse("dlv_00000000000000000000000000000001").unwrap();
            j
        };
        let t = Timestamp::from_unix_seconds(2);
        let other = AttemptRecord::new(
            &other_job(),
            t,
            t,
            &AttemptResult::Response { status: 502 },
            Decision::Delivered,
        );
        block_on(log.append(record(500, 1))).unwrap();
        block_on(log.append(other)).unwrap();
        block_on(log.append(record(200, 3))).unwrap();
        assert_eq!(log.len().unwrap(), 2);
        // The oldest record (the 500) went; the other delivery's stayed.
        let mine = block_on(log.attempts(job().delivery_id())).unwrap();
        assert_eq!(
            mine.iter().map(|r| r.status()).collect::<Vec<_>>(),
            [Some(200)]
        );
        let theirs = block_on(log.attempts(other_job().delivery_id())).unwrap();
        assert_eq!(theirs.len(), 1);
        let none = MemoryAttemptLog::pruning(0);
        block_on(none.append(record(200, 1))).unwrap();
        assert!(none.is_empty().unwrap());
    }

    #[test]
    fn works_through_dyn_and_pointers() {
        let shared: Arc<dyn DynAttemptLog> = Arc::new(MemoryAttemptLog::new(4));
        block_on(shared.append(record(200, 1))).unwrap();
        let by_ref = &*shared;
        assert_eq!(
            block_on(by_ref.attempts(job().delivery_id()))
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            format!("{:?}", MemoryAttemptLog::new(2)),
            "MemoryAttemptLog { capacity: 2, records: Some(0) }"
        );
    }
}
