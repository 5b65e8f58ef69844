//! Named configurations reproducing real senders' schedules.
//!
//! Every preset fixes its schedule, `max_attempts` and `max_age`; all but
//! `short` use the default jitter (additive, never early), so each retry
//! fires at or shortly after the published step.
//!
//! Stripe and Shopify publish their windows, not their intervals:
//! `stripe-like` and `shopify-like` are **approximations** of those
//! windows (about 3 days, and 9 attempts over about 4 hours), not their
//! actual schedules.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::error::UnknownPreset;
use super::jitter::Jitter;
use super::policy::RetryPolicy;
use super::schedule::{Exponential, Schedule};

const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

const MIN: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

static STANDARD_WEBHOOKS: [Duration; 9] = [
    secs(5),
    secs(5 * MIN),
    secs(30 * MIN),
    secs(2 * HOUR),
    secs(5 * HOUR),
    secs(10 * HOUR),
    secs(14 * HOUR),
    secs(20 * HOUR),
    secs(24 * HOUR),
];

static SVIX: [Duration; 7] = [
    secs(5),
    secs(5 * MIN),
    secs(30 * MIN),
    secs(2 * HOUR),
    secs(5 * HOUR),
    secs(10 * HOUR),
    secs(10 * HOUR),
];

static HOOK0: [Duration; 8] = [
    secs(3),
    secs(10),
    secs(3 * MIN),
    secs(30 * MIN),
    secs(HOUR),
    secs(3 * HOUR),
    secs(5 * HOUR),
    secs(10 * HOUR),
];

static CLASSIC: [Duration; 6] = [
    secs(10),
    secs(MIN),
    secs(5 * MIN),
    secs(30 * MIN),
    secs(2 * HOUR),
    secs(6 * HOUR),
];

/// A named retry configuration.
///
/// | name | delays (the first send is immediate) | attempts | `max_age` |
/// |---|---|---|---|
/// | `standard-webhooks` (default) | 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h | 10 | 4 days |
/// | `svix` | 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h | 8 | 2 days |
/// | `hook0` | 3 s, 10 s, 3 min, 30 min, 1 h, 3 h, 5 h, then 10 h repeating | 25 | 8 days |
/// | `classic` | 10 s, 1 min, 5 min, 30 min, 2 h, 6 h | 7 | 1 day |
/// | `stripe-like` | 5 min doubling to a 12 h cap (12 retries, ≈ 69 h) | 13 | 3 days |
/// | `shopify-like` | 1 min doubling to a 2 h cap (8 retries, ≈ 4 h 7 min) | 9 | 5 h |
/// | `short` | 10, 20, 40, 80, 160 ms; no jitter, no overload minimum | 6 | 10 s |
///
/// `stripe-like` and `shopify-like` approximate published windows; Stripe
/// and Shopify publish no intervals. `short` is for tests: the default
/// jitter's 2 s floor and the 60 s overload minimum would swamp its steps.
///
/// ```
/// use webhook_kit::retry::Preset;
///
/// let preset: Preset = "stripe_like".parse()?;
/// assert_eq!(preset, Preset::StripeLike);
/// assert_eq!(preset.to_string(), "stripe-like");
/// assert_eq!(Preset::default().policy().max_attempts(), 10);
/// # Ok::<(), webhook_kit::retry::UnknownPreset>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Preset {
    /// The Standard Webhooks specification's example: about 75.6 h.
    #[default]
    StandardWebhooks,
    /// Svix's hosted and open-source schedule: about 27.6 h.
    Svix,
    /// Hook0's schedule, bounded by 25 attempts and 8 days.
    Hook0,
    /// A compact schedule of about 8.6 h.
    Classic,
    /// An exponential approximation of Stripe's "up to 3 days".
    StripeLike,
    /// An exponential approximation of Shopify's 9 attempts over 4 hours.
    ShopifyLike,
    /// Millisecond steps, for tests.
    Short,
}

impl Preset {
    /// Every preset, the default first.
    pub const ALL: [Preset; 7] = [
        Preset::StandardWebhooks,
        Preset::Svix,
        Preset::Hook0,
        Preset::Classic,
        Preset::StripeLike,
        Preset::ShopifyLike,
        Preset::Short,
    ];

