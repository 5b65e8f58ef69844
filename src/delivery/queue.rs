//! The job queue: where delivery jobs wait for their not-before time, are
//! leased to a worker, and are settled. A trait shaped for a queue shared
//! by several processes (a PostgreSQL table read with `SKIP LOCKED`), and
//! an in-memory implementation.
//!
//! See [`JobQueue`] for the at-least-once contract.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::future::{Future, ready};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::ids::DeliveryId;
use super::job::DeliveryJob;
use super::store_error::{StoreError, poisoned};
use super::transition::Transition;
use crate::idempotency::BoxFuture;
use crate::time::{Clock, SystemClock, Timestamp};

/// The proof of one lease on one job, and a fencing token: each claim gets
/// a larger token than every claim before it in the same queue.
///
/// Serde writes the plain number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LeaseToken(u64);

impl LeaseToken {
    /// Wraps a number a queue handed out (for implementers of queues, and
    /// workers that read a token back from storage).
    pub const fn from_raw(raw: u64) -> LeaseToken {
        LeaseToken(raw)
    }

    /// The number.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for LeaseToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What [`JobQueue::enqueue`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Enqueued {
    /// The job was added.
    Added,
    /// A job with the same delivery id and attempt is already in the queue
    /// (waiting or leased); nothing changed.
    AlreadyQueued,
}

/// A job leased to a worker by [`JobQueue::claim`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimedJob {
    job: DeliveryJob,
    token: LeaseToken,
    leased_until: Timestamp,
}

impl ClaimedJob {
    /// A claimed job (for implementers of queues).
    pub fn new(job: DeliveryJob, token: LeaseToken, leased_until: Timestamp) -> ClaimedJob {
        ClaimedJob {
            job,
            token,
            leased_until,
        }
    }

    /// The job to attempt.
    pub fn job(&self) -> &DeliveryJob {
        &self.job
    }

    /// The token to settle the job with.
    pub fn token(&self) -> LeaseToken {
        self.token
    }

    /// When the lease ends: after it, another worker may claim the job.
    pub fn leased_until(&self) -> Timestamp {
        self.leased_until
    }

    /// The job, taken out.
    pub fn into_job(self) -> DeliveryJob {
        self.job
    }
}

/// A queue of delivery jobs, leased to workers.
///
/// # The at-least-once contract
///
/// A worker [claims](JobQueue::claim) due jobs; each comes with a lease (a
/// time until which no other worker gets it) and a [`LeaseToken`]. After
/// the attempt the worker settles the job with that token:
/// [`complete`](JobQueue::complete) when the delivery ended,
/// [`reschedule`](JobQueue::reschedule) with the [`Transition`] that
/// [`DeliveryJob::apply`] computed, or [`release`](JobQueue::release) to
/// hand it back untouched (a graceful shutdown).
///
/// A worker that crashes between claim and settle settles nothing: its
/// lease expires and the job is claimed again and sent again, with a new,
/// larger token. The old token is refused from the moment its lease
/// expires
/// ([`StoreError::StaleLease`]), so a worker that stalled past its lease
/// cannot overwrite what the new holder does (a fencing token). A job may
/// therefore be sent more than once, never lost: delivery is at-least-once,
/// and receivers deduplicate on the delivery's message id (`webhook-id`),
/// for longer than the whole retry window.
///
/// Choose a lease longer than the whole attempt (connect, send, read the
/// response, timeouts included) plus a margin, or a job is sent again while
/// its first attempt is still running.
///
/// # The queue
///
/// A job is identified by its delivery id and attempt: the queue holds at
/// most one job for each pair. The operations are each atomic, so several
/// workers, or several processes on one shared queue, may call them at
/// once.
///
/// The methods return `Send` futures and need no async runtime. For a
/// trait object, every queue also implements [`DynJobQueue`], and
/// `dyn DynJobQueue`, `Arc<Q>`, `Box<Q>` and `&Q` implement this trait in
/// turn.
pub trait JobQueue: Send + Sync {
    /// Adds `job`, to be claimed no earlier than `not_before` (usually the
    /// job's [`next_attempt_at`](DeliveryJob::next_attempt_at)).
    ///
    /// Idempotent on the job's delivery id and attempt: when that pair is
    /// already queued, nothing changes and [`Enqueued::AlreadyQueued`] is
    /// returned, so a fan-out that runs twice does not queue twice.
    ///
    /// # Errors
    ///
    /// [`StoreError::Full`] when the queue is at its capacity,
    /// [`StoreError::Unavailable`] when the backend fails.
    fn enqueue(
        &self,
        job: DeliveryJob,
        not_before: Timestamp,
    ) -> impl Future<Output = Result<Enqueued, StoreError>> + Send;

