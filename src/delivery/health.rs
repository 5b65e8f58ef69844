//! Endpoint health: a circuit breaker (closed, open, half-open) and the
//! rule that disables an endpoint failing for days. Pure: the caller
//! passes `now` and stores the state.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::health_policy::HealthPolicy;
use super::schema::SchemaVersion;
use crate::retry::{AttemptOutcome, DisableReason};
use crate::time::Timestamp;

/// The `schema_version` of [`EndpointHealth`] this crate writes and reads.
pub const HEALTH_SCHEMA_VERSION: u32 = 1;

/// What one attempt says about the endpoint's health.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Observation {
    /// The endpoint answered as a live receiver does.
    Success,
    /// The attempt failed.
    Failure,
    /// The endpoint asked to be disabled (410, or `webhook-delivery: disable`).
    Gone(DisableReason),
}

impl From<&AttemptOutcome> for Observation {
    /// A 2xx, and a receiver's `abort-message` (a deliberate answer from a
    /// live receiver), are successes; [`AttemptOutcome::EndpointGone`] is
    /// [`Observation::Gone`]; everything else, permanent failures and
    /// refused destinations included, is a failure.
    fn from(outcome: &AttemptOutcome) -> Self {
        match *outcome {
            AttemptOutcome::Success { .. } | AttemptOutcome::Aborted => Observation::Success,
            AttemptOutcome::EndpointGone { reason } => Observation::Gone(reason),
            AttemptOutcome::Retryable { .. }
            | AttemptOutcome::Throttled { .. }
            | AttemptOutcome::Permanent { .. }
            | AttemptOutcome::Blocked => Observation::Failure,
        }
    }
}

/// Whether an attempt may be made to the endpoint now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Admission {
    /// Make the attempt.
    Send,
    /// The circuit is open: defer the job to `until` without spending an
    /// attempt ([`RetryPolicy::defer`](crate::retry::RetryPolicy::defer),
    /// then [`DeliveryJob::apply`](super::DeliveryJob::apply)).
    Defer {
        /// When to try again.
        until: Timestamp,
    },
    /// The endpoint is disabled: send nothing.
    Disabled,
}

/// A change worth telling the endpoint's owner or an operator about.
///
/// Serialised internally tagged on `kind`, in snake_case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum HealthEvent {
    /// The endpoint has failed this many times in a row.
    Failing {
        /// The consecutive failures.
        failures: u32,
    },
    /// A success after [`HealthEvent::Failing`].
    Recovered,
    /// The circuit opened: attempts are deferred until `until`.
    CircuitOpened {
        /// When it goes half-open.
        until: Timestamp,
    },
    /// The circuit closed after a successful probe.
    CircuitClosed,
    /// The endpoint is to be disabled in the user's store.
    Disabled {
        /// Why.
        reason: HealthDisableReason,
    },
}

/// Why endpoint health disabled an endpoint.
///
/// Serialised externally tagged in snake_case: `{"receiver":"gone"}`,
/// `{"failing_continuously":{"since":1700000000000,"failures":12}}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum HealthDisableReason {
    /// The receiver answered 410 or asked to be disabled.
    Receiver(DisableReason),
    /// Every attempt failed since `since`, for at least the policy's time
    /// and number of failures.
    FailingContinuously {
        /// The first failure of the streak.
        since: Timestamp,
        /// The consecutive failures.
        failures: u32,
    },
}

impl HealthDisableReason {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            HealthDisableReason::Receiver(reason) => reason.code(),
            HealthDisableReason::FailingContinuously { .. } => "failing_continuously",
        }
    }
}

impl fmt::Display for HealthDisableReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HealthDisableReason::Receiver(reason) => reason.fmt(f),
            HealthDisableReason::FailingContinuously { since, failures } => write!(
                f,
                "every attempt failed since {since} (unix seconds), {failures} in a row"
            ),
        }
    }
}

/// The state of the circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Circuit {
    /// Attempts flow; outcomes are counted.
    Closed,
    /// Attempts are deferred until `until`.
    Open {
        /// When it goes half-open.
        until: Timestamp,
    },
    /// A few probes are admitted; the first answer closes or reopens it.
    HalfOpen {
        /// When the current round of probes was admitted from.
        since: Timestamp,
        /// How many probes were admitted since then.
        admitted: u32,
    },
}

