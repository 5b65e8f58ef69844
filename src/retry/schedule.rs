//! Retry schedules: the waits between attempts, with random access.
//!
//! **Attempt numbering.** Attempt 1 is the original send; it has no wait
//! before it, so [`Schedule::delay`]`(1)` is `Some(Duration::ZERO)`. Attempt
//! `n >= 2` is the `(n - 1)`-th retry and waits `delay(n)` after attempt
//! `n - 1` ended. `delay(0)` is `None`: there is no attempt 0. A schedule's
//! *steps* are the waits before attempts 2, 3, ...; a schedule of `k` steps
//! allows `k + 1` attempts, or any number if it repeats its last step.
//!
//! Every delay is computed from the attempt number alone, so a worker that
//! picks a job up anywhere can recompute it without any history.

use std::borrow::Cow;
use std::time::Duration;

use super::error::ConfigError;
use super::math;

/// The most steps a schedule holds (list or generated).
///
/// The bound keeps every walk over a schedule (its worst-case window, a
/// listing) short; a repeating last step goes on past it without a walk.
pub const MAX_STEPS: u32 = 10_000;

/// A retry schedule: the delay before each attempt, by attempt number.
///
/// Three shapes: an explicit list (the Standard Webhooks or Svix style,
/// easy to publish to customers), an exponential one and a linear one
/// (the Convoy and Outpost style), each with a cap. Any of them may repeat
/// its last step forever; the policy's limits then end the retries.
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::retry::Schedule;
///
/// const STEPS: &[Duration] = &[Duration::from_secs(5), Duration::from_secs(300)];
/// let list = Schedule::from_static(STEPS)?;
/// assert_eq!(list.delay(1), Some(Duration::ZERO)); // the original send
/// assert_eq!(list.delay(2), Some(Duration::from_secs(5)));
/// assert_eq!(list.delay(4), None);
/// assert_eq!(list.with_repeat_last()?.delay(40), Some(Duration::from_secs(300)));
///
/// let exp = Schedule::exponential(Duration::from_secs(30))?
///     .with_factor(2)?
///     .with_cap(Duration::from_secs(3600))?
///     .with_retries(10)?
///     .build();
/// assert_eq!(exp.delay(3), Some(Duration::from_secs(60)));
/// assert_eq!(exp.delay(11), Some(Duration::from_secs(3600)));
/// # Ok::<(), webhook_kit::retry::ConfigError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    steps: Steps,
    repeat_last: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Steps {
    List(Cow<'static, [Duration]>),
    Exponential(Exponential),
    Linear(Linear),
}

impl Schedule {
    /// A schedule from a static list of steps (the waits before attempts
    /// 2, 3, ...). An empty list means no retries.
    ///
    /// # Errors
    ///
    /// [`ConfigError::TooManySteps`] for more than [`MAX_STEPS`] steps.
    pub const fn from_static(steps: &'static [Duration]) -> Result<Schedule, ConfigError> {
        if steps.len() > MAX_STEPS as usize {
            return Err(ConfigError::TooManySteps { steps: steps.len() });
        }
        Ok(Schedule::fixed(steps, false))
    }

    /// A schedule from a list of steps built at run time.
    ///
    /// # Errors
    ///
    /// [`ConfigError::TooManySteps`] for more than [`MAX_STEPS`] steps.
    pub fn from_steps(steps: Vec<Duration>) -> Result<Schedule, ConfigError> {
        if steps.len() > MAX_STEPS as usize {
            return Err(ConfigError::TooManySteps { steps: steps.len() });
        }
        Ok(Schedule {
            steps: Steps::List(Cow::Owned(steps)),
            repeat_last: false,
        })
    }

    /// A list the crate knows to be within bounds (the presets).
    pub(crate) const fn fixed(steps: &'static [Duration], repeat_last: bool) -> Schedule {
        Schedule {
            steps: Steps::List(Cow::Borrowed(steps)),
            repeat_last,
        }
    }

    /// An exponential schedule starting at `initial`; see [`Exponential`].
    ///
    /// # Errors
    ///
    /// [`ConfigError::ZeroInitialDelay`] when `initial` is zero.
    pub const fn exponential(initial: Duration) -> Result<Exponential, ConfigError> {
        Exponential::new(initial)
    }

    /// A linear schedule starting at `initial`; see [`Linear`].
    pub const fn linear(initial: Duration) -> Linear {
        Linear::new(initial)
    }

    /// The same schedule, repeating its last step after the others.
    ///
    /// # Errors
    ///
    /// [`ConfigError::NothingToRepeat`] for a schedule with no steps.
    pub fn with_repeat_last(mut self) -> Result<Schedule, ConfigError> {
        if self.is_empty() {
            return Err(ConfigError::NothingToRepeat);
        }
        self.repeat_last = true;
        Ok(self)
    }

    /// The wait before attempt `attempt` (see the module docs for the
    /// numbering): `Some(ZERO)` for attempt 1, `None` for attempt 0 and for
    /// attempts past the end of a schedule that does not repeat.
    pub fn delay(&self, attempt: u32) -> Option<Duration> {
        let index = attempt.checked_sub(2);
        match index {
            None if attempt == 1 => Some(Duration::ZERO),
            None => None,
            Some(index) if index < self.len() => Some(self.step(index)),
            Some(_) if self.repeat_last => self.len().checked_sub(1).map(|last| self.step(last)),
            Some(_) => None,
        }
    }

    /// How many steps the schedule lists (its repetition aside): the number
    /// of retries it allows when it does not repeat.
    pub fn len(&self) -> u32 {
        match &self.steps {
            // A list is at most MAX_STEPS long (checked when built).
            Steps::List(steps) => u32::try_from(steps.len()).unwrap_or(MAX_STEPS),
            Steps::Exponential(e) => e.retries,
            Steps::Linear(l) => l.retries,
        }
    }

    /// Whether the schedule lists no step (no retries, unless repeating).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the last step repeats forever.
    pub fn repeats_last(&self) -> bool {
        self.repeat_last
    }

    /// The longest step (zero for a schedule without steps): the default
    /// cap on a `Retry-After` hint.
    pub fn longest_step(&self) -> Duration {
        match &self.steps {
            Steps::List(steps) => steps.iter().copied().max().unwrap_or(Duration::ZERO),
            // Generated shapes never decrease: the last step is the longest.
            _ => self
                .len()
                .checked_sub(1)
                .map_or(Duration::ZERO, |i| self.step(i)),
        }
    }

    /// The listed steps in order (the waits before attempts 2, 3, ...).
    pub fn steps(&self) -> impl Iterator<Item = Duration> + '_ {
        (0..self.len()).map(|i| self.step(i))
    }

    /// Step `index` (0-based), `index < len()`.
    fn step(&self, index: u32) -> Duration {
        match &self.steps {
            Steps::List(steps) => usize::try_from(index)
                .ok()
                .and_then(|i| steps.get(i).copied())
                .unwrap_or(Duration::ZERO),
            Steps::Exponential(e) => e.step(index),
            Steps::Linear(l) => l.step(index),
        }
    }
}

