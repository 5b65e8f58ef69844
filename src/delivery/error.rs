//! The errors of the delivery module: a definition that cannot be used, a
//! fan-out that is refused, an endpoint source that fails, and a decision
//! that does not belong to the job it is applied to.

use std::fmt;
use std::sync::Arc;

use super::ids::EndpointId;

/// Why an id, a URL, an event type, an event filter or a limit was refused.
///
/// Returned by the validating constructors, so a bad endpoint definition
/// fails when it is made (or read back from storage), not at send time.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValidationError {
    /// An endpoint, owner or delivery id that breaks the id rules.
    InvalidId {
        /// Which kind of id: `endpoint id`, `owner id` or `delivery id`.
        what: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An event type that breaks the event type rules.
    InvalidEventType {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A pattern of an event filter that is neither `*`, an event type,
    /// nor an event type followed by `.*`.
    InvalidPattern {
        /// The position of the pattern in the list, from 0.
        index: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An event filter with no pattern: use [`EventFilter::all`](super::EventFilter::all)
    /// to accept every event type.
    EmptyFilter,
    /// An event filter with more patterns than accepted.
    TooManyPatterns {
        /// The number of patterns given.
        count: usize,
        /// The most accepted.
        max: usize,
    },
    /// An endpoint URL that cannot be delivered to.
    Url(UrlError),
    /// A rate limit of zero events, or over a zero interval.
    InvalidRateLimit {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An endpoint with an empty keyring, whose deliveries could not be signed.
    NoSigningKey,
    /// A health policy setting out of range.
    InvalidHealthPolicy {
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl ValidationError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            ValidationError::InvalidId { .. } => "invalid_id",
            ValidationError::InvalidEventType { .. } => "invalid_event_type",
            ValidationError::InvalidPattern { .. } => "invalid_event_pattern",
            ValidationError::EmptyFilter => "empty_event_filter",
            ValidationError::TooManyPatterns { .. } => "too_many_event_patterns",
            ValidationError::Url(e) => e.code(),
            ValidationError::InvalidRateLimit { .. } => "invalid_rate_limit",
            ValidationError::NoSigningKey => "no_signing_key",
            ValidationError::InvalidHealthPolicy { .. } => "invalid_health_policy",
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValidationError::InvalidId { what, reason } => write!(f, "invalid {what}: {reason}"),
            ValidationError::InvalidEventType { reason } => {
                write!(f, "invalid event type: {reason}")
            }
            ValidationError::InvalidPattern { index, reason } => {
                write!(
                    f,
                    "invalid event filter pattern at position {index}: {reason}"
                )
            }
            ValidationError::EmptyFilter => f.write_str(
                "an event filter needs at least one pattern (`*` accepts every event type)",
            ),
            ValidationError::TooManyPatterns { count, max } => write!(
                f,
                "an event filter holds at most {max} patterns, this one has {count}"
            ),
            ValidationError::Url(e) => write!(f, "endpoint url: {e}"),
            ValidationError::InvalidRateLimit { reason } => {
                write!(f, "invalid rate limit: {reason}")
            }
            ValidationError::NoSigningKey => {
                f.write_str("the endpoint's keyring is empty, so its deliveries cannot be signed")
            }
            ValidationError::InvalidHealthPolicy { reason } => {
                write!(f, "invalid health policy: {reason}")
            }
        }
    }
}

impl std::error::Error for ValidationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ValidationError::Url(e) => Some(e),
            _ => None,
        }
    }
}

impl From<UrlError> for ValidationError {
    fn from(e: UrlError) -> Self {
        ValidationError::Url(e)
    }
}