/// Successes and failures in one bucket of the breaker's window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Bucket {
    start: Timestamp,
    successes: u32,
    failures: u32,
}

/// The current run of consecutive failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Streak {
    first: Timestamp,
    last: Timestamp,
    failures: u32,
    clock_started: Option<Timestamp>,
    reported: bool,
}

/// One endpoint's health, as plain data the user stores between attempts.
///
/// Before an attempt, [`admit`](EndpointHealth::admit) says whether to
/// send, defer (open circuit) or drop (disabled); after it,
/// [`record`](EndpointHealth::record) counts the outcome and returns what
/// changed. The transitions:
///
/// - **Closed → Open**: at least `min_attempts` attempts in the window,
///   with at least `failure_percent` % of them failed.
/// - **Open → Half-open**: the first admission after `open_for`.
/// - **Half-open → Closed** on a success, **→ Open** on a failure. A probe
///   left unanswered for `open_for` lets another through.
/// - **→ Disabled**: at once on 410 or the receiver's `disable` (if the
///   policy says so), or after failing continuously: the clock starts at
///   the first failure that lies `clock_span` after the streak's first
///   one, and the endpoint is disabled once `disable_after` has passed on
///   it with at least `disable_min_failures` failures in a row. Any
///   success ends the streak; so does a gap of more than twice
///   `disable_after` between failures (an endpoint that saw no traffic).
///
/// An open circuit defers attempts without spending them, up to each
/// job's deadline. The state is serde (with a `schema_version`), for the
/// user's store; two workers updating it concurrently need the store's
/// atomic update (compare-and-set on the serialised state, say).
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::Timestamp;
/// use webhook_kit::delivery::{Admission, EndpointHealth, HealthEvent, HealthPolicy, Observation};
///
/// let policy = HealthPolicy::default();
/// let mut health = EndpointHealth::new();
/// let mut now = Timestamp::from_unix_seconds(1_700_000_000);
///
/// // Ten failures in a row within the window open the circuit.
/// let mut events = Vec::new();
/// for _ in 0..10 {
///     assert_eq!(health.admit(&policy, now), Admission::Send);
///     events.extend(health.record(&policy, Observation::Failure, now));
///     now = now.saturating_add(Duration::from_secs(1));
/// }
/// assert!(events.contains(&HealthEvent::Failing { failures: 4 }));
/// let Admission::Defer { until } = health.admit(&policy, now) else { unreachable!() };
///
/// // After 30 s one probe goes through; its success closes the circuit.
/// assert_eq!(health.admit(&policy, until), Admission::Send);
/// let events = health.record(&policy, Observation::Success, until);
/// assert_eq!(events, [HealthEvent::Recovered, HealthEvent::CircuitClosed]);
/// assert_eq!(health.admit(&policy, until), Admission::Send);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointHealth {
    schema_version: SchemaVersion<HEALTH_SCHEMA_VERSION>,
    circuit: Circuit,
    buckets: Vec<Bucket>,
    streak: Option<Streak>,
    disabled: Option<HealthDisableReason>,
}

impl Default for EndpointHealth {
    fn default() -> Self {
        EndpointHealth::new()
    }
}

impl EndpointHealth {
    /// A healthy endpoint: circuit closed, nothing counted.
    pub fn new() -> EndpointHealth {
        EndpointHealth {
            schema_version: SchemaVersion,
            circuit: Circuit::Closed,
            buckets: Vec::new(),
            streak: None,
            disabled: None,
        }
    }

    /// The circuit's state.
    pub fn circuit(&self) -> Circuit {
        self.circuit
    }

    /// Why the endpoint was disabled, if it was.
    pub fn disabled(&self) -> Option<HealthDisableReason> {
        self.disabled
    }

    /// The failures in a row so far.
    pub fn consecutive_failures(&self) -> u32 {
        self.streak.map_or(0, |s| s.failures)
    }

    /// Since when every attempt has failed, if the last one did.
    pub fn failing_since(&self) -> Option<Timestamp> {
        self.streak.map(|s| s.first)
    }

