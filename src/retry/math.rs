//! Saturating arithmetic on durations and timestamps, shared by the module.
//!
//! Every computation of a delay runs in whole nanoseconds as `u128`, where
//! `Duration::MAX` (about 1.8e28 ns) times any factor used here still fits,
//! and comes back through [`from_nanos`], which saturates at `Duration::MAX`.

use std::time::Duration;

use crate::time::Timestamp;

const NANOS_PER_SEC: u128 = 1_000_000_000;
const NANOS_PER_MILLI: u128 = 1_000_000;

/// One in ten thousand: ratios are given in basis points.
pub(crate) const BASIS_POINTS: u128 = 10_000;

/// Bits of a draw: a fraction in `[0, 1)` is held as `x / 2^53`.
pub(crate) const DRAW_BITS: u32 = 53;

/// A duration from nanoseconds, saturating at `Duration::MAX`.
pub(crate) fn from_nanos(nanos: u128) -> Duration {
    let secs = nanos / NANOS_PER_SEC;
    let sub = nanos % NANOS_PER_SEC;
    match (u64::try_from(secs), u32::try_from(sub)) {
        (Ok(secs), Ok(sub)) => Duration::new(secs, sub),
        _ => Duration::MAX,
    }
}

/// `value * basis_points / 10_000`, rounded down.
pub(crate) fn ratio(value: Duration, basis_points: u32) -> Duration {
    // At most 1.8e28 * 4.3e9: far below u128::MAX (3.4e38).
    let scaled = value.as_nanos().saturating_mul(u128::from(basis_points)) / BASIS_POINTS;
    from_nanos(scaled)
}

/// `span * draw / 2^53`, rounded down, for a draw below `2^53`.
///
/// The product could exceed `u128` for the largest spans, so the span is
/// split at bit 53 and each half multiplied on its own: exact, no overflow.
pub(crate) fn scale_by_draw(span: Duration, draw: u64) -> Duration {
    let span = span.as_nanos();
    let draw = u128::from(draw);
    let high = span >> DRAW_BITS;
    let low = span & ((1u128 << DRAW_BITS) - 1);
    let scaled = high
        .saturating_mul(draw)
        .saturating_add(low.saturating_mul(draw) >> DRAW_BITS);
    from_nanos(scaled)
}

/// `now + delay`, with the delay rounded **up** to whole milliseconds so a
/// lower bound on the delay is never lost to the timestamp's resolution.
pub(crate) fn add_ceil(now: Timestamp, delay: Duration) -> Timestamp {
    let millis = delay.as_nanos().div_ceil(NANOS_PER_MILLI);
    let millis = i64::try_from(millis).unwrap_or(i64::MAX);
    Timestamp::from_unix_millis(now.as_unix_millis().saturating_add(millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_nanos_saturates() {
        assert_eq!(from_nanos(1_500_000_000), Duration::from_millis(1500));
        assert_eq!(from_nanos(Duration::MAX.as_nanos()), Duration::MAX);
        assert_eq!(from_nanos(u128::MAX), Duration::MAX);
    }

    #[test]
    fn ratio_and_draw_scaling() {
        assert_eq!(
            ratio(Duration::from_secs(300), 1000),
            Duration::from_secs(30)
        );
        assert_eq!(ratio(Duration::MAX, u32::MAX), Duration::MAX);
        let half = 1u64 << (DRAW_BITS - 1);
        assert_eq!(
            scale_by_draw(Duration::from_secs(10), half),
            Duration::from_secs(5)
        );
        assert_eq!(scale_by_draw(Duration::from_secs(10), 0), Duration::ZERO);
        let top = (1u64 << DRAW_BITS) - 1;
        assert!(scale_by_draw(Duration::MAX, top) < Duration::MAX);
        assert!(scale_by_draw(Duration::MAX, top) > Duration::MAX / 2);
    }

    #[test]
    fn add_ceil_rounds_up_and_saturates() {
        let t = Timestamp::from_unix_millis(1000);
        assert_eq!(add_ceil(t, Duration::from_nanos(1)).as_unix_millis(), 1001);
        assert_eq!(add_ceil(t, Duration::from_millis(5)).as_unix_millis(), 1005);
        let end = Timestamp::from_unix_millis(i64::MAX - 1);
        assert_eq!(add_ceil(end, Duration::MAX).as_unix_millis(), i64::MAX);
        let start = Timestamp::from_unix_millis(i64::MIN);
        assert_eq!(add_ceil(start, Duration::ZERO).as_unix_millis(), i64::MIN);
    }
}
