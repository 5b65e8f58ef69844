//! Classifying one attempt: what the sender saw, turned into an outcome
//! the policy can act on.
//!
//! Default mapping (webhook convention: retry everything that is not 2xx):
//!
//! | seen | outcome |
//! |---|---|
//! | 2xx, whatever the body | success |
//! | 410 | endpoint gone: disable the endpoint |
//! | 413 | permanent: the same body cannot shrink |
//! | 429, 502, 503, 504, any timeout | throttled: retried, at least the overload minimum |
//! | 3xx | retried, never followed |
//! | other 4xx and 5xx | retried (or permanent for 4xx in the opt-in strict mode, except 408, 409, 425) |
//! | 1xx and codes outside 100–599 | retried, recorded as a non-standard status |
//! | connect, DNS, TLS, reset, redirect, body too large, protocol error | retried |
//! | the egress proxy failed or refused (never reached the endpoint) | retried |
//! | refused by the address guard | blocked: permanent, a configuration problem of the endpoint |
//!
//! A receiver may also answer with `webhook-delivery: abort-message` (stop
//! this message) or `webhook-delivery: disable` (disable the endpoint), as
//! Svix's delivery control defines; honoured on non-2xx responses unless
//! switched off.

use serde::{Deserialize, Serialize};

use super::decision::DisableReason;

/// The header through which a receiver controls retries (Svix style).
pub const DELIVERY_CONTROL_HEADER: &str = "webhook-delivery";

/// What happened to one attempt, as the sender saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptResult {
    /// A response arrived with this status code (the body's size is irrelevant).
    Response {
        /// The status code.
        status: u16,
    },
    /// No usable response.
    Transport(TransportError),
    /// The address guard refused the destination; nothing was sent.
    Blocked,
}

/// Why an attempt produced no usable response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TransportError {
    /// The connection was not established in time.
    ConnectTimeout,
    /// The response did not arrive in time once connected.
    ReadTimeout,
    /// The whole exchange ran past its deadline.
    TotalTimeout,
    /// The destination refused the connection.
    ConnectionRefused,
    /// The connection was reset or closed before a response.
    ConnectionReset,
    /// The host name did not resolve.
    Dns,
    /// The TLS handshake or certificate check failed.
    Tls,
    /// The client stopped at a redirect (they are never followed).
    Redirect,
    /// The response body exceeded the size the sender reads.
    BodyTooLarge,
    /// The response was not valid HTTP.
    Protocol,
    /// The egress proxy failed or refused the request (it was unreachable,
    /// refused the `CONNECT` tunnel, or answered `407 Proxy Authentication
    /// Required`): the endpoint was never reached. A failure of the
    /// sender's own infrastructure, not of the endpoint.
    Proxy,
}

impl TransportError {
    /// Whether this is one of the timeouts (an overload signal).
    pub fn is_timeout(self) -> bool {
        matches!(
            self,
            TransportError::ConnectTimeout
                | TransportError::ReadTimeout
                | TransportError::TotalTimeout
        )
    }
}

/// What failed, as recorded in outcomes and reasons.
///
/// Serialised externally tagged in snake_case: `{"status":500}`,
/// `{"redirect":301}`, `{"transport":"dns"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FailureKind {
    /// A 4xx or 5xx status.
    Status(u16),
    /// A 3xx status: a redirect, not followed.
    Redirect(u16),
    /// A 1xx final status or a code outside 100–599: a protocol error.
    NonStandardStatus(u16),
    /// No usable response.
    Transport(TransportError),
}

impl FailureKind {
    /// The status code, when a response arrived.
    pub fn status(self) -> Option<u16> {
        match self {
            FailureKind::Status(s)
            | FailureKind::Redirect(s)
            | FailureKind::NonStandardStatus(s) => Some(s),
            FailureKind::Transport(_) => None,
        }
    }
}

/// A receiver's instruction in the [`DELIVERY_CONTROL_HEADER`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReceiverControl {
    /// `abort-message`: stop retrying this message.
    AbortMessage,
    /// `disable`: disable the endpoint.
    Disable,
}

impl ReceiverControl {
    /// Reads a header value (ASCII case-insensitive, surrounding spaces
    /// ignored); anything else is `None`.
    pub fn parse(value: &[u8]) -> Option<ReceiverControl> {
        let value = value.trim_ascii();
        if value.eq_ignore_ascii_case(b"abort-message") {
            Some(ReceiverControl::AbortMessage)
        } else if value.eq_ignore_ascii_case(b"disable") {
            Some(ReceiverControl::Disable)
        } else {
            None
        }
    }
}

