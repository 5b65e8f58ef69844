//! What the policy decided: plain data a job engine persists and acts on.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::outcome::FailureKind;
use crate::time::Timestamp;

/// The policy's decision after one attempt (or before one, for [`Decision::Defer`]).
///
/// Serialised internally tagged on `kind`, in snake_case; times are unix
/// milliseconds:
///
/// ```
/// use webhook_kit::Timestamp;
/// use webhook_kit::retry::{Decision, GiveUpReason};
///
/// let d = Decision::RetryAt { attempt: 2, not_before: Timestamp::from_unix_millis(5_000) };
/// assert_eq!(
///     serde_json::to_string(&d)?,
///     r#"{"kind":"retry_at","attempt":2,"not_before":5000}"#
/// );
/// let g = Decision::GiveUp { reason: GiveUpReason::AttemptsExhausted };
/// assert_eq!(serde_json::to_string(&g)?, r#"{"kind":"give_up","reason":"attempts_exhausted"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Decision {
    /// The message was delivered (a 2xx).
    Delivered,
    /// Send attempt `attempt` (the one after the attempt just made) no
    /// earlier than `not_before`.
    RetryAt {
        /// The number of the next attempt.
        attempt: u32,
        /// The earliest time to send it.
        not_before: Timestamp,
    },
    /// Try again no earlier than `not_before` without spending an attempt
    /// (the endpoint's circuit is open).
    Defer {
        /// The earliest time to try.
        not_before: Timestamp,
    },
    /// Stop: move the message to the dead-letter store.
    GiveUp {
        /// Why.
        reason: GiveUpReason,
    },
    /// Stop this message (dead-letter it) **and** disable the endpoint.
    DisableEndpoint {
        /// Why.
        reason: DisableReason,
    },
}

impl Decision {
    /// When the job should wake next, for [`Decision::RetryAt`] and [`Decision::Defer`].
    pub fn not_before(&self) -> Option<Timestamp> {
        match *self {
            Decision::RetryAt { not_before, .. } | Decision::Defer { not_before } => {
                Some(not_before)
            }
            _ => None,
        }
    }

    /// Whether the message is finished (delivered, given up or disabled).
    pub fn is_final(&self) -> bool {
        self.not_before().is_none()
    }
}

/// Why a message was given up.
///
/// Serialised externally tagged in snake_case: `"max_age_exceeded"`,
/// `{"permanent":{"status":413}}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GiveUpReason {
    /// `max_attempts` attempts were made.
    AttemptsExhausted,
    /// The schedule has no step for the next attempt.
    ScheduleExhausted,
    /// The next attempt would fall after the `max_age` deadline.
    MaxAgeExceeded,
    /// A failure that retrying cannot fix (413, or a 4xx in strict mode).
    Permanent(FailureKind),
    /// The address guard refused the destination: fix the endpoint's URL.
    BlockedDestination,
    /// The receiver asked to stop this message (`webhook-delivery: abort-message`).
    AbortedByReceiver,
}

impl GiveUpReason {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            GiveUpReason::AttemptsExhausted => "attempts_exhausted",
            GiveUpReason::ScheduleExhausted => "schedule_exhausted",
            GiveUpReason::MaxAgeExceeded => "max_age_exceeded",
            GiveUpReason::Permanent(_) => "permanent",
            GiveUpReason::BlockedDestination => "blocked_destination",
            GiveUpReason::AbortedByReceiver => "aborted_by_receiver",
        }
    }

    /// Whether the cause is the endpoint's configuration rather than a
    /// delivery failure (to surface to the endpoint's owner).
    pub fn is_configuration_error(&self) -> bool {
        matches!(self, GiveUpReason::BlockedDestination)
    }
}

impl fmt::Display for GiveUpReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GiveUpReason::AttemptsExhausted => f.write_str("all attempts were made"),
            GiveUpReason::ScheduleExhausted => f.write_str("the schedule has no further step"),
            GiveUpReason::MaxAgeExceeded => {
                f.write_str("the next attempt would fall after the max_age deadline")
            }
            GiveUpReason::Permanent(failure) => write!(f, "permanent failure ({failure:?})"),
            GiveUpReason::BlockedDestination => f.write_str(
                "the destination is refused by the address guard; fix the endpoint's url",
            ),
            GiveUpReason::AbortedByReceiver => f.write_str("the receiver aborted this message"),
        }
    }
}

/// Why an endpoint is disabled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DisableReason {
    /// The endpoint answered 410 Gone.
    Gone,
    /// The receiver asked (`webhook-delivery: disable`).
    ReceiverRequested,
}

impl DisableReason {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            DisableReason::Gone => "gone",
            DisableReason::ReceiverRequested => "receiver_requested",
        }
    }
}

impl fmt::Display for DisableReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DisableReason::Gone => "the endpoint answered 410 gone",
            DisableReason::ReceiverRequested => "the receiver asked to disable the endpoint",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::outcome::TransportError;

    #[test]
    fn serde_round_trip() {
        let cases = [
            (Decision::Delivered, r#"{"kind":"delivered"}"#),
            (
                Decision::Defer {
                    not_before: Timestamp::from_unix_millis(-1),
                },
                r#"{"kind":"defer","not_before":-1}"#,
            ),
            (
                Decision::GiveUp {
                    reason: GiveUpReason::Permanent(FailureKind::Status(413)),
                },
                r#"{"kind":"give_up","reason":{"permanent":{"status":413}}}"#,
            ),
            (
                Decision::GiveUp {
                    reason: GiveUpReason::Permanent(FailureKind::Transport(TransportError::Tls)),
                },
                r#"{"kind":"give_up","reason":{"permanent":{"transport":"tls"}}}"#,
            ),
            (
                Decision::DisableEndpoint {
                    reason: DisableReason::Gone,
                },
                r#"{"kind":"disable_endpoint","reason":"gone"}"#,
            ),
            (
                Decision::RetryAt {
                    attempt: u32::MAX,
                    not_before: Timestamp::from_unix_millis(i64::MAX),
                },
                r#"{"kind":"retry_at","attempt":4294967295,"not_before":9223372036854775807}"#,
            ),
        ];
        for (decision, json) in cases {
            assert_eq!(serde_json::to_string(&decision).unwrap(), json);
            assert_eq!(serde_json::from_str::<Decision>(json).unwrap(), decision);
        }
    }

    #[test]
    fn accessors() {
        let t = Timestamp::from_unix_millis(7);
        assert_eq!(Decision::Defer { not_before: t }.not_before(), Some(t));
        assert!(Decision::Delivered.is_final());
        assert!(GiveUpReason::BlockedDestination.is_configuration_error());
        assert_eq!(GiveUpReason::MaxAgeExceeded.code(), "max_age_exceeded");
        assert_eq!(
            DisableReason::ReceiverRequested.code(),
            "receiver_requested"
        );
    }
}
