//! The settings of endpoint health: the circuit breaker and the disable rule.

use std::time::Duration;

use super::error::ValidationError;

/// The most buckets a breaker window is cut into.
pub const MAX_BUCKETS: u64 = 120;

/// When an endpoint's circuit opens and closes, and when a failing
/// endpoint is disabled.
///
/// Defaults (OUTBOUND design, after Convoy's breaker and Svix's disabling):
///
/// | setting | default |
/// |---|---|
/// | breaker window, sampled in buckets of | 5 min, 30 s |
/// | trips at | ≥ 70 % failures with ≥ 10 attempts in the window |
/// | stays open for | 30 s, then half-open |
/// | probes admitted while half-open | 1 (a success closes, a failure reopens) |
/// | disabled after failing continuously for | ≥ 5 days **and** ≥ 10 failed attempts |
/// | the 5-day clock starts once failures span | 12 h |
/// | "failing" reported after | 4 consecutive failures |
/// | disabled at once on | 410 Gone, and the receiver's `disable` |
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::delivery::HealthPolicy;
///
/// let policy = HealthPolicy::default().with_disable_after(Duration::from_secs(3 * 86_400))?;
/// assert_eq!(policy.disable_min_failures(), 10);
/// assert!(HealthPolicy::default().with_failure_percent(0).is_err());
/// # Ok::<(), webhook_kit::delivery::ValidationError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthPolicy {
    pub(super) window: Duration,
    pub(super) bucket: Duration,
    pub(super) failure_percent: u32,
    pub(super) min_attempts: u32,
    pub(super) open_for: Duration,
    pub(super) probes: u32,
    pub(super) disable_after: Duration,
    pub(super) disable_min_failures: u32,
    pub(super) clock_span: Duration,
    pub(super) failing_after: u32,
    pub(super) disable_on_gone: bool,
    pub(super) disable_on_request: bool,
}

impl Default for HealthPolicy {
    fn default() -> Self {
        HealthPolicy {
            window: Duration::from_secs(300),
            bucket: Duration::from_secs(30),
            failure_percent: 70,
            min_attempts: 10,
            open_for: Duration::from_secs(30),
            probes: 1,
            disable_after: Duration::from_secs(5 * 86_400),
            disable_min_failures: 10,
            clock_span: Duration::from_secs(12 * 3600),
            failing_after: 4,
            disable_on_gone: true,
            disable_on_request: true,
        }
    }
}

fn invalid(reason: &'static str) -> ValidationError {
    ValidationError::InvalidHealthPolicy { reason }
}

fn whole_millis(d: Duration, reason: &'static str) -> Result<u64, ValidationError> {
    match u64::try_from(d.as_millis()) {
        Ok(ms) if ms > 0 && i64::try_from(ms).is_ok() => Ok(ms),
        _ => Err(invalid(reason)),
    }
}

impl HealthPolicy {
    /// The breaker's window and the bucket length it is sampled in, both
    /// to whole milliseconds.
    ///
    /// # Errors
    ///
    /// [`ValidationError::InvalidHealthPolicy`] unless both are at least a
    /// millisecond, the window is a whole number of buckets, and there are
    /// at most [`MAX_BUCKETS`] of them.
    pub fn with_window(
        mut self,
        window: Duration,
        bucket: Duration,
    ) -> Result<Self, ValidationError> {
        let w = whole_millis(window, "the window must be at least a millisecond")?;
        let b = whole_millis(bucket, "the bucket must be at least a millisecond")?;
        if w % b != 0 {
            return Err(invalid("the window must be a whole number of buckets"));
        }
        if w / b > MAX_BUCKETS {
            return Err(invalid("the window holds at most 120 buckets"));
        }
        self.window = Duration::from_millis(w);
        self.bucket = Duration::from_millis(b);
        Ok(self)
    }

    /// The failure percentage at or above which the circuit opens.
    ///
    /// # Errors
    ///
    /// [`ValidationError::InvalidHealthPolicy`] outside 1 to 100.
    pub fn with_failure_percent(mut self, percent: u32) -> Result<Self, ValidationError> {
        if !(1..=100).contains(&percent) {
            return Err(invalid("the failure percentage must lie in 1 to 100"));
        }
        self.failure_percent = percent;
        Ok(self)
    }

    /// The fewest attempts in the window before the circuit may open, so a
    /// quiet endpoint does not trip on one failure.
    ///
    /// # Errors
    ///
    /// [`ValidationError::InvalidHealthPolicy`] for zero.
    pub fn with_min_attempts(mut self, min: u32) -> Result<Self, ValidationError> {
        if min == 0 {
            return Err(invalid("the minimum number of attempts must be at least 1"));
        }
        self.min_attempts = min;
        Ok(self)
    }

    /// How long the circuit stays open before probing, and how long a
    /// probe may stay unanswered before another is admitted.
    ///
    /// # Errors
    ///
    /// [`ValidationError::InvalidHealthPolicy`] under a millisecond.
    pub fn with_open_for(mut self, open_for: Duration) -> Result<Self, ValidationError> {
        let ms = whole_millis(open_for, "the open time must be at least a millisecond")?;
        self.open_for = Duration::from_millis(ms);
        Ok(self)
    }

    /// How many attempts a half-open circuit admits before an answer.
    ///
    /// # Errors
    ///
    /// [`ValidationError::InvalidHealthPolicy`] for zero.
    pub fn with_probes(mut self, probes: u32) -> Result<Self, ValidationError> {
        if probes == 0 {
            return Err(invalid("a half-open circuit admits at least one probe"));
        }
        self.probes = probes;
        Ok(self)
    }

