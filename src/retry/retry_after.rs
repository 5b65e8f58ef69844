//! `Retry-After` (RFC 9110 §10.2.3): parsing, and how a hint bounds the
//! next delay.
//!
//! A value is either delay-seconds (ASCII digits only) or an HTTP-date in
//! any of the three forms a recipient must accept: IMF-fixdate
//! (`Sun, 06 Nov 1994 08:49:37 GMT`), the obsolete RFC 850 form
//! (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
//! (`Sun Nov  6 08:49:37 1994`). A value that starts with a letter is read
//! as a date; anything else must be delay-seconds, so a sign, a fraction,
//! an exponent or a number too large is malformed and never handed to the
//! date parser. Two-digit RFC 850 years map to 1970–2069.
//!
//! A hint is a **lower bound** on the next delay, clamped to a cap so that
//! a hostile "come back in a month" costs at most one long step. A date in
//! the past gives no bound (the scheduled delay applies). A malformed value
//! is ignored and reported.

use std::borrow::Cow;
use std::time::{Duration, UNIX_EPOCH};

use super::error::{ConfigError, RetryAfterError};
use crate::time::Timestamp;

/// A parsed `Retry-After` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryAfter {
    /// delay-seconds: wait this long after the response.
    Delay(Duration),
    /// An HTTP-date: wait until then.
    Date(Timestamp),
}

impl RetryAfter {
    /// Parses one header value; surrounding spaces and tabs are ignored.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::Timestamp;
    /// use webhook_kit::retry::RetryAfter;
    ///
    /// assert_eq!(RetryAfter::parse(b"120"), Ok(RetryAfter::Delay(Duration::from_secs(120))));
    /// assert_eq!(
    ///     RetryAfter::parse(b"Sun, 06 Nov 1994 08:49:37 GMT"),
    ///     Ok(RetryAfter::Date(Timestamp::from_unix_seconds(784_111_777)))
    /// );
    /// assert!(RetryAfter::parse(b"1.5").is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// A [`RetryAfterError`] saying why the value is not usable.
    pub fn parse(value: &[u8]) -> Result<RetryAfter, RetryAfterError> {
        let value = trim(value);
        let Some(first) = value.first() else {
            return Err(RetryAfterError::Empty);
        };

        if first.is_ascii_alphabetic() {
            let text = std::str::from_utf8(value).map_err(|_| RetryAfterError::NotHttpDate)?;
            let when = httpdate::parse_http_date(text).map_err(|_| RetryAfterError::NotHttpDate)?;
            // The parser only yields years 1970 to 9999: always after the epoch.
            let since = when
                .duration_since(UNIX_EPOCH)
                .map_err(|_| RetryAfterError::NotHttpDate)?;
            let seconds =
                i64::try_from(since.as_secs()).map_err(|_| RetryAfterError::NotHttpDate)?;
            return Ok(RetryAfter::Date(Timestamp::from_unix_seconds(seconds)));
        }

        if !value.iter().all(u8::is_ascii_digit) {
            return Err(RetryAfterError::NotDelaySeconds);
        }
        let seconds = value.iter().try_fold(0u64, |acc, &b| {
            acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        });
        seconds
            .map(|s| RetryAfter::Delay(Duration::from_secs(s)))
            .ok_or(RetryAfterError::TooLarge)
    }

    /// How long from `now` the hint asks to wait: zero for a date at or
    /// before `now`. Never negative, never overflows.
    pub fn delay_from(&self, now: Timestamp) -> Duration {
        match *self {
            RetryAfter::Delay(delay) => delay,
            RetryAfter::Date(when) => when.duration_since(now),
        }
    }
}

fn trim(mut value: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = value {
        value = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = value {
        value = rest;
    }
    value
}

/// When a `Retry-After` hint is honoured, and how far it may reach.
///
/// Default: honoured on 429 and 503, capped at the schedule's longest step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryAfterRule {
    statuses: Cow<'static, [u16]>,
    cap: Option<Duration>,
}

impl Default for RetryAfterRule {
    fn default() -> Self {
        RetryAfterRule::DEFAULT
    }
}

impl RetryAfterRule {
    /// Honoured on 429 and 503; capped at the schedule's longest step.
    pub const DEFAULT: RetryAfterRule = RetryAfterRule {
        statuses: Cow::Borrowed(&[429, 503]),
        cap: None,
    };

    /// Never honoured (malformed values are still reported).
    pub const IGNORE: RetryAfterRule = RetryAfterRule {
        statuses: Cow::Borrowed(&[]),
        cap: None,
    };