    /// Leases up to `limit` due jobs (not-before at or before `now`, and no
    /// live lease) until `now + lease`, oldest not-before first, each with
    /// a new token. A job whose lease has expired is due again.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when the backend fails.
    fn claim(
        &self,
        now: Timestamp,
        lease: Duration,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<ClaimedJob>, StoreError>> + Send;

    /// Removes the leased job: its delivery ended (delivered, or
    /// dead-lettered and stored as such).
    ///
    /// # Errors
    ///
    /// [`StoreError::StaleLease`] when `token` is not the live lease of a
    /// job; [`StoreError::Unavailable`] when the backend fails.
    fn complete(&self, token: LeaseToken) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Replaces the leased job with the job `next` carries
    /// ([`Transition::Scheduled`] or [`Transition::Deferred`]), unleased,
    /// due at that job's [`next_attempt_at`](DeliveryJob::next_attempt_at).
    ///
    /// # Errors
    ///
    /// [`StoreError::StaleLease`] when `token` is not the live lease of a
    /// job; [`StoreError::Terminal`] when `next` ends the delivery;
    /// [`StoreError::OtherDelivery`] when its job is another delivery's;
    /// [`StoreError::Conflict`] when its attempt is queued already;
    /// [`StoreError::Unavailable`] when the backend fails. On an error the
    /// leased job stays as it was.
    fn reschedule(
        &self,
        token: LeaseToken,
        next: &Transition,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Ends the lease and leaves the job as it was, due again at once: for
    /// a worker that shuts down before making the attempt.
    ///
    /// # Errors
    ///
    /// [`StoreError::StaleLease`] when `token` is not the live lease of a
    /// job; [`StoreError::Unavailable`] when the backend fails.
    fn release(&self, token: LeaseToken) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The dyn-compatible form of [`JobQueue`], with boxed futures.
///
/// Every `JobQueue` implements it:
///
/// ```
/// use std::sync::Arc;
/// use webhook_kit::SystemClock;
/// use webhook_kit::delivery::{DynJobQueue, MemoryJobQueue};
///
/// let queue: Arc<dyn DynJobQueue> = Arc::new(MemoryJobQueue::new(10_000, SystemClock));
/// # let _ = queue;
/// ```
pub trait DynJobQueue: Send + Sync {
    /// [`JobQueue::enqueue`], boxed.
    ///
    /// # Errors
    ///
    /// As [`JobQueue::enqueue`].
    fn enqueue_boxed(
        &self,
        job: DeliveryJob,
        not_before: Timestamp,
    ) -> BoxFuture<'_, Result<Enqueued, StoreError>>;

    /// [`JobQueue::claim`], boxed.
    ///
    /// # Errors
    ///
    /// As [`JobQueue::claim`].
    fn claim_boxed(
        &self,
        now: Timestamp,
        lease: Duration,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<ClaimedJob>, StoreError>>;

    /// [`JobQueue::complete`], boxed.
    ///
    /// # Errors
    ///
    /// As [`JobQueue::complete`].
    fn complete_boxed(&self, token: LeaseToken) -> BoxFuture<'_, Result<(), StoreError>>;

    /// [`JobQueue::reschedule`], boxed.
    ///
    /// # Errors
    ///
    /// As [`JobQueue::reschedule`].
    fn reschedule_boxed<'a>(
        &'a self,
        token: LeaseToken,
        next: &'a Transition,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// [`JobQueue::release`], boxed.
    ///
    /// # Errors
    ///
    /// As [`JobQueue::release`].
    fn release_boxed(&self, token: LeaseToken) -> BoxFuture<'_, Result<(), StoreError>>;
}

impl<Q: JobQueue> DynJobQueue for Q {
    fn enqueue_boxed(
        &self,
        job: DeliveryJob,
        not_before: Timestamp,
    ) -> BoxFuture<'_, Result<Enqueued, StoreError>> {
        Box::pin(self.enqueue(job, not_before))
    }

    fn claim_boxed(
        &self,
        now: Timestamp,
        lease: Duration,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<ClaimedJob>, StoreError>> {
        Box::pin(self.claim(now, lease, limit))
    }

    fn complete_boxed(&self, token: LeaseToken) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(self.complete(token))
    }

    fn reschedule_boxed<'a>(
        &'a self,
        token: LeaseToken,
        next: &'a Transition,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.reschedule(token, next))
    }

    fn release_boxed(&self, token: LeaseToken) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(self.release(token))
    }
}

impl JobQueue for dyn DynJobQueue {
    async fn enqueue(
        &self,
        job: DeliveryJob,
        not_before: Timestamp,
    ) -> Result<Enqueued, StoreError> {
        self.enqueue_boxed(job, not_before).await
    }