    /// How long an endpoint must fail continuously, once its clock started,
    /// to be disabled.
    ///
    /// # Errors
    ///
    /// [`ValidationError::InvalidHealthPolicy`] under a millisecond.
    pub fn with_disable_after(mut self, after: Duration) -> Result<Self, ValidationError> {
        let ms = whole_millis(after, "the disable time must be at least a millisecond")?;
        self.disable_after = Duration::from_millis(ms);
        Ok(self)
    }

    /// The fewest consecutive failed attempts before an endpoint is disabled.
    ///
    /// # Errors
    ///
    /// [`ValidationError::InvalidHealthPolicy`] for zero.
    pub fn with_disable_min_failures(mut self, min: u32) -> Result<Self, ValidationError> {
        if min == 0 {
            return Err(invalid("the minimum number of failures must be at least 1"));
        }
        self.disable_min_failures = min;
        Ok(self)
    }

    /// How far apart a streak's first failure and a later one must be
    /// before the disable clock starts; zero starts it at the first failure.
    pub fn with_clock_span(mut self, span: Duration) -> Self {
        self.clock_span = span;
        self
    }

    /// After how many consecutive failures the endpoint is reported failing
    /// ([`HealthEvent::Failing`](super::HealthEvent::Failing)); zero never.
    pub fn with_failing_after(mut self, failures: u32) -> Self {
        self.failing_after = failures;
        self
    }

    /// Whether 410 Gone disables the endpoint at once (otherwise it counts
    /// as a failure).
    pub fn with_disable_on_gone(mut self, disable: bool) -> Self {
        self.disable_on_gone = disable;
        self
    }

    /// Whether the receiver's `webhook-delivery: disable` disables the
    /// endpoint at once (otherwise it counts as a failure).
    pub fn with_disable_on_request(mut self, disable: bool) -> Self {
        self.disable_on_request = disable;
        self
    }

    /// The breaker's window.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// The bucket length the window is sampled in.
    pub fn bucket(&self) -> Duration {
        self.bucket
    }

    /// The failure percentage that opens the circuit.
    pub fn failure_percent(&self) -> u32 {
        self.failure_percent
    }

    /// The fewest attempts in the window before the circuit may open.
    pub fn min_attempts(&self) -> u32 {
        self.min_attempts
    }

    /// How long the circuit stays open.
    pub fn open_for(&self) -> Duration {
        self.open_for
    }

    /// The probes a half-open circuit admits.
    pub fn probes(&self) -> u32 {
        self.probes
    }

    /// How long an endpoint fails before it is disabled.
    pub fn disable_after(&self) -> Duration {
        self.disable_after
    }

    /// The fewest consecutive failures before it is disabled.
    pub fn disable_min_failures(&self) -> u32 {
        self.disable_min_failures
    }

    /// The span of failures that starts the disable clock.
    pub fn clock_span(&self) -> Duration {
        self.clock_span
    }

    /// After how many consecutive failures the endpoint is reported failing.
    pub fn failing_after(&self) -> u32 {
        self.failing_after
    }

    /// Whether 410 Gone disables at once.
    pub fn disable_on_gone(&self) -> bool {
        self.disable_on_gone
    }

    /// Whether the receiver's `disable` disables at once.
    pub fn disable_on_request(&self) -> bool {
        self.disable_on_request
    }

    /// The number of buckets in the window (1 to [`MAX_BUCKETS`]).
    pub(super) fn bucket_count(&self) -> usize {
        let (w, b) = (self.window.as_millis(), self.bucket.as_millis().max(1));
        usize::try_from((w / b).clamp(1, u128::from(MAX_BUCKETS))).unwrap_or(1)
    }

    /// The bucket length in milliseconds, at least 1.
    pub(super) fn bucket_ms(&self) -> i64 {
        i64::try_from(self.bucket.as_millis())
            .unwrap_or(i64::MAX)
            .max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_design() {
        let p = HealthPolicy::default();
        assert_eq!(p.window(), Duration::from_secs(300));
        assert_eq!(p.bucket(), Duration::from_secs(30));
        assert_eq!(p.bucket_count(), 10);
        assert_eq!(p.failure_percent(), 70);
        assert_eq!(p.min_attempts(), 10);
        assert_eq!(p.open_for(), Duration::from_secs(30));
        assert_eq!(p.probes(), 1);
        assert_eq!(p.disable_after(), Duration::from_secs(5 * 86_400));
        assert_eq!(p.disable_min_failures(), 10);
        assert_eq!(p.clock_span(), Duration::from_secs(12 * 3600));
        assert_eq!(p.failing_after(), 4);
        assert!(p.disable_on_gone() && p.disable_on_request());
    }

    #[test]
    fn settings_are_checked() {
        let p = HealthPolicy::default();
        let secs = Duration::from_secs;
        assert!(p.with_window(secs(60), secs(7)).is_err());
        assert!(p.with_window(secs(121), secs(1)).is_err());
        assert!(p.with_window(secs(120), secs(1)).is_ok());
        assert!(p.with_window(Duration::ZERO, secs(1)).is_err());
        assert!(p.with_window(secs(1), Duration::from_micros(10)).is_err());
        assert!(p.with_window(Duration::MAX, secs(1)).is_err());
        assert!(p.with_failure_percent(101).is_err());
        assert!(p.with_failure_percent(100).is_ok());
        assert!(p.with_min_attempts(0).is_err());
        assert!(p.with_probes(0).is_err());
        assert!(p.with_open_for(Duration::ZERO).is_err());
        assert!(p.with_disable_after(Duration::from_micros(1)).is_err());
        assert!(p.with_disable_min_failures(0).is_err());
        let e = p.with_min_attempts(0).unwrap_err();
        assert_eq!(e.code(), "invalid_health_policy");
        assert_eq!(
            e.to_string(),
            "invalid health policy: the minimum number of attempts must be at least 1"
        );
    }
}
