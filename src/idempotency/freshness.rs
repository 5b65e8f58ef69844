//! Out-of-order delivery: whether an event is newer than the latest one
//! applied to its entity, recorded in one step.

use std::fmt;
use std::future::{Future, Ready, ready};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::bounded::BoundedMap;
use super::error::IdempotencyError;
use super::key::IdempotencyKey;
use super::store::BoxFuture;
use crate::time::{Clock, Timestamp};

/// The position of an event in its entity's history: a version number or
/// sequence, or an event time ([`Version::from_timestamp`]).
///
/// Versions of one entity must all be of one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Version(u64);

impl Version {
    /// A version number.
    pub const fn new(value: u64) -> Self {
        Version(value)
    }

    /// An event time as a version, in the same order as the times
    /// (times before 1970 included). [`Version::get`] of such a version is
    /// not the milliseconds.
    pub const fn from_timestamp(at: Timestamp) -> Self {
        // Flipping the sign bit maps i64's order onto u64's.
        Version(u64::from_be_bytes(
            (at.as_unix_millis() ^ i64::MIN).to_be_bytes(),
        ))
    }

    /// The value as stored.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl From<u64> for Version {
    fn from(value: u64) -> Self {
        Version::new(value)
    }
}

impl From<Timestamp> for Version {
    fn from(at: Timestamp) -> Self {
        Version::from_timestamp(at)
    }
}

/// How an event's version compares with the latest recorded for its entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(
    clippy::exhaustive_enums,
    reason = "newer, same or older: there is no fourth answer"
)]
pub enum Freshness {
    /// Newer than anything recorded (or the first seen): it is now the
    /// latest. Apply it.
    Newer {
        /// The version it replaced, if any was recorded.
        previous: Option<Version>,
    },
    /// The latest recorded version itself: a redelivery of the latest
    /// event, or its retry after a failed attempt. Applying the same state
    /// again is harmless for snapshot events; an idempotency claim on the
    /// delivery is what stops a completed one from running twice.
    Same,
    /// Older than the latest recorded: the event arrived out of order and
    /// its state is stale. Skip it.
    Older {
        /// The latest recorded version.
        latest: Version,
    },
}

impl Freshness {
    /// Whether the event is the latest: [`Freshness::Newer`] or
    /// [`Freshness::Same`].
    pub fn is_latest(&self) -> bool {
        !matches!(self, Freshness::Older { .. })
    }
}

/// Records the latest version applied to each entity.
///
/// [`FreshnessStore::advance`] compares and records in one atomic step, so
/// of two events racing for one entity only the newer is told to apply.
/// Same async shape as [`IdempotencyStore`](crate::idempotency::IdempotencyStore):
/// `Send` futures, a dyn-compatible [`DynFreshnessStore`], and impls for
/// `dyn DynFreshnessStore`, `Arc<S>`, `Box<S>` and `&S`.
///
/// # Security
///
/// A record is kept for the `ttl` given with the version that set it; once
/// it expires, an older event arriving later is taken as newer. Give it a
/// TTL covering the sender's retry window, as for the done-TTL of a replay
/// guard ([`DEFAULT_DONE_TTL`](crate::idempotency::DEFAULT_DONE_TTL)). A
/// store fails closed: a new entity it has no room for is an error, not a
/// `Newer`.
pub trait FreshnessStore: Send + Sync {
    /// Compares `version` with the latest recorded for `entity`, and
    /// records it, for `ttl`, when it is newer.
    ///
    /// # Errors
    ///
    /// [`IdempotencyError::ZeroDuration`] for a zero TTL,
    /// [`IdempotencyError::StoreFull`] when `entity` is new and the store
    /// has no room for it, [`IdempotencyError::Unavailable`] when the
    /// backend fails.
    fn advance(
        &self,
        entity: &IdempotencyKey,
        version: Version,
        ttl: Duration,
    ) -> impl Future<Output = Result<Freshness, IdempotencyError>> + Send;
}

/// The dyn-compatible form of [`FreshnessStore`], with a boxed future;
/// every `FreshnessStore` implements it.
pub trait DynFreshnessStore: Send + Sync {
    /// [`FreshnessStore::advance`], boxed.
    ///
    /// # Errors
    ///
    /// As [`FreshnessStore::advance`].
    fn advance_boxed<'a>(
        &'a self,
        entity: &'a IdempotencyKey,
        version: Version,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Freshness, IdempotencyError>>;
}