/// Builder of an exponential schedule: step `k` (0-based) waits
/// `min(cap, initial * factor^k)`.
///
/// Defaults: factor 2, cap 24 h, 10 retries, no repetition. Each `with_*`
/// setter checks its value; `build` cannot fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exponential {
    initial: Duration,
    factor: u32,
    cap: Duration,
    retries: u32,
    repeat_last: bool,
}

impl Exponential {
    /// Starts a schedule whose first retry waits `initial`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::ZeroInitialDelay`] when `initial` is zero.
    pub const fn new(initial: Duration) -> Result<Exponential, ConfigError> {
        if initial.is_zero() {
            return Err(ConfigError::ZeroInitialDelay);
        }
        Ok(Exponential {
            initial,
            factor: 2,
            cap: Duration::from_secs(24 * 3600),
            retries: 10,
            repeat_last: false,
        })
    }

    /// Doubling steps from values the crate knows to be valid (the presets).
    pub(crate) const fn doubling(initial: Duration, cap: Duration, retries: u32) -> Exponential {
        Exponential {
            initial,
            factor: 2,
            cap,
            retries,
            repeat_last: false,
        }
    }

    /// The growth factor between steps (1 gives a constant schedule).
    ///
    /// # Errors
    ///
    /// [`ConfigError::ZeroFactor`] when `factor` is zero.
    pub const fn with_factor(mut self, factor: u32) -> Result<Exponential, ConfigError> {
        if factor == 0 {
            return Err(ConfigError::ZeroFactor);
        }
        self.factor = factor;
        Ok(self)
    }

    /// The longest any step may wait.
    ///
    /// # Errors
    ///
    /// [`ConfigError::ZeroCap`] when `cap` is zero.
    pub const fn with_cap(mut self, cap: Duration) -> Result<Exponential, ConfigError> {
        if cap.is_zero() {
            return Err(ConfigError::ZeroCap);
        }
        self.cap = cap;
        Ok(self)
    }

