//! Where the jitter's random fraction comes from: the caller, or a fixed,
//! documented hash of the delivery id and the attempt.
//!
//! # Deterministic draws
//!
//! [`Draw::deterministic`] derives the random fraction from the delivery id
//! and the attempt number, so any worker, or the same worker after a crash
//! between deciding and persisting, computes the same time. The algorithm
//! (version 1) is fixed:
//!
//! 1. key: the 27 ASCII bytes `webhook-kit retry jitter v1` ([`DRAW_KEY`]);
//! 2. message: the byte length of the delivery id as a big-endian `u64`,
//!    the delivery id's UTF-8 bytes, then the attempt number as a
//!    big-endian `u32` (the attempt being scheduled, 2 for the first retry);
//! 3. `HMAC-SHA256(key, message)`; its first 8 bytes read as a big-endian
//!    `u64`, shifted right by 11 bits, give `x < 2^53`;
//! 4. the fraction is `x / 2^53`, in `[0, 1)`.
//!
//! The key is public: this is not a secret, only a well-specified hash.

use super::error::ConfigError;
use super::math::DRAW_BITS;
use crate::crypto;

/// The fixed key of the deterministic draw (version 1).
pub const DRAW_KEY: &[u8] = b"webhook-kit retry jitter v1";

/// A random fraction in `[0, 1)`, held exactly as `x / 2^53`.
///
/// ```
/// use webhook_kit::retry::Draw;
///
/// assert_eq!(Draw::from_fraction(0.5).fraction(), 0.5);
/// assert_eq!(Draw::from_fraction(f64::NAN), Draw::ZERO);
/// assert_eq!(Draw::from_fraction(7.0), Draw::MAX);
/// assert_eq!(Draw::deterministic("msg_1", 2), Draw::deterministic("msg_1", 2));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Draw(u64);

impl Draw {
    /// The fraction 0.
    pub const ZERO: Draw = Draw(0);
    /// The largest fraction below 1: `(2^53 - 1) / 2^53`.
    pub const MAX: Draw = Draw((1 << DRAW_BITS) - 1);

    /// A draw from a fraction, clamped into range: NaN and values below 0
    /// give [`Draw::ZERO`], values of 1 or more (and infinity) give
    /// [`Draw::MAX`]. Never panics.
    pub fn from_fraction(fraction: f64) -> Draw {
        Draw::try_from_fraction(fraction).unwrap_or(if fraction >= 1.0 {
            Draw::MAX
        } else {
            Draw::ZERO
        })
    }

    /// A draw from a fraction that must lie in `[0, 1)`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::FractionOutOfRange`] for NaN, infinities and values
    /// outside `[0, 1)`.
    pub fn try_from_fraction(fraction: f64) -> Result<Draw, ConfigError> {
        if !(0.0..1.0).contains(&fraction) {
            return Err(ConfigError::FractionOutOfRange);
        }
        // Multiplying by a power of two is exact; the cast truncates toward
        // zero, which is the floor for a non-negative value.
        let scaled = fraction * (1u64 << DRAW_BITS) as f64;
        Ok(Draw((scaled as u64).min(Draw::MAX.0)))
    }

    /// The deterministic draw for `(delivery_id, attempt)`; the algorithm
    /// is in the module documentation.
    ///
    /// # Security
    ///
    /// Anyone who knows the delivery id can compute the draw. Jitter only
    /// spreads load; nothing depends on it being unpredictable.
    pub fn deterministic(delivery_id: &str, attempt: u32) -> Draw {
        let id = delivery_id.as_bytes();
        let length = u64::try_from(id.len()).unwrap_or(u64::MAX).to_be_bytes();
        let mac = crypto::hmac_sha256(DRAW_KEY, &[&length, id, &attempt.to_be_bytes()]);
        let [b0, b1, b2, b3, b4, b5, b6, b7, ..] = mac;
        let head = u64::from_be_bytes([b0, b1, b2, b3, b4, b5, b6, b7]);
        Draw(head >> (64 - DRAW_BITS))
    }

    /// The 53-bit integer `x` of the fraction `x / 2^53`.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// The fraction as a float (exact: 53 bits fit an `f64`).
    pub fn fraction(self) -> f64 {
        self.0 as f64 / (1u64 << DRAW_BITS) as f64
    }
}

/// Where the policy takes the jitter's random fraction from.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub enum DrawSource {
    /// [`Draw::deterministic`] over the delivery id and the attempt being
    /// scheduled. The default.
    #[default]
    Deterministic,
    /// A fraction in `[0, 1)` from the caller's own random source, clamped
    /// as [`Draw::from_fraction`] does.
    Fraction(f64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_draw_matches_an_independent_computation() {
        // python3 -c 'import hmac,hashlib,struct;i=b"msg_2mLx9kQ";m=struct.pack(">Q",len(i))+i+struct.pack(">I",2);print(int.from_bytes(hmac.new(b"webhook-kit retry jitter v1",m,hashlib.sha256).digest()[:8],"big")>>11)'
        assert_eq!(Draw::deterministic("msg_2mLx9kQ", 2).bits(), VECTOR_MSG_2);
        // python3 -c 'import hmac,hashlib,struct;i=b"";m=struct.pack(">Q",len(i))+i+struct.pack(">I",4294967295);print(int.from_bytes(hmac.new(b"webhook-kit retry jitter v1",m,hashlib.sha256).digest()[:8],"big")>>11)'
        assert_eq!(Draw::deterministic("", u32::MAX).bits(), VECTOR_EMPTY_MAX);
        assert_ne!(
            Draw::deterministic("msg_2mLx9kQ", 2),
            Draw::deterministic("msg_2mLx9kQ", 3)
        );
    }

    const VECTOR_MSG_2: u64 = 6_551_317_632_836_412;
    const VECTOR_EMPTY_MAX: u64 = 2_437_800_751_803_369;

    #[test]
    fn fractions_are_exact_and_clamped() {
        assert_eq!(Draw::from_fraction(0.0), Draw::ZERO);
        assert_eq!(Draw::from_fraction(0.25).bits(), 1 << 51);
        assert_eq!(Draw::from_fraction(-0.0), Draw::ZERO);
        assert_eq!(Draw::from_fraction(-1.0), Draw::ZERO);
        assert_eq!(Draw::from_fraction(f64::NEG_INFINITY), Draw::ZERO);
        assert_eq!(Draw::from_fraction(f64::INFINITY), Draw::MAX);
        assert_eq!(Draw::from_fraction(1.0), Draw::MAX);
        assert_eq!(Draw::from_fraction(f64::NAN), Draw::ZERO);
        assert_eq!(Draw::from_fraction(1.0 - f64::EPSILON / 2.0), Draw::MAX);
        assert_eq!(
            Draw::try_from_fraction(1.0),
            Err(ConfigError::FractionOutOfRange)
        );
        assert_eq!(
            Draw::try_from_fraction(f64::NAN),
            Err(ConfigError::FractionOutOfRange)
        );
        assert!(Draw::MAX.fraction() < 1.0);
    }
}
