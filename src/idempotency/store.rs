//! The store trait: claim a key under a lease, complete it with an outcome,
//! or release it; and its boxed, dyn-compatible form.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::IdempotencyError;
use super::key::IdempotencyKey;

/// A boxed, `Send` future borrowing for `'a`: what the dyn-compatible store
/// traits return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The number a store hands out with each new lease.
///
/// Only the holder of the current token may complete or release a key, so
/// a worker that stalled past its lease and wakes up after another worker
/// took the key over is refused with [`IdempotencyError::StaleToken`]
/// instead of overwriting the other's result. Tokens of one key increase
/// with every lease. Serde writes it as a plain integer, so a job can carry
/// it between the claim and the completion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FencingToken(u64);

impl FencingToken {
    /// A token with this value, for stores that keep it themselves.
    pub const fn new(value: u64) -> Self {
        FencingToken(value)
    }

    /// The token's value.
    pub const fn get(self) -> u64 {
        self.0
    }
}

/// What a store answers to a claim.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(
    clippy::exhaustive_enums,
    reason = "a handler matches all three; a new state would be a breaking change anyway"
)]
pub enum Claim {
    /// The key was free (never seen, released, or its lease or TTL ran
    /// out): the caller holds a lease on it and does the work, then calls
    /// `complete` or `release` with this token.
    New {
        /// The fencing token of the lease.
        token: FencingToken,
    },
    /// Another worker holds an unexpired lease on the key. A webhook handler
    /// answers 409 (or 503), so the provider retries later.
    InProgress,
    /// The key was completed and its TTL has not run out: the work is done.
    /// A webhook handler answers 2xx without doing it again.
    Done {
        /// The outcome stored by `complete`.
        outcome: Vec<u8>,
    },
}

/// A store of idempotency keys, for receivers (deduplicating deliveries)
/// and senders (deduplicating jobs).
///
/// A key moves from free to leased (`claim` answers [`Claim::New`] with a
/// fencing token), then to done (`complete`) or back to free (`release`, or
/// the lease running out). Leases and TTLs are measured by the store's own
/// clock: a [`Clock`](crate::Clock) for the in-memory store, the server's
/// clock for a network store, so workers with skewed clocks agree.
///
/// The methods return `Send` futures and need no async runtime: a store
/// that does no I/O returns futures that are ready at once. For a trait
/// object (`Arc<dyn DynIdempotencyStore>` in framework state), every store
/// also implements [`DynIdempotencyStore`], and `dyn DynIdempotencyStore`,
/// `Arc<S>`, `Box<S>` and `&S` implement this trait in turn.
///
/// # Security
///
/// A store must fail closed: when it cannot keep a key (full, or its backend
/// is down) it returns an error rather than answering [`Claim::New`] for a
/// key it has forgotten, since that would let a replay through.
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` for `lease`.
    ///
    /// # Errors
    ///
    /// [`IdempotencyError::ZeroDuration`] for a zero lease,
    /// [`IdempotencyError::StoreFull`] when the key is new and the store has
    /// no room for it, [`IdempotencyError::Unavailable`] when the backend
    /// fails.
    fn claim(
        &self,
        key: &IdempotencyKey,
        lease: Duration,
    ) -> impl Future<Output = Result<Claim, IdempotencyError>> + Send;

    /// Marks `key` done with `outcome`, kept for `ttl` from now.
    ///
    /// # Errors
    ///
    /// [`IdempotencyError::StaleToken`] unless `token` holds the current,
    /// unexpired lease on `key`; [`IdempotencyError::ZeroDuration`] for a
    /// zero TTL; [`IdempotencyError::OutcomeTooLarge`] when the store keeps
    /// smaller outcomes; [`IdempotencyError::Unavailable`] when the backend
    /// fails.
    fn complete(
        &self,
        key: &IdempotencyKey,
        token: FencingToken,
        outcome: &[u8],
        ttl: Duration,
    ) -> impl Future<Output = Result<(), IdempotencyError>> + Send;

    /// Gives up the lease on `key` after a failure, so a retry can claim it
    /// at once instead of waiting for the lease to run out.
    ///
    /// # Errors
    ///
    /// [`IdempotencyError::StaleToken`] unless `token` holds the current,
    /// unexpired lease on `key`; [`IdempotencyError::Unavailable`] when the
    /// backend fails.
    fn release(
        &self,
        key: &IdempotencyKey,
        token: FencingToken,
    ) -> impl Future<Output = Result<(), IdempotencyError>> + Send;
}

/// The dyn-compatible form of [`IdempotencyStore`], with boxed futures.
///
/// Every `IdempotencyStore` implements it, so a store goes into an
/// `Arc<dyn DynIdempotencyStore>` as it is:
///
/// ```
/// use std::sync::Arc;
/// use webhook_kit::SystemClock;
/// use webhook_kit::idempotency::{DynIdempotencyStore, MemoryStore};
///
/// let store: Arc<dyn DynIdempotencyStore> = Arc::new(MemoryStore::new(SystemClock, 10_000));
/// # let _ = store;
/// ```
///
/// The methods have their own names, so calls on a concrete store are never
/// ambiguous; `dyn DynIdempotencyStore` itself implements `IdempotencyStore`,
/// which is the trait to call through.
pub trait DynIdempotencyStore: Send + Sync {
    /// [`IdempotencyStore::claim`], boxed.
    ///
    /// # Errors
    ///
    /// As [`IdempotencyStore::claim`].
    fn claim_boxed<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Claim, IdempotencyError>>;

