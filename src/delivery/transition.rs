//! What follows an attempt: a retry decision applied to a job gives the
//! next job, or the end of the delivery. Pure: no clock, nothing stored.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::TransitionError;
use super::job::{DeliveryJob, Trigger};
use crate::retry::{Decision, DisableReason, GiveUpReason, Verdict};
use crate::time::Timestamp;

/// Where a delivery stands after a decision.
///
/// [`Transition::Scheduled`] and [`Transition::Deferred`] carry the job to
/// store in place of the old one, due at its new
/// [`next_attempt_at`](DeliveryJob::next_attempt_at); the other variants
/// end the delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transition {
    /// The next attempt, one number up, no earlier than its not-before time.
    Scheduled(Box<DeliveryJob>),
    /// The same attempt, moved later without spending it (an open circuit).
    Deferred(Box<DeliveryJob>),
    /// Delivered: a 2xx.
    Delivered,
    /// Stopped: move the delivery to the dead-letter store.
    DeadLettered {
        /// Why.
        reason: DeadLetterReason,
    },
    /// Stopped, and the endpoint is to be disabled; the delivery is
    /// dead-lettered too, so a re-enabled endpoint can be recovered.
    EndpointDisabled {
        /// Why.
        reason: DisableReason,
    },
}

impl Transition {
    /// The job to store, while the delivery goes on.
    pub fn job(&self) -> Option<&DeliveryJob> {
        match self {
            Transition::Scheduled(job) | Transition::Deferred(job) => Some(job),
            _ => None,
        }
    }

    /// Whether the delivery has ended.
    pub fn is_terminal(&self) -> bool {
        self.job().is_none()
    }
}

/// Why a delivery was dead-lettered.
///
/// Serialised externally tagged in snake_case:
/// `{"gave_up":"attempts_exhausted"}`, `"redelivery_failed"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeadLetterReason {
    /// The retry policy gave up, or the next attempt would fall after the
    /// job's deadline ([`GiveUpReason::MaxAgeExceeded`]).
    GaveUp(GiveUpReason),
    /// A manual or recovery attempt failed; those are not retried.
    RedeliveryFailed,
}

impl DeadLetterReason {
    /// A stable snake_case code: the give-up reason's, or `redelivery_failed`.
    pub fn code(&self) -> &'static str {
        match self {
            DeadLetterReason::GaveUp(reason) => reason.code(),
            DeadLetterReason::RedeliveryFailed => "redelivery_failed",
        }
    }
}

impl fmt::Display for DeadLetterReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeadLetterReason::GaveUp(reason) => reason.fmt(f),
            DeadLetterReason::RedeliveryFailed => {
                f.write_str("the single redelivery attempt failed")
            }
        }
    }
}