/// Why an endpoint URL was refused.
///
/// None of the variants carries the URL: it may hold a token in its query.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// Longer than [`EndpointUrl::MAX_LEN`](super::EndpointUrl::MAX_LEN) bytes.
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// A space or an ASCII control character, anywhere: the URL parser
    /// would drop some of them silently, changing the URL.
    InvalidCharacter,
    /// Not an absolute URL the WHATWG parser accepts.
    Parse(url::ParseError),
    /// A scheme other than `http` and `https`.
    UnsupportedScheme,
    /// `http` where the rules ask for `https` only.
    NotHttps,
    /// No host.
    MissingHost,
    /// A user name or password before the host, refused unless allowed.
    Userinfo,
}

impl UrlError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            UrlError::TooLong { .. } => "url_too_long",
            UrlError::InvalidCharacter => "url_invalid_character",
            UrlError::Parse(_) => "url_malformed",
            UrlError::UnsupportedScheme => "url_unsupported_scheme",
            UrlError::NotHttps => "url_not_https",
            UrlError::MissingHost => "url_missing_host",
            UrlError::Userinfo => "url_userinfo",
        }
    }
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::TooLong { len } => write!(
                f,
                "it is {len} bytes long, at most {} are accepted",
                super::EndpointUrl::MAX_LEN
            ),
            UrlError::InvalidCharacter => {
                f.write_str("it holds a space or a control character (trailing newline?)")
            }
            UrlError::Parse(e) => write!(f, "it is not an absolute url ({e})"),
            UrlError::UnsupportedScheme => f.write_str("only http and https urls are accepted"),
            UrlError::NotHttps => f.write_str("only https urls are accepted"),
            UrlError::MissingHost => f.write_str("it has no host"),
            UrlError::Userinfo => f.write_str(
                "it carries a user name or password; put credentials in a header instead",
            ),
        }
    }
}

impl std::error::Error for UrlError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            UrlError::Parse(e) => Some(e),
            _ => None,
        }
    }
}

/// Why a fan-out was refused. Nothing is produced when it is.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FanOutError {
    /// The payload is larger than the configured maximum.
    PayloadTooLarge {
        /// Its length in bytes.
        len: usize,
        /// The most accepted, in bytes.
        max: usize,
    },
    /// An endpoint given to the fan-out belongs to another owner than the event.
    ForeignEndpoint {
        /// The endpoint.
        endpoint: EndpointId,
    },
    /// The same endpoint id was given twice, which would give two jobs the
    /// same delivery id.
    DuplicateEndpoint {
        /// The endpoint.
        endpoint: EndpointId,
    },
}

impl FanOutError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            FanOutError::PayloadTooLarge { .. } => "payload_too_large",
            FanOutError::ForeignEndpoint { .. } => "foreign_endpoint",
            FanOutError::DuplicateEndpoint { .. } => "duplicate_endpoint",
        }
    }
}

impl fmt::Display for FanOutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FanOutError::PayloadTooLarge { len, max } => {
                write!(f, "the payload is {len} bytes, at most {max} are delivered")
            }
            FanOutError::ForeignEndpoint { endpoint } => write!(
                f,
                "endpoint {endpoint} belongs to another owner than the event"
            ),
            FanOutError::DuplicateEndpoint { endpoint } => {
                write!(f, "endpoint {endpoint} was given twice")
            }
        }
    }
}

impl std::error::Error for FanOutError {}

/// Why an endpoint source could not answer or take an endpoint.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum SourceError {
    /// An endpoint id is already registered under another owner: endpoint
    /// ids are unique across owners, since delivery ids are derived from them.
    OwnerMismatch {
        /// The endpoint.
        endpoint: EndpointId,
    },
    /// The source's backend could not be reached or failed.
    Unavailable {
        /// The backend's name (`memory`, `postgres`, ...).
        backend: &'static str,
        /// What went wrong.
        source: Arc<dyn std::error::Error + Send + Sync>,
    },
}

impl SourceError {
    /// A [`SourceError::Unavailable`] for `backend`, wrapping `error`.
    ///
    /// For implementers of sources outside this crate.
    pub fn unavailable(
        backend: &'static str,
        error: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        SourceError::Unavailable {
            backend,
            source: Arc::from(error.into()),
        }
    }