    async fn claim(
        &self,
        now: Timestamp,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<ClaimedJob>, StoreError> {
        self.claim_boxed(now, lease, limit).await
    }

    async fn complete(&self, token: LeaseToken) -> Result<(), StoreError> {
        self.complete_boxed(token).await
    }

    async fn reschedule(&self, token: LeaseToken, next: &Transition) -> Result<(), StoreError> {
        self.reschedule_boxed(token, next).await
    }

    async fn release(&self, token: LeaseToken) -> Result<(), StoreError> {
        self.release_boxed(token).await
    }
}

/// Implements the trait for a pointer by asking what it points to.
macro_rules! through_pointer {
    ($($pointer:ty),*) => {$(
        impl<Q: JobQueue + ?Sized> JobQueue for $pointer {
            fn enqueue(
                &self,
                job: DeliveryJob,
                not_before: Timestamp,
            ) -> impl Future<Output = Result<Enqueued, StoreError>> + Send {
                Q::enqueue(self, job, not_before)
            }

            fn claim(
                &self,
                now: Timestamp,
                lease: Duration,
                limit: usize,
            ) -> impl Future<Output = Result<Vec<ClaimedJob>, StoreError>> + Send {
                Q::claim(self, now, lease, limit)
            }

            fn complete(
                &self,
                token: LeaseToken,
            ) -> impl Future<Output = Result<(), StoreError>> + Send {
                Q::complete(self, token)
            }

            fn reschedule(
                &self,
                token: LeaseToken,
                next: &Transition,
            ) -> impl Future<Output = Result<(), StoreError>> + Send {
                Q::reschedule(self, token, next)
            }

            fn release(
                &self,
                token: LeaseToken,
            ) -> impl Future<Output = Result<(), StoreError>> + Send {
                Q::release(self, token)
            }
        }
    )*};
}

through_pointer!(&Q, Box<Q>, std::sync::Arc<Q>);

/// A [`JobQueue`] in the process's memory, for tests, development and a
/// single process that accepts losing its queue on exit.
///
/// Bounded: it holds at most `capacity` jobs, waiting or leased, and
/// refuses more ([`StoreError::Full`]) rather than drop one. Thread-safe
/// (one lock), and its futures are ready at once. Claims read the `now`
/// they are given; settling reads the queue's [`Clock`] to tell whether a
/// lease is still live, as a shared queue would read its database's clock.
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::delivery::{JobQueue, MemoryJobQueue};
/// use webhook_kit::{FixedClock, Timestamp};
///
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop {
/// #         if let std::task::Poll::Ready(out) = f.as_mut().poll(&mut cx) { return out; }
/// #     }
/// # }
/// # let job: webhook_kit::delivery::DeliveryJob = serde_json::from_str(r#"{"schema_version":1,
/// #   "delivery_id":"dlv_3ea38e0ba1d1850f1d810acda0db25aa","message_id":"msg_1",
/// #   "endpoint_id":"ep_1","owner_id":"app_1","event_type":"invoice.paid","payload":"e30=",
/// #   "created_at":0,"attempt":1,"first_attempt_at":0,"next_attempt_at":0,
/// #   "deadline":604800000,"trigger":"scheduled","previous_delay_ns":null}"#)?;
/// # block_on(async {
/// let now = Timestamp::from_unix_seconds(10);
/// let queue = MemoryJobQueue::new(1_000, FixedClock(now));
/// queue.enqueue(job.clone(), job.next_attempt_at()).await?;
///
/// let claimed = queue.claim(now, Duration::from_secs(60), 10).await?;
/// assert_eq!(claimed.len(), 1);
/// // Leased: no other worker gets it.
/// assert!(queue.claim(now, Duration::from_secs(60), 10).await?.is_empty());
///
/// queue.complete(claimed[0].token()).await?;
/// assert!(queue.is_empty()?);
/// # Ok::<(), webhook_kit::delivery::StoreError>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct MemoryJobQueue<C = SystemClock> {
    capacity: usize,
    clock: C,
    state: Mutex<QueueState>,
}

/// A job's identity in the queue.
type Key = (DeliveryId, u32);

struct Entry {
    job: DeliveryJob,
    not_before: Timestamp,
    seq: u64,
    lease: Option<(LeaseToken, Timestamp)>,
}

#[derive(Default)]
struct QueueState {
    entries: HashMap<Key, Entry>,
    // Every entry, by not-before then arrival, so claims take the oldest.
    order: BTreeSet<(Timestamp, u64, Key)>,
    // The token of every lease an entry holds, live or expired.
    leases: HashMap<LeaseToken, Key>,
    last_seq: u64,
    last_token: u64,
}

impl QueueState {
    fn next_seq(&mut self) -> Result<u64, StoreError> {
        self.last_seq = self
            .last_seq
            .checked_add(1)
            .ok_or_else(|| StoreError::unavailable("memory", "the job queue ran out of numbers"))?;
        Ok(self.last_seq)
    }