    /// The successes and failures in the window ending at `now`.
    pub fn window_counts(&self, policy: &HealthPolicy, now: Timestamp) -> (u32, u32) {
        let from = now.saturating_sub(policy.window);
        self.buckets
            .iter()
            .filter(|b| b.start > from && b.start <= now)
            .fold((0u32, 0u32), |(s, f), b| {
                (s.saturating_add(b.successes), f.saturating_add(b.failures))
            })
    }

    /// Starts over as healthy, for an endpoint the user enabled again.
    pub fn reset(&mut self) {
        *self = EndpointHealth::new();
    }

    /// Whether an attempt may be made at `now`. Admitting a probe of a
    /// half-open circuit changes the state: store it.
    pub fn admit(&mut self, policy: &HealthPolicy, now: Timestamp) -> Admission {
        if self.disabled.is_some() {
            return Admission::Disabled;
        }
        match self.circuit {
            Circuit::Closed => Admission::Send,
            Circuit::Open { until } if now < until => Admission::Defer { until },
            Circuit::Open { .. } => {
                self.circuit = Circuit::HalfOpen {
                    since: now,
                    admitted: 1,
                };
                Admission::Send
            }
            Circuit::HalfOpen { since, admitted } => {
                let retry_at = since.saturating_add(policy.open_for);
                if now >= retry_at {
                    // The earlier probes went unanswered: admit a new round.
                    self.circuit = Circuit::HalfOpen {
                        since: now,
                        admitted: 1,
                    };
                    Admission::Send
                } else if admitted < policy.probes {
                    self.circuit = Circuit::HalfOpen {
                        since,
                        admitted: admitted.saturating_add(1),
                    };
                    Admission::Send
                } else {
                    Admission::Defer { until: retry_at }
                }
            }
        }
    }

    /// Counts the outcome of an attempt that ended at `now`, and returns
    /// the events it caused, in order. Outcomes arriving after the endpoint
    /// was disabled change nothing.
    pub fn record(
        &mut self,
        policy: &HealthPolicy,
        observation: Observation,
        now: Timestamp,
    ) -> Vec<HealthEvent> {
        let mut events = Vec::new();
        if self.disabled.is_some() {
            return events;
        }
        let failed = match observation {
            Observation::Success => false,
            Observation::Failure => true,
            Observation::Gone(reason) => {
                let immediate = match reason {
                    DisableReason::Gone => policy.disable_on_gone,
                    DisableReason::ReceiverRequested => policy.disable_on_request,
                };
                if immediate {
                    self.disable(HealthDisableReason::Receiver(reason), &mut events);
                    return events;
                }
                true
            }
        };

        self.count(policy, failed, now);
        if failed {
            self.fail_streak(policy, now, &mut events);
        } else if self.streak.take().is_some_and(|s| s.reported) {
            events.push(HealthEvent::Recovered);
        }
        if self.disabled.is_none() {
            self.move_circuit(policy, failed, now, &mut events);
        }
        events
    }

    fn disable(&mut self, reason: HealthDisableReason, events: &mut Vec<HealthEvent>) {
        self.disabled = Some(reason);
        events.push(HealthEvent::Disabled { reason });
    }

    /// Adds the outcome to the bucket of `now`.
    fn count(&mut self, policy: &HealthPolicy, failed: bool, now: Timestamp) {
        let count = policy.bucket_count();
        if self.buckets.len() != count {
            // A changed window: its old counts no longer line up.
            self.buckets = vec![
                Bucket {
                    start: Timestamp::from_unix_millis(i64::MIN),
                    successes: 0,
                    failures: 0,
                };
                count
            ];
        }
        let width = policy.bucket_ms();
        let slot = now.as_unix_millis().div_euclid(width);
        let start = Timestamp::from_unix_millis(slot.saturating_mul(width));
        let index = slot.rem_euclid(i64::try_from(count).unwrap_or(1));
        let Some(bucket) = usize::try_from(index)
            .ok()
            .and_then(|i| self.buckets.get_mut(i))
        else {
            return;
        };
        if bucket.start != start {
            *bucket = Bucket {
                start,
                successes: 0,
                failures: 0,
            };
        }
        if failed {
            bucket.failures = bucket.failures.saturating_add(1);
        } else {
            bucket.successes = bucket.successes.saturating_add(1);
        }
    }