impl<S: FreshnessStore> DynFreshnessStore for S {
    fn advance_boxed<'a>(
        &'a self,
        entity: &'a IdempotencyKey,
        version: Version,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Freshness, IdempotencyError>> {
        Box::pin(self.advance(entity, version, ttl))
    }
}

// `async fn`, as for `dyn DynIdempotencyStore`: the future borrows each
// argument under its own lifetime.
impl FreshnessStore for dyn DynFreshnessStore {
    async fn advance(
        &self,
        entity: &IdempotencyKey,
        version: Version,
        ttl: Duration,
    ) -> Result<Freshness, IdempotencyError> {
        self.advance_boxed(entity, version, ttl).await
    }
}

/// Forwards to the store behind a pointer.
macro_rules! forward_freshness {
    ($($pointer:ty),*) => {$(
        impl<S: FreshnessStore + ?Sized> FreshnessStore for $pointer {
            fn advance(
                &self,
                entity: &IdempotencyKey,
                version: Version,
                ttl: Duration,
            ) -> impl Future<Output = Result<Freshness, IdempotencyError>> + Send {
                (**self).advance(entity, version, ttl)
            }
        }
    )*};
}

forward_freshness!(&S, Box<S>, Arc<S>);

/// A [`FreshnessStore`] in the process's memory.
///
/// Bounded like [`MemoryStore`](crate::idempotency::MemoryStore): at most
/// `max_entities` entities; when full, a new entity is refused with
/// [`IdempotencyError::StoreFull`] and no unexpired record is evicted;
/// expired records are reclaimed as operations pass. Its futures are ready
/// at once.
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::SystemClock;
/// use webhook_kit::idempotency::{Freshness, FreshnessStore, IdempotencyKey, MemoryFreshnessStore, Version};
///
/// let store = MemoryFreshnessStore::new(SystemClock, 10_000);
/// let order = IdempotencyKey::from_parts(["order", "ord_1"])?;
/// let ttl = Duration::from_secs(9 * 24 * 3600);
///
/// let v2 = store.advance(&order, Version::new(2), ttl).into_inner()?;
/// assert_eq!(v2, Freshness::Newer { previous: None });
/// // Version 1 arrives late: skip it.
/// let v1 = store.advance(&order, Version::new(1), ttl).into_inner()?;
/// assert_eq!(v1, Freshness::Older { latest: Version::new(2) });
/// # Ok::<(), webhook_kit::idempotency::IdempotencyError>(())
/// ```
pub struct MemoryFreshnessStore<C> {
    clock: C,
    state: Mutex<BoundedMap<Version>>,
}

impl<C: Clock> MemoryFreshnessStore<C> {
    /// A store reading time from `clock` and holding at most
    /// `max_entities` records (zero refuses every new entity).
    pub fn new(clock: C, max_entities: usize) -> Self {
        MemoryFreshnessStore {
            clock,
            state: Mutex::new(BoundedMap::new(max_entities)),
        }
    }

    fn advance_now(
        &self,
        entity: &IdempotencyKey,
        version: Version,
        ttl: Duration,
    ) -> Result<Freshness, IdempotencyError> {
        if ttl.is_zero() {
            return Err(IdempotencyError::ZeroDuration { what: "ttl" });
        }
        let now = self.clock.now();
        let mut map = self
            .state
            .lock()
            .map_err(|_| IdempotencyError::unavailable("memory", "the store's lock is poisoned"))?;
        map.sweep(now);

        let previous = match map.live_mut(entity.as_str(), now) {
            Some(slot) if version < slot.value => {
                return Ok(Freshness::Older { latest: slot.value });
            }
            Some(slot) if version == slot.value => return Ok(Freshness::Same),
            Some(slot) => Some(slot.value),
            None => None,
        };
        map.insert(entity.shared(), version, now.saturating_add(ttl))?;
        Ok(Freshness::Newer { previous })
    }
}