    /// The names of [`Preset::ALL`], in the same order.
    pub const NAMES: [&'static str; 7] = [
        "standard-webhooks",
        "svix",
        "hook0",
        "classic",
        "stripe-like",
        "shopify-like",
        "short",
    ];

    /// The kebab-case name.
    pub const fn name(self) -> &'static str {
        match self {
            Preset::StandardWebhooks => "standard-webhooks",
            Preset::Svix => "svix",
            Preset::Hook0 => "hook0",
            Preset::Classic => "classic",
            Preset::StripeLike => "stripe-like",
            Preset::ShopifyLike => "shopify-like",
            Preset::Short => "short",
        }
    }

    /// The schedule.
    pub fn schedule(self) -> Schedule {
        match self {
            Preset::StandardWebhooks => Schedule::fixed(&STANDARD_WEBHOOKS, false),
            Preset::Svix => Schedule::fixed(&SVIX, false),
            Preset::Hook0 => Schedule::fixed(&HOOK0, true),
            Preset::Classic => Schedule::fixed(&CLASSIC, false),
            Preset::StripeLike => exponential(secs(5 * MIN), secs(12 * HOUR), 12),
            Preset::ShopifyLike => exponential(secs(MIN), secs(2 * HOUR), 8),
            Preset::Short => exponential(Duration::from_millis(10), secs(1), 5),
        }
    }

    /// The most attempts, the first send included.
    pub const fn max_attempts(self) -> u32 {
        match self {
            Preset::StandardWebhooks => 10,
            Preset::Svix => 8,
            Preset::Hook0 => 25,
            Preset::Classic => 7,
            Preset::StripeLike => 13,
            Preset::ShopifyLike => 9,
            Preset::Short => 6,
        }
    }

    /// The deadline after the first attempt.
    pub const fn max_age(self) -> Duration {
        match self {
            Preset::StandardWebhooks => secs(4 * DAY),
            Preset::Svix => secs(2 * DAY),
            Preset::Hook0 => secs(8 * DAY),
            Preset::Classic => secs(DAY),
            Preset::StripeLike => secs(3 * DAY),
            Preset::ShopifyLike => secs(5 * HOUR),
            Preset::Short => secs(10),
        }
    }

    /// The jitter: [`Jitter::DEFAULT`], or none for `short`.
    pub const fn jitter(self) -> Jitter {
        match self {
            Preset::Short => Jitter::NONE,
            _ => Jitter::DEFAULT,
        }
    }

    /// The full policy; everything not listed above keeps the defaults of
    /// [`RetryPolicy::new`] (`short` also drops the overload minimum).
    pub fn policy(self) -> RetryPolicy {
        let mut policy = RetryPolicy::new(self.schedule()).with_jitter(self.jitter());
        policy.max_attempts = self.max_attempts();
        policy.max_age = self.max_age();
        if self == Preset::Short {
            policy.overload_min = Duration::ZERO;
        }
        policy
    }
}