    fn next_token(&mut self) -> Result<LeaseToken, StoreError> {
        self.last_token = self
            .last_token
            .checked_add(1)
            .ok_or_else(|| StoreError::unavailable("memory", "the job queue ran out of tokens"))?;
        Ok(LeaseToken(self.last_token))
    }

    fn insert(&mut self, key: Key, job: DeliveryJob, not_before: Timestamp, seq: u64) {
        self.order.insert((not_before, seq, key.clone()));
        self.entries.insert(
            key,
            Entry {
                job,
                not_before,
                seq,
                lease: None,
            },
        );
    }

    fn remove(&mut self, key: &Key) -> Option<Entry> {
        let entry = self.entries.remove(key)?;
        self.order
            .remove(&(entry.not_before, entry.seq, key.clone()));
        if let Some((token, _)) = entry.lease {
            self.leases.remove(&token);
        }
        Some(entry)
    }

    /// The key of the job `token` holds a live lease on at `now`.
    fn live(&self, token: LeaseToken, now: Timestamp) -> Result<Key, StoreError> {
        let stale = || StoreError::StaleLease { token };
        let key = self.leases.get(&token).ok_or_else(stale)?;
        let entry = self.entries.get(key).ok_or_else(stale)?;
        match entry.lease {
            Some((held, until)) if held == token && until > now => Ok(key.clone()),
            _ => Err(stale()),
        }
    }
}

impl<C: Clock> MemoryJobQueue<C> {
    /// An empty queue holding at most `capacity` jobs, judging leases by
    /// `clock`.
    pub fn new(capacity: usize, clock: C) -> MemoryJobQueue<C> {
        MemoryJobQueue {
            capacity,
            clock,
            state: Mutex::new(QueueState::default()),
        }
    }

    /// The most jobs it holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The number of jobs held, waiting or leased.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] if the lock is poisoned.
    pub fn len(&self) -> Result<usize, StoreError> {
        Ok(self.lock()?.entries.len())
    }

    /// Whether no job is held.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] if the lock is poisoned.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }

    fn lock(&self) -> Result<MutexGuard<'_, QueueState>, StoreError> {
        self.state.lock().map_err(|_| poisoned("job queue"))
    }

    fn do_enqueue(&self, job: DeliveryJob, not_before: Timestamp) -> Result<Enqueued, StoreError> {
        let mut state = self.lock()?;
        let key = (job.delivery_id().clone(), job.attempt());
        if state.entries.contains_key(&key) {
            return Ok(Enqueued::AlreadyQueued);
        }
        if state.entries.len() >= self.capacity {
            return Err(StoreError::Full {
                capacity: self.capacity,
            });
        }
        let seq = state.next_seq()?;
        state.insert(key, job, not_before, seq);
        Ok(Enqueued::Added)
    }