/// One attempt, classified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// A 2xx: delivered.
    Success {
        /// The status code.
        status: u16,
    },
    /// A failure retried on the schedule.
    Retryable {
        /// What failed.
        failure: FailureKind,
    },
    /// An overload signal (timeout, 429, 502, 503, 504): retried, waiting
    /// at least the overload minimum.
    Throttled {
        /// What failed.
        failure: FailureKind,
    },
    /// A failure that retrying cannot fix: stop this message.
    Permanent {
        /// What failed.
        failure: FailureKind,
    },
    /// The endpoint is gone (410, or the receiver asked): disable it.
    EndpointGone {
        /// Why.
        reason: DisableReason,
    },
    /// The address guard refused the destination: never retried, a
    /// configuration problem of the endpoint.
    Blocked,
    /// The receiver asked to stop retrying this message.
    Aborted,
}

impl AttemptOutcome {
    /// Whether the attempt is retried (subject to the policy's limits).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            AttemptOutcome::Retryable { .. } | AttemptOutcome::Throttled { .. }
        )
    }

    /// The failure, for retryable and permanent outcomes.
    pub fn failure(&self) -> Option<FailureKind> {
        match *self {
            AttemptOutcome::Retryable { failure }
            | AttemptOutcome::Throttled { failure }
            | AttemptOutcome::Permanent { failure } => Some(failure),
            _ => None,
        }
    }
}

/// Turns attempt results into outcomes.
///
/// ```
/// use webhook_kit::retry::{AttemptOutcome, AttemptResult, Classifier, FailureKind};
///
/// let c = Classifier::DEFAULT;
/// let r = AttemptResult::Response { status: 404 };
/// assert!(c.classify(&r, None).is_retryable());
/// let strict = c.with_client_errors_permanent(true);
/// assert_eq!(
///     strict.classify(&r, None),
///     AttemptOutcome::Permanent { failure: FailureKind::Status(404) }
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Classifier {
    client_errors_permanent: bool,
    receiver_control: bool,
}

impl Default for Classifier {
    fn default() -> Self {
        Classifier::DEFAULT
    }
}

impl Classifier {
    /// Every non-2xx retried except 410 and 413; receiver control honoured.
    pub const DEFAULT: Classifier = Classifier {
        client_errors_permanent: false,
        receiver_control: true,
    };

    /// Makes 4xx permanent, except 408, 409, 425 and 429 (transient) and
    /// 410 (still disables the endpoint): the Zapier and Event Grid
    /// behaviour.
    pub const fn with_client_errors_permanent(mut self, on: bool) -> Classifier {
        self.client_errors_permanent = on;
        self
    }

    /// Whether [`ReceiverControl`] instructions are honoured.
    pub const fn with_receiver_control(mut self, on: bool) -> Classifier {
        self.receiver_control = on;
        self
    }

    /// Classifies one attempt. `control` is the parsed
    /// [`DELIVERY_CONTROL_HEADER`] of the response, if any.
    pub fn classify(
        &self,
        result: &AttemptResult,
        control: Option<ReceiverControl>,
    ) -> AttemptOutcome {
        match *result {
            AttemptResult::Blocked => AttemptOutcome::Blocked,
            AttemptResult::Transport(error) if error.is_timeout() => AttemptOutcome::Throttled {
                failure: FailureKind::Transport(error),
            },
            AttemptResult::Transport(error) => AttemptOutcome::Retryable {
                failure: FailureKind::Transport(error),
            },
            AttemptResult::Response { status } if (200..=299).contains(&status) => {
                AttemptOutcome::Success { status }
            }
            AttemptResult::Response { status } => match control.filter(|_| self.receiver_control) {
                Some(ReceiverControl::AbortMessage) => AttemptOutcome::Aborted,
                Some(ReceiverControl::Disable) => AttemptOutcome::EndpointGone {
                    reason: DisableReason::ReceiverRequested,
                },
                None => self.classify_status(status),
            },
        }
    }

