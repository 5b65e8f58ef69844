//! What one attempt did: the result the retry policy classifies, and the
//! pieces of the attempt record.

use std::net::SocketAddr;
use std::time::Duration;

use crate::delivery::{AttemptRecord, BodyExcerpt, DeliveryJob};
use crate::guard::GuardError;
use crate::retry::{AttemptOutcome, AttemptResult, Classifier, Decision, ReceiverControl};
use crate::time::Timestamp;

/// The longest `Retry-After` value kept, in bytes (a date is 29).
pub const MAX_RETRY_AFTER_BYTES: usize = 64;

/// One attempt as the sender saw it.
///
/// Feed [`result`](AttemptReport::result) and
/// [`receiver_control`](AttemptReport::receiver_control) to a
/// [`Classifier`] (or call [`outcome`](AttemptReport::outcome)), the
/// [`retry_after`](AttemptReport::retry_after) value to
/// [`AttemptInput::with_retry_after`](crate::retry::AttemptInput::with_retry_after),
/// and build the log entry with [`record`](AttemptReport::record) once the
/// policy has decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttemptReport {
    pub(super) result: AttemptResult,
    pub(super) started_at: Timestamp,
    pub(super) elapsed: Duration,
    pub(super) connected_addr: Option<SocketAddr>,
    pub(super) body: Option<BodyExcerpt>,
    pub(super) retry_after: Option<Vec<u8>>,
    pub(super) control: Option<ReceiverControl>,
    pub(super) guard_error: Option<GuardError>,
    pub(super) error_message: Option<String>,
}

impl AttemptReport {
    /// A report with only a result, started at `started_at`.
    pub(super) fn new(result: AttemptResult, started_at: Timestamp) -> AttemptReport {
        AttemptReport {
            result,
            started_at,
            elapsed: Duration::ZERO,
            connected_addr: None,
            body: None,
            retry_after: None,
            control: None,
            guard_error: None,
            error_message: None,
        }
    }

    /// What happened: a status, a transport failure, or a refusal by the
    /// address guard.
    pub fn result(&self) -> AttemptResult {
        self.result
    }

    /// The `now` the attempt was made at (and signed with).
    pub fn started_at(&self) -> Timestamp {
        self.started_at
    }

    /// `started_at` plus the measured duration of the attempt.
    pub fn finished_at(&self) -> Timestamp {
        self.started_at.saturating_add(self.elapsed)
    }

    /// How long the attempt took, on the monotonic clock, from before the
    /// lookup to the end of the body read or the failure.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The address the request went to, when a connection was made.
    pub fn connected_addr(&self) -> Option<SocketAddr> {
        self.connected_addr
    }

    /// The start of the response body, when a response arrived.
    pub fn response_body(&self) -> Option<&BodyExcerpt> {
        self.body.as_ref()
    }

    /// The response's `Retry-After` value (cut to
    /// [`MAX_RETRY_AFTER_BYTES`]), if any.
    pub fn retry_after(&self) -> Option<&[u8]> {
        self.retry_after.as_deref()
    }

    /// The receiver's `webhook-delivery` instruction, if it sent one.
    pub fn receiver_control(&self) -> Option<ReceiverControl> {
        self.control
    }

    /// The address guard's refusal, for an attempt that was blocked.
    pub fn guard_error(&self) -> Option<&GuardError> {
        self.guard_error.as_ref()
    }

    /// What went wrong, in words, for a failed attempt.
    pub fn error_message(&self) -> Option<&str> {
        self.error_message.as_deref()
    }

    /// The attempt classified by `classifier`.
    pub fn outcome(&self, classifier: &Classifier) -> AttemptOutcome {
        classifier.classify(&self.result, self.control)
    }

    /// The attempt log entry for this attempt of `job`, with the policy's
    /// `decision`.
    pub fn record(&self, job: &DeliveryJob, decision: Decision) -> AttemptRecord {
        let mut record = AttemptRecord::new(
            job,
            self.started_at,
            self.finished_at(),
            &self.result,
            decision,
        );
        if let Some(addr) = self.connected_addr {
            record = record.with_connected_addr(addr.ip());
        }
        if let Some(body) = &self.body {
            record = record.with_response_body(body.clone());
        }
        if let Some(message) = &self.error_message {
            record = record.with_error_message(message);
        }
        record
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished_at_adds_the_elapsed_time() {
        let mut report =
            AttemptReport::new(AttemptResult::Blocked, Timestamp::from_unix_millis(1_000));
        report.elapsed = Duration::from_millis(250);
        assert_eq!(report.finished_at(), Timestamp::from_unix_millis(1_250));
        assert_eq!(
            report.outcome(&Classifier::DEFAULT),
            AttemptOutcome::Blocked
        );
    }
}