    /// A stable snake_case code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            SourceError::OwnerMismatch { .. } => "endpoint_owner_mismatch",
            SourceError::Unavailable { .. } => "source_unavailable",
        }
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::OwnerMismatch { endpoint } => write!(
                f,
                "endpoint {endpoint} is already registered under another owner"
            ),
            SourceError::Unavailable { backend, source } => {
                write!(f, "the {backend} endpoint source is unavailable: {source}")
            }
        }
    }
}

impl std::error::Error for SourceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SourceError::Unavailable { source, .. } => Some(&**source),
            SourceError::OwnerMismatch { .. } => None,
        }
    }
}

/// Why a decision could not be applied to a job, or a redelivery not be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransitionError {
    /// A [`Decision::RetryAt`](crate::retry::Decision::RetryAt) for another
    /// attempt than the one after the job's: the decision was made for a
    /// different job, or the job was already advanced.
    AttemptMismatch {
        /// The attempt the job expects next.
        expected: u32,
        /// The attempt the decision names.
        decided: u32,
    },
    /// The job's attempt number is at its maximum and cannot be followed.
    AttemptOverflow,
}

impl TransitionError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            TransitionError::AttemptMismatch { .. } => "attempt_mismatch",
            TransitionError::AttemptOverflow => "attempt_overflow",
        }
    }
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransitionError::AttemptMismatch { expected, decided } => write!(
                f,
                "the decision schedules attempt {decided}, the job's next attempt is {expected}"
            ),
            TransitionError::AttemptOverflow => {
                f.write_str("the job's attempt number cannot grow any further")
            }
        }
    }
}

impl std::error::Error for TransitionError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages() {
        let e = ValidationError::from(UrlError::Userinfo);
        assert_eq!(e.code(), "url_userinfo");
        assert!(e.to_string().starts_with("endpoint url: "), "{e}");
        assert!(std::error::Error::source(&e).is_some());

        let parse = UrlError::Parse(url::ParseError::RelativeUrlWithoutBase);
        assert_eq!(parse.code(), "url_malformed");
        assert!(parse.to_string().contains("relative URL without a base"));

        let id = EndpointId::new("ep_1").unwrap();
        let e = FanOutError::ForeignEndpoint { endpoint: id };
        assert_eq!(
            e.to_string(),
            "endpoint ep_1 belongs to another owner than the event"
        );

        let e = SourceError::unavailable("memory", "the lock is poisoned");
        assert_eq!(e.code(), "source_unavailable");
        assert_eq!(
            e.to_string(),
            "the memory endpoint source is unavailable: the lock is poisoned"
        );
        assert!(std::error::Error::source(&e).is_some());

        let e = TransitionError::AttemptMismatch {
            expected: 3,
            decided: 5,
        };
        assert_eq!(e.code(), "attempt_mismatch");
        assert_eq!(
            e.to_string(),
            "the decision schedules attempt 5, the job's next attempt is 3"
        );
    }

    #[test]
    fn messages_are_lowercase() {
        let all: Vec<Box<dyn std::error::Error>> = vec![
            Box::new(ValidationError::EmptyFilter),
            Box::new(ValidationError::NoSigningKey),
            Box::new(ValidationError::TooManyPatterns {
                count: 300,
                max: 256,
            }),
            Box::new(UrlError::TooLong { len: 5000 }),
            Box::new(UrlError::InvalidCharacter),
            Box::new(UrlError::UnsupportedScheme),
            Box::new(UrlError::NotHttps),
            Box::new(UrlError::MissingHost),
            Box::new(FanOutError::PayloadTooLarge { len: 2, max: 1 }),
            Box::new(TransitionError::AttemptOverflow),
        ];
        for e in all {
            let text = e.to_string();
            assert!(text.starts_with(|c: char| c.is_ascii_lowercase()), "{text}");
        }
    }
}