    /// The statuses on which the hint is honoured.
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidStatus`] for a code outside 100..=999.
    pub fn with_statuses(mut self, statuses: Vec<u16>) -> Result<RetryAfterRule, ConfigError> {
        if let Some(&bad) = statuses.iter().find(|s| !(100..=999).contains(*s)) {
            return Err(ConfigError::InvalidStatus(bad));
        }
        self.statuses = Cow::Owned(statuses);
        Ok(self)
    }

    /// The longest wait a hint may impose, instead of the schedule's
    /// longest step.
    pub fn with_cap(mut self, cap: Duration) -> RetryAfterRule {
        self.cap = Some(cap);
        self
    }

    /// The cap set with [`RetryAfterRule::with_cap`], if any.
    pub fn cap(&self) -> Option<Duration> {
        self.cap
    }

    /// Whether a hint is honoured on `status`.
    pub fn honours(&self, status: u16) -> bool {
        self.statuses.contains(&status)
    }

    /// Evaluates a hint against a scheduled delay.
    ///
    /// `status` is `None` for a transport failure (no response). The hint
    /// counts only on an honoured status; a value present but malformed is
    /// reported whatever the status. The result's `delay` is the delay
    /// before jitter: `max(scheduled, min(hint, cap))` when honoured,
    /// `scheduled` otherwise.
    pub fn evaluate(
        &self,
        status: Option<u16>,
        scheduled: Duration,
        cap: Duration,
        now: Timestamp,
        value: Option<&[u8]>,
    ) -> RetryAfterEval {
        let parsed = value.map(RetryAfter::parse);
        let malformed = parsed.and_then(Result::err);
        let hint = parsed.and_then(Result::ok);
        let honoured = hint.is_some() && status.is_some_and(|s| self.honours(s));

        let floor = match hint {
            Some(hint) if honoured => hint.delay_from(now).min(cap),
            _ => Duration::ZERO,
        };
        RetryAfterEval {
            delay: scheduled.max(floor),
            floor,
            honoured,
            malformed,
        }
    }
}

/// What a `Retry-After` value did to one delay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryAfterEval {
    /// The delay before jitter: the scheduled one, raised to the floor.
    pub delay: Duration,
    /// The lower bound the hint sets (clamped to the cap); zero when
    /// there is no usable, honoured hint or the date is past.
    pub floor: Duration,
    /// Whether a well-formed hint was honoured for this status.
    pub honoured: bool,
    /// Why the value was ignored, when it was present and malformed.
    pub malformed: Option<RetryAfterError>,
}

impl RetryAfterEval {
    /// Whether a value was present and malformed (and so ignored).
    pub fn is_malformed(&self) -> bool {
        self.malformed.is_some()
    }
}

/// [`RetryAfterRule::evaluate`] with the default rule (honoured on 429 and
/// 503) for a response with `status`: what `webhook-kit retry-after` prints.
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::Timestamp;
/// use webhook_kit::retry::evaluate_retry_after;
///
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
/// let (scheduled, cap) = (Duration::from_secs(5), Duration::from_secs(36_000));
/// let e = evaluate_retry_after(429, scheduled, cap, now, Some(b"120"));
/// assert_eq!((e.delay, e.is_malformed()), (Duration::from_secs(120), false));
/// let e = evaluate_retry_after(429, scheduled, cap, now, Some(b"-1"));
/// assert_eq!((e.delay, e.is_malformed()), (scheduled, true));
/// ```
pub fn evaluate_retry_after(
    status: u16,
    scheduled: Duration,
    cap: Duration,
    now: Timestamp,
    value: Option<&[u8]>,
) -> RetryAfterEval {
    RetryAfterRule::DEFAULT.evaluate(Some(status), scheduled, cap, now, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    /// 1994-11-06T08:49:37Z, the RFC's example date.
    const EXAMPLE: i64 = 784_111_777;

    #[test]
    fn delay_seconds() {
        assert_eq!(
            RetryAfter::parse(b"0"),
            Ok(RetryAfter::Delay(Duration::ZERO))
        );
        assert_eq!(
            RetryAfter::parse(b" 120\t"),
            Ok(RetryAfter::Delay(secs(120)))
        );
        assert_eq!(RetryAfter::parse(b"007"), Ok(RetryAfter::Delay(secs(7))));
        assert_eq!(
            RetryAfter::parse(b"18446744073709551615"),
            Ok(RetryAfter::Delay(secs(u64::MAX)))
        );
    }

    #[test]
    fn all_three_date_forms() {
        let at = Ok(RetryAfter::Date(Timestamp::from_unix_seconds(EXAMPLE)));
        assert_eq!(RetryAfter::parse(b"Sun, 06 Nov 1994 08:49:37 GMT"), at);
        assert_eq!(RetryAfter::parse(b"Sunday, 06-Nov-94 08:49:37 GMT"), at);
        assert_eq!(RetryAfter::parse(b"Sun Nov  6 08:49:37 1994"), at);
    }

    #[test]
    fn malformed_values() {
        use RetryAfterError::*;
        for (value, error) in [
            (&b""[..], Empty),
            (b"  ", Empty),
            (b"-5", NotDelaySeconds),
            (b"+5", NotDelaySeconds),
            (b"1.5", NotDelaySeconds),
            (b"1e3", NotDelaySeconds),
            (b"12 34", NotDelaySeconds),
            (b"0x10", NotDelaySeconds),
            (b"120, 60", NotDelaySeconds),
            (b"18446744073709551616", TooLarge),
            (b"99999999999999999999999999", TooLarge),
            (b"soon", NotHttpDate),
            (b"Sun, 06 Nov 1994 08:49:37", NotHttpDate),
            (b"Mon, 06 Nov 1994 08:49:37 GMT", NotHttpDate), // wrong weekday
            (b"Sun, 06 Nov 1994 08:49:37 GMT garbage", NotHttpDate),
            ("Sün, 06 Nov 1994 08:49:37 GMT".as_bytes(), NotHttpDate),
            (b"\xff\xfe", NotDelaySeconds),
        ] {
            assert_eq!(RetryAfter::parse(value), Err(error), "{value:?}");
        }
    }

    #[test]
    fn hints_never_go_negative() {
        let now = Timestamp::from_unix_seconds(EXAMPLE + 10);
        let past = RetryAfter::Date(Timestamp::from_unix_seconds(EXAMPLE));
        assert_eq!(past.delay_from(now), Duration::ZERO);
        let future = RetryAfter::Date(Timestamp::from_unix_seconds(EXAMPLE + 70));
        assert_eq!(future.delay_from(now), secs(60));
        assert_eq!(
            future.delay_from(Timestamp::from_unix_millis(i64::MIN)),
            Duration::from_millis(i64::MAX as u64)
        );
        assert_eq!(
            future.delay_from(Timestamp::from_unix_millis(i64::MAX)),
            Duration::ZERO
        );
    }

    #[test]
    fn evaluation_is_a_clamped_lower_bound() {
        let now = Timestamp::from_unix_seconds(EXAMPLE - 600);
        let rule = RetryAfterRule::DEFAULT;
        let cap = secs(3600);
        let eval = |status, scheduled, value: &[u8]| {
            rule.evaluate(status, scheduled, cap, now, Some(value))
        };

        // Raised to the hint, not lowered to it.
        assert_eq!(eval(Some(429), secs(5), b"120").delay, secs(120));
        assert_eq!(eval(Some(429), secs(300), b"120").delay, secs(300));
        assert_eq!(eval(Some(429), secs(300), b"120").floor, secs(120));
        // Clamped to the cap.
        assert_eq!(eval(Some(503), secs(5), b"2592000").delay, cap);
        // Dates count from now; a past date leaves the schedule alone.
        assert_eq!(
            eval(Some(503), secs(5), b"Sun, 06 Nov 1994 08:49:37 GMT").delay,
            secs(600)
        );
        assert_eq!(
            eval(Some(503), secs(5), b"Sun, 06 Nov 1994 08:39:37 GMT").delay,
            secs(5)
        );
        // Not honoured on other statuses or without a response.
        assert_eq!(eval(Some(500), secs(5), b"120").delay, secs(5));
        assert!(!eval(None, secs(5), b"120").honoured);
        // Malformed: ignored and reported, whatever the status.
        let bad = eval(Some(429), secs(5), b"1.5");
        assert_eq!(
            (bad.delay, bad.malformed),
            (secs(5), Some(RetryAfterError::NotDelaySeconds))
        );
        assert!(eval(Some(500), secs(5), b"soon").is_malformed());
        assert!(
            !rule
                .evaluate(Some(429), secs(5), cap, now, None)
                .is_malformed()
        );
    }

    #[test]
    fn rules_are_configurable() {
        let now = Timestamp::UNIX_EPOCH;
        let rule = RetryAfterRule::DEFAULT
            .with_statuses(vec![500])
            .unwrap()
            .with_cap(secs(10));
        assert_eq!(rule.cap(), Some(secs(10)));
        assert_eq!(
            rule.evaluate(Some(500), secs(1), secs(10), now, Some(b"60"))
                .delay,
            secs(10)
        );
        assert!(!rule.honours(429));
        assert!(!RetryAfterRule::IGNORE.honours(429));
        assert_eq!(
            RetryAfterRule::DEFAULT.with_statuses(vec![429, 1000]),
            Err(ConfigError::InvalidStatus(1000))
        );
        let e = evaluate_retry_after(429, secs(5), secs(60), now, Some(b"30"));
        assert_eq!((e.delay, e.honoured), (secs(30), true));
    }
}
