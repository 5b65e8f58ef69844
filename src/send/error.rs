//! The errors of the sender: a configuration that cannot make a client,
//! and an attempt that cannot be made at all.

use std::fmt;
use std::time::Duration;

use crate::sign::SignError;

/// Why [`SenderBuilder::build`](super::SenderBuilder::build) made no sender.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// The total timeout is zero or longer than
    /// [`MAX_TIMEOUT`](super::MAX_TIMEOUT).
    Timeout {
        /// The timeout asked for.
        timeout: Duration,
    },
    /// The connect or DNS timeout is zero or longer than the total timeout.
    PhaseTimeout {
        /// Which phase: `connect` or `dns`.
        phase: &'static str,
        /// The timeout asked for.
        timeout: Duration,
    },
    /// A byte limit is zero, or the stored excerpt is larger than what is read.
    Limit {
        /// Which limit: `max_payload_bytes`, `max_response_bytes` or `max_stored_bytes`.
        name: &'static str,
    },
    /// The content type is not a valid header value.
    ContentType,
    /// The HTTP client could not be built (its TLS setup failed).
    Client(reqwest::Error),
    /// The egress proxy is not usable.
    Proxy {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A caller's client builder carries a setting the sender cannot
    /// override and that would bypass the address guard.
    UnsafeClient {
        /// The reqwest setting found.
        setting: &'static str,
    },
}

impl BuildError {
    /// A stable snake_case code for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            BuildError::Timeout { .. } => "invalid_timeout",
            BuildError::PhaseTimeout { .. } => "invalid_phase_timeout",
            BuildError::Limit { .. } => "invalid_limit",
            BuildError::ContentType => "invalid_content_type",
            BuildError::Client(_) => "client_build_failed",
            BuildError::Proxy { .. } => "invalid_proxy",
            BuildError::UnsafeClient { .. } => "unsafe_client_setting",
        }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Timeout { timeout } => write!(
                f,
                "the total timeout must be above zero and at most {:?}, not {timeout:?}",
                super::MAX_TIMEOUT
            ),
            BuildError::PhaseTimeout { phase, timeout } => write!(
                f,
                "the {phase} timeout must be above zero and at most the total timeout, not {timeout:?}"
            ),
            BuildError::Limit { name } => write!(
                f,
                "{name} must be above zero (and the stored excerpt at most what is read)"
            ),
            BuildError::ContentType => f.write_str("the content type is not a valid header value"),
            BuildError::Client(_) => f.write_str("the http client could not be built"),
            BuildError::Proxy { reason } => write!(f, "invalid egress proxy: {reason}"),
            BuildError::UnsafeClient { setting } => write!(
                f,
                "the client builder sets `{setting}`, which would bypass the address guard"
            ),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Client(e) => Some(e),
            _ => None,
        }
    }
}

/// Why [`Sender::attempt`](super::Sender::attempt) sent nothing and made no
/// attempt: the job or the endpoint cannot be sent as they are, so retrying
/// the same job would fail the same way.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// The payload is larger than the sender's maximum.
    PayloadTooLarge {
        /// The payload's length in bytes.
        len: usize,
        /// The maximum in bytes.
        max: usize,
    },
    /// The job belongs to another endpoint than the one given.
    EndpointMismatch,
    /// The endpoint's URL is `http` and the sender sends over `https` only.
    NotHttps,
    /// The attempt could not be signed (no active key at `now`, or a time
    /// out of range).
    Sign(SignError),
    /// A signed header is not a valid HTTP header.
    InvalidHeader {
        /// The header's name.
        name: String,
    },
}

impl SendError {
    /// A stable snake_case code for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            SendError::PayloadTooLarge { .. } => "payload_too_large",
            SendError::EndpointMismatch => "endpoint_mismatch",
            SendError::NotHttps => "not_https",
            SendError::Sign(_) => "sign_failed",
            SendError::InvalidHeader { .. } => "invalid_header",
        }
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::PayloadTooLarge { len, max } => {
                write!(
                    f,
                    "the payload is {len} bytes, above the sender's maximum of {max}"
                )
            }
            SendError::EndpointMismatch => {
                f.write_str("the job is for another endpoint than the one given")
            }
            SendError::NotHttps => {
                f.write_str("the endpoint url is not https and the sender is https-only")
            }
            SendError::Sign(_) => f.write_str("the attempt could not be signed"),
            SendError::InvalidHeader { name } => {
                write!(f, "the signed header `{name}` is not a valid http header")
            }
        }
    }
}

impl std::error::Error for SendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SendError::Sign(e) => Some(e),
            _ => None,
        }
    }
}

impl From<SignError> for SendError {
    fn from(e: SignError) -> Self {
        SendError::Sign(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages_are_stable() {
        let e = SendError::PayloadTooLarge { len: 10, max: 5 };
        assert_eq!(e.code(), "payload_too_large");
        assert_eq!(
            e.to_string(),
            "the payload is 10 bytes, above the sender's maximum of 5"
        );
        assert_eq!(BuildError::ContentType.code(), "invalid_content_type");
        assert_eq!(
            BuildError::Limit {
                name: "max_payload_bytes"
            }
            .code(),
            "invalid_limit"
        );
    }
}