/// A doubling schedule from values the presets know to be valid.
fn exponential(initial: Duration, cap: Duration, retries: u32) -> Schedule {
    Exponential::doubling(initial, cap, retries).build()
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Preset {
    type Err = UnknownPreset;

    /// Reads a name in kebab-case (`stripe-like`) or snake_case
    /// (`stripe_like`), ASCII case-insensitively.
    fn from_str(name: &str) -> Result<Preset, UnknownPreset> {
        let normal = name.to_ascii_lowercase().replace('_', "-");
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == normal)
            .ok_or_else(|| UnknownPreset {
                name: name.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::plan::Limit;

    fn delays(p: Preset) -> Vec<u64> {
        p.policy()
            .plan()
            .map(|a| a.delay.as_millis() as u64)
            .collect()
    }

    fn s(values: &[u64]) -> Vec<u64> {
        values.iter().map(|v| v * 1000).collect()
    }

    #[test]
    fn standard_webhooks() {
        let p = Preset::StandardWebhooks;
        assert_eq!(
            delays(p),
            s(&[
                0, 5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400
            ])
        );
        let w = p.policy().window();
        assert_eq!(w.nominal, secs(75 * HOUR + 35 * MIN + 5));
        assert_eq!(w.worst_case, secs(77 * HOUR + 5 * MIN + 37));
        assert_eq!((p.max_attempts(), p.max_age()), (10, secs(4 * DAY)));
        assert_eq!(Preset::default(), p);
    }

    #[test]
    fn svix() {
        let p = Preset::Svix;
        assert_eq!(
            delays(p),
            s(&[0, 5, 300, 1800, 7200, 18_000, 36_000, 36_000])
        );
        assert_eq!(p.policy().window().nominal, secs(99_305));
        assert_eq!((p.max_attempts(), p.max_age()), (8, secs(2 * DAY)));
    }

    #[test]
    fn hook0() {
        let p = Preset::Hook0;
        let mut expected = vec![0, 3, 10, 180, 1800, 3600, 10_800, 18_000];
        expected.extend([36_000; 17]);
        assert_eq!(delays(p), s(&expected));
        let w = p.policy().window();
        assert_eq!(w.attempts, 25);
        assert_eq!(w.nominal, secs(34_393 + 17 * 36_000));
        assert!(w.worst_case < secs(8 * DAY));
        assert_eq!((p.max_attempts(), p.max_age()), (25, secs(8 * DAY)));
    }

    #[test]
    fn classic() {
        let p = Preset::Classic;
        assert_eq!(delays(p), s(&[0, 10, 60, 300, 1800, 7200, 21_600]));
        assert_eq!((p.max_attempts(), p.max_age()), (7, secs(DAY)));
    }

    #[test]
    fn stripe_like() {
        let p = Preset::StripeLike;
        let m = |v: u64| v * 60;
        assert_eq!(
            delays(p),
            s(&[
                0,
                m(5),
                m(10),
                m(20),
                m(40),
                m(80),
                m(160),
                m(320),
                m(640),
                m(720),
                m(720),
                m(720),
                m(720)
            ])
        );
        let w = p.policy().window();
        assert_eq!(w.nominal, secs(69 * HOUR + 15 * MIN));
        assert_eq!(w.worst_case, secs(71 * HOUR + 15 * MIN + 30));
        assert_eq!((p.max_attempts(), p.max_age()), (13, secs(3 * DAY)));
    }

    #[test]
    fn shopify_like() {
        let p = Preset::ShopifyLike;
        let m = |v: u64| v * 60;
        assert_eq!(
            delays(p),
            s(&[0, m(1), m(2), m(4), m(8), m(16), m(32), m(64), m(120)])
        );
        assert_eq!(p.policy().window().nominal, secs(4 * HOUR + 7 * MIN));
        assert_eq!((p.max_attempts(), p.max_age()), (9, secs(5 * HOUR)));
    }

    #[test]
    fn short() {
        let p = Preset::Short;
        assert_eq!(delays(p), [0, 10, 20, 40, 80, 160]);
        assert_eq!(p.policy().overload_min(), Duration::ZERO);
        assert_eq!(p.policy().window().worst_case, Duration::from_millis(310));
        assert_eq!((p.max_attempts(), p.max_age()), (6, secs(10)));
    }

    #[test]
    fn every_preset_runs_its_whole_schedule_within_max_age() {
        for p in Preset::ALL {
            let w = p.policy().window();
            assert_eq!(w.attempts, p.max_attempts(), "{p}");
            assert_eq!(w.limited_by, Limit::MaxAttempts, "{p}");
            assert!(w.worst_case < p.max_age(), "{p}");
            assert_eq!(p.policy().plan().count(), p.max_attempts() as usize, "{p}");
        }
    }

    #[test]
    fn names_parse_in_both_cases() {
        for (p, name) in Preset::ALL.into_iter().zip(Preset::NAMES) {
            assert_eq!(p.name(), name);
            assert_eq!(name.parse::<Preset>(), Ok(p));
            assert_eq!(name.replace('-', "_").parse::<Preset>(), Ok(p));
            assert_eq!(name.to_uppercase().parse::<Preset>(), Ok(p));
        }
        let err = "stripe".parse::<Preset>().unwrap_err();
        assert_eq!(err.name(), "stripe");
        assert_eq!(err.code(), "unknown_preset");
        assert!(err.to_string().contains("standard-webhooks"));
    }
}
