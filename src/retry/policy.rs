//! The retry policy: one attempt's outcome in, a [`Decision`] out.
//!
//! Order of the computation for a retryable outcome after attempt `n`:
//!
//! 1. give up if `n >= max_attempts`, or if the schedule has no step for
//!    attempt `n + 1`;
//! 2. the floor: the `Retry-After` hint (when honoured for the status,
//!    clamped to its cap, by default the schedule's longest step) and, for
//!    an overload signal, the overload minimum; the larger of the two;
//! 3. the base: the larger of the scheduled step and the floor;
//! 4. jitter on the base, with the draw for `(delivery id, n + 1)`;
//! 5. the delay: the larger of the jittered base and the floor, so jitter
//!    never undercuts a hint;
//! 6. `not_before = now + delay` (rounded up to the millisecond); give up
//!    if that lies after `first_attempt_at + max_age`.

use std::time::Duration;

use super::decision::{Decision, GiveUpReason};
use super::draw::{Draw, DrawSource};
use super::error::{ConfigError, RetryAfterError};
use super::jitter::Jitter;
use super::math;
use super::outcome::{AttemptOutcome, AttemptResult, Classifier, FailureKind, ReceiverControl};
use super::retry_after::{RetryAfter, RetryAfterRule};
use super::schedule::Schedule;
use crate::time::Timestamp;

/// The minimum wait after an overload signal unless configured (Svix's value).
pub const DEFAULT_OVERLOAD_MIN: Duration = Duration::from_secs(60);

/// The `max_age` of [`RetryPolicy::new`] unless configured: 7 days.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);

/// A complete retry configuration: schedule, jitter, limits, `Retry-After`
/// handling, overload minimum and classification.
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::Timestamp;
/// use webhook_kit::retry::{AttemptInput, AttemptResult, Decision, RetryPolicy};
///
/// let policy = RetryPolicy::default(); // the Standard Webhooks schedule
/// let first = Timestamp::from_unix_seconds(1_700_000_000);
/// let now = first.saturating_add(Duration::from_millis(800));
/// let input = AttemptInput::new("msg_1", 1, first, now);
///
/// let verdict = policy.evaluate(&AttemptResult::Response { status: 500 }, None, &input);
/// let Decision::RetryAt { attempt, not_before } = verdict.decision else { unreachable!() };
/// assert_eq!(attempt, 2);
/// // 5 s scheduled, plus the default jitter (at most 2 s here).
/// assert!(not_before >= now.saturating_add(Duration::from_secs(5)));
/// assert!(not_before <= now.saturating_add(Duration::from_secs(7)));
///
/// let done = policy.evaluate(&AttemptResult::Response { status: 204 }, None, &input);
/// assert_eq!(done.decision, Decision::Delivered);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub(crate) schedule: Schedule,
    pub(crate) jitter: Jitter,
    pub(crate) max_attempts: u32,
    pub(crate) max_age: Duration,
    pub(crate) retry_after: RetryAfterRule,
    pub(crate) overload_min: Duration,
    pub(crate) classifier: Classifier,
}

impl Default for RetryPolicy {
    /// The `standard-webhooks` preset.
    fn default() -> Self {
        super::Preset::StandardWebhooks.policy()
    }
}

impl RetryPolicy {
    /// A policy on `schedule` with the defaults: [`Jitter::DEFAULT`],
    /// as many attempts as the schedule allows (unbounded for a repeating
    /// schedule), `max_age` [`DEFAULT_MAX_AGE`], `Retry-After` honoured on
    /// 429 and 503, overload minimum [`DEFAULT_OVERLOAD_MIN`], and
    /// [`Classifier::DEFAULT`].
    pub fn new(schedule: Schedule) -> RetryPolicy {
        let max_attempts = if schedule.repeats_last() {
            u32::MAX
        } else {
            schedule.len().saturating_add(1)
        };
        RetryPolicy {
            schedule,
            jitter: Jitter::DEFAULT,
            max_attempts,
            max_age: DEFAULT_MAX_AGE,
            retry_after: RetryAfterRule::DEFAULT,
            overload_min: DEFAULT_OVERLOAD_MIN,
            classifier: Classifier::DEFAULT,
        }
    }

    /// The jitter strategy.
    pub fn with_jitter(mut self, jitter: Jitter) -> RetryPolicy {
        self.jitter = jitter;
        self
    }

