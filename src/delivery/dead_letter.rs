//! The dead-letter store: deliveries that ended without success, kept for
//! inspection, manual redelivery and recovery of an endpoint.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::{Future, ready};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use super::ids::{DeliveryId, EndpointId};
use super::job::DeliveryJob;
use super::store_error::{StoreError, poisoned};
use super::transition::{DeadLetterReason, Transition};
use crate::idempotency::BoxFuture;
use crate::retry::DisableReason;
use crate::time::Timestamp;

/// Why a delivery ended in the dead-letter store: the two terminal
/// [`Transition`]s that are not a success.
///
/// Serialised externally tagged in snake_case:
/// `{"dead_lettered":{"gave_up":"attempts_exhausted"}}`,
/// `{"endpoint_disabled":"gone"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeadCause {
    /// [`Transition::DeadLettered`].
    DeadLettered(DeadLetterReason),
    /// [`Transition::EndpointDisabled`].
    EndpointDisabled(DisableReason),
}

impl DeadCause {
    /// A stable snake_case code: the reason's.
    pub fn code(&self) -> &'static str {
        match self {
            DeadCause::DeadLettered(reason) => reason.code(),
            DeadCause::EndpointDisabled(reason) => reason.code(),
        }
    }

    /// The terminal transition this cause stands for.
    pub fn transition(self) -> Transition {
        match self {
            DeadCause::DeadLettered(reason) => Transition::DeadLettered { reason },
            DeadCause::EndpointDisabled(reason) => Transition::EndpointDisabled { reason },
        }
    }
}

/// A delivery that ended without success: its last job, why, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLetter {
    job: DeliveryJob,
    cause: DeadCause,
    dead_at: Timestamp,
}

impl DeadLetter {
    /// The dead letter of `job`, whose attempt ended in `transition` at
    /// `at`; `None` when the transition is not a dead end (the delivery
    /// succeeded or goes on).
    pub fn from_transition(
        job: DeliveryJob,
        transition: &Transition,
        at: Timestamp,
    ) -> Option<DeadLetter> {
        let cause = match *transition {
            Transition::DeadLettered { reason } => DeadCause::DeadLettered(reason),
            Transition::EndpointDisabled { reason } => DeadCause::EndpointDisabled(reason),
            _ => return None,
        };
        Some(DeadLetter {
            job,
            cause,
            dead_at: at,
        })
    }

    /// The job of the delivery's last attempt: pass it to
    /// [`DeliveryJob::redeliver`] or [`DeliveryJob::recover`].
    pub fn job(&self) -> &DeliveryJob {
        &self.job
    }

    /// Why the delivery ended.
    pub fn cause(&self) -> DeadCause {
        self.cause
    }

    /// When it was dead-lettered.
    pub fn dead_at(&self) -> Timestamp {
        self.dead_at
    }

    /// The job, taken out.
    pub fn into_job(self) -> DeliveryJob {
        self.job
    }
}

/// Where dead-lettered deliveries are kept, one per delivery id.
///
/// The methods return `Send` futures and need no async runtime; every sink
/// also implements [`DynDeadLetterSink`], and `dyn DynDeadLetterSink`,
/// `Arc<S>`, `Box<S>` and `&S` implement this trait in turn.
pub trait DeadLetterSink: Send + Sync {
    /// Stores `letter`, replacing the one of the same delivery (a
    /// redelivery that failed again).
    ///
    /// # Errors
    ///
    /// [`StoreError::Full`] when the store is at its capacity,
    /// [`StoreError::Unavailable`] when the backend fails.
    fn put(&self, letter: DeadLetter) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Up to `limit` letters of deliveries to `endpoint` dead-lettered at
    /// or after `since`, oldest first: what an endpoint's recovery resends.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when the backend fails.
    fn dead_since(
        &self,
        endpoint: &EndpointId,
        since: Timestamp,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<DeadLetter>, StoreError>> + Send;

    /// Removes and returns the letter of `delivery`, if there is one: to
    /// redeliver it. Put it back if the redelivery cannot be queued.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when the backend fails.
    fn take(
        &self,
        delivery: &DeliveryId,
    ) -> impl Future<Output = Result<Option<DeadLetter>, StoreError>> + Send;
}

/// The dyn-compatible form of [`DeadLetterSink`], with boxed futures.
pub trait DynDeadLetterSink: Send + Sync {
    /// [`DeadLetterSink::put`], boxed.
    ///
    /// # Errors
    ///
    /// As [`DeadLetterSink::put`].
    fn put_boxed(&self, letter: DeadLetter) -> BoxFuture<'_, Result<(), StoreError>>;