    /// How many steps (retries) the schedule lists.
    ///
    /// # Errors
    ///
    /// [`ConfigError::RetriesOutOfRange`] outside `1..=MAX_STEPS`.
    pub const fn with_retries(mut self, retries: u32) -> Result<Exponential, ConfigError> {
        if retries == 0 || retries > MAX_STEPS {
            return Err(ConfigError::RetriesOutOfRange { retries });
        }
        self.retries = retries;
        Ok(self)
    }

    /// Whether the last step repeats forever.
    pub const fn with_repeat_last(mut self, repeat: bool) -> Exponential {
        self.repeat_last = repeat;
        self
    }

    /// The schedule.
    pub const fn build(self) -> Schedule {
        Schedule {
            repeat_last: self.repeat_last,
            steps: Steps::Exponential(self),
        }
    }

    fn step(&self, index: u32) -> Duration {
        // An overflowing power or product is past any cap: the cap applies.
        let grown = u128::from(self.factor)
            .checked_pow(index)
            .and_then(|power| self.initial.as_nanos().checked_mul(power))
            .map_or(Duration::MAX, math::from_nanos);
        grown.min(self.cap)
    }
}

/// Builder of a linear schedule: step `k` (0-based) waits
/// `min(cap, initial + k * increment)`.
///
/// Defaults: increment 0 (a fixed delay, Convoy's default shape), cap 24 h,
/// 10 retries, no repetition. An initial delay of zero is allowed (an
/// immediate first retry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Linear {
    initial: Duration,
    increment: Duration,
    cap: Duration,
    retries: u32,
    repeat_last: bool,
}

impl Linear {
    /// Starts a schedule whose first retry waits `initial`.
    pub const fn new(initial: Duration) -> Linear {
        Linear {
            initial,
            increment: Duration::ZERO,
            cap: Duration::from_secs(24 * 3600),
            retries: 10,
            repeat_last: false,
        }
    }

    /// What each step adds to the one before.
    pub const fn with_increment(mut self, increment: Duration) -> Linear {
        self.increment = increment;
        self
    }

    /// The longest any step may wait.
    ///
    /// # Errors
    ///
    /// [`ConfigError::ZeroCap`] when `cap` is zero.
    pub const fn with_cap(mut self, cap: Duration) -> Result<Linear, ConfigError> {
        if cap.is_zero() {
            return Err(ConfigError::ZeroCap);
        }
        self.cap = cap;
        Ok(self)
    }

    /// How many steps (retries) the schedule lists.
    ///
    /// # Errors
    ///
    /// [`ConfigError::RetriesOutOfRange`] outside `1..=MAX_STEPS`.
    pub const fn with_retries(mut self, retries: u32) -> Result<Linear, ConfigError> {
        if retries == 0 || retries > MAX_STEPS {
            return Err(ConfigError::RetriesOutOfRange { retries });
        }
        self.retries = retries;
        Ok(self)
    }

    /// Whether the last step repeats forever.
    pub const fn with_repeat_last(mut self, repeat: bool) -> Linear {
        self.repeat_last = repeat;
        self
    }

    /// The schedule.
    pub const fn build(self) -> Schedule {
        Schedule {
            repeat_last: self.repeat_last,
            steps: Steps::Linear(self),
        }
    }