    fn classify_status(&self, status: u16) -> AttemptOutcome {
        let failure = match status {
            300..=399 => FailureKind::Redirect(status),
            400..=599 => FailureKind::Status(status),
            _ => FailureKind::NonStandardStatus(status),
        };
        match status {
            410 => AttemptOutcome::EndpointGone {
                reason: DisableReason::Gone,
            },
            413 => AttemptOutcome::Permanent { failure },
            429 | 502 | 503 | 504 => AttemptOutcome::Throttled { failure },
            408 | 409 | 425 => AttemptOutcome::Retryable { failure },
            400..=499 if self.client_errors_permanent => AttemptOutcome::Permanent { failure },
            _ => AttemptOutcome::Retryable { failure },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(c: &Classifier, s: u16) -> AttemptOutcome {
        c.classify(&AttemptResult::Response { status: s }, None)
    }

    #[test]
    fn default_mapping() {
        let c = Classifier::DEFAULT;
        for s in [200, 201, 204, 299] {
            assert_eq!(status(&c, s), AttemptOutcome::Success { status: s });
        }
        assert_eq!(
            status(&c, 410),
            AttemptOutcome::EndpointGone {
                reason: DisableReason::Gone
            }
        );
        assert_eq!(
            status(&c, 413),
            AttemptOutcome::Permanent {
                failure: FailureKind::Status(413)
            }
        );
        for s in [429, 502, 503, 504] {
            assert_eq!(
                status(&c, s),
                AttemptOutcome::Throttled {
                    failure: FailureKind::Status(s)
                }
            );
        }
        for s in [400, 401, 403, 404, 405, 408, 409, 415, 422, 425, 500, 501] {
            assert_eq!(
                status(&c, s),
                AttemptOutcome::Retryable {
                    failure: FailureKind::Status(s)
                },
                "{s}"
            );
        }
        assert_eq!(
            status(&c, 301),
            AttemptOutcome::Retryable {
                failure: FailureKind::Redirect(301)
            }
        );
        for s in [0, 100, 101, 199, 600, 999, u16::MAX] {
            assert_eq!(
                status(&c, s),
                AttemptOutcome::Retryable {
                    failure: FailureKind::NonStandardStatus(s)
                }
            );
        }
    }

    #[test]
    fn transport_failures_and_the_guard() {
        let c = Classifier::DEFAULT;
        for t in [
            TransportError::ConnectTimeout,
            TransportError::ReadTimeout,
            TransportError::TotalTimeout,
        ] {
            assert_eq!(
                c.classify(&AttemptResult::Transport(t), None),
                AttemptOutcome::Throttled {
                    failure: FailureKind::Transport(t)
                }
            );
        }
        for t in [
            TransportError::ConnectionRefused,
            TransportError::ConnectionReset,
            TransportError::Dns,
            TransportError::Tls,
            TransportError::Redirect,
            TransportError::BodyTooLarge,
            TransportError::Protocol,
            TransportError::Proxy,
        ] {
            assert!(
                c.classify(&AttemptResult::Transport(t), None)
                    .is_retryable()
            );
        }
        assert_eq!(
            c.classify(&AttemptResult::Blocked, Some(ReceiverControl::Disable)),
            AttemptOutcome::Blocked
        );
    }

    #[test]
    fn strict_client_errors() {
        let c = Classifier::DEFAULT.with_client_errors_permanent(true);
        for s in [400, 401, 403, 404, 422, 451] {
            assert_eq!(
                status(&c, s),
                AttemptOutcome::Permanent {
                    failure: FailureKind::Status(s)
                }
            );
        }
        for s in [408, 409, 425, 429, 500, 503] {
            assert!(status(&c, s).is_retryable(), "{s}");
        }
        assert!(matches!(
            status(&c, 410),
            AttemptOutcome::EndpointGone { .. }
        ));
    }

    #[test]
    fn receiver_control() {
        let c = Classifier::DEFAULT;
        let failed = AttemptResult::Response { status: 500 };
        let ok = AttemptResult::Response { status: 200 };
        let abort = ReceiverControl::parse(b" Abort-Message ");
        let disable = ReceiverControl::parse(b"disable");
        assert_eq!(c.classify(&failed, abort), AttemptOutcome::Aborted);
        assert_eq!(
            c.classify(&failed, disable),
            AttemptOutcome::EndpointGone {
                reason: DisableReason::ReceiverRequested
            }
        );
        assert_eq!(
            c.classify(&ok, disable),
            AttemptOutcome::Success { status: 200 }
        );
        assert_eq!(ReceiverControl::parse(b"stop"), None);
        let off = c.with_receiver_control(false);
        assert!(off.classify(&failed, abort).is_retryable());
    }

    #[test]
    fn failure_kinds_serialise_compactly() {
        let json = |k: FailureKind| serde_json::to_string(&k).unwrap();
        assert_eq!(json(FailureKind::Status(500)), r#"{"status":500}"#);
        assert_eq!(
            json(FailureKind::Transport(TransportError::ConnectTimeout)),
            r#"{"transport":"connect_timeout"}"#
        );
        let back: FailureKind = serde_json::from_str(r#"{"redirect":301}"#).unwrap();
        assert_eq!(back, FailureKind::Redirect(301));
        assert_eq!(back.status(), Some(301));
    }
}