    /// [`IdempotencyStore::complete`], boxed.
    ///
    /// # Errors
    ///
    /// As [`IdempotencyStore::complete`].
    fn complete_boxed<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        token: FencingToken,
        outcome: &'a [u8],
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), IdempotencyError>>;

    /// [`IdempotencyStore::release`], boxed.
    ///
    /// # Errors
    ///
    /// As [`IdempotencyStore::release`].
    fn release_boxed<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        token: FencingToken,
    ) -> BoxFuture<'a, Result<(), IdempotencyError>>;
}

impl<S: IdempotencyStore> DynIdempotencyStore for S {
    fn claim_boxed<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Claim, IdempotencyError>> {
        Box::pin(self.claim(key, lease))
    }

    fn complete_boxed<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        token: FencingToken,
        outcome: &'a [u8],
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), IdempotencyError>> {
        Box::pin(self.complete(key, token, outcome, ttl))
    }

    fn release_boxed<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        token: FencingToken,
    ) -> BoxFuture<'a, Result<(), IdempotencyError>> {
        Box::pin(self.release(key, token))
    }
}

// `async fn`, so the returned future borrows `self` and `key` under their own
// lifetimes; the boxed future alone would need one lifetime for both.
impl IdempotencyStore for dyn DynIdempotencyStore {
    async fn claim(
        &self,
        key: &IdempotencyKey,
        lease: Duration,
    ) -> Result<Claim, IdempotencyError> {
        self.claim_boxed(key, lease).await
    }

    async fn complete(
        &self,
        key: &IdempotencyKey,
        token: FencingToken,
        outcome: &[u8],
        ttl: Duration,
    ) -> Result<(), IdempotencyError> {
        self.complete_boxed(key, token, outcome, ttl).await
    }

    async fn release(
        &self,
        key: &IdempotencyKey,
        token: FencingToken,
    ) -> Result<(), IdempotencyError> {
        self.release_boxed(key, token).await
    }
}

/// Forwards every method to the store behind a pointer.
macro_rules! forward_store {
    ($($pointer:ty),*) => {$(
        impl<S: IdempotencyStore + ?Sized> IdempotencyStore for $pointer {
            fn claim(
                &self,
                key: &IdempotencyKey,
                lease: Duration,
            ) -> impl Future<Output = Result<Claim, IdempotencyError>> + Send {
                (**self).claim(key, lease)
            }

            fn complete(
                &self,
                key: &IdempotencyKey,
                token: FencingToken,
                outcome: &[u8],
                ttl: Duration,
            ) -> impl Future<Output = Result<(), IdempotencyError>> + Send {
                (**self).complete(key, token, outcome, ttl)
            }

            fn release(
                &self,
                key: &IdempotencyKey,
                token: FencingToken,
            ) -> impl Future<Output = Result<(), IdempotencyError>> + Send {
                (**self).release(key, token)
            }
        }
    )*};
}

forward_store!(&S, Box<S>, Arc<S>);