    /// The most attempts, the first send included.
    ///
    /// # Errors
    ///
    /// [`ConfigError::ZeroMaxAttempts`] for zero.
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Result<RetryPolicy, ConfigError> {
        if max_attempts == 0 {
            return Err(ConfigError::ZeroMaxAttempts);
        }
        self.max_attempts = max_attempts;
        Ok(self)
    }

    /// The deadline, measured from the event's first attempt, after which
    /// no attempt is scheduled.
    ///
    /// # Errors
    ///
    /// [`ConfigError::ZeroMaxAge`] for zero.
    pub fn with_max_age(mut self, max_age: Duration) -> Result<RetryPolicy, ConfigError> {
        if max_age.is_zero() {
            return Err(ConfigError::ZeroMaxAge);
        }
        self.max_age = max_age;
        Ok(self)
    }

    /// How `Retry-After` is honoured.
    pub fn with_retry_after(mut self, rule: RetryAfterRule) -> RetryPolicy {
        self.retry_after = rule;
        self
    }

    /// The least wait after an overload signal (timeout, 429, 502, 503,
    /// 504); zero turns it off.
    pub fn with_overload_min(mut self, min: Duration) -> RetryPolicy {
        self.overload_min = min;
        self
    }

    /// How attempt results are classified.
    pub fn with_classifier(mut self, classifier: Classifier) -> RetryPolicy {
        self.classifier = classifier;
        self
    }

    /// The schedule.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The jitter strategy.
    pub fn jitter(&self) -> Jitter {
        self.jitter
    }

    /// The most attempts, the first send included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The deadline after the first attempt.
    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    /// The `Retry-After` rule.
    pub fn retry_after(&self) -> &RetryAfterRule {
        &self.retry_after
    }

    /// The cap on a `Retry-After` hint: the rule's, or the schedule's longest step.
    pub fn retry_after_cap(&self) -> Duration {
        self.retry_after
            .cap()
            .unwrap_or_else(|| self.schedule.longest_step())
    }

    /// The least wait after an overload signal.
    pub fn overload_min(&self) -> Duration {
        self.overload_min
    }

    /// The classifier.
    pub fn classifier(&self) -> Classifier {
        self.classifier
    }

    /// Classifies `result` (with the receiver's control header, if any) and
    /// decides.
    pub fn evaluate(
        &self,
        result: &AttemptResult,
        control: Option<ReceiverControl>,
        input: &AttemptInput<'_>,
    ) -> Verdict {
        self.decide(self.classifier.classify(result, control), input)
    }

    /// Decides what follows an attempt with `outcome`.
    pub fn decide(&self, outcome: AttemptOutcome, input: &AttemptInput<'_>) -> Verdict {
        let retry_after_malformed = input.retry_after.and_then(|v| RetryAfter::parse(v).err());
        let stop = |decision| Verdict {
            decision,
            outcome,
            delay: None,
            retry_after_malformed,
        };

        let (failure, overload) = match outcome {
            AttemptOutcome::Success { .. } => return stop(Decision::Delivered),
            AttemptOutcome::EndpointGone { reason } => {
                return stop(Decision::DisableEndpoint { reason });
            }
            AttemptOutcome::Blocked => return stop(give_up(GiveUpReason::BlockedDestination)),
            AttemptOutcome::Aborted => return stop(give_up(GiveUpReason::AbortedByReceiver)),
            AttemptOutcome::Permanent { failure } => {
                return stop(give_up(GiveUpReason::Permanent(failure)));
            }
            AttemptOutcome::Retryable { failure } => (failure, false),
            AttemptOutcome::Throttled { failure } => (failure, true),
        };

        match self.next_retry(failure, overload, input) {
            Ok((decision, delay)) => Verdict {
                decision,
                outcome,
                delay: Some(delay),
                retry_after_malformed,
            },
            Err(reason) => stop(give_up(reason)),
        }
    }

