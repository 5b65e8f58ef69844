//! Jitter: how a scheduled delay is spread so that clients that failed
//! together do not retry together. The fraction each strategy uses is a
//! [`Draw`]; see its module for the deterministic derivation.
//!
//! # Decorrelated jitter
//!
//! Decorrelated jitter grows from the previous *actual* delay, which is not
//! a function of the attempt number. The job keeps it: the policy returns
//! the delay it chose ([`Verdict::delay`](crate::retry::Verdict)) and
//! takes it back as [`AttemptInput::previous_delay`](crate::retry::AttemptInput).
//! With that stored value, decorrelated jitter is deterministic too.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::draw::Draw;
use super::error::ConfigError;
use super::math;

/// How a scheduled delay is spread.
///
/// The default is additive jitter: the delay plus 0 to 10 % of it, the
/// spread at least 2 s and at most 15 min, so a retry never fires before
/// the published step (Hook0's rule). A ratio is given in basis points
/// (1/10 000): 2 000 is 20 %.
///
/// | strategy | delay for step `d`, fraction `u` |
/// |---|---|
/// | none | `d` |
/// | symmetric `r` | `d - s + 2·s·u`, `s = r·d` (Svix: ±20 %) |
/// | additive `r`, floor, cap | `d + s·u`, `s = min(cap, max(floor, r·d))` |
/// | full | `d·u` |
/// | equal | `d/2 + (d - d/2)·u` |
/// | decorrelated `b` | `min(d, b + (max(b, 3·prev) - b)·u)` |
///
/// Full, equal and decorrelated come from the AWS analysis of contention;
/// they move a retry far from its published step and suit short, in-process
/// retries. Symmetric may fire early. `prev` is the previous delay the job
/// kept (`b` for the first retry).
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::retry::{Draw, Jitter};
///
/// let j = Jitter::default();
/// let d = Duration::from_secs(3600);
/// assert_eq!(j.apply(d, Draw::ZERO, None), d);
/// assert_eq!(j.max_delay(d), Duration::from_secs(3960));
/// assert_eq!("symmetric:20%".parse::<Jitter>()?, Jitter::symmetric(2000)?);
/// # Ok::<(), webhook_kit::retry::ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Jitter(Kind);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    None,
    Symmetric {
        basis_points: u32,
    },
    Additive {
        basis_points: u32,
        floor: Duration,
        cap: Duration,
    },
    Full,
    Equal,
    Decorrelated {
        base: Duration,
    },
}

const MAX_BASIS_POINTS: u32 = 10_000;

impl Jitter {
    /// No jitter: the scheduled delay exactly.
    pub const NONE: Jitter = Jitter(Kind::None);
    /// Full jitter: anywhere in `[0, d)`.
    pub const FULL: Jitter = Jitter(Kind::Full);
    /// Equal jitter: anywhere in `[d/2, d)`.
    pub const EQUAL: Jitter = Jitter(Kind::Equal);
    /// The default: additive +0–10 %, floor 2 s, cap 15 min (never early).
    pub const DEFAULT: Jitter = Jitter(Kind::Additive {
        basis_points: 1000,
        floor: Duration::from_secs(2),
        cap: Duration::from_secs(15 * 60),
    });

    /// Symmetric proportional jitter, `±basis_points / 10 000` of the delay.
    ///
    /// # Errors
    ///
    /// [`ConfigError::RatioOutOfRange`] above 10 000 (100 %).
    pub const fn symmetric(basis_points: u32) -> Result<Jitter, ConfigError> {
        if basis_points > MAX_BASIS_POINTS {
            return Err(ConfigError::RatioOutOfRange { basis_points });
        }
        Ok(Jitter(Kind::Symmetric { basis_points }))
    }

    /// Additive jitter: up to `basis_points / 10 000` of the delay added,
    /// that spread kept within `[floor, cap]`. Never early.
    ///
    /// # Errors
    ///
    /// [`ConfigError::RatioOutOfRange`] above 10 000, or
    /// [`ConfigError::FloorAboveCap`].
    pub const fn additive(
        basis_points: u32,
        floor: Duration,
        cap: Duration,
    ) -> Result<Jitter, ConfigError> {
        if basis_points > MAX_BASIS_POINTS {
            return Err(ConfigError::RatioOutOfRange { basis_points });
        }
        if floor.as_nanos() > cap.as_nanos() {
            return Err(ConfigError::FloorAboveCap { floor, cap });
        }
        Ok(Jitter(Kind::Additive {
            basis_points,
            floor,
            cap,
        }))
    }