    fn fail_streak(
        &mut self,
        policy: &HealthPolicy,
        now: Timestamp,
        events: &mut Vec<HealthEvent>,
    ) {
        let fresh = Streak {
            first: now,
            last: now,
            failures: 0,
            clock_started: None,
            reported: false,
        };
        let gap = policy.disable_after.saturating_mul(2);
        let mut streak = match self.streak {
            Some(s) if now.duration_since(s.last) <= gap => s,
            _ => fresh,
        };
        streak.failures = streak.failures.saturating_add(1);
        streak.last = streak.last.max(now);
        if streak.clock_started.is_none() && now.duration_since(streak.first) >= policy.clock_span {
            streak.clock_started = Some(now);
        }
        if !streak.reported && policy.failing_after > 0 && streak.failures >= policy.failing_after {
            streak.reported = true;
            events.push(HealthEvent::Failing {
                failures: streak.failures,
            });
        }
        self.streak = Some(streak);

        let clock_ran = streak
            .clock_started
            .is_some_and(|start| now.duration_since(start) >= policy.disable_after);
        if clock_ran && streak.failures >= policy.disable_min_failures {
            self.disable(
                HealthDisableReason::FailingContinuously {
                    since: streak.first,
                    failures: streak.failures,
                },
                events,
            );
        }
    }