    /// [`DeadLetterSink::dead_since`], boxed.
    ///
    /// # Errors
    ///
    /// As [`DeadLetterSink::dead_since`].
    fn dead_since_boxed<'a>(
        &'a self,
        endpoint: &'a EndpointId,
        since: Timestamp,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<DeadLetter>, StoreError>>;

    /// [`DeadLetterSink::take`], boxed.
    ///
    /// # Errors
    ///
    /// As [`DeadLetterSink::take`].
    fn take_boxed<'a>(
        &'a self,
        delivery: &'a DeliveryId,
    ) -> BoxFuture<'a, Result<Option<DeadLetter>, StoreError>>;
}

impl<S: DeadLetterSink> DynDeadLetterSink for S {
    fn put_boxed(&self, letter: DeadLetter) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(self.put(letter))
    }

    fn dead_since_boxed<'a>(
        &'a self,
        endpoint: &'a EndpointId,
        since: Timestamp,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<DeadLetter>, StoreError>> {
        Box::pin(self.dead_since(endpoint, since, limit))
    }

    fn take_boxed<'a>(
        &'a self,
        delivery: &'a DeliveryId,
    ) -> BoxFuture<'a, Result<Option<DeadLetter>, StoreError>> {
        Box::pin(self.take(delivery))
    }
}

impl DeadLetterSink for dyn DynDeadLetterSink {
    async fn put(&self, letter: DeadLetter) -> Result<(), StoreError> {
        self.put_boxed(letter).await
    }

    async fn dead_since(
        &self,
        endpoint: &EndpointId,
        since: Timestamp,
        limit: usize,
    ) -> Result<Vec<DeadLetter>, StoreError> {
        self.dead_since_boxed(endpoint, since, limit).await
    }

    async fn take(&self, delivery: &DeliveryId) -> Result<Option<DeadLetter>, StoreError> {
        self.take_boxed(delivery).await
    }
}

/// Implements the trait for a pointer by asking what it points to.
macro_rules! through_pointer {
    ($($pointer:ty),*) => {$(
        impl<S: DeadLetterSink + ?Sized> DeadLetterSink for $pointer {
            fn put(&self, letter: DeadLetter) -> impl Future<Output = Result<(), StoreError>> + Send {
                S::put(self, letter)
            }

            fn dead_since(
                &self,
                endpoint: &EndpointId,
                since: Timestamp,
                limit: usize,
            ) -> impl Future<Output = Result<Vec<DeadLetter>, StoreError>> + Send {
                S::dead_since(self, endpoint, since, limit)
            }

            fn take(
                &self,
                delivery: &DeliveryId,
            ) -> impl Future<Output = Result<Option<DeadLetter>, StoreError>> + Send {
                S::take(self, delivery)
            }
        }
    )*};
}

through_pointer!(&S, Box<S>, std::sync::Arc<S>);

/// A [`DeadLetterSink`] in the process's memory, holding at most
/// `capacity` letters; when full it refuses new deliveries
/// ([`StoreError::Full`]) and still replaces the letter of one it holds.
/// Thread-safe, and its futures are ready at once.
pub struct MemoryDeadLetters {
    capacity: usize,
    state: Mutex<LetterState>,
}

#[derive(Default)]
struct LetterState {
    letters: HashMap<DeliveryId, (u64, DeadLetter)>,
    // Per endpoint, by time then arrival.
    by_endpoint: BTreeMap<(EndpointId, Timestamp, u64), DeliveryId>,
    last_seq: u64,
}