    /// Decorrelated jitter starting from `base`, never above the step.
    ///
    /// # Errors
    ///
    /// [`ConfigError::ZeroBase`] when `base` is zero.
    pub const fn decorrelated(base: Duration) -> Result<Jitter, ConfigError> {
        if base.is_zero() {
            return Err(ConfigError::ZeroBase);
        }
        Ok(Jitter(Kind::Decorrelated { base }))
    }

    /// Whether the strategy can return less than the scheduled delay.
    pub const fn can_fire_early(&self) -> bool {
        !matches!(self.0, Kind::None | Kind::Additive { .. })
    }

    /// The jittered delay for a scheduled `delay`, a draw, and (for
    /// decorrelated jitter only) the previous delay the job kept.
    pub fn apply(&self, delay: Duration, draw: Draw, previous: Option<Duration>) -> Duration {
        let x = draw.bits().min(Draw::MAX.bits());
        match self.0 {
            Kind::None => delay,
            Kind::Symmetric { basis_points } => {
                let spread = math::ratio(delay, basis_points);
                let low = delay.saturating_sub(spread);
                low.saturating_add(math::scale_by_draw(spread.saturating_mul(2), x))
            }
            Kind::Additive {
                basis_points,
                floor,
                cap,
            } => {
                let spread = math::ratio(delay, basis_points).max(floor).min(cap);
                delay.saturating_add(math::scale_by_draw(spread, x))
            }
            Kind::Full => math::scale_by_draw(delay, x),
            Kind::Equal => {
                let half = delay / 2;
                half.saturating_add(math::scale_by_draw(delay.saturating_sub(half), x))
            }
            Kind::Decorrelated { base } => {
                let previous = previous.unwrap_or(base);
                let upper = previous.saturating_mul(3).max(base);
                let drawn = base.saturating_add(math::scale_by_draw(upper.saturating_sub(base), x));
                drawn.min(delay)
            }
        }
    }

    /// The most [`Jitter::apply`] can return for a scheduled `delay`, for
    /// any draw and previous delay.
    pub fn max_delay(&self, delay: Duration) -> Duration {
        match self.0 {
            Kind::None | Kind::Full | Kind::Equal | Kind::Decorrelated { .. } => delay,
            Kind::Symmetric { basis_points } => {
                delay.saturating_add(math::ratio(delay, basis_points))
            }
            Kind::Additive {
                basis_points,
                floor,
                cap,
            } => delay.saturating_add(math::ratio(delay, basis_points).max(floor).min(cap)),
        }
    }
}

impl Default for Jitter {
    fn default() -> Self {
        Jitter::DEFAULT
    }
}

impl fmt::Display for Jitter {
    /// The specification [`FromStr`] reads back: `none`, `full`, `equal`,
    /// `symmetric:20%`, `additive:10%:2s:15m`, `decorrelated:1s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Kind::None => f.write_str("none"),
            Kind::Full => f.write_str("full"),
            Kind::Equal => f.write_str("equal"),
            Kind::Symmetric { basis_points } => {
                write!(f, "symmetric:{}", Percent(basis_points))
            }
            Kind::Additive {
                basis_points,
                floor,
                cap,
            } => write!(
                f,
                "additive:{}:{}:{}",
                Percent(basis_points),
                Text(floor),
                Text(cap)
            ),
            Kind::Decorrelated { base } => write!(f, "decorrelated:{}", Text(base)),
        }
    }
}

impl FromStr for Jitter {
    type Err = ConfigError;

