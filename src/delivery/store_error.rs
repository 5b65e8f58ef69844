//! The error of the delivery stores: the job queue, the attempt log and the
//! dead-letter store.

use std::fmt;
use std::sync::Arc;

use super::ids::DeliveryId;
use super::queue::LeaseToken;

/// Why a [`JobQueue`](super::JobQueue), an [`AttemptLog`](super::AttemptLog),
/// a [`DeadLetterSink`](super::DeadLetterSink) or an
/// [`EndpointStateStore`](super::EndpointStateStore) refused an operation.
///
/// Nothing is dropped on an error: the operation did not happen, and what
/// was stored before is still stored.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The lease token is not the live lease of any job: the lease expired
    /// (and the job may have been claimed again with a newer token), the
    /// job was settled already, or the token was never handed out. The
    /// worker holding it must stop: another may be sending the job.
    StaleLease {
        /// The token refused.
        token: LeaseToken,
    },
    /// The store holds as many items as it was configured for. It fails
    /// closed: the new item is refused rather than an old one dropped.
    Full {
        /// The configured capacity.
        capacity: usize,
    },
    /// A job was rescheduled with a transition that ends the delivery
    /// (delivered, dead-lettered, endpoint disabled): complete the job
    /// instead, after dead-lettering it where that applies.
    Terminal,
    /// A job was rescheduled with the next job of another delivery.
    OtherDelivery {
        /// The delivery of the leased job.
        leased: DeliveryId,
        /// The delivery of the job given.
        given: DeliveryId,
    },
    /// Rescheduling would put a second job with the same delivery id and
    /// attempt in the queue.
    Conflict {
        /// The delivery.
        delivery_id: DeliveryId,
        /// The attempt already queued.
        attempt: u32,
    },
    /// A compare-and-set could not be stored after this many tries: the
    /// store reported a conflict yet showed the very record the change was
    /// read at, so retrying would never end. Nothing was stored.
    Contended {
        /// The attempts made.
        tries: u32,
    },
    /// The store's backend could not be reached or failed.
    Unavailable {
        /// The backend's name (`memory`, `postgres`, ...).
        backend: &'static str,
        /// What went wrong.
        source: Arc<dyn std::error::Error + Send + Sync>,
    },
}

impl StoreError {
    /// A [`StoreError::Unavailable`] for `backend`, wrapping `error`.
    ///
    /// For implementers of stores outside this crate.
    pub fn unavailable(
        backend: &'static str,
        error: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        StoreError::Unavailable {
            backend,
            source: Arc::from(error.into()),
        }
    }

    /// A stable snake_case code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::StaleLease { .. } => "stale_lease",
            StoreError::Full { .. } => "store_full",
            StoreError::Terminal => "terminal_transition",
            StoreError::OtherDelivery { .. } => "other_delivery",
            StoreError::Conflict { .. } => "job_conflict",
            StoreError::Contended { .. } => "store_contended",
            StoreError::Unavailable { .. } => "store_unavailable",
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::StaleLease { token } => {
                write!(f, "lease {token} is not live: it expired or was settled")
            }
            StoreError::Full { capacity } => {
                write!(f, "the store is full ({capacity} items)")
            }
            StoreError::Terminal => {
                f.write_str("the transition ends the delivery, there is no job to reschedule")
            }
            StoreError::OtherDelivery { leased, given } => write!(
                f,
                "the leased job is delivery {leased}, the next job is delivery {given}"
            ),
            StoreError::Conflict {
                delivery_id,
                attempt,
            } => write!(
                f,
                "attempt {attempt} of delivery {delivery_id} is already queued"
            ),
            StoreError::Contended { tries } => write!(
                f,
                "the update was refused as a conflict {tries} times without a newer record and was not stored"
            ),
            StoreError::Unavailable { backend, source } => {
                write!(f, "the {backend} store is unavailable: {source}")
            }
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Unavailable { source, .. } => Some(&**source),
            _ => None,
        }
    }
}

/// The error of a poisoned lock in an in-memory store.
pub(super) fn poisoned(what: &str) -> StoreError {
    StoreError::unavailable("memory", format!("the {what}'s lock is poisoned"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages() {
        let e = StoreError::StaleLease {
            token: LeaseToken::from_raw(7),
        };
        assert_eq!(e.code(), "stale_lease");
        assert_eq!(
            e.to_string(),
            "lease 7 is not live: it expired or was settled"
        );
        assert_eq!(
            StoreError::Full { capacity: 3 }.to_string(),
            "the store is full (3 items)"
        );
        let e = poisoned("job queue");
        assert_eq!(e.code(), "store_unavailable");
        assert!(std::error::Error::source(&e).is_some());
        assert_eq!(StoreError::Terminal.code(), "terminal_transition");
    }
}