#[allow(
    refining_impl_trait,
    reason = "the in-memory store's futures are ready at once, and say so"
)]
impl<C: Clock> FreshnessStore for MemoryFreshnessStore<C> {
    fn advance(
        &self,
        entity: &IdempotencyKey,
        version: Version,
        ttl: Duration,
    ) -> Ready<Result<Freshness, IdempotencyError>> {
        ready(self.advance_now(entity, version, ttl))
    }
}

impl<C> fmt::Debug for MemoryFreshnessStore<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held = self.state.try_lock().map(|m| m.len()).ok();
        f.debug_struct("MemoryFreshnessStore")
            .field("entities", &held)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::thread;

    use super::*;
    use crate::test_support::{TestClock, block_on};

    const TTL: Duration = Duration::from_secs(60);

    fn entity(id: &str) -> IdempotencyKey {
        IdempotencyKey::from_parts(["entity", id]).unwrap()
    }

    fn advance(store: &impl FreshnessStore, id: &str, v: u64) -> Freshness {
        block_on(store.advance(&entity(id), Version::new(v), TTL)).unwrap()
    }

    #[test]
    fn newer_same_older() {
        let store = MemoryFreshnessStore::new(TestClock::new(0), 10);
        assert_eq!(advance(&store, "a", 5), Freshness::Newer { previous: None });
        assert_eq!(advance(&store, "a", 5), Freshness::Same);
        assert_eq!(
            advance(&store, "a", 3),
            Freshness::Older {
                latest: Version::new(5)
            }
        );
        assert_eq!(
            advance(&store, "a", 7),
            Freshness::Newer {
                previous: Some(Version::new(5))
            }
        );
        assert_eq!(advance(&store, "b", 1), Freshness::Newer { previous: None });
        assert!(Freshness::Same.is_latest());
        assert!(!advance(&store, "a", 6).is_latest());
    }

    #[test]
    fn timestamps_keep_their_order() {
        let times = [i64::MIN, -1_000, -1, 0, 1, 1_700_000_000_000, i64::MAX];
        for pair in times.windows(2) {
            let (a, b) = (
                Timestamp::from_unix_millis(pair[0]),
                Timestamp::from_unix_millis(pair[1]),
            );
            assert!(Version::from(a) < Version::from(b), "{a:?} {b:?}");
        }
    }

    #[test]
    fn records_expire_and_full_store_fails_closed() {
        let clock = TestClock::new(0);
        let store = MemoryFreshnessStore::new(clock.clone(), 1);
        assert!(advance(&store, "a", 2).is_latest());
        assert!(matches!(
            block_on(store.advance(&entity("b"), Version::new(1), TTL)),
            Err(IdempotencyError::StoreFull { capacity: 1 })
        ));
        // The known entity still answers while full.
        assert_eq!(advance(&store, "a", 2), Freshness::Same);

        clock.advance(TTL);
        assert_eq!(advance(&store, "b", 1), Freshness::Newer { previous: None });
        // The expired record of `a` is gone: an old version looks new again.
        assert!(matches!(
            block_on(store.advance(&entity("a"), Version::new(1), TTL)),
            Err(IdempotencyError::StoreFull { .. })
        ));
        assert!(matches!(
            block_on(store.advance(&entity("a"), Version::new(1), Duration::ZERO)),
            Err(IdempotencyError::ZeroDuration { what: "ttl" })
        ));
    }

    #[test]
    fn racing_versions_leave_the_newest() {
        let store = Arc::new(MemoryFreshnessStore::new(TestClock::new(0), 10));
        let handles: Vec<_> = (1..=32u64)
            .map(|v| {
                let store = Arc::clone(&store);
                thread::spawn(move || advance(&*store, "x", v))
            })
            .collect();
        let newer = handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|f| matches!(f, Freshness::Newer { .. }))
            .count();
        assert!(newer >= 1);
        assert_eq!(
            advance(&*store, "x", 32),
            Freshness::Same,
            "the newest version is the one recorded"
        );
    }

    #[test]
    fn through_dyn() {
        let store: Arc<dyn DynFreshnessStore> =
            Arc::new(MemoryFreshnessStore::new(TestClock::new(0), 10));
        assert_eq!(advance(&store, "a", 1), Freshness::Newer { previous: None });
        let boxed: Box<dyn DynFreshnessStore> = Box::new(Arc::clone(&store));
        assert_eq!(advance(&boxed, "a", 1), Freshness::Same);
    }
}
