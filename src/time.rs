//! Time as the crate sees it: one integer type, strict parsing of signed
//! timestamps, the tolerance window and the [`Clock`] a caller can pick.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::{Malformed, VerifyError};

/// A point in time: whole **milliseconds** since the Unix epoch, UTC.
///
/// One type serves every clock reading in the crate: the `now` passed to a
/// verifier, the timestamp a provider signed, and later the times of retry
/// decisions and delivery jobs. Providers that sign seconds are converted
/// exactly (`seconds * 1000`), so nothing is rounded. Serde writes it as a
/// plain integer of milliseconds.
///
/// ```
/// use webhook_kit::Timestamp;
///
/// let t = Timestamp::from_unix_seconds(1_700_000_000);
/// assert_eq!(t.as_unix_millis(), 1_700_000_000_000);
/// assert_eq!(t.as_unix_seconds(), 1_700_000_000);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The Unix epoch, 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Timestamp = Timestamp(0);

    /// Builds a timestamp from milliseconds since the epoch.
    pub const fn from_unix_millis(millis: i64) -> Self {
        Timestamp(millis)
    }

    /// Builds a timestamp from whole seconds since the epoch, saturating at
    /// the ends of the range.
    pub const fn from_unix_seconds(seconds: i64) -> Self {
        Timestamp(seconds.saturating_mul(1000))
    }

    /// Milliseconds since the epoch.
    pub const fn as_unix_millis(self) -> i64 {
        self.0
    }

    /// Whole seconds since the epoch, rounded toward negative infinity.
    pub const fn as_unix_seconds(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// The current time from the operating system's clock.
    ///
    /// This is the only place the crate reads a clock, and only when the
    /// caller asks for it (directly or through [`SystemClock`]).
    pub fn now() -> Self {
        let millis = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_millis())
                .map(|m| -m)
                .unwrap_or(i64::MIN),
        };
        Timestamp(millis)
    }

    /// This time moved forward by `duration`, saturating at the end of the
    /// range. A part of a millisecond counts as a whole one, so any
    /// positive duration moves the time (a 0.9 ms lease still expires
    /// after `now`).
    pub fn saturating_add(self, duration: Duration) -> Self {
        Timestamp(self.0.saturating_add(ceil_millis(duration)))
    }

    /// This time moved back by `duration`, saturating at the start of the
    /// range; a part of a millisecond counts as a whole one.
    pub fn saturating_sub(self, duration: Duration) -> Self {
        Timestamp(self.0.saturating_sub(ceil_millis(duration)))
    }

    /// How far `self` lies after `earlier`; zero when it does not.
    pub fn duration_since(self, earlier: Timestamp) -> Duration {
        let millis = self.0.saturating_sub(earlier.0);
        Duration::from_millis(u64::try_from(millis).unwrap_or(0))
    }
}

/// Whole milliseconds in `duration`, rounded up, saturating.
fn ceil_millis(duration: Duration) -> i64 {
    let whole = duration.as_millis();
    let rounded = if duration.subsec_nanos() % 1_000_000 == 0 {
        whole
    } else {
        whole.saturating_add(1)
    };
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

impl fmt::Display for Timestamp {
    /// Writes the time as unix seconds, with a fraction only when there is one
    /// (`1700000000`, `1700000000.250`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.0.div_euclid(1000);
        let millis = self.0.rem_euclid(1000);
        if millis == 0 {
            write!(f, "{seconds}")
        } else {
            write!(f, "{seconds}.{millis:03}")
        }
    }
}

/// Where a verifier's `now` comes from, when the caller does not pass it.
///
/// The crate never reads a clock on its own: a handler passes `now`
/// explicitly, or holds a `Clock` and asks it. Tests use [`FixedClock`].
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The operating system's clock ([`Timestamp::now`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that always reads the same time, for tests and replays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// How far a signed timestamp may lie from `now`, in each direction.
///
/// Both bounds are inclusive: a timestamp exactly `past` old is accepted, one
/// a millisecond older is not. The window exists to bound replays: a captured
/// delivery stops verifying once it is older than `past`, and a sender whose
/// clock runs ahead cannot sign deliveries that stay valid for longer.
///
/// There is no "zero means off" value. Switching the check off is a separate,
/// deliberately named method on each verifier (`dangerous_skip_timestamp_check`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tolerance {
    past: Duration,
    future: Duration,
}