impl DeliveryJob {
    /// Applies the decision taken after this job's attempt (or, for
    /// [`Decision::Defer`], instead of it).
    ///
    /// - `Delivered` → [`Transition::Delivered`];
    /// - `RetryAt { attempt, not_before }` → [`Transition::Scheduled`] with
    ///   that attempt and not-before time and `delay` kept as the
    ///   previous delay; dead-lettered instead when `not_before` lies after
    ///   the job's deadline, or when the job is single-shot (manual or
    ///   recovery);
    /// - `Defer { not_before }` → [`Transition::Deferred`], same attempt;
    ///   dead-lettered when `not_before` lies after the deadline;
    /// - `GiveUp` → [`Transition::DeadLettered`];
    /// - `DisableEndpoint` → [`Transition::EndpointDisabled`].
    ///
    /// `delay` is [`Verdict::delay`]; [`DeliveryJob::apply_verdict`] passes
    /// it along.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use webhook_kit::Timestamp;
    /// # use webhook_kit::delivery::{DeliveryJob, Transition};
    /// # use webhook_kit::retry::Decision;
    /// # let job: DeliveryJob = serde_json::from_str(r#"{"schema_version":1,
    /// #   "delivery_id":"dlv_3ea38e0ba1d1850f1d810acda0db25aa","message_id":"msg_1",
    /// #   "endpoint_id":"ep_1","owner_id":"app_1","event_type":"invoice.paid","payload":"e30=",
    /// #   "created_at":0,"attempt":1,"first_attempt_at":0,"next_attempt_at":0,
    /// #   "deadline":604800000,"trigger":"scheduled","previous_delay_ns":null}"#)?;
    /// let not_before = Timestamp::from_unix_seconds(5);
    /// let next = job.apply(Decision::RetryAt { attempt: 2, not_before }, Some(Duration::from_secs(5)))?;
    /// let Transition::Scheduled(next) = next else { unreachable!() };
    /// assert_eq!((next.attempt(), next.next_attempt_at()), (2, not_before));
    /// assert_eq!(job.apply(Decision::Delivered, None)?, Transition::Delivered);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TransitionError::AttemptMismatch`] when a `RetryAt` names another
    /// attempt than the one after this job's (a decision for another job),
    /// [`TransitionError::AttemptOverflow`] when this job's attempt number
    /// cannot grow.
    pub fn apply(
        &self,
        decision: Decision,
        delay: Option<Duration>,
    ) -> Result<Transition, TransitionError> {
        let dead = |reason| Transition::DeadLettered { reason };
        let past_deadline = |at: Timestamp| at > self.deadline;

        Ok(match decision {
            Decision::Delivered => Transition::Delivered,
            Decision::GiveUp { reason } => dead(DeadLetterReason::GaveUp(reason)),
            Decision::DisableEndpoint { reason } => Transition::EndpointDisabled { reason },
            Decision::RetryAt {
                attempt,
                not_before,
            } => {
                let expected = self
                    .attempt
                    .checked_add(1)
                    .ok_or(TransitionError::AttemptOverflow)?;
                if attempt != expected {
                    return Err(TransitionError::AttemptMismatch {
                        expected,
                        decided: attempt,
                    });
                }
                if self.trigger.is_single_shot() {
                    dead(DeadLetterReason::RedeliveryFailed)
                } else if past_deadline(not_before) {
                    dead(DeadLetterReason::GaveUp(GiveUpReason::MaxAgeExceeded))
                } else {
                    let mut next = self.clone();
                    next.attempt = attempt;
                    next.next_attempt_at = not_before;
                    next.previous_delay = DeliveryJob::keepable(delay);
                    Transition::Scheduled(Box::new(next))
                }
            }
            Decision::Defer { not_before } => {
                if past_deadline(not_before) {
                    dead(DeadLetterReason::GaveUp(GiveUpReason::MaxAgeExceeded))
                } else {
                    let mut next = self.clone();
                    next.next_attempt_at = not_before;
                    Transition::Deferred(Box::new(next))
                }
            }
        })
    }

    /// [`DeliveryJob::apply`] with the decision and delay of `verdict`.
    ///
    /// # Errors
    ///
    /// As [`DeliveryJob::apply`].
    pub fn apply_verdict(&self, verdict: &Verdict) -> Result<Transition, TransitionError> {
        self.apply(verdict.decision, verdict.delay)
    }

    /// A manual redelivery of this delivery, due at `now`: one attempt,
    /// not retried ([`Trigger::Manual`]).
    ///
    /// Pass the job of the delivery's last attempt. The new job keeps the
    /// ids and payload, takes the next attempt number (so `(delivery id,
    /// attempt)` stays unique), and restarts the clock: its first attempt
    /// is due at `now` and its deadline is `now` plus the original job's
    /// `deadline - first_attempt_at`. The signature is made afresh at send
    /// time, as for every attempt.
    ///
    /// # Errors
    ///
    /// [`TransitionError::AttemptOverflow`] when the attempt number cannot grow.
    pub fn redeliver(&self, now: Timestamp) -> Result<DeliveryJob, TransitionError> {
        self.again(Trigger::Manual, now)
    }

    /// As [`DeliveryJob::redeliver`], for recovering an endpoint's failed
    /// deliveries since a time ([`Trigger::Recovery`]); the caller selects
    /// which from its dead-letter store.
    ///
    /// # Errors
    ///
    /// [`TransitionError::AttemptOverflow`] when the attempt number cannot grow.
    pub fn recover(&self, now: Timestamp) -> Result<DeliveryJob, TransitionError> {
        self.again(Trigger::Recovery, now)
    }

