//! A policy's attempts laid out in time, and its worst-case window.
//!
//! Times are offsets from the first attempt, counting waits only (not the
//! time each attempt takes). *Nominal* is without jitter; *latest* takes
//! every step at the jitter's maximum. `Retry-After` hints and the overload
//! minimum can push single attempts later still; `max_age` bounds them all.

use std::time::Duration;

use super::policy::RetryPolicy;

/// One attempt of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlannedAttempt {
    /// The attempt number (1 for the original send).
    pub attempt: u32,
    /// The scheduled wait before it.
    pub delay: Duration,
    /// The longest wait the jitter can make of it.
    pub max_delay: Duration,
    /// When it falls without jitter, after the first attempt.
    pub at: Duration,
    /// When it falls at the latest, every step at the jitter's maximum.
    pub latest: Duration,
}

impl PlannedAttempt {
    /// Whether jitter can push it past `max_age`, where the policy gives
    /// up instead of sending it.
    pub fn may_pass(&self, max_age: Duration) -> bool {
        self.latest > max_age
    }
}

/// Which limit ends a policy's retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// `max_attempts`.
    MaxAttempts,
    /// The schedule has no further step.
    Schedule,
    /// The next attempt would fall after `max_age` even without jitter.
    MaxAge,
}

/// The span of a policy's retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Window {
    /// How many attempts the policy makes, the first included, before
    /// jitter can cut any.
    pub attempts: u32,
    /// When the last of them falls without jitter.
    pub nominal: Duration,
    /// When the last falls at the latest: every step at the jitter's
    /// maximum, bounded by `max_age`.
    pub worst_case: Duration,
    /// The policy's `max_age`: no attempt ever falls later.
    pub max_age: Duration,
    /// The limit that ends the retries.
    pub limited_by: Limit,
}

/// The attempts of a policy, in order; see [`RetryPolicy::plan`].
#[derive(Clone, Debug)]
pub struct Plan<'a> {
    policy: &'a RetryPolicy,
    next: Option<u32>,
    at: Duration,
    latest: Duration,
}

impl Iterator for Plan<'_> {
    type Item = PlannedAttempt;

    fn next(&mut self) -> Option<PlannedAttempt> {
        let attempt = self.next?;
        let policy = self.policy;
        self.next = None;

        if attempt > policy.max_attempts {
            return None;
        }
        let delay = policy.schedule.delay(attempt)?;
        let at = self.at.saturating_add(delay);
        if at > policy.max_age {
            return None;
        }
        // The original send is not jittered: it has no delay to spread.
        let max_delay = if attempt == 1 {
            delay
        } else {
            policy.jitter.max_delay(delay)
        };
        self.at = at;
        self.latest = self.latest.saturating_add(max_delay);
        self.next = attempt.checked_add(1);

        Some(PlannedAttempt {
            attempt,
            delay,
            max_delay,
            at,
            latest: self.latest,
        })
    }
}

impl RetryPolicy {
    /// The attempts this policy makes, from the original send to the last
    /// one that falls within `max_age` without jitter.
    ///
    /// Lazy: a repeating schedule with a huge `max_attempts` and `max_age`
    /// yields that many items.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::retry::Preset;
    ///
    /// let policy = Preset::Svix.policy();
    /// let plan: Vec<_> = policy.plan().collect();
    /// assert_eq!(plan.len(), 8);
    /// assert_eq!(plan[1].delay, Duration::from_secs(5));
    /// assert_eq!(plan[7].at, Duration::from_secs(99_305)); // 27 h 35 min 5 s
    /// ```
    pub fn plan(&self) -> Plan<'_> {
        Plan {
            policy: self,
            next: Some(1),
            at: Duration::ZERO,
            latest: Duration::ZERO,
        }
    }

    /// The worst-case window: how long the retries of one message can
    /// last, with the jitter at its maximum and the limits applied.
    ///
    /// Quick for any configuration: the listed steps are walked (at most
    /// [`MAX_STEPS`](super::MAX_STEPS)), a repeating last step is counted
    /// arithmetically.
    pub fn window(&self) -> Window {
        let schedule = &self.schedule;
        let mut attempts = 1u32;
        let mut at = Duration::ZERO;
        let mut latest = Duration::ZERO;
        let mut limited_by = None;

        for delay in schedule.steps() {
            if attempts >= self.max_attempts {
                limited_by = Some(Limit::MaxAttempts);
                break;
            }
            let next_at = at.saturating_add(delay);
            if next_at > self.max_age {
                limited_by = Some(Limit::MaxAge);
                break;
            }
            at = next_at;
            latest = latest.saturating_add(self.jitter.max_delay(delay));
            attempts = attempts.saturating_add(1);
        }

        let limited_by = match limited_by {
            Some(limit) => limit,
            None if attempts >= self.max_attempts => Limit::MaxAttempts,
            None if !schedule.repeats_last() => Limit::Schedule,
            None => {
                let step = last_step(self);
                let remaining = self.max_attempts.saturating_sub(attempts);
                let room = self.max_age.saturating_sub(at).as_nanos();
                let fit = match step.as_nanos() {
                    0 => u128::from(remaining),
                    n => (room / n).min(u128::from(remaining)),
                };
                let fit_u32 = u32::try_from(fit).unwrap_or(remaining);
                at = saturating_times(step, fit_u32).saturating_add(at);
                latest =
                    saturating_times(self.jitter.max_delay(step), fit_u32).saturating_add(latest);
                attempts = attempts.saturating_add(fit_u32);
                if fit_u32 < remaining {
                    Limit::MaxAge
                } else {
                    Limit::MaxAttempts
                }
            }
        };

        Window {
            attempts,
            nominal: at,
            worst_case: latest.min(self.max_age),
            max_age: self.max_age,
            limited_by,
        }
    }
}