    fn next_retry(
        &self,
        failure: FailureKind,
        overload: bool,
        input: &AttemptInput<'_>,
    ) -> Result<(Decision, Duration), GiveUpReason> {
        // Attempt 0 does not exist; it is read as the first send.
        let attempt = input.attempt.max(1);
        if attempt >= self.max_attempts {
            return Err(GiveUpReason::AttemptsExhausted);
        }
        let next = attempt.saturating_add(1);
        let scheduled = self
            .schedule
            .delay(next)
            .ok_or(GiveUpReason::ScheduleExhausted)?;

        let hint = self.retry_after.evaluate(
            failure.status(),
            scheduled,
            self.retry_after_cap(),
            input.now,
            input.retry_after,
        );
        let overload_floor = if overload {
            self.overload_min
        } else {
            Duration::ZERO
        };
        let floor = hint.floor.max(overload_floor);

        let draw = match input.draw {
            DrawSource::Deterministic => Draw::deterministic(input.delivery_id, next),
            DrawSource::Fraction(f) => Draw::from_fraction(f),
        };
        let delay = self
            .jitter
            .apply(scheduled.max(floor), draw, input.previous_delay)
            .max(floor);

        let not_before = math::add_ceil(input.now, delay);
        if not_before > input.first_attempt_at.saturating_add(self.max_age) {
            return Err(GiveUpReason::MaxAgeExceeded);
        }
        Ok((
            Decision::RetryAt {
                attempt: next,
                not_before,
            },
            delay,
        ))
    }

    /// Defers a message whose endpoint cannot take it yet (an open circuit
    /// until `until`), without spending an attempt: [`Decision::Defer`] at
    /// the later of `until` and `now`, or [`GiveUpReason::MaxAgeExceeded`]
    /// when that lies after `first_attempt_at + max_age`. Before the first
    /// attempt, pass the time it was due as `first_attempt_at`.
    pub fn defer(&self, first_attempt_at: Timestamp, now: Timestamp, until: Timestamp) -> Decision {
        let not_before = until.max(now);
        if not_before > first_attempt_at.saturating_add(self.max_age) {
            give_up(GiveUpReason::MaxAgeExceeded)
        } else {
            Decision::Defer { not_before }
        }
    }
}

fn give_up(reason: GiveUpReason) -> Decision {
    Decision::GiveUp { reason }
}

/// What the policy needs to know about the attempt just made.
///
/// Everything comes from the job and the response: a worker anywhere can
/// rebuild it and reach the same decision.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct AttemptInput<'a> {
    /// The id of this delivery (message × endpoint); seeds deterministic jitter.
    pub delivery_id: &'a str,
    /// The number of the attempt just made: 1 for the original send (0 is
    /// read as 1).
    pub attempt: u32,
    /// When the event's first attempt was made; `max_age` counts from it.
    pub first_attempt_at: Timestamp,
    /// When the attempt ended (the response or the failure arrived).
    pub now: Timestamp,
    /// The response's `Retry-After` value, if any.
    pub retry_after: Option<&'a [u8]>,
    /// Where the jitter's fraction comes from (deterministic by default).
    pub draw: DrawSource,
    /// The delay chosen before this attempt ([`Verdict::delay`] of the
    /// previous decision), kept by the job; used by decorrelated jitter only.
    pub previous_delay: Option<Duration>,
}

impl<'a> AttemptInput<'a> {
    /// The input for attempt `attempt` of `delivery_id`, with no
    /// `Retry-After`, deterministic draws and no previous delay.
    pub fn new(
        delivery_id: &'a str,
        attempt: u32,
        first_attempt_at: Timestamp,
        now: Timestamp,
    ) -> AttemptInput<'a> {
        AttemptInput {
            delivery_id,
            attempt,
            first_attempt_at,
            now,
            retry_after: None,
            draw: DrawSource::Deterministic,
            previous_delay: None,
        }
    }

    /// The response's `Retry-After` value.
    pub fn with_retry_after(mut self, value: &'a [u8]) -> AttemptInput<'a> {
        self.retry_after = Some(value);
        self
    }

    /// Where the jitter's fraction comes from.
    pub fn with_draw(mut self, draw: DrawSource) -> AttemptInput<'a> {
        self.draw = draw;
        self
    }

    /// The delay chosen before this attempt, for decorrelated jitter.
    pub fn with_previous_delay(mut self, delay: Duration) -> AttemptInput<'a> {
        self.previous_delay = Some(delay);
        self
    }
}