    fn do_claim(
        &self,
        now: Timestamp,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<ClaimedJob>, StoreError> {
        let mut state = self.lock()?;
        let until = now.saturating_add(lease);

        // First pick, then lease, as the order cannot change while it is read.
        let picked: Vec<Key> = state
            .order
            .iter()
            .take_while(|(not_before, _, _)| *not_before <= now)
            .filter(|(_, _, key)| {
                state
                    .entries
                    .get(key)
                    .is_some_and(|e| e.lease.is_none_or(|(_, ends)| ends <= now))
            })
            .take(limit)
            .map(|(_, _, key)| key.clone())
            .collect();

        let mut claimed = Vec::with_capacity(picked.len());
        for key in picked {
            let token = state.next_token()?;
            let QueueState {
                entries, leases, ..
            } = &mut *state;
            let Some(entry) = entries.get_mut(&key) else {
                continue;
            };
            if let Some((old, _)) = entry.lease.replace((token, until)) {
                leases.remove(&old);
            }
            claimed.push(ClaimedJob::new(entry.job.clone(), token, until));
            leases.insert(token, key);
        }
        Ok(claimed)
    }

    fn do_complete(&self, token: LeaseToken) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        let key = state.live(token, self.clock.now())?;
        state.remove(&key);
        Ok(())
    }

    fn do_reschedule(&self, token: LeaseToken, next: &Transition) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        let key = state.live(token, self.clock.now())?;
        let job = next.job().ok_or(StoreError::Terminal)?;
        if *job.delivery_id() != key.0 {
            return Err(StoreError::OtherDelivery {
                leased: key.0,
                given: job.delivery_id().clone(),
            });
        }
        let new_key = (key.0.clone(), job.attempt());
        if new_key != key && state.entries.contains_key(&new_key) {
            return Err(StoreError::Conflict {
                delivery_id: new_key.0,
                attempt: new_key.1,
            });
        }
        let seq = state.next_seq()?;
        state.remove(&key);
        state.insert(new_key, job.clone(), job.next_attempt_at(), seq);
        Ok(())
    }

    fn do_release(&self, token: LeaseToken) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        let key = state.live(token, self.clock.now())?;
        state.leases.remove(&token);
        if let Some(entry) = state.entries.get_mut(&key) {
            entry.lease = None;
        }
        Ok(())
    }
}

impl<C: Clock> JobQueue for MemoryJobQueue<C> {
    fn enqueue(
        &self,
        job: DeliveryJob,
        not_before: Timestamp,
    ) -> impl Future<Output = Result<Enqueued, StoreError>> + Send {
        ready(self.do_enqueue(job, not_before))
    }

    fn claim(
        &self,
        now: Timestamp,
        lease: Duration,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<ClaimedJob>, StoreError>> + Send {
        ready(self.do_claim(now, lease, limit))
    }

    fn complete(&self, token: LeaseToken) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.do_complete(token))
    }

    fn reschedule(
        &self,
        token: LeaseToken,
        next: &Transition,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.do_reschedule(token, next))
    }

    fn release(&self, token: LeaseToken) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.do_release(token))
    }
}

