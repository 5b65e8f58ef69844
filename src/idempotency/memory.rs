//! The in-memory idempotency store: one process, bounded, failing closed.

use std::fmt;
use std::future::{Ready, ready};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::bounded::BoundedMap;
use super::error::IdempotencyError;
use super::key::IdempotencyKey;
use super::store::{Claim, FencingToken, IdempotencyStore};
use crate::time::Clock;

/// The largest outcome [`MemoryStore`] keeps by default, in bytes.
pub const DEFAULT_MAX_OUTCOME_BYTES: usize = 4096;

/// An [`IdempotencyStore`] in the process's memory, for a single instance,
/// tests and development.
///
/// - Thread-safe: one lock around the map; every operation is a few map
///   steps under it, and its futures are ready at once.
/// - Leases and TTLs are measured by the [`Clock`] it is given.
/// - Bounded: at most `max_keys` keys and outcomes of at most
///   [`DEFAULT_MAX_OUTCOME_BYTES`] (see [`MemoryStore::with_max_outcome_bytes`]).
///
/// Each entry costs its encoded key and its outcome plus about 55 to 90
/// bytes of map and index: a UUID delivery id (a 42-byte key) came to
/// 94 to 130 heap bytes per entry in this crate's tests on x86-64, before
/// the allocator's rounding. The worst case per entry is therefore about
/// [`IdempotencyKey::MAX_LEN`] plus the outcome limit plus 100 bytes. Size
/// `max_keys` for the deliveries of one done-TTL: at 10 deliveries a
/// second, 9 days are about 7.8 million keys (about 1 GB), which is the
/// point to move to a shared store.
///
/// # Security
///
/// When full, it **fails closed**: a claim of a new key is refused with
/// [`IdempotencyError::StoreFull`], and no live lease or unexpired done key
/// is ever evicted to make room, since forgetting one would let a replay
/// through. Expired entries are reclaimed as operations pass (a few per
/// call, earliest expiry first), so a full store accepts keys again as its
/// entries expire. A flood of distinct keys can therefore fill it and make
/// claims fail until their leases run out: keep leases short and answer
/// `StoreFull` with 503 so providers retry.
///
/// Its state lives in one process: several instances behind a load balancer
/// need a shared store.
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::SystemClock;
/// use webhook_kit::idempotency::{Claim, IdempotencyKey, IdempotencyStore, MemoryStore};
///
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop {
/// #         if let std::task::Poll::Ready(out) = f.as_mut().poll(&mut cx) { return out; }
/// #     }
/// # }
/// # block_on(async {
/// let store = MemoryStore::new(SystemClock, 100_000);
/// let key = IdempotencyKey::from_parts(["jobs", "job_1"])?;
///
/// let Claim::New { token } = store.claim(&key, Duration::from_secs(30)).await? else {
///     unreachable!("a fresh store knows no key");
/// };
/// assert_eq!(store.claim(&key, Duration::from_secs(30)).await?, Claim::InProgress);
///
/// store.complete(&key, token, b"sent", Duration::from_secs(3600)).await?;
/// assert_eq!(
///     store.claim(&key, Duration::from_secs(30)).await?,
///     Claim::Done { outcome: b"sent".to_vec() }
/// );
/// # Ok::<(), webhook_kit::idempotency::IdempotencyError>(())
/// # }).unwrap();
/// ```
pub struct MemoryStore<C> {
    clock: C,
    max_outcome: usize,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    map: BoundedMap<Entry>,
    last_token: u64,
}

/// What a key holds.
#[derive(Debug)]
enum Entry {
    Leased(FencingToken),
    Done(Box<[u8]>),
}

impl<C: Clock> MemoryStore<C> {
    /// A store reading time from `clock` and holding at most `max_keys`
    /// keys (zero refuses every claim).
    pub fn new(clock: C, max_keys: usize) -> Self {
        MemoryStore {
            clock,
            max_outcome: DEFAULT_MAX_OUTCOME_BYTES,
            state: Mutex::new(State {
                map: BoundedMap::new(max_keys),
                last_token: 0,
            }),
        }
    }

    /// Keeps outcomes of at most `max` bytes.
    pub fn with_max_outcome_bytes(mut self, max: usize) -> Self {
        self.max_outcome = max;
        self
    }

    /// How many keys are held, including expired ones not yet reclaimed.
    ///
    /// # Errors
    ///
    /// [`IdempotencyError::Unavailable`] if the lock is poisoned.
    pub fn len(&self) -> Result<usize, IdempotencyError> {
        Ok(self.lock()?.map.len())
    }

    /// Whether no key is held.
    ///
    /// # Errors
    ///
    /// [`IdempotencyError::Unavailable`] if the lock is poisoned.
    pub fn is_empty(&self) -> Result<bool, IdempotencyError> {
        Ok(self.len()? == 0)
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>, IdempotencyError> {
        // Nothing under the lock panics; a poisoned lock means the state
        // cannot be trusted, so the store refuses rather than guess.
        self.state
            .lock()
            .map_err(|_| IdempotencyError::unavailable("memory", "the store's lock is poisoned"))
    }

    fn claim_now(&self, key: &IdempotencyKey, lease: Duration) -> Result<Claim, IdempotencyError> {
        if lease.is_zero() {
            return Err(IdempotencyError::ZeroDuration { what: "lease" });
        }
        let now = self.clock.now();
        let mut state = self.lock()?;
        state.map.sweep(now);

        if let Some(slot) = state.map.live_mut(key.as_str(), now) {
            return Ok(match &slot.value {
                Entry::Leased(_) => Claim::InProgress,
                Entry::Done(outcome) => Claim::Done {
                    outcome: outcome.to_vec(),
                },
            });
        }

        let next = state.last_token.checked_add(1).ok_or_else(|| {
            IdempotencyError::unavailable("memory", "fencing tokens are exhausted")
        })?;
        let token = FencingToken::new(next);
        state.map.insert(
            key.shared(),
            Entry::Leased(token),
            now.saturating_add(lease),
        )?;
        // Counted only once the lease is stored, so a refused claim spends no token.
        state.last_token = next;
        Ok(Claim::New { token })
    }

    fn complete_now(
        &self,
        key: &IdempotencyKey,
        token: FencingToken,
        outcome: &[u8],
        ttl: Duration,
    ) -> Result<(), IdempotencyError> {
        if ttl.is_zero() {
            return Err(IdempotencyError::ZeroDuration { what: "ttl" });
        }
        if outcome.len() > self.max_outcome {
            return Err(IdempotencyError::OutcomeTooLarge {
                len: outcome.len(),
                max: self.max_outcome,
            });
        }
        let now = self.clock.now();
        let mut state = self.lock()?;
        state.map.sweep(now);

        let slot = state
            .map
            .live_mut(key.as_str(), now)
            .filter(|slot| matches!(slot.value, Entry::Leased(held) if held == token))
            .ok_or(IdempotencyError::StaleToken)?;
        slot.value = Entry::Done(outcome.into());
        state.map.set_expiry(&key.shared(), now.saturating_add(ttl));
        Ok(())
    }

    fn release_now(
        &self,
        key: &IdempotencyKey,
        token: FencingToken,
    ) -> Result<(), IdempotencyError> {
        let now = self.clock.now();
        let mut state = self.lock()?;
        state.map.sweep(now);

        let held = state
            .map
            .live_mut(key.as_str(), now)
            .is_some_and(|slot| matches!(slot.value, Entry::Leased(held) if held == token));
        if !held {
            return Err(IdempotencyError::StaleToken);
        }
        state.map.remove(key.as_str());
        Ok(())
    }
}

// The futures are named as `Ready`, so a caller without an executor can take
// the result with `Ready::into_inner`.
#[allow(
    refining_impl_trait,
    reason = "the in-memory store's futures are ready at once, and say so"
)]
impl<C: Clock> IdempotencyStore for MemoryStore<C> {
    fn claim(
        &self,
        key: &IdempotencyKey,
        lease: Duration,
    ) -> Ready<Result<Claim, IdempotencyError>> {
        ready(self.claim_now(key, lease))
    }