    fn step(&self, index: u32) -> Duration {
        let added = self.increment.as_nanos().saturating_mul(u128::from(index));
        let total = self.initial.as_nanos().saturating_add(added);
        math::from_nanos(total).min(self.cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn numbering_of_a_list() {
        static STEPS: [Duration; 2] = [secs(5), secs(300)];
        let s = Schedule::from_static(&STEPS).unwrap();
        assert_eq!(s.delay(0), None);
        assert_eq!(s.delay(1), Some(Duration::ZERO));
        assert_eq!(s.delay(2), Some(secs(5)));
        assert_eq!(s.delay(3), Some(secs(300)));
        assert_eq!(s.delay(4), None);
        assert_eq!(s.delay(u32::MAX), None);
        assert_eq!(s.len(), 2);
        assert_eq!(s.longest_step(), secs(300));
    }

    #[test]
    fn repeat_last() {
        let s = Schedule::from_steps(vec![secs(3), secs(36_000), secs(10)])
            .unwrap()
            .with_repeat_last()
            .unwrap();
        assert!(s.repeats_last());
        assert_eq!(s.delay(4), Some(secs(10)));
        assert_eq!(s.delay(5), Some(secs(10)));
        assert_eq!(s.delay(u32::MAX), Some(secs(10)));
        assert_eq!(s.longest_step(), secs(36_000));
        assert_eq!(
            Schedule::from_steps(Vec::new()).unwrap().with_repeat_last(),
            Err(ConfigError::NothingToRepeat)
        );
    }

    #[test]
    fn an_empty_list_allows_only_the_first_send() {
        let s = Schedule::from_steps(Vec::new()).unwrap();
        assert!(s.is_empty());
        assert_eq!(s.delay(1), Some(Duration::ZERO));
        assert_eq!(s.delay(2), None);
        assert_eq!(s.longest_step(), Duration::ZERO);
    }

    #[test]
    fn too_long_a_list_is_refused() {
        let steps = vec![secs(1); MAX_STEPS as usize + 1];
        assert_eq!(
            Schedule::from_steps(steps),
            Err(ConfigError::TooManySteps {
                steps: MAX_STEPS as usize + 1
            })
        );
    }

    #[test]
    fn exponential_with_cap() {
        let s = Schedule::exponential(secs(30))
            .unwrap()
            .with_cap(secs(7200))
            .unwrap()
            .with_retries(10)
            .unwrap()
            .build();
        let got: Vec<u64> = s.steps().map(|d| d.as_secs()).collect();
        assert_eq!(got, [30, 60, 120, 240, 480, 960, 1920, 3840, 7200, 7200]);
        assert_eq!(s.delay(12), None);
        assert_eq!(s.longest_step(), secs(7200));
    }

    #[test]
    fn exponential_never_overflows() {
        let s = Schedule::exponential(Duration::MAX)
            .unwrap()
            .with_factor(u32::MAX)
            .unwrap()
            .with_cap(Duration::MAX)
            .unwrap()
            .with_retries(MAX_STEPS)
            .unwrap()
            .with_repeat_last(true)
            .build();
        assert_eq!(s.delay(2), Some(Duration::MAX));
        assert_eq!(s.delay(u32::MAX), Some(Duration::MAX));
        let small = Schedule::exponential(Duration::from_nanos(1))
            .unwrap()
            .with_factor(3)
            .unwrap()
            .with_cap(Duration::MAX)
            .unwrap()
            .with_retries(MAX_STEPS)
            .unwrap()
            .build();
        assert_eq!(small.delay(MAX_STEPS + 1), Some(Duration::MAX));
    }

    #[test]
    fn builders_validate() {
        assert_eq!(
            Schedule::exponential(Duration::ZERO),
            Err(ConfigError::ZeroInitialDelay)
        );
        let e = Schedule::exponential(secs(1)).unwrap();
        assert_eq!(e.with_factor(0), Err(ConfigError::ZeroFactor));
        assert_eq!(e.with_cap(Duration::ZERO), Err(ConfigError::ZeroCap));
        assert_eq!(
            e.with_retries(0),
            Err(ConfigError::RetriesOutOfRange { retries: 0 })
        );
        assert_eq!(
            e.with_retries(MAX_STEPS + 1),
            Err(ConfigError::RetriesOutOfRange {
                retries: MAX_STEPS + 1
            })
        );
        let l = Schedule::linear(secs(1));
        assert_eq!(l.with_cap(Duration::ZERO), Err(ConfigError::ZeroCap));
        assert_eq!(
            l.with_retries(u32::MAX),
            Err(ConfigError::RetriesOutOfRange { retries: u32::MAX })
        );
    }

    #[test]
    fn builders_are_const() {
        const S: Result<Exponential, ConfigError> = match Exponential::new(secs(60)) {
            Ok(e) => e.with_retries(3),
            Err(e) => Err(e),
        };
        let s = S.unwrap().build();
        assert_eq!(s.delay(4), Some(secs(240)));
    }

    #[test]
    fn linear_with_cap() {
        let fixed = Schedule::linear(secs(100)).with_retries(3).unwrap().build();
        assert_eq!(fixed.steps().collect::<Vec<_>>(), [secs(100); 3]);
        let growing = Schedule::linear(secs(10))
            .with_increment(secs(20))
            .with_cap(secs(45))
            .unwrap()
            .with_retries(4)
            .unwrap()
            .with_repeat_last(true)
            .build();
        let got: Vec<u64> = growing.steps().map(|d| d.as_secs()).collect();
        assert_eq!(got, [10, 30, 45, 45]);
        assert_eq!(growing.delay(u32::MAX), Some(secs(45)));
        let huge = Schedule::linear(Duration::MAX)
            .with_increment(Duration::MAX)
            .with_cap(Duration::MAX)
            .unwrap()
            .with_retries(MAX_STEPS)
            .unwrap()
            .build();
        assert_eq!(huge.delay(MAX_STEPS + 1), Some(Duration::MAX));
    }
}