    /// Reads `none`, `full`, `equal`, `default` (the additive default),
    /// `symmetric:P`, `additive` or `additive:P:FLOOR:CAP`, and
    /// `decorrelated:BASE`. `P` is a percent with up to two decimals and
    /// an optional `%`; durations are an integer with a unit among `ns`,
    /// `us`, `ms`, `s`, `m`, `h` and `d`.
    fn from_str(spec: &str) -> Result<Jitter, ConfigError> {
        let mut parts = spec.split(':');
        let name = parts.next().unwrap_or_default();
        let args: Vec<&str> = parts.collect();
        match (name, args.as_slice()) {
            ("none", []) => Ok(Jitter::NONE),
            ("full", []) => Ok(Jitter::FULL),
            ("equal", []) => Ok(Jitter::EQUAL),
            ("default" | "additive", []) => Ok(Jitter::DEFAULT),
            ("symmetric", [p]) => Jitter::symmetric(parse_percent(p)?),
            ("additive", [p, floor, cap]) => Jitter::additive(
                parse_percent(p)?,
                parse_duration(floor)?,
                parse_duration(cap)?,
            ),
            ("decorrelated", [base]) => Jitter::decorrelated(parse_duration(base)?),
            (
                "none" | "full" | "equal" | "default" | "symmetric" | "additive" | "decorrelated",
                _,
            ) => Err(ConfigError::InvalidJitterSpec("wrong number of parameters")),
            _ => Err(ConfigError::InvalidJitterSpec(
                "unknown strategy (none, full, equal, default, symmetric, additive, decorrelated)",
            )),
        }
    }
}

/// A ratio in basis points, written as a percent.
struct Percent(u32);

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, hundredths) = (self.0 / 100, self.0 % 100);
        if hundredths == 0 {
            write!(f, "{whole}%")
        } else if hundredths % 10 == 0 {
            write!(f, "{whole}.{}%", hundredths / 10)
        } else {
            write!(f, "{whole}.{hundredths:02}%")
        }
    }
}

/// A duration in the largest unit that divides it exactly.
struct Text(Duration);

const UNITS: [(&str, u128); 7] = [
    ("d", 86_400_000_000_000),
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("us", 1_000),
    ("ns", 1),
];

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = self.0.as_nanos();
        if nanos == 0 {
            return f.write_str("0s");
        }
        // The last unit is 1 ns, which divides everything.
        let (unit, size) = UNITS
            .into_iter()
            .find(|(_, size)| nanos % size == 0)
            .unwrap_or(("ns", 1));
        write!(f, "{}{unit}", nanos / size)
    }
}

/// `20`, `20%`, `12.5%`, `0.05` into basis points.
fn parse_percent(text: &str) -> Result<u32, ConfigError> {
    const BAD: ConfigError = ConfigError::InvalidJitterSpec("a percent is like `20%` or `12.5%`");
    let text = text.strip_suffix('%').unwrap_or(text);
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || whole.len() > 5
        || fraction.len() > 2
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
        || (text.contains('.') && fraction.is_empty())
    {
        return Err(BAD);
    }
    let whole: u32 = whole.parse().map_err(|_| BAD)?;
    let hundredths: u32 = format!("{fraction:0<2}").parse().map_err(|_| BAD)?;
    let basis_points = whole.saturating_mul(100).saturating_add(hundredths);
    Ok(basis_points)
}