    fn move_circuit(
        &mut self,
        policy: &HealthPolicy,
        failed: bool,
        now: Timestamp,
        events: &mut Vec<HealthEvent>,
    ) {
        let open = |events: &mut Vec<HealthEvent>| {
            let until = now.saturating_add(policy.open_for);
            events.push(HealthEvent::CircuitOpened { until });
            Circuit::Open { until }
        };
        self.circuit = match self.circuit {
            Circuit::Closed => {
                let (successes, failures) = self.window_counts(policy, now);
                let total = u64::from(successes).saturating_add(u64::from(failures));
                let tripped = total >= u64::from(policy.min_attempts)
                    && u64::from(failures).saturating_mul(100)
                        >= total.saturating_mul(u64::from(policy.failure_percent));
                if failed && tripped {
                    open(events)
                } else {
                    Circuit::Closed
                }
            }
            // Answers of attempts sent before it opened do not move it.
            Circuit::Open { until } => Circuit::Open { until },
            Circuit::HalfOpen { .. } if failed => open(events),
            Circuit::HalfOpen { .. } => {
                // The window restarts, so old failures cannot trip it again at once.
                self.buckets.clear();
                events.push(HealthEvent::CircuitClosed);
                Circuit::Closed
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::FailureKind;
    use std::time::Duration;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(s)
    }

    fn fail(h: &mut EndpointHealth, p: &HealthPolicy, at: Timestamp) -> Vec<HealthEvent> {
        h.record(p, Observation::Failure, at)
    }

    #[test]
    fn low_traffic_does_not_trip() {
        let p = HealthPolicy::default();
        let mut h = EndpointHealth::new();
        for i in 0..9 {
            fail(&mut h, &p, t(i));
        }
        assert_eq!(h.circuit(), Circuit::Closed);
        assert_eq!(h.window_counts(&p, t(9)), (0, 9));
        // Failures that left the window do not count.
        let events = fail(&mut h, &p, t(400));
        assert_eq!(h.circuit(), Circuit::Closed, "{events:?}");
        assert_eq!(h.window_counts(&p, t(400)), (0, 1));
    }

    #[test]
    fn trips_at_the_failure_percentage() {
        let p = HealthPolicy::default();
        let mut h = EndpointHealth::new();
        // 3 successes, then failures: trips when failures reach 70 % of ≥ 10.
        for i in 0..3 {
            h.record(&p, Observation::Success, t(i));
        }
        let mut opened_at = None;
        for i in 3..20 {
            let events = fail(&mut h, &p, t(i));
            if events
                .iter()
                .any(|e| matches!(e, HealthEvent::CircuitOpened { .. }))
            {
                opened_at = Some(i);
                break;
            }
        }
        // 3 + 7 = 10 attempts, 7 of them failed: exactly 70 %.
        assert_eq!(opened_at, Some(9));
        assert_eq!(h.circuit(), Circuit::Open { until: t(39) });
        assert_eq!(h.admit(&p, t(38)), Admission::Defer { until: t(39) });
    }

    #[test]
    fn half_open_probes_close_or_reopen() {
        let p = HealthPolicy::default();
        let mut h = EndpointHealth::new();
        for i in 0..10 {
            fail(&mut h, &p, t(i));
        }
        assert_eq!(h.circuit(), Circuit::Open { until: t(39) });
        assert_eq!(h.admit(&p, t(39)), Admission::Send);
        assert_eq!(h.admit(&p, t(40)), Admission::Defer { until: t(69) });
        // The probe fails: open again.
        assert_eq!(
            fail(&mut h, &p, t(41)),
            [HealthEvent::CircuitOpened { until: t(71) }]
        );
        assert_eq!(h.admit(&p, t(71)), Admission::Send);
        // An unanswered probe lets another through after `open_for`.
        assert_eq!(h.admit(&p, t(100)), Admission::Defer { until: t(101) });
        assert_eq!(h.admit(&p, t(101)), Admission::Send);
        let events = h.record(&p, Observation::Success, t(102));
        assert_eq!(events, [HealthEvent::Recovered, HealthEvent::CircuitClosed]);
        assert_eq!(h.circuit(), Circuit::Closed);
        assert_eq!(h.window_counts(&p, t(102)), (0, 0));
        assert_eq!(h.consecutive_failures(), 0);
    }

    #[test]
    fn several_probes_when_configured() {
        let p = HealthPolicy::default().with_probes(2).unwrap();
        let mut h = EndpointHealth::new();
        for i in 0..10 {
            fail(&mut h, &p, t(i));
        }
        assert_eq!(h.admit(&p, t(40)), Admission::Send);
        assert_eq!(h.admit(&p, t(40)), Admission::Send);
        assert_eq!(h.admit(&p, t(40)), Admission::Defer { until: t(70) });
    }

    #[test]
    fn gone_disables_at_once_unless_configured() {
        let p = HealthPolicy::default();
        let mut h = EndpointHealth::new();
        let events = h.record(&p, Observation::Gone(DisableReason::Gone), t(0));
        let reason = HealthDisableReason::Receiver(DisableReason::Gone);
        assert_eq!(events, [HealthEvent::Disabled { reason }]);
        assert_eq!(h.disabled(), Some(reason));
        assert_eq!(h.admit(&p, t(1)), Admission::Disabled);
        assert!(h.record(&p, Observation::Success, t(2)).is_empty());
        h.reset();
        assert_eq!(h.admit(&p, t(3)), Admission::Send);

        let lenient = p.with_disable_on_gone(false).with_disable_on_request(false);
        let mut h = EndpointHealth::new();
        assert!(
            h.record(&lenient, Observation::Gone(DisableReason::Gone), t(0))
                .is_empty()
        );
        h.record(
            &lenient,
            Observation::Gone(DisableReason::ReceiverRequested),
            t(1),
        );
        assert_eq!(h.disabled(), None);
        assert_eq!(h.consecutive_failures(), 2);
    }

    #[test]
    fn disabled_after_days_of_continuous_failure() {
        let p = HealthPolicy::default();
        let mut h = EndpointHealth::new();
        let hour = 3600;
        let day = 24 * hour;
        // One failure every 6 hours.
        let mut disabled_at = None;
        for step in 0..40 {
            let at = t(step * 6 * hour);
            let events = fail(&mut h, &p, at);
            if let Some(HealthEvent::Disabled { reason }) = events.last() {
                assert_eq!(
                    *reason,
                    HealthDisableReason::FailingContinuously {
                        since: t(0),
                        failures: u32::try_from(step + 1).unwrap()
                    }
                );
                disabled_at = Some(at);
                break;
            }
        }
        // The clock starts at the failure 12 h in; 5 days later it disables.
        assert_eq!(disabled_at, Some(t(12 * hour + 5 * day)));
        assert_eq!(h.admit(&p, t(6 * day)), Admission::Disabled);
    }

    #[test]
    fn time_alone_or_count_alone_does_not_disable() {
        let p = HealthPolicy::default();
        // Two failures six days apart: long enough, too few.
        let mut h = EndpointHealth::new();
        fail(&mut h, &p, t(0));
        fail(&mut h, &p, t(13 * 3600));
        fail(&mut h, &p, t(6 * 86_400));
        assert_eq!(h.disabled(), None);
        // Hundreds of failures in an hour: many, too soon.
        let mut h = EndpointHealth::new();
        for i in 0..500 {
            fail(&mut h, &p, t(i * 7));
        }
        assert_eq!(h.disabled(), None);
    }

    #[test]
    fn a_success_ends_the_streak_and_reports_recovery() {
        let p = HealthPolicy::default();
        let mut h = EndpointHealth::new();
        for i in 0..3 {
            assert!(fail(&mut h, &p, t(i * 100)).is_empty());
        }
        assert_eq!(
            fail(&mut h, &p, t(300)),
            [HealthEvent::Failing { failures: 4 }]
        );
        assert!(fail(&mut h, &p, t(400)).is_empty());
        assert_eq!(h.failing_since(), Some(t(0)));
        assert_eq!(
            h.record(&p, Observation::Success, t(500)),
            [HealthEvent::Recovered]
        );
        assert_eq!(h.failing_since(), None);
        // A success without a report says nothing.
        assert!(h.record(&p, Observation::Success, t(600)).is_empty());
    }

    #[test]
    fn a_long_silence_starts_a_new_streak() {
        let p = HealthPolicy::default();
        let mut h = EndpointHealth::new();
        fail(&mut h, &p, t(0));
        fail(&mut h, &p, t(13 * 3600));
        fail(&mut h, &p, t(11 * 86_400));
        assert_eq!(h.failing_since(), Some(t(11 * 86_400)));
        assert_eq!(h.consecutive_failures(), 1);
    }

    #[test]
    fn outcomes_map_to_observations() {
        let failure = FailureKind::Status(500);
        let cases = [
            (
                AttemptOutcome::Success { status: 200 },
                Observation::Success,
            ),
            (AttemptOutcome::Aborted, Observation::Success),
            (AttemptOutcome::Retryable { failure }, Observation::Failure),
            (AttemptOutcome::Throttled { failure }, Observation::Failure),
            (AttemptOutcome::Permanent { failure }, Observation::Failure),
            (AttemptOutcome::Blocked, Observation::Failure),
            (
                AttemptOutcome::EndpointGone {
                    reason: DisableReason::Gone,
                },
                Observation::Gone(DisableReason::Gone),
            ),
        ];
        for (outcome, expected) in cases {
            assert_eq!(Observation::from(&outcome), expected, "{outcome:?}");
        }
    }

    #[test]
    fn serde_round_trip_and_a_changed_window() {
        let p = HealthPolicy::default();
        let mut h = EndpointHealth::new();
        for i in 0..12 {
            fail(&mut h, &p, t(i));
        }
        let json = serde_json::to_string(&h).unwrap();
        assert!(
            json.starts_with(r#"{"schema_version":1,"circuit":{"state":"open","#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<EndpointHealth>(&json).unwrap(), h);
        let v2 = json.replace(r#""schema_version":1"#, r#""schema_version":2"#);
        assert!(serde_json::from_str::<EndpointHealth>(&v2).is_err());

        let narrow = p
            .with_window(Duration::from_secs(60), Duration::from_secs(10))
            .unwrap();
        h.record(&narrow, Observation::Success, t(13));
        assert_eq!(h.window_counts(&narrow, t(13)), (1, 0));

        let e = HealthEvent::Disabled {
            reason: HealthDisableReason::FailingContinuously {
                since: t(1),
                failures: 12,
            },
        };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"kind":"disabled","reason":{"failing_continuously":{"since":1000,"failures":12}}}"#
        );
        assert_eq!(
            HealthDisableReason::Receiver(DisableReason::Gone).code(),
            "gone"
        );
    }

    #[test]
    fn extreme_times_do_not_panic() {
        let p = HealthPolicy::default()
            .with_disable_after(Duration::from_millis(1))
            .unwrap()
            .with_disable_min_failures(1)
            .unwrap()
            .with_clock_span(Duration::ZERO);
        for at in [i64::MIN, -1, 0, i64::MAX] {
            let mut h = EndpointHealth::new();
            let at = Timestamp::from_unix_millis(at);
            h.admit(&p, at);
            h.record(&p, Observation::Failure, at);
            h.record(
                &p,
                Observation::Failure,
                Timestamp::from_unix_millis(i64::MAX),
            );
            let _ = h.window_counts(&p, at);
        }
    }
}