impl Tolerance {
    /// The same window in both directions.
    pub const fn symmetric(window: Duration) -> Self {
        Tolerance {
            past: window,
            future: window,
        }
    }

    /// Different windows for timestamps in the past and in the future.
    pub const fn asymmetric(past: Duration, future: Duration) -> Self {
        Tolerance { past, future }
    }

    /// The accepted age of a timestamp.
    pub const fn past(&self) -> Duration {
        self.past
    }

    /// How far ahead of `now` a timestamp may be.
    pub const fn future(&self) -> Duration {
        self.future
    }

    /// Checks `signed` against `now`.
    ///
    /// # Errors
    ///
    /// [`VerifyError::TimestampTooOld`] or [`VerifyError::TimestampInFuture`],
    /// carrying how far off the timestamp is.
    pub fn check(&self, signed: Timestamp, now: Timestamp) -> Result<(), VerifyError> {
        if signed <= now {
            let age = now.duration_since(signed);
            if age > self.past {
                return Err(VerifyError::TimestampTooOld {
                    age,
                    tolerance: self.past,
                });
            }
        } else {
            let ahead = signed.duration_since(now);
            if ahead > self.future {
                return Err(VerifyError::TimestampInFuture {
                    ahead,
                    tolerance: self.future,
                });
            }
        }
        Ok(())
    }
}

/// The timestamp policy a verifier holds: a window, or no check at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimestampCheck {
    Window(Tolerance),
    Skip,
}

impl TimestampCheck {
    pub(crate) fn apply(&self, signed: Timestamp, now: Timestamp) -> Result<(), VerifyError> {
        match self {
            TimestampCheck::Window(tolerance) => tolerance.check(signed, now),
            TimestampCheck::Skip => Ok(()),
        }
    }
}

/// The most digits a seconds value may have: 12 digits reach the year 33658.
const MAX_SECONDS_DIGITS: usize = 12;

/// Parses a unix timestamp in seconds: ASCII digits only.
///
/// A sign, spaces, a fraction or an exponent are refused, and so is a value
/// with 13 digits, which is what a millisecond clock produces; the error says
/// so. Leading zeros are accepted (they change nothing in the signed bytes).
pub(crate) fn parse_unix_seconds(value: &[u8]) -> Result<Timestamp, Malformed> {
    let digits = parse_digits(value, MAX_SECONDS_DIGITS)?;
    Ok(Timestamp::from_unix_seconds(digits))
}

/// The most digits a milliseconds value may have: 15 digits reach the year 33658.
const MAX_MILLIS_DIGITS: usize = 15;

/// Parses a unix timestamp in milliseconds: ASCII digits only, as strictly
/// as [`parse_unix_seconds`]. A seconds value parses too, as a time in
/// January 1970, so the window refuses it as too old.
pub(crate) fn parse_unix_millis(value: &[u8]) -> Result<Timestamp, Malformed> {
    let digits = parse_digits(value, MAX_MILLIS_DIGITS)?;
    Ok(Timestamp::from_unix_millis(digits))
}

fn parse_digits(value: &[u8], max_digits: usize) -> Result<i64, Malformed> {
    if value.is_empty() {
        return Err(Malformed::EmptyTimestamp);
    }
    if !value.iter().all(u8::is_ascii_digit) {
        return Err(Malformed::TimestampNotDigits);
    }

    let significant = value.iter().skip_while(|&&b| b == b'0').count();
    if significant > max_digits {
        if max_digits == MAX_SECONDS_DIGITS && significant == 13 {
            return Err(Malformed::TimestampLooksLikeMillis);
        }
        return Err(Malformed::TimestampOutOfRange);
    }

    // At most 15 significant digits: no overflow is possible in an i64.
    Ok(value
        .iter()
        .fold(0i64, |acc, &b| acc * 10 + i64::from(b - b'0')))
}