impl LetterState {
    fn remove(&mut self, delivery: &DeliveryId) -> Option<DeadLetter> {
        let (seq, letter) = self.letters.remove(delivery)?;
        self.by_endpoint
            .remove(&(letter.job.endpoint_id().clone(), letter.dead_at, seq));
        Some(letter)
    }
}

impl MemoryDeadLetters {
    /// An empty store holding at most `capacity` letters.
    pub fn new(capacity: usize) -> MemoryDeadLetters {
        MemoryDeadLetters {
            capacity,
            state: Mutex::new(LetterState::default()),
        }
    }

    /// The number of letters held.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] if the lock is poisoned.
    pub fn len(&self) -> Result<usize, StoreError> {
        Ok(self.lock()?.letters.len())
    }

    /// Whether no letter is held.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] if the lock is poisoned.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }

    fn lock(&self) -> Result<MutexGuard<'_, LetterState>, StoreError> {
        self.state.lock().map_err(|_| poisoned("dead-letter store"))
    }

    fn do_put(&self, letter: DeadLetter) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        let delivery = letter.job.delivery_id().clone();
        if !state.letters.contains_key(&delivery) && state.letters.len() >= self.capacity {
            return Err(StoreError::Full {
                capacity: self.capacity,
            });
        }
        let seq = state.last_seq.checked_add(1).ok_or_else(|| {
            StoreError::unavailable("memory", "the dead-letter store ran out of numbers")
        })?;
        state.last_seq = seq;
        state.remove(&delivery);
        state.by_endpoint.insert(
            (letter.job.endpoint_id().clone(), letter.dead_at, seq),
            delivery.clone(),
        );
        state.letters.insert(delivery, (seq, letter));
        Ok(())
    }

    fn list(
        &self,
        endpoint: &EndpointId,
        since: Timestamp,
        limit: usize,
    ) -> Result<Vec<DeadLetter>, StoreError> {
        let state = self.lock()?;
        Ok(state
            .by_endpoint
            .range((endpoint.clone(), since, 0)..)
            .take_while(|((ep, _, _), _)| ep == endpoint)
            .filter_map(|(_, delivery)| state.letters.get(delivery))
            .take(limit)
            .map(|(_, letter)| letter.clone())
            .collect())
    }

    fn do_take(&self, delivery: &DeliveryId) -> Result<Option<DeadLetter>, StoreError> {
        Ok(self.lock()?.remove(delivery))
    }
}

impl DeadLetterSink for MemoryDeadLetters {
    fn put(&self, letter: DeadLetter) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.do_put(letter))
    }

    fn dead_since(
        &self,
        endpoint: &EndpointId,
        since: Timestamp,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<DeadLetter>, StoreError>> + Send {
        ready(self.list(endpoint, since, limit))
    }

    fn take(
        &self,
        delivery: &DeliveryId,
    ) -> impl Future<Output = Result<Option<DeadLetter>, StoreError>> + Send {
        ready(self.do_take(delivery))
    }
}