/// `500ms`, `2s`, `15m`, `10h`, `1d` (or `us`, `ns`) into a duration,
/// saturating at `Duration::MAX`.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, ConfigError> {
    const BAD: ConfigError =
        ConfigError::InvalidJitterSpec("a duration is digits and a unit: ns, us, ms, s, m, h or d");
    let digits_end = text.bytes().take_while(u8::is_ascii_digit).count();
    let (digits, unit) = text.split_at(digits_end);
    // 30 digits fit a u128; anything past Duration::MAX saturates.
    if digits.is_empty() || digits.len() > 30 {
        return Err(BAD);
    }
    let value: u128 = digits.parse().map_err(|_| BAD)?;
    let size = UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|(_, size)| *size)
        .ok_or(BAD)?;
    Ok(math::from_nanos(value.saturating_mul(size)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn strategies_at_the_ends_of_the_draw() {
        let d = secs(600);
        let symmetric = Jitter::symmetric(2000).unwrap();
        assert_eq!(symmetric.apply(d, Draw::ZERO, None), secs(480));
        assert!(symmetric.apply(d, Draw::MAX, None) < secs(720));
        assert_eq!(symmetric.max_delay(d), secs(720));

        assert_eq!(Jitter::DEFAULT.apply(d, Draw::ZERO, None), d);
        assert_eq!(
            Jitter::DEFAULT.apply(d, Draw::from_fraction(0.5), None),
            secs(630)
        );
        assert_eq!(Jitter::DEFAULT.max_delay(secs(5)), secs(7)); // floor 2 s
        assert_eq!(Jitter::DEFAULT.max_delay(secs(36_000)), secs(36_900)); // cap 15 min

        assert_eq!(Jitter::FULL.apply(d, Draw::ZERO, None), Duration::ZERO);
        assert_eq!(
            Jitter::FULL.apply(d, Draw::from_fraction(0.5), None),
            secs(300)
        );
        assert_eq!(Jitter::EQUAL.apply(d, Draw::ZERO, None), secs(300));
        assert_eq!(
            Jitter::EQUAL.apply(d, Draw::from_fraction(0.5), None),
            secs(450)
        );
        assert_eq!(Jitter::NONE.apply(d, Draw::MAX, None), d);
    }

    #[test]
    fn decorrelated_grows_from_the_previous_delay() {
        let j = Jitter::decorrelated(secs(1)).unwrap();
        let half = Draw::from_fraction(0.5);
        assert_eq!(j.apply(secs(3600), Draw::ZERO, None), secs(1));
        assert_eq!(
            j.apply(secs(3600), half, Some(secs(10))),
            Duration::from_millis(15_500)
        );
        assert_eq!(j.apply(secs(12), half, Some(secs(10))), secs(12));
        assert_eq!(
            j.apply(secs(3600), Draw::MAX, Some(Duration::MAX)),
            secs(3600)
        );
        assert_eq!(
            Jitter::decorrelated(Duration::ZERO),
            Err(ConfigError::ZeroBase)
        );
    }

    #[test]
    fn huge_delays_saturate() {
        for j in [
            Jitter::NONE,
            Jitter::FULL,
            Jitter::EQUAL,
            Jitter::DEFAULT,
            Jitter::symmetric(10_000).unwrap(),
            Jitter::additive(10_000, Duration::MAX, Duration::MAX).unwrap(),
            Jitter::decorrelated(Duration::MAX).unwrap(),
        ] {
            let got = j.apply(Duration::MAX, Draw::MAX, Some(Duration::MAX));
            assert!(got <= j.max_delay(Duration::MAX), "{j}");
            assert!(j.apply(Duration::ZERO, Draw::MAX, None) <= j.max_delay(Duration::ZERO));
        }
    }

    #[test]
    fn constructors_validate() {
        assert_eq!(
            Jitter::symmetric(10_001),
            Err(ConfigError::RatioOutOfRange {
                basis_points: 10_001
            })
        );
        assert_eq!(
            Jitter::additive(100, secs(2), secs(1)),
            Err(ConfigError::FloorAboveCap {
                floor: secs(2),
                cap: secs(1)
            })
        );
        assert!(!Jitter::DEFAULT.can_fire_early());
        assert!(Jitter::FULL.can_fire_early());
    }

    #[test]
    fn specs_round_trip() {
        for spec in [
            "none",
            "full",
            "equal",
            "symmetric:20%",
            "symmetric:12.5%",
            "symmetric:0.05%",
            "additive:10%:2s:15m",
            "additive:100%:500ms:1d",
            "decorrelated:1s",
            "additive:0%:0s:1ns",
            "additive:0%:1500us:18446744073709551615999999999ns",
        ] {
            let j: Jitter = spec.parse().unwrap();
            assert_eq!(j.to_string(), spec);
        }
        assert_eq!("default".parse::<Jitter>(), Ok(Jitter::DEFAULT));
        assert_eq!("additive".parse::<Jitter>(), Ok(Jitter::DEFAULT));
        assert_eq!(Jitter::DEFAULT.to_string(), "additive:10%:2s:15m");
        assert_eq!("symmetric:20".parse::<Jitter>(), Jitter::symmetric(2000));
        for bad in [
            "",
            "fuzzy",
            "symmetric",
            "symmetric:",
            "symmetric:-5%",
            "symmetric:1.%",
            "symmetric:1.234%",
            "symmetric:101%",
            "additive:10%:2s",
            "additive:10%:2x:15m",
            "additive:10%:s:15m",
            "decorrelated:0s",
            "none:1",
            "decorrelated:9999999999999999999999999999999s",
            "decorrelated:5",
        ] {
            assert!(bad.parse::<Jitter>().is_err(), "{bad}");
        }
    }
}