/// Parses an RFC 3339 date-time (`2023-07-19T14:56:51.634234626Z`, or with
/// a `+hh:mm` / `-hh:mm` offset), keeping whole milliseconds.
///
/// Any number of fraction digits is accepted (Twitch sends nine) and cut,
/// not rounded, to milliseconds. A leap second (`:60`) counts as the next
/// second. Years before 1970 or after 9999 and out-of-range fields are
/// refused.
pub(crate) fn parse_rfc3339(value: &[u8]) -> Result<Timestamp, Malformed> {
    const BAD: Malformed = Malformed::TimestampNotRfc3339;
    if value.is_empty() {
        return Err(Malformed::EmptyTimestamp);
    }
    let digits = |at: usize, len: usize| -> Result<i64, Malformed> {
        let part = value.get(at..at + len).ok_or(BAD)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return Err(BAD);
        }
        Ok(part
            .iter()
            .fold(0, |acc, &b| acc * 10 + i64::from(b - b'0')))
    };
    let byte = |at: usize| value.get(at).copied();
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    if byte(4) != Some(b'-')
        || byte(7) != Some(b'-')
        || !matches!(byte(10), Some(b'T' | b't'))
        || byte(13) != Some(b':')
        || byte(16) != Some(b':')
    {
        return Err(BAD);
    }
    if !(1970..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(BAD);
    }

    let mut at = 19;
    let mut millis = 0;
    if byte(at) == Some(b'.') {
        at += 1;
        let start = at;
        while byte(at).is_some_and(|b| b.is_ascii_digit()) {
            if at - start < 3 {
                millis = millis * 10 + i64::from(value[at] - b'0');
            }
            at += 1;
        }
        if at == start {
            return Err(BAD);
        }
        for _ in (at - start)..3 {
            millis *= 10;
        }
    }
    let offset_minutes = match byte(at) {
        Some(b'Z' | b'z') if at + 1 == value.len() => 0,
        Some(sign @ (b'+' | b'-')) if at + 6 == value.len() && byte(at + 3) == Some(b':') => {
            let (h, m) = (digits(at + 1, 2)?, digits(at + 4, 2)?);
            if h > 23 || m > 59 {
                return Err(BAD);
            }
            if sign == b'+' {
                h * 60 + m
            } else {
                -(h * 60 + m)
            }
        }
        _ => return Err(BAD),
    };

    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Ok(Timestamp::from_unix_millis(seconds * 1000 + millis))
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_parses_with_nanoseconds_and_offsets() {
        // Python: datetime.fromisoformat("2023-07-19T14:56:51.634+00:00").timestamp()
        let twitch = Timestamp::from_unix_millis(1_689_778_611_634);
        assert_eq!(parse_rfc3339(b"2023-07-19T14:56:51.634234626Z"), Ok(twitch));
        assert_eq!(parse_rfc3339(b"2023-07-19t14:56:51.634z"), Ok(twitch));
        assert_eq!(parse_rfc3339(b"2023-07-19T16:56:51.634+02:00"), Ok(twitch));
        assert_eq!(parse_rfc3339(b"2023-07-19T13:26:51.634-01:30"), Ok(twitch));
        assert_eq!(
            parse_rfc3339(b"2023-07-19T14:56:51.6Z"),
            Ok(Timestamp::from_unix_millis(1_689_778_611_600))
        );
        assert_eq!(
            parse_rfc3339(b"1970-01-01T00:00:00Z"),
            Ok(Timestamp::UNIX_EPOCH)
        );
        // Python: datetime(2024, 2, 29, 23, 59, 59, tzinfo=timezone.utc).timestamp()
        assert_eq!(
            parse_rfc3339(b"2024-02-29T23:59:59Z"),
            Ok(Timestamp::from_unix_seconds(1_709_251_199))
        );
        for bad in [
            &b""[..],
            b"2023-07-19 14:56:51Z",
            b"2023-07-19T14:56:51",
            b"2023-07-19T14:56:51.Z",
            b"2023-02-29T00:00:00Z",
            b"2023-13-01T00:00:00Z",
            b"2023-07-19T24:00:00Z",
            b"2023-07-19T14:56:51+0200",
            b"2023-07-19T14:56:51Zjunk",
            b"+2023-07-19T14:56:51Z",
            b"1700000000",
            b"1969-12-31T23:59:59Z",
        ] {
            assert!(
                parse_rfc3339(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn seconds_parse_strictly() {
        assert_eq!(
            parse_unix_seconds(b"1700000000"),
            Ok(Timestamp::from_unix_seconds(1_700_000_000))
        );
        assert_eq!(
            parse_unix_seconds(b"0001"),
            Ok(Timestamp::from_unix_seconds(1))
        );
        for bad in [
            &b"+1700000000"[..],
            b"-1",
            b" 17",
            b"17 ",
            b"1.5",
            b"1e9",
            b"0x10",
            b"",
        ] {
            assert!(parse_unix_seconds(bad).is_err(), "{:?}", bad);
        }
        assert_eq!(
            parse_unix_seconds(b"1700000000257"),
            Err(Malformed::TimestampLooksLikeMillis)
        );
        assert_eq!(
            parse_unix_seconds(b"99999999999999999999999"),
            Err(Malformed::TimestampOutOfRange)
        );
    }

    #[test]
    fn millis_parse_strictly() {
        assert_eq!(
            parse_unix_millis(b"1663849649733"),
            Ok(Timestamp::from_unix_millis(1_663_849_649_733))
        );
        for bad in [&b"-1"[..], b"1.5", b" 1", b""] {
            assert!(parse_unix_millis(bad).is_err(), "{:?}", bad);
        }
        assert_eq!(
            parse_unix_millis(b"9999999999999999"),
            Err(Malformed::TimestampOutOfRange)
        );
    }

    #[test]
    fn rfc3339_with_offsets_and_fractions() {
        // Values checked with Python's datetime.fromisoformat(...).timestamp().
        let ok = [
            (&b"2020-01-01T00:00:00-07:00"[..], 1_577_862_000_000),
            (b"2016-07-11T10:10:33-07:00", 1_468_257_033_000),
            (b"2021-07-25T10:00:00Z", 1_627_207_200_000),
            (b"2024-02-29t23:59:59.1239z", 1_709_251_199_123),
            (b"1970-01-01T05:30:00+05:30", 0),
        ];
        for (text, millis) in ok {
            assert_eq!(
                parse_rfc3339(text),
                Ok(Timestamp::from_unix_millis(millis)),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
        for bad in [
            &b"2020-01-01 00:00:00Z"[..],
            b"2020-01-01T00:00:00",
            b"2023-02-29T00:00:00Z",
            b"2020-13-01T00:00:00Z",
            b"2020-01-01T00:00:00.Z",
            b"2020-01-01T00:00:00+0700",
            b"2020-01-01T00:00:00+07:00 ",
            b"+020-01-01T00:00:00Z",
            b"1577862000",
            b"",
        ] {
            assert!(
                parse_rfc3339(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn tolerance_is_inclusive_both_ways() {
        let window = Tolerance::symmetric(Duration::from_secs(300));
        let t = Timestamp::from_unix_seconds(1000);
        assert!(window.check(t, Timestamp::from_unix_seconds(1300)).is_ok());
        assert!(window.check(t, Timestamp::from_unix_seconds(700)).is_ok());
        assert!(matches!(
            window.check(t, Timestamp::from_unix_seconds(1301)),
            Err(VerifyError::TimestampTooOld { .. })
        ));
        assert!(matches!(
            window.check(t, Timestamp::from_unix_seconds(699)),
            Err(VerifyError::TimestampInFuture { .. })
        ));
    }

    #[test]
    fn asymmetric_window() {
        let window = Tolerance::asymmetric(Duration::from_secs(5), Duration::from_secs(0));
        let t = Timestamp::from_unix_seconds(1000);
        assert!(window.check(t, Timestamp::from_unix_seconds(1005)).is_ok());
        assert!(
            window
                .check(t, Timestamp::from_unix_millis(999_999))
                .is_err()
        );
    }

    #[test]
    fn sub_millisecond_durations_round_up() {
        let t = Timestamp::from_unix_millis(1000);
        assert_eq!(
            t.saturating_add(Duration::from_micros(900)),
            Timestamp::from_unix_millis(1001)
        );
        assert_eq!(
            t.saturating_add(Duration::from_millis(5)),
            Timestamp::from_unix_millis(1005)
        );
        assert_eq!(
            t.saturating_sub(Duration::from_nanos(1)),
            Timestamp::from_unix_millis(999)
        );
        assert_eq!(
            t.saturating_add(Duration::MAX),
            Timestamp::from_unix_millis(i64::MAX)
        );
    }

    #[test]
    fn display_and_serde() {
        assert_eq!(Timestamp::from_unix_seconds(12).to_string(), "12");
        assert_eq!(Timestamp::from_unix_millis(12_250).to_string(), "12.250");
        let json = serde_json::to_string(&Timestamp::from_unix_millis(5)).unwrap();
        assert_eq!(json, "5");
    }
}
