//! The errors of the retry module: a configuration that cannot be used, an
//! unknown preset name, and a `Retry-After` value that cannot be read.

use std::fmt;
use std::time::Duration;

/// Why a schedule, a jitter strategy or a policy cannot be built.
///
/// Returned by the validating builders (`with_*` setters and constructors),
/// so a bad configuration fails when it is made, not on the first retry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// An exponential schedule starting at zero would stay at zero.
    ZeroInitialDelay,
    /// An exponential factor of zero.
    ZeroFactor,
    /// A cap of zero would make every delay zero.
    ZeroCap,
    /// A generated schedule needs between 1 and [`MAX_STEPS`](crate::retry::MAX_STEPS) steps.
    RetriesOutOfRange {
        /// The number asked for.
        retries: u32,
    },
    /// A list schedule has more than [`MAX_STEPS`](crate::retry::MAX_STEPS) steps.
    TooManySteps {
        /// The length of the list.
        steps: usize,
    },
    /// "Repeat the last step" on a schedule with no steps.
    NothingToRepeat,
    /// A jitter ratio above 100 % (10 000 basis points).
    RatioOutOfRange {
        /// The ratio asked for, in basis points.
        basis_points: u32,
    },
    /// An additive jitter whose floor lies above its cap.
    FloorAboveCap {
        /// The floor asked for.
        floor: Duration,
        /// The cap asked for.
        cap: Duration,
    },
    /// Decorrelated jitter with a base of zero would never grow.
    ZeroBase,
    /// A random fraction outside `[0, 1)`, or not a number.
    FractionOutOfRange,
    /// `max_attempts` of zero: the first send is an attempt too.
    ZeroMaxAttempts,
    /// `max_age` of zero would expire every delivery at once.
    ZeroMaxAge,
    /// An HTTP status code outside 100..=999.
    InvalidStatus(u16),
    /// A jitter specification that does not parse.
    InvalidJitterSpec(&'static str),
}

impl ConfigError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            ConfigError::ZeroInitialDelay => "zero_initial_delay",
            ConfigError::ZeroFactor => "zero_factor",
            ConfigError::ZeroCap => "zero_cap",
            ConfigError::RetriesOutOfRange { .. } => "retries_out_of_range",
            ConfigError::TooManySteps { .. } => "too_many_steps",
            ConfigError::NothingToRepeat => "nothing_to_repeat",
            ConfigError::RatioOutOfRange { .. } => "ratio_out_of_range",
            ConfigError::FloorAboveCap { .. } => "floor_above_cap",
            ConfigError::ZeroBase => "zero_base",
            ConfigError::FractionOutOfRange => "fraction_out_of_range",
            ConfigError::ZeroMaxAttempts => "zero_max_attempts",
            ConfigError::ZeroMaxAge => "zero_max_age",
            ConfigError::InvalidStatus(_) => "invalid_status",
            ConfigError::InvalidJitterSpec(_) => "invalid_jitter_spec",
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::ZeroInitialDelay => {
                f.write_str("an exponential schedule needs an initial delay above zero")
            }
            ConfigError::ZeroFactor => f.write_str("the exponential factor must be at least 1"),
            ConfigError::ZeroCap => f.write_str("the cap on the delay must be above zero"),
            ConfigError::RetriesOutOfRange { retries } => write!(
                f,
                "a generated schedule needs 1 to {} retries, not {retries}",
                super::MAX_STEPS
            ),
            ConfigError::TooManySteps { steps } => write!(
                f,
                "a schedule holds at most {} steps, this list has {steps}",
                super::MAX_STEPS
            ),
            ConfigError::NothingToRepeat => {
                f.write_str("the schedule has no step whose repetition could be asked for")
            }
            ConfigError::RatioOutOfRange { basis_points } => write!(
                f,
                "a jitter ratio is at most 10000 basis points (100 %), not {basis_points}"
            ),
            ConfigError::FloorAboveCap { floor, cap } => write!(
                f,
                "the jitter floor ({} ms) lies above its cap ({} ms)",
                floor.as_millis(),
                cap.as_millis()
            ),
            ConfigError::ZeroBase => f.write_str("decorrelated jitter needs a base above zero"),
            ConfigError::FractionOutOfRange => {
                f.write_str("a random fraction must be a number in [0, 1)")
            }
            ConfigError::ZeroMaxAttempts => {
                f.write_str("max_attempts must be at least 1 (the first send counts)")
            }
            ConfigError::ZeroMaxAge => f.write_str("max_age must be above zero"),
            ConfigError::InvalidStatus(status) => {
                write!(f, "{status} is not an HTTP status code (100 to 999)")
            }
            ConfigError::InvalidJitterSpec(reason) => {
                write!(f, "invalid jitter specification: {reason}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// A preset name that is not one this crate ships.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownPreset {
    pub(crate) name: String,
}

impl UnknownPreset {
    /// The name that was asked for.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The stable code: `unknown_preset`.
    pub fn code(&self) -> &'static str {
        "unknown_preset"
    }
}

impl fmt::Display for UnknownPreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown retry preset `{}` (known: {})",
            self.name.escape_debug(),
            super::Preset::NAMES.join(", ")
        )
    }
}

impl std::error::Error for UnknownPreset {}

/// Why a `Retry-After` value was not used.
///
/// A malformed value is ignored (the scheduled delay applies) and reported
/// through this type, never guessed at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryAfterError {
    /// The value is empty or only whitespace.
    Empty,
    /// The value starts like a number but is not delay-seconds (ASCII
    /// digits only): a sign, a fraction, an exponent, a space inside.
    NotDelaySeconds,
    /// The value is delay-seconds too large for a 64-bit count of seconds.
    TooLarge,
    /// The value starts like a word but is none of the three HTTP-date
    /// forms (or not ASCII).
    NotHttpDate,
}

impl RetryAfterError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            RetryAfterError::Empty => "retry_after_empty",
            RetryAfterError::NotDelaySeconds => "retry_after_not_delay_seconds",
            RetryAfterError::TooLarge => "retry_after_too_large",
            RetryAfterError::NotHttpDate => "retry_after_not_http_date",
        }
    }
}

impl fmt::Display for RetryAfterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RetryAfterError::Empty => "the retry-after value is empty",
            RetryAfterError::NotDelaySeconds => {
                "the retry-after value is not delay-seconds (ASCII digits only)"
            }
            RetryAfterError::TooLarge => "the retry-after delay-seconds value is too large",
            RetryAfterError::NotHttpDate => "the retry-after value is not an HTTP-date",
        })
    }
}

impl std::error::Error for RetryAfterError {}
