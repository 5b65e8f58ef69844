//! Idempotency: claim a key once, remember its outcome, and keep each
//! verified delivery from running twice.
//!
//! Providers deliver at least once. A delivery is retried when the 2xx was
//! lost or slow, sometimes while the first attempt is still running (Slack
//! resends after 3 s), and a captured delivery can be replayed. A receiver
//! makes processing effectively once by claiming a key per delivery:
//!
//! - [`IdempotencyStore`]: `claim(key, lease)` answers [`Claim::New`] with
//!   a [`FencingToken`], [`Claim::InProgress`] while another worker's lease
//!   runs, or [`Claim::Done`] with the stored outcome; `complete` and
//!   `release` take the token, so a worker whose lease ran out cannot
//!   overwrite its successor's result. Senders use the same trait to
//!   deduplicate jobs.
//! - [`ReplayGuard`]: builds the key of a [`Verified`](crate::Verified)
//!   delivery (namespace, provider, delivery id, or the signature
//!   fingerprint, or a key the caller supplies) and keeps completed keys
//!   for [`DEFAULT_DONE_TTL`], long enough to cover the provider's whole
//!   retry window.
//! - [`FreshnessStore`]: for events that arrive out of order, whether an
//!   event is newer than the latest applied to its entity.
//! - [`MemoryStore`] and [`MemoryFreshnessStore`]: bounded in-memory
//!   stores that fail closed when full.
//!
//! # Async without a runtime
//!
//! The store traits return `Send` futures and depend on no executor; the
//! in-memory stores' futures are ready at once. Each trait has a
//! dyn-compatible twin with boxed futures ([`DynIdempotencyStore`],
//! [`DynFreshnessStore`]) implemented for every store, so an
//! `Arc<dyn DynIdempotencyStore>` fits in framework state and is itself a
//! store. A store in another crate (Redis, PostgreSQL) implements the
//! plain trait and gets the rest.
//!
//! # In a handler
//!
//! ```
//! use std::sync::Arc;
//! use webhook_kit::idempotency::{Claim, DynIdempotencyStore, IdempotencyError, MemoryStore, ReplayGuard};
//! use webhook_kit::{SystemClock, Verified};
//!
//! /// Returns the HTTP status to answer with.
//! async fn handle(
//!     guard: &ReplayGuard<Arc<dyn DynIdempotencyStore>>,
//!     verified: &Verified,
//!     body: &[u8],
//! ) -> Result<u16, IdempotencyError> {
//!     let key = guard.key_with_body(verified, body)?;
//!     match guard.claim(&key).await? {
//!         Claim::New { token } => match process(body) {
//!             Ok(()) => {
//!                 guard.complete(&key, token, b"").await?;
//!                 Ok(200)
//!             }
//!             Err(()) => {
//!                 // Let the provider's retry claim it at once.
//!                 guard.release(&key, token).await?;
//!                 Ok(500)
//!             }
//!         },
//!         Claim::InProgress => Ok(409),
//!         Claim::Done { .. } => Ok(200),
//!     }
//! }
//!
//! fn process(_body: &[u8]) -> Result<(), ()> {
//!     Ok(())
//! }
//!
//! let store: Arc<dyn DynIdempotencyStore> = Arc::new(MemoryStore::new(SystemClock, 100_000));
//! let guard = ReplayGuard::new(store);
//! # let _ = (guard, handle);
//! ```
//!
//! Answer [`IdempotencyError::StoreFull`] and
//! [`IdempotencyError::Unavailable`] with 503, so the provider retries.

mod bounded;
mod error;
mod freshness;
mod guard;
mod key;
mod memory;
mod store;

pub use self::error::IdempotencyError;
pub use self::freshness::{
    DynFreshnessStore, Freshness, FreshnessStore, MemoryFreshnessStore, Version,
};
pub use self::guard::{
    DEFAULT_DONE_TTL, DEFAULT_LEASE, DEFAULT_NAMESPACE, KeySource, ReplayGuard, ReplayKey,
    suggested_done_ttl,
};
pub use self::key::{IdempotencyKey, Parts};
pub use self::memory::{DEFAULT_MAX_OUTCOME_BYTES, MemoryStore};
pub use self::store::{BoxFuture, Claim, DynIdempotencyStore, FencingToken, IdempotencyStore};