    fn again(&self, trigger: Trigger, now: Timestamp) -> Result<DeliveryJob, TransitionError> {
        let attempt = self
            .attempt
            .checked_add(1)
            .ok_or(TransitionError::AttemptOverflow)?;
        let max_age = self.deadline.duration_since(self.first_attempt_at);
        let mut next = self.clone();
        next.attempt = attempt;
        next.first_attempt_at = now;
        next.next_attempt_at = now;
        next.deadline = now.saturating_add(max_age);
        next.trigger = trigger;
        next.previous_delay = None;
        next.dead_letter_pending = None;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::job::tests::job;
    use crate::retry::{AttemptResult, FailureKind, Jitter, RetryPolicy, Schedule};

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds)
    }

    fn scheduled(t: Transition) -> DeliveryJob {
        match t {
            Transition::Scheduled(job) => *job,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn retry_advances_the_attempt() {
        let j = job();
        let not_before = j.next_attempt_at().saturating_add(Duration::from_secs(5));
        let delay = Some(Duration::from_millis(5_432));
        let next = scheduled(
            j.apply(
                Decision::RetryAt {
                    attempt: 2,
                    not_before,
                },
                delay,
            )
            .unwrap(),
        );
        assert_eq!(next.attempt(), 2);
        assert_eq!(next.next_attempt_at(), not_before);
        assert_eq!(next.previous_delay(), delay);
        // Everything else is kept.
        assert_eq!(next.delivery_id(), j.delivery_id());
        assert_eq!(next.first_attempt_at(), j.first_attempt_at());
        assert_eq!(next.deadline(), j.deadline());
        assert_eq!(next.payload(), j.payload());
        // The old job is untouched: the function is pure.
        assert_eq!(j, job());
    }

    #[test]
    fn defer_keeps_the_attempt() {
        let j = job();
        let not_before = j.next_attempt_at().saturating_add(Duration::from_secs(30));
        let t = j.apply(Decision::Defer { not_before }, None).unwrap();
        let Transition::Deferred(next) = &t else {
            panic!("{t:?}")
        };
        assert_eq!(next.attempt(), 1);
        assert_eq!(next.next_attempt_at(), not_before);
        assert!(!t.is_terminal());
        assert_eq!(t.job().map(DeliveryJob::attempt), Some(1));
    }

    #[test]
    fn terminal_decisions() {
        let j = job();
        assert_eq!(
            j.apply(Decision::Delivered, None).unwrap(),
            Transition::Delivered
        );
        let reason = GiveUpReason::Permanent(FailureKind::Status(413));
        assert_eq!(
            j.apply(Decision::GiveUp { reason }, None).unwrap(),
            Transition::DeadLettered {
                reason: DeadLetterReason::GaveUp(reason)
            }
        );
        let t = j
            .apply(
                Decision::DisableEndpoint {
                    reason: DisableReason::Gone,
                },
                None,
            )
            .unwrap();
        assert_eq!(
            t,
            Transition::EndpointDisabled {
                reason: DisableReason::Gone
            }
        );
        assert!(t.is_terminal());
    }

    #[test]
    fn the_deadline_of_the_job_holds() {
        let j = job();
        let late = j.deadline().saturating_add(Duration::from_millis(1));
        let max_age = Transition::DeadLettered {
            reason: DeadLetterReason::GaveUp(GiveUpReason::MaxAgeExceeded),
        };
        assert_eq!(
            j.apply(
                Decision::RetryAt {
                    attempt: 2,
                    not_before: late
                },
                None
            )
            .unwrap(),
            max_age
        );
        assert_eq!(
            j.apply(Decision::Defer { not_before: late }, None).unwrap(),
            max_age
        );
        // Exactly at the deadline is still allowed.
        let on_time = j.deadline();
        assert!(matches!(
            j.apply(
                Decision::RetryAt {
                    attempt: 2,
                    not_before: on_time
                },
                None
            ),
            Ok(Transition::Scheduled(_))
        ));
    }

    #[test]
    fn mismatched_decisions_are_refused() {
        let j = job();
        let not_before = at(1_700_000_005);
        assert_eq!(
            j.apply(
                Decision::RetryAt {
                    attempt: 3,
                    not_before
                },
                None
            ),
            Err(TransitionError::AttemptMismatch {
                expected: 2,
                decided: 3
            })
        );
        let mut last = job();
        last.attempt = u32::MAX;
        assert_eq!(
            last.apply(
                Decision::RetryAt {
                    attempt: 0,
                    not_before
                },
                None
            ),
            Err(TransitionError::AttemptOverflow)
        );
        assert_eq!(
            last.redeliver(not_before),
            Err(TransitionError::AttemptOverflow)
        );
    }

    #[test]
    fn redeliveries_are_single_shot_with_a_fresh_clock() {
        let j = job();
        let now = j.deadline().saturating_add(Duration::from_secs(86_400));
        let manual = j.redeliver(now).unwrap();
        assert_eq!(manual.trigger(), Trigger::Manual);
        assert_eq!(manual.attempt(), 2);
        assert_eq!(manual.first_attempt_at(), now);
        assert_eq!(manual.next_attempt_at(), now);
        assert_eq!(
            manual.deadline(),
            now.saturating_add(Duration::from_secs(7 * 86_400))
        );
        assert_eq!(manual.delivery_id(), j.delivery_id());
        assert_eq!(manual.message_id(), j.message_id());

        // A failure is not retried.
        let retry = Decision::RetryAt {
            attempt: 3,
            not_before: now.saturating_add(Duration::from_secs(5)),
        };
        assert_eq!(
            manual.apply(retry, None).unwrap(),
            Transition::DeadLettered {
                reason: DeadLetterReason::RedeliveryFailed
            }
        );
        let recovery = j.recover(now).unwrap();
        assert_eq!(recovery.trigger(), Trigger::Recovery);
        assert_eq!(
            recovery.apply(retry, None).unwrap(),
            Transition::DeadLettered {
                reason: DeadLetterReason::RedeliveryFailed
            }
        );
        // A deferral still waits for the circuit.
        assert!(matches!(
            manual.apply(Decision::Defer { not_before: now }, None),
            Ok(Transition::Deferred(_))
        ));
    }

    #[test]
    fn a_whole_schedule_ends_dead_lettered() {
        static STEPS: [Duration; 2] = [Duration::from_secs(5), Duration::from_secs(300)];
        let policy =
            RetryPolicy::new(Schedule::from_static(&STEPS).unwrap()).with_jitter(Jitter::NONE);
        let mut current = job();
        let mut attempts = vec![current.attempt()];
        let end = loop {
            let now = current.next_attempt_at();
            let verdict = policy.evaluate(
                &AttemptResult::Response { status: 500 },
                None,
                &current.attempt_input(now),
            );
            match current.apply_verdict(&verdict).unwrap() {
                Transition::Scheduled(next) => {
                    assert_eq!(next.previous_delay(), verdict.delay);
                    current = *next;
                    attempts.push(current.attempt());
                }
                other => break other,
            }
        };
        assert_eq!(attempts, [1, 2, 3]);
        assert_eq!(current.next_attempt_at(), at(1_700_000_000 + 5 + 300));
        assert_eq!(
            end,
            Transition::DeadLettered {
                reason: DeadLetterReason::GaveUp(GiveUpReason::AttemptsExhausted)
            }
        );
    }

    #[test]
    fn reasons_have_codes_and_serde() {
        let r = DeadLetterReason::GaveUp(GiveUpReason::AttemptsExhausted);
        assert_eq!(r.code(), "attempts_exhausted");
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"gave_up":"attempts_exhausted"}"#
        );
        assert_eq!(
            serde_json::to_string(&DeadLetterReason::RedeliveryFailed).unwrap(),
            r#""redelivery_failed""#
        );
        assert_eq!(
            DeadLetterReason::RedeliveryFailed.to_string(),
            "the single redelivery attempt failed"
        );
        for r in [r, DeadLetterReason::RedeliveryFailed] {
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<DeadLetterReason>(&json).unwrap(), r);
        }
    }
}