/// A decision and what led to it, for the attempt record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verdict {
    /// What to do next.
    pub decision: Decision,
    /// How the attempt was classified.
    pub outcome: AttemptOutcome,
    /// The delay chosen for a [`Decision::RetryAt`] (the job keeps it as
    /// the next attempt's `previous_delay`).
    pub delay: Option<Duration>,
    /// Why the `Retry-After` value was ignored, when it was malformed.
    pub retry_after_malformed: Option<RetryAfterError>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::decision::DisableReason;
    use crate::retry::outcome::TransportError;

    const fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn t(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(s)
    }

    fn plain() -> RetryPolicy {
        static STEPS: [Duration; 3] = [secs(5), secs(300), secs(1800)];
        RetryPolicy::new(Schedule::from_static(&STEPS).unwrap()).with_jitter(Jitter::NONE)
    }

    fn status(s: u16) -> AttemptResult {
        AttemptResult::Response { status: s }
    }

    #[test]
    fn follows_the_schedule_then_gives_up() {
        let p = plain();
        assert_eq!(p.max_attempts(), 4);
        let first = t(1000);
        let expected = [(1, 1005), (2, 1300), (3, 2800)];
        for (attempt, at) in expected {
            let input = AttemptInput::new("d", attempt, first, t(1000));
            let v = p.evaluate(&status(500), None, &input);
            assert_eq!(
                v.decision,
                Decision::RetryAt {
                    attempt: attempt + 1,
                    not_before: t(at)
                }
            );
        }
        let last = AttemptInput::new("d", 4, first, t(1000));
        assert_eq!(
            p.evaluate(&status(500), None, &last).decision,
            give_up(GiveUpReason::AttemptsExhausted)
        );
        let more = p.clone().with_max_attempts(10).unwrap();
        assert_eq!(
            more.evaluate(&status(500), None, &last).decision,
            give_up(GiveUpReason::ScheduleExhausted)
        );
    }

    #[test]
    fn final_outcomes() {
        let p = plain();
        let input = AttemptInput::new("d", 1, t(0), t(0));
        let decide = |r: AttemptResult, c| p.evaluate(&r, c, &input).decision;
        assert_eq!(decide(status(200), None), Decision::Delivered);
        assert_eq!(
            decide(status(410), None),
            Decision::DisableEndpoint {
                reason: DisableReason::Gone
            }
        );
        assert_eq!(
            decide(status(413), None),
            give_up(GiveUpReason::Permanent(FailureKind::Status(413)))
        );
        assert_eq!(
            decide(AttemptResult::Blocked, None),
            give_up(GiveUpReason::BlockedDestination)
        );
        assert_eq!(
            decide(status(500), Some(ReceiverControl::AbortMessage)),
            give_up(GiveUpReason::AbortedByReceiver)
        );
        assert_eq!(
            decide(status(500), Some(ReceiverControl::Disable)),
            Decision::DisableEndpoint {
                reason: DisableReason::ReceiverRequested
            }
        );
    }

    #[test]
    fn overload_minimum() {
        let p = plain();
        let input = AttemptInput::new("d", 1, t(0), t(0));
        for r in [
            status(429),
            status(502),
            status(503),
            status(504),
            AttemptResult::Transport(TransportError::ReadTimeout),
        ] {
            assert_eq!(p.evaluate(&r, None, &input).delay, Some(secs(60)), "{r:?}");
        }
        assert_eq!(p.evaluate(&status(500), None, &input).delay, Some(secs(5)));
        let off = plain().with_overload_min(Duration::ZERO);
        assert_eq!(
            off.evaluate(&status(429), None, &input).delay,
            Some(secs(5))
        );
    }

    #[test]
    fn retry_after_is_a_floor_jitter_cannot_undercut() {
        let p = plain().with_jitter(Jitter::FULL);
        let input = AttemptInput::new("d", 1, t(0), t(0)).with_retry_after(b"120");
        let v = p.evaluate(&status(503), None, &input);
        assert!(v.delay.unwrap() >= secs(120));
        assert_eq!(v.retry_after_malformed, None);
        // Capped at the longest step (1800 s).
        let far = AttemptInput::new("d", 1, t(0), t(0)).with_retry_after(b"2592000");
        let v = plain().evaluate(&status(429), None, &far);
        assert_eq!(v.delay, Some(secs(1800)));
        // Ignored on a 500, reported when malformed.
        assert_eq!(
            plain().evaluate(&status(500), None, &input).delay,
            Some(secs(5))
        );
        let bad = AttemptInput::new("d", 1, t(0), t(0)).with_retry_after(b"-3");
        let v = plain().evaluate(&status(429), None, &bad);
        assert_eq!(v.delay, Some(secs(60)));
        assert_eq!(
            v.retry_after_malformed,
            Some(RetryAfterError::NotDelaySeconds)
        );
    }

    #[test]
    fn max_age_cuts_retries() {
        let p = plain().with_max_age(secs(1000)).unwrap();
        let first = t(0);
        let ok = AttemptInput::new("d", 2, first, t(700));
        assert!(matches!(
            p.evaluate(&status(500), None, &ok).decision,
            Decision::RetryAt { attempt: 3, .. }
        ));
        let late = AttemptInput::new("d", 2, first, t(701));
        assert_eq!(
            p.evaluate(&status(500), None, &late).decision,
            give_up(GiveUpReason::MaxAgeExceeded)
        );
        assert_eq!(
            RetryPolicy::new(Schedule::linear(secs(1)).build()).with_max_age(Duration::ZERO),
            Err(ConfigError::ZeroMaxAge)
        );
        assert_eq!(
            plain().with_max_attempts(0),
            Err(ConfigError::ZeroMaxAttempts)
        );
    }

    #[test]
    fn deferral_spends_no_attempt_and_respects_max_age() {
        let p = plain().with_max_age(secs(100)).unwrap();
        assert_eq!(
            p.defer(t(0), t(10), t(40)),
            Decision::Defer { not_before: t(40) }
        );
        assert_eq!(
            p.defer(t(0), t(50), t(40)),
            Decision::Defer { not_before: t(50) }
        );
        assert_eq!(
            p.defer(t(0), t(10), t(101)),
            give_up(GiveUpReason::MaxAgeExceeded)
        );
    }

    #[test]
    fn draws_are_deterministic_or_supplied() {
        let p = plain().with_jitter(Jitter::symmetric(2000).unwrap());
        let input = AttemptInput::new("msg_2mLx9kQ", 1, t(0), t(0));
        let a = p.evaluate(&status(500), None, &input);
        let b = p.evaluate(&status(500), None, &input);
        assert_eq!(a, b);
        let low = input.with_draw(DrawSource::Fraction(0.0));
        assert_eq!(p.evaluate(&status(500), None, &low).delay, Some(secs(4)));
        let nan = input.with_draw(DrawSource::Fraction(f64::NAN));
        assert_eq!(p.evaluate(&status(500), None, &nan).delay, Some(secs(4)));
    }

    #[test]
    fn deterministic_decision_is_pinned() {
        // The draw for ("msg_2mLx9kQ", 2) is x = 6551317632836412 (see the
        // draw module's vector); the default jitter spreads a 5 s step by
        // its 2 s floor: python3 -c 'print(5_000_000_000 + ((2_000_000_000 * 6551317632836412) >> 53))'
        let p = plain().with_jitter(Jitter::DEFAULT);
        let input = AttemptInput::new("msg_2mLx9kQ", 1, t(0), t(0));
        let v = p.evaluate(&status(500), None, &input);
        assert_eq!(v.delay, Some(Duration::from_nanos(6_454_684_735)));
        assert_eq!(
            v.decision,
            Decision::RetryAt {
                attempt: 2,
                not_before: Timestamp::from_unix_millis(6455)
            }
        );
    }

    #[test]
    fn decorrelated_uses_the_kept_delay() {
        let p = plain().with_jitter(Jitter::decorrelated(secs(1)).unwrap());
        let input = AttemptInput::new("d", 2, t(0), t(0))
            .with_draw(DrawSource::Fraction(0.5))
            .with_previous_delay(secs(10));
        // min(300, 1 + (30 - 1) / 2) = 15.5 s
        assert_eq!(
            p.evaluate(&status(500), None, &input).delay,
            Some(Duration::from_millis(15_500))
        );
    }

    #[test]
    fn extremes_do_not_panic() {
        let p = RetryPolicy::new(
            Schedule::exponential(Duration::MAX)
                .unwrap()
                .with_repeat_last(true)
                .build(),
        )
        .with_jitter(Jitter::symmetric(10_000).unwrap())
        .with_max_age(Duration::MAX)
        .unwrap();
        for now in [i64::MIN, -1, 0, i64::MAX] {
            for attempt in [0, 1, u32::MAX - 1, u32::MAX] {
                let now = Timestamp::from_unix_millis(now);
                let input = AttemptInput::new("", attempt, now, now)
                    .with_retry_after(b"18446744073709551615");
                let v = p.evaluate(&status(503), None, &input);
                if let Some(at) = v.decision.not_before() {
                    assert!(at >= now);
                }
            }
        }
        let input = AttemptInput::new("", u32::MAX, t(0), t(0));
        assert_eq!(
            p.evaluate(&status(500), None, &input).decision,
            give_up(GiveUpReason::AttemptsExhausted)
        );
        assert_eq!(
            p.defer(Timestamp::from_unix_millis(i64::MAX), t(0), t(1)),
            Decision::Defer { not_before: t(1) }
        );
    }
}