impl<C> fmt::Debug for MemoryJobQueue<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self.state.lock().map(|s| s.entries.len()).ok();
        f.debug_struct("MemoryJobQueue")
            .field("capacity", &self.capacity)
            .field("jobs", &len)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::job::tests::job;
    use crate::retry::Decision;
    use crate::sign::MessageId;
    use crate::test_support::block_on;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};

    /// A clock the test moves.
    #[derive(Default)]
    struct TestClock(AtomicI64);

    impl Clock for TestClock {
        fn now(&self) -> Timestamp {
            Timestamp::from_unix_millis(self.0.load(Ordering::SeqCst))
        }
    }

    impl Clock for Arc<TestClock> {
        fn now(&self) -> Timestamp {
            TestClock::now(self)
        }
    }

    impl TestClock {
        fn set(&self, t: Timestamp) {
            self.0.store(t.as_unix_millis(), Ordering::SeqCst);
        }
    }

    fn job_for(message: &str) -> DeliveryJob {
        let mut j = job();
        j.message_id = MessageId::new(message).unwrap();
        j.delivery_id = DeliveryId::derive(&j.message_id, &j.endpoint_id);
        j
    }

    fn t0() -> Timestamp {
        job().next_attempt_at()
    }

    fn at(seconds: u64) -> Timestamp {
        t0().saturating_add(Duration::from_secs(seconds))
    }

    const LEASE: Duration = Duration::from_secs(30);

    fn queue(capacity: usize) -> MemoryJobQueue<Arc<TestClock>> {
        let clock = Arc::new(TestClock::default());
        clock.set(t0());
        MemoryJobQueue::new(capacity, clock)
    }

    #[test]
    fn enqueue_is_idempotent_on_delivery_and_attempt() {
        let q = queue(10);
        assert_eq!(block_on(q.enqueue(job(), t0())).unwrap(), Enqueued::Added);
        assert_eq!(
            block_on(q.enqueue(job(), at(100))).unwrap(),
            Enqueued::AlreadyQueued
        );
        // Still at its first not-before.
        assert_eq!(block_on(q.claim(t0(), LEASE, 10)).unwrap().len(), 1);
        // Leased, it is still queued.
        assert_eq!(
            block_on(q.enqueue(job(), t0())).unwrap(),
            Enqueued::AlreadyQueued
        );
        let mut second = job();
        second.attempt = 2;
        assert_eq!(block_on(q.enqueue(second, t0())).unwrap(), Enqueued::Added);
        assert_eq!(q.len().unwrap(), 2);
    }

    #[test]
    fn claims_take_due_jobs_oldest_first() {
        let q = queue(10);
        block_on(q.enqueue(job_for("msg_late"), at(20))).unwrap();
        block_on(q.enqueue(job_for("msg_b"), at(5))).unwrap();
        block_on(q.enqueue(job_for("msg_a"), at(1))).unwrap();
        block_on(q.enqueue(job_for("msg_c"), at(5))).unwrap();
        let claimed = block_on(q.claim(at(10), LEASE, 10)).unwrap();
        let order: Vec<_> = claimed
            .iter()
            .map(|c| c.job().message_id().as_str())
            .collect();
        assert_eq!(order, ["msg_a", "msg_b", "msg_c"]);
        assert!(claimed.windows(2).all(|w| w[0].token() < w[1].token()));
        assert_eq!(claimed[0].leased_until(), at(40));
        assert!(block_on(q.claim(at(10), LEASE, 10)).unwrap().is_empty());
        assert_eq!(block_on(q.claim(at(20), LEASE, 0)).unwrap().len(), 0);
        assert_eq!(block_on(q.claim(at(20), LEASE, 10)).unwrap().len(), 1);
    }

    #[test]
    fn concurrent_claims_never_share_a_job() {
        let q = Arc::new(queue(1_000));
        for i in 0..200 {
            block_on(q.enqueue(job_for(&format!("msg_{i}")), t0())).unwrap();
        }
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let q = Arc::clone(&q);
                std::thread::spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let got = block_on(q.claim(t0(), LEASE, 3)).unwrap();
                        if got.is_empty() {
                            return mine;
                        }
                        mine.extend(got.into_iter().map(|c| c.job().delivery_id().clone()));
                    }
                })
            })
            .collect();
        let mut all: Vec<DeliveryId> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        assert_eq!(all.len(), 200);
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 200);
    }

    #[test]
    fn an_expired_lease_is_claimed_again_and_the_old_token_refused() {
        let q = queue(10);
        block_on(q.enqueue(job(), t0())).unwrap();
        let first = block_on(q.claim(t0(), LEASE, 1)).unwrap().remove(0);
        assert!(block_on(q.claim(at(29), LEASE, 1)).unwrap().is_empty());
        let second = block_on(q.claim(at(30), LEASE, 1)).unwrap().remove(0);
        assert!(second.token() > first.token());
        assert_eq!(second.job(), first.job());

        q.clock.set(at(31));
        for result in [
            block_on(q.complete(first.token())),
            block_on(q.release(first.token())),
            block_on(q.reschedule(first.token(), &Transition::Deferred(Box::new(job())))),
        ] {
            assert!(
                matches!(result, Err(StoreError::StaleLease { token }) if token == first.token())
            );
        }
        block_on(q.complete(second.token())).unwrap();
        assert!(q.is_empty().unwrap());
        // Settled: the token is stale now too.
        assert!(matches!(
            block_on(q.complete(second.token())),
            Err(StoreError::StaleLease { .. })
        ));
    }

    #[test]
    fn settling_after_the_lease_ran_out_is_refused() {
        let q = queue(10);
        block_on(q.enqueue(job(), t0())).unwrap();
        let claimed = block_on(q.claim(t0(), LEASE, 1)).unwrap().remove(0);
        q.clock.set(at(30));
        assert!(matches!(
            block_on(q.complete(claimed.token())),
            Err(StoreError::StaleLease { .. })
        ));
        assert_eq!(q.len().unwrap(), 1);
    }

    #[test]
    fn release_returns_the_job_unchanged() {
        let q = queue(10);
        block_on(q.enqueue(job(), t0())).unwrap();
        let claimed = block_on(q.claim(at(1), LEASE, 1)).unwrap().remove(0);
        block_on(q.release(claimed.token())).unwrap();
        let again = block_on(q.claim(at(1), LEASE, 1)).unwrap().remove(0);
        assert_eq!(again.job(), &job());
        assert!(again.token() > claimed.token());
    }

    #[test]
    fn reschedule_moves_the_job_to_its_not_before() {
        let q = queue(1);
        block_on(q.enqueue(job(), t0())).unwrap();
        let claimed = block_on(q.claim(t0(), LEASE, 1)).unwrap().remove(0);
        let next = claimed
            .job()
            .apply(
                Decision::RetryAt {
                    attempt: 2,
                    not_before: at(60),
                },
                Some(Duration::from_secs(60)),
            )
            .unwrap();
        block_on(q.reschedule(claimed.token(), &next)).unwrap();
        assert_eq!(q.len().unwrap(), 1);
        assert!(block_on(q.claim(at(59), LEASE, 1)).unwrap().is_empty());
        let retry = block_on(q.claim(at(60), LEASE, 1)).unwrap().remove(0);
        assert_eq!(retry.job().attempt(), 2);
        assert_eq!(Some(retry.job()), next.job());

        // A terminal transition or another delivery's job is refused, and
        // the lease stays live.
        assert!(matches!(
            block_on(q.reschedule(retry.token(), &Transition::Delivered)),
            Err(StoreError::Terminal)
        ));
        let other = Transition::Deferred(Box::new(job_for("msg_other")));
        assert!(matches!(
            block_on(q.reschedule(retry.token(), &other)),
            Err(StoreError::OtherDelivery { .. })
        ));
        block_on(q.complete(retry.token())).unwrap();
    }

    #[test]
    fn reschedule_refuses_an_attempt_already_queued() {
        let q = queue(10);
        block_on(q.enqueue(job(), t0())).unwrap();
        let mut second = job();
        second.attempt = 2;
        block_on(q.enqueue(second.clone(), at(100))).unwrap();
        let claimed = block_on(q.claim(t0(), LEASE, 1)).unwrap().remove(0);
        let next = Transition::Scheduled(Box::new(second));
        assert!(matches!(
            block_on(q.reschedule(claimed.token(), &next)),
            Err(StoreError::Conflict { attempt: 2, .. })
        ));
        assert_eq!(q.len().unwrap(), 2);
    }

    #[test]
    fn a_full_queue_fails_closed() {
        let q = queue(2);
        block_on(q.enqueue(job_for("msg_1"), t0())).unwrap();
        block_on(q.enqueue(job_for("msg_2"), t0())).unwrap();
        assert!(matches!(
            block_on(q.enqueue(job_for("msg_3"), t0())),
            Err(StoreError::Full { capacity: 2 })
        ));
        // A duplicate is still recognised, and nothing was dropped.
        assert_eq!(
            block_on(q.enqueue(job_for("msg_1"), t0())).unwrap(),
            Enqueued::AlreadyQueued
        );
        assert_eq!(block_on(q.claim(t0(), LEASE, 10)).unwrap().len(), 2);
        assert_eq!(q.capacity(), 2);
    }

    #[test]
    fn works_through_dyn_and_pointers() {
        let shared: Arc<dyn DynJobQueue> = Arc::new(queue(4));
        block_on(shared.enqueue(job(), t0())).unwrap();
        let by_ref = &*shared;
        let claimed = block_on(by_ref.claim(t0(), LEASE, 1)).unwrap();
        block_on(shared.complete(claimed[0].token())).unwrap();
        assert_eq!(
            format!("{:?}", queue(3)),
            "MemoryJobQueue { capacity: 3, jobs: Some(0) }"
        );
        assert_eq!(LeaseToken::from_raw(5).get(), 5);
    }
}