/// The step a repeating schedule repeats.
fn last_step(policy: &RetryPolicy) -> Duration {
    let schedule = &policy.schedule;
    schedule
        .len()
        .checked_add(1)
        .and_then(|last_attempt| schedule.delay(last_attempt))
        .unwrap_or(Duration::ZERO)
}

fn saturating_times(step: Duration, times: u32) -> Duration {
    super::math::from_nanos(step.as_nanos().saturating_mul(u128::from(times)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::{Jitter, Schedule};

    const fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn plan_lists_cumulative_times() {
        static STEPS: [Duration; 3] = [secs(10), secs(60), secs(600)];
        let p = RetryPolicy::new(Schedule::from_static(&STEPS).unwrap());
        let plan: Vec<_> = p.plan().collect();
        let rows: Vec<(u32, u64, u64, u64)> = plan
            .iter()
            .map(|a| {
                (
                    a.attempt,
                    a.delay.as_secs(),
                    a.at.as_secs(),
                    a.latest.as_secs(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (1, 0, 0, 0),
                (2, 10, 10, 12),
                (3, 60, 70, 78),
                (4, 600, 670, 738)
            ]
        );
        let w = p.window();
        assert_eq!(
            (w.attempts, w.nominal, w.worst_case, w.limited_by),
            (4, secs(670), secs(738), Limit::MaxAttempts)
        );
    }

    #[test]
    fn max_age_shortens_plan_and_window() {
        static STEPS: [Duration; 3] = [secs(10), secs(60), secs(600)];
        let p = RetryPolicy::new(Schedule::from_static(&STEPS).unwrap())
            .with_max_age(secs(75))
            .unwrap();
        let plan: Vec<_> = p.plan().collect();
        assert_eq!(plan.len(), 3);
        assert!(plan[2].may_pass(p.max_age()));
        let w = p.window();
        assert_eq!(
            (w.attempts, w.worst_case, w.limited_by),
            (3, secs(75), Limit::MaxAge)
        );
    }

    #[test]
    fn repeating_tail_is_counted_without_a_walk() {
        let s = Schedule::from_steps(vec![secs(1), secs(3600)])
            .unwrap()
            .with_repeat_last()
            .unwrap();
        let p = RetryPolicy::new(s).with_jitter(Jitter::NONE);
        assert_eq!(p.max_attempts(), u32::MAX);
        let w = p.window();
        // 7 days: 1 s + n hours <= 168 h holds up to n = 167.
        assert_eq!(w.attempts, 2 + 167);
        assert_eq!(w.nominal, secs(1 + 167 * 3600));
        assert_eq!(w.limited_by, Limit::MaxAge);

        let zeros = Schedule::from_steps(vec![Duration::ZERO])
            .unwrap()
            .with_repeat_last()
            .unwrap();
        let w = RetryPolicy::new(zeros)
            .with_max_age(Duration::MAX)
            .unwrap()
            .window();
        assert_eq!((w.attempts, w.limited_by), (u32::MAX, Limit::MaxAttempts));
        // Each zero step may still be jittered by the 2 s floor.
        assert_eq!(w.worst_case, secs(2 * (u64::from(u32::MAX) - 1)));
    }

    #[test]
    fn schedule_limit() {
        let p = RetryPolicy::new(Schedule::linear(secs(5)).with_retries(2).unwrap().build())
            .with_max_attempts(100)
            .unwrap();
        assert_eq!(p.window().limited_by, Limit::Schedule);
        assert_eq!(p.plan().count(), 3);
    }
}