impl fmt::Debug for MemoryDeadLetters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self.state.lock().map(|s| s.letters.len()).ok();
        f.debug_struct("MemoryDeadLetters")
            .field("capacity", &self.capacity)
            .field("letters", &len)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::job::tests::job;
    use crate::retry::GiveUpReason;
    use crate::sign::MessageId;
    use crate::test_support::block_on;
    use std::sync::Arc;

    fn letter(message: &str, endpoint: &str, at: i64) -> DeadLetter {
        let mut j = job();
        j.message_id = MessageId::new(message).unwrap();
        j.endpoint_id = EndpointId::new(endpoint).unwrap();
        j.delivery_id = DeliveryId::derive(&j.message_id, &j.endpoint_id);
        let gave_up = Transition::DeadLettered {
            reason: DeadLetterReason::GaveUp(GiveUpReason::MaxAgeExceeded),
        };
        DeadLetter::from_transition(j, &gave_up, Timestamp::from_unix_seconds(at)).unwrap()
    }

    fn messages(list: &[DeadLetter]) -> Vec<&str> {
        list.iter().map(|l| l.job().message_id().as_str()).collect()
    }

    #[test]
    fn listed_by_endpoint_and_time() {
        let store = MemoryDeadLetters::new(10);
        for (m, ep, at) in [
            ("msg_c", "ep_1", 30),
            ("msg_a", "ep_1", 10),
            ("msg_x", "ep_2", 20),
            ("msg_b", "ep_1", 20),
        ] {
            block_on(store.put(letter(m, ep, at))).unwrap();
        }
        let ep1 = EndpointId::new("ep_1").unwrap();
        let all = block_on(store.dead_since(&ep1, Timestamp::UNIX_EPOCH, 10)).unwrap();
        assert_eq!(messages(&all), ["msg_a", "msg_b", "msg_c"]);
        let since = block_on(store.dead_since(&ep1, Timestamp::from_unix_seconds(20), 10)).unwrap();
        assert_eq!(messages(&since), ["msg_b", "msg_c"]);
        let first = block_on(store.dead_since(&ep1, Timestamp::UNIX_EPOCH, 1)).unwrap();
        assert_eq!(messages(&first), ["msg_a"]);
        let ep0 = EndpointId::new("ep_0").unwrap();
        assert!(
            block_on(store.dead_since(&ep0, Timestamp::UNIX_EPOCH, 10))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn take_removes_and_put_replaces() {
        let store = MemoryDeadLetters::new(2);
        let a = letter("msg_a", "ep_1", 10);
        let id = a.job().delivery_id().clone();
        block_on(store.put(a.clone())).unwrap();
        block_on(store.put(letter("msg_b", "ep_1", 11))).unwrap();
        // Full, but the same delivery is replaced.
        assert!(matches!(
            block_on(store.put(letter("msg_c", "ep_1", 12))),
            Err(StoreError::Full { capacity: 2 })
        ));
        block_on(store.put(letter("msg_a", "ep_1", 50))).unwrap();
        assert_eq!(store.len().unwrap(), 2);

        let taken = block_on(store.take(&id)).unwrap().unwrap();
        assert_eq!(taken.dead_at(), Timestamp::from_unix_seconds(50));
        assert_eq!(taken.cause().code(), "max_age_exceeded");
        assert!(block_on(store.take(&id)).unwrap().is_none());
        let ep1 = EndpointId::new("ep_1").unwrap();
        let left = block_on(store.dead_since(&ep1, Timestamp::UNIX_EPOCH, 10)).unwrap();
        assert_eq!(messages(&left), ["msg_b"]);
        let redelivery = taken
            .job()
            .redeliver(Timestamp::from_unix_seconds(60))
            .unwrap();
        assert_eq!(redelivery.attempt(), 2);
    }

    #[test]
    fn only_dead_ends_make_letters() {
        let at = Timestamp::UNIX_EPOCH;
        assert!(DeadLetter::from_transition(job(), &Transition::Delivered, at).is_none());
        let next = Transition::Scheduled(Box::new(job()));
        assert!(DeadLetter::from_transition(job(), &next, at).is_none());
        let disabled = Transition::EndpointDisabled {
            reason: DisableReason::Gone,
        };
        let letter = DeadLetter::from_transition(job(), &disabled, at).unwrap();
        assert_eq!(
            letter.cause(),
            DeadCause::EndpointDisabled(DisableReason::Gone)
        );
    }

    #[test]
    fn works_through_dyn_and_pointers() {
        let shared: Arc<dyn DynDeadLetterSink> = Arc::new(MemoryDeadLetters::new(4));
        let a = letter("msg_a", "ep_1", 10);
        let id = a.job().delivery_id().clone();
        block_on(shared.put(a)).unwrap();
        let by_ref = &*shared;
        assert!(block_on(by_ref.take(&id)).unwrap().is_some());
    }
}
