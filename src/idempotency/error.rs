//! The error of every idempotency and freshness store, and of the replay guard.

use std::fmt;
use std::sync::Arc;

use crate::provider::Provider;

/// Why a store or the replay guard refused an operation.
///
/// Every variant fails closed: nothing was recorded that could let a
/// delivery run twice. [`IdempotencyError::code`] gives a stable snake_case
/// code for logs and metrics.
///
/// What a webhook handler usually answers:
///
/// | variant | answer |
/// |---|---|
/// | [`StoreFull`](IdempotencyError::StoreFull), [`Unavailable`](IdempotencyError::Unavailable) | 503, so the provider retries later |
/// | [`StaleToken`](IdempotencyError::StaleToken) | 500: the work ran past its lease; another worker may have taken it over |
/// | the others | a bug in the caller or its configuration: fix it |
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum IdempotencyError {
    /// The fencing token is not the one of the lease currently held on the
    /// key: the lease expired, was released, was taken over by another
    /// worker, or the key was already completed.
    StaleToken,
    /// The store holds its configured maximum of live keys and refuses a new
    /// one rather than forget a key that is still live.
    StoreFull {
        /// The configured maximum number of keys.
        capacity: usize,
    },
    /// An outcome larger than the store accepts.
    OutcomeTooLarge {
        /// Its length in bytes.
        len: usize,
        /// The largest accepted, in bytes.
        max: usize,
    },
    /// A key longer than [`IdempotencyKey::MAX_LEN`](crate::idempotency::IdempotencyKey::MAX_LEN)
    /// once encoded.
    KeyTooLong {
        /// The encoded length in bytes.
        len: usize,
        /// The largest accepted, in bytes.
        max: usize,
    },
    /// A key with no parts, or an explicit delivery key that is empty.
    EmptyKey,
    /// The verified delivery carries neither a delivery id nor a per-message
    /// signature (a static-token scheme, whose token is the same on every
    /// request), so the caller must supply the key.
    KeyRequired {
        /// The provider of the delivery.
        provider: Provider,
    },
    /// A lease or TTL of zero, which would expire as it is written.
    ZeroDuration {
        /// Which duration: `lease` or `ttl`.
        what: &'static str,
    },
    /// The store's backend could not be reached or failed (a network store's
    /// connection, a poisoned lock).
    Unavailable {
        /// The backend's name (`memory`, `redis`, `postgres`, ...).
        backend: &'static str,
        /// What went wrong.
        source: Arc<dyn std::error::Error + Send + Sync>,
    },
}

impl IdempotencyError {
    /// A [`IdempotencyError::Unavailable`] for `backend`, wrapping `error`.
    ///
    /// For implementers of stores outside this crate.
    pub fn unavailable(
        backend: &'static str,
        error: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        IdempotencyError::Unavailable {
            backend,
            source: Arc::from(error.into()),
        }
    }

    /// A stable snake_case code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            IdempotencyError::StaleToken => "stale_token",
            IdempotencyError::StoreFull { .. } => "store_full",
            IdempotencyError::OutcomeTooLarge { .. } => "outcome_too_large",
            IdempotencyError::KeyTooLong { .. } => "key_too_long",
            IdempotencyError::EmptyKey => "empty_key",
            IdempotencyError::KeyRequired { .. } => "key_required",
            IdempotencyError::ZeroDuration { .. } => "zero_duration",
            IdempotencyError::Unavailable { .. } => "store_unavailable",
        }
    }
}

impl fmt::Display for IdempotencyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdempotencyError::StaleToken => f.write_str(
                "the fencing token no longer holds the lease on this key \
                 (it expired, was released, was taken over, or the key is done)",
            ),
            IdempotencyError::StoreFull { capacity } => write!(
                f,
                "the idempotency store holds its maximum of {capacity} live keys \
                 and refuses new ones until some expire"
            ),
            IdempotencyError::OutcomeTooLarge { len, max } => write!(
                f,
                "the outcome is {len} bytes, the store keeps at most {max}"
            ),
            IdempotencyError::KeyTooLong { len, max } => write!(
                f,
                "the idempotency key is {len} bytes encoded, at most {max} are accepted"
            ),
            IdempotencyError::EmptyKey => f.write_str("the idempotency key is empty"),
            IdempotencyError::KeyRequired { provider } => write!(
                f,
                "a `{provider}` delivery has no delivery id and no per-message signature; \
                 supply the deduplication key explicitly"
            ),
            IdempotencyError::ZeroDuration { what } => {
                write!(f, "the {what} is zero, so it would expire at once")
            }
            IdempotencyError::Unavailable { backend, source } => {
                write!(
                    f,
                    "the `{backend}` idempotency store is unavailable: {source}"
                )
            }
        }
    }
}

impl std::error::Error for IdempotencyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            IdempotencyError::Unavailable { source, .. } => Some(&**source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_snake_case() {
        let errors = [
            IdempotencyError::StaleToken,
            IdempotencyError::StoreFull { capacity: 1 },
            IdempotencyError::OutcomeTooLarge { len: 2, max: 1 },
            IdempotencyError::KeyTooLong { len: 2, max: 1 },
            IdempotencyError::EmptyKey,
            IdempotencyError::KeyRequired {
                provider: Provider::Gitlab,
            },
            IdempotencyError::ZeroDuration { what: "lease" },
            IdempotencyError::unavailable("redis", "connection refused"),
        ];
        let mut codes: Vec<_> = errors.iter().map(IdempotencyError::code).collect();
        for code in &codes {
            assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
        for e in &errors {
            let text = e.to_string();
            assert!(text.starts_with(|c: char| c.is_ascii_lowercase()), "{text}");
        }
    }

    #[test]
    fn unavailable_keeps_its_source() {
        use std::error::Error as _;
        let e = IdempotencyError::unavailable("redis", "connection refused");
        assert_eq!(
            e.source().map(ToString::to_string).as_deref(),
            Some("connection refused")
        );
        assert!(e.to_string().contains("`redis`"));
    }
}