    fn complete(
        &self,
        key: &IdempotencyKey,
        token: FencingToken,
        outcome: &[u8],
        ttl: Duration,
    ) -> Ready<Result<(), IdempotencyError>> {
        ready(self.complete_now(key, token, outcome, ttl))
    }

    fn release(
        &self,
        key: &IdempotencyKey,
        token: FencingToken,
    ) -> Ready<Result<(), IdempotencyError>> {
        ready(self.release_now(key, token))
    }
}

impl<C> fmt::Debug for MemoryStore<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keys may hold delivery ids: show only the count, and never wait for the lock.
        let held = self.state.try_lock().map(|s| s.map.len()).ok();
        f.debug_struct("MemoryStore")
            .field("keys", &held)
            .field("max_outcome", &self.max_outcome)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::thread;

    use super::*;
    use crate::test_support::{TestClock, block_on};

    const LEASE: Duration = Duration::from_secs(30);
    const TTL: Duration = Duration::from_secs(3600);

    fn key(id: &str) -> IdempotencyKey {
        IdempotencyKey::from_parts(["test", id]).unwrap()
    }

    fn new_token(claim: Claim) -> FencingToken {
        match claim {
            Claim::New { token } => token,
            other => panic!("expected New, got {other:?}"),
        }
    }

    #[test]
    fn concurrent_claims_give_exactly_one_new() {
        let store = Arc::new(MemoryStore::new(TestClock::new(0), 1000));
        let barrier = Arc::new(std::sync::Barrier::new(32));
        let handles: Vec<_> = (0..32)
            .map(|_| {
                let store = Arc::clone(&store);
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || {
                    barrier.wait();
                    block_on(store.claim(&key("same"), LEASE)).unwrap()
                })
            })
            .collect();
        let claims: Vec<Claim> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let new = claims
            .iter()
            .filter(|c| matches!(c, Claim::New { .. }))
            .count();
        let busy = claims.iter().filter(|c| **c == Claim::InProgress).count();
        assert_eq!((new, busy), (1, 31));
    }

    #[test]
    fn expired_lease_is_reclaimed_with_a_new_token() {
        let clock = TestClock::new(0);
        let store = MemoryStore::new(clock.clone(), 10);
        let first = new_token(block_on(store.claim(&key("k"), LEASE)).unwrap());

        clock.advance(LEASE - Duration::from_millis(1));
        assert_eq!(
            block_on(store.claim(&key("k"), LEASE)).unwrap(),
            Claim::InProgress
        );

        clock.advance(Duration::from_millis(1));
        let second = new_token(block_on(store.claim(&key("k"), LEASE)).unwrap());
        assert!(second > first);

        // The stalled first worker is fenced off.
        assert!(matches!(
            block_on(store.complete(&key("k"), first, b"late", TTL)),
            Err(IdempotencyError::StaleToken)
        ));
        assert!(matches!(
            block_on(store.release(&key("k"), first)),
            Err(IdempotencyError::StaleToken)
        ));
        block_on(store.complete(&key("k"), second, b"ok", TTL)).unwrap();
    }

    #[test]
    fn done_until_ttl_then_new() {
        let clock = TestClock::new(1_000_000);
        let store = MemoryStore::new(clock.clone(), 10);
        let token = new_token(block_on(store.claim(&key("k"), LEASE)).unwrap());
        block_on(store.complete(&key("k"), token, b"200", TTL)).unwrap();

        clock.advance(TTL - Duration::from_millis(1));
        assert_eq!(
            block_on(store.claim(&key("k"), LEASE)).unwrap(),
            Claim::Done {
                outcome: b"200".to_vec()
            }
        );
        // Completing twice is refused: the lease is gone.
        assert!(matches!(
            block_on(store.complete(&key("k"), token, b"again", TTL)),
            Err(IdempotencyError::StaleToken)
        ));

        clock.advance(Duration::from_millis(1));
        assert!(matches!(
            block_on(store.claim(&key("k"), LEASE)).unwrap(),
            Claim::New { .. }
        ));
    }

    #[test]
    fn release_frees_the_key_and_needs_the_token() {
        let store = MemoryStore::new(TestClock::new(0), 10);
        let token = new_token(block_on(store.claim(&key("k"), LEASE)).unwrap());
        let wrong = FencingToken::new(token.get() + 100);
        assert!(matches!(
            block_on(store.release(&key("k"), wrong)),
            Err(IdempotencyError::StaleToken)
        ));
        assert!(matches!(
            block_on(store.release(&key("other"), token)),
            Err(IdempotencyError::StaleToken)
        ));
        block_on(store.release(&key("k"), token)).unwrap();
        assert!(store.is_empty().unwrap());
        let again = new_token(block_on(store.claim(&key("k"), LEASE)).unwrap());
        assert_ne!(again, token);
    }

    #[test]
    fn completing_after_the_lease_ran_out_is_refused() {
        let clock = TestClock::new(0);
        let store = MemoryStore::new(clock.clone(), 10);
        let token = new_token(block_on(store.claim(&key("k"), LEASE)).unwrap());
        clock.advance(LEASE);
        assert!(matches!(
            block_on(store.complete(&key("k"), token, b"", TTL)),
            Err(IdempotencyError::StaleToken)
        ));
    }

    #[test]
    fn full_store_fails_closed_and_recovers() {
        let clock = TestClock::new(0);
        let store = MemoryStore::new(clock.clone(), 3);
        let t1 = new_token(block_on(store.claim(&key("done"), LEASE)).unwrap());
        block_on(store.complete(&key("done"), t1, b"ok", TTL)).unwrap();
        block_on(store.claim(&key("lease-a"), LEASE)).unwrap();
        block_on(store.claim(&key("lease-b"), LEASE * 2)).unwrap();

        assert!(matches!(
            block_on(store.claim(&key("new"), LEASE)),
            Err(IdempotencyError::StoreFull { capacity: 3 })
        ));
        // Nothing live was evicted, and known keys still answer.
        assert_eq!(
            block_on(store.claim(&key("lease-a"), LEASE)).unwrap(),
            Claim::InProgress
        );
        assert!(matches!(
            block_on(store.claim(&key("done"), LEASE)).unwrap(),
            Claim::Done { .. }
        ));

        // One lease runs out: one slot opens.
        clock.advance(LEASE);
        assert!(matches!(
            block_on(store.claim(&key("new"), LEASE)).unwrap(),
            Claim::New { .. }
        ));
        assert!(matches!(
            block_on(store.claim(&key("new-2"), LEASE)),
            Err(IdempotencyError::StoreFull { .. })
        ));
        assert_eq!(
            block_on(store.claim(&key("lease-b"), LEASE)).unwrap(),
            Claim::InProgress
        );
        assert!(matches!(
            block_on(store.claim(&key("done"), LEASE)).unwrap(),
            Claim::Done { .. }
        ));

        clock.advance(TTL);
        for id in ["a", "b", "c"] {
            assert!(matches!(
                block_on(store.claim(&key(id), LEASE)).unwrap(),
                Claim::New { .. }
            ));
        }
    }

    #[test]
    fn zero_capacity_refuses_everything() {
        let store = MemoryStore::new(TestClock::new(0), 0);
        assert!(matches!(
            block_on(store.claim(&key("k"), LEASE)),
            Err(IdempotencyError::StoreFull { capacity: 0 })
        ));
    }

    #[test]
    fn bad_input_gets_typed_errors() {
        let store = MemoryStore::new(TestClock::new(0), 10).with_max_outcome_bytes(4);
        assert!(matches!(
            block_on(store.claim(&key("k"), Duration::ZERO)),
            Err(IdempotencyError::ZeroDuration { what: "lease" })
        ));
        let token = new_token(block_on(store.claim(&key("k"), LEASE)).unwrap());
        assert!(matches!(
            block_on(store.complete(&key("k"), token, b"12345", TTL)),
            Err(IdempotencyError::OutcomeTooLarge { len: 5, max: 4 })
        ));
        assert!(matches!(
            block_on(store.complete(&key("k"), token, b"1", Duration::ZERO)),
            Err(IdempotencyError::ZeroDuration { what: "ttl" })
        ));
        // A refused completion leaves the lease in place.
        block_on(store.complete(&key("k"), token, b"1234", TTL)).unwrap();
    }

    #[test]
    fn huge_durations_saturate() {
        let store = MemoryStore::new(TestClock::new(0), 10);
        let token = new_token(block_on(store.claim(&key("k"), Duration::MAX)).unwrap());
        block_on(store.complete(&key("k"), token, b"", Duration::MAX)).unwrap();
        assert!(matches!(
            block_on(store.claim(&key("k"), LEASE)).unwrap(),
            Claim::Done { .. }
        ));
    }

    #[test]
    fn works_through_dyn_and_pointers() {
        use crate::idempotency::DynIdempotencyStore;

        let shared: Arc<dyn DynIdempotencyStore> =
            Arc::new(MemoryStore::new(TestClock::new(0), 10));
        let token = new_token(block_on(shared.claim(&key("k"), LEASE)).unwrap());
        block_on(shared.complete(&key("k"), token, b"x", TTL)).unwrap();

        // `Arc<dyn ...>` is itself a store, and so a `DynIdempotencyStore` again.
        fn assert_store<S: IdempotencyStore>(_: &S) {}
        assert_store(&shared);
        let boxed: Box<dyn DynIdempotencyStore> = Box::new(Arc::clone(&shared));
        assert!(matches!(
            block_on(boxed.claim(&key("k"), LEASE)).unwrap(),
            Claim::Done { .. }
        ));
    }

    #[test]
    fn futures_are_send() {
        use crate::idempotency::DynIdempotencyStore;

        fn assert_send<T: Send>(_: &T) {}
        let store = MemoryStore::new(TestClock::new(0), 10);
        let k = key("k");
        assert_send(&store.claim(&k, LEASE));
        let shared: Arc<dyn DynIdempotencyStore> = Arc::new(store);
        assert_send(&shared.claim(&k, LEASE));
    }
}
