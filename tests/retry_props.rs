//! Properties of the retry module over random configurations and inputs:
//! no panic or overflow anywhere, delays within the cap and the jitter's
//! bound, `Retry-After` floors respected, deterministic decisions, and no
//! decision in the past.
#![allow(
    clippy::unwrap_used,
    reason = "strategies build configurations from values in range; a failure is a bug to see"
)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use webhook_kit::Timestamp;
use webhook_kit::retry::{
    AttemptInput, AttemptOutcome, AttemptResult, Classifier, Decision, Draw, DrawSource, Jitter,
    MAX_STEPS, RetryAfter, RetryAfterRule, RetryPolicy, Schedule, TransportError,
};

fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0u64..=100_000_000_000).prop_map(Duration::from_nanos),
        (0u64..=10 * 86_400).prop_map(Duration::from_secs),
        Just(Duration::ZERO),
        Just(Duration::MAX),
        any::<u64>().prop_map(Duration::from_secs),
    ]
}

fn nonzero() -> impl Strategy<Value = Duration> {
    duration().prop_map(|d| d.max(Duration::from_nanos(1)))
}

/// A schedule of any shape, with its cap (the longest step it can list).
fn schedule() -> impl Strategy<Value = Schedule> {
    let exponential = (
        nonzero(),
        1u32..=10,
        nonzero(),
        1u32..=MAX_STEPS,
        any::<bool>(),
    )
        .prop_map(|(initial, factor, cap, retries, repeat)| {
            Schedule::exponential(initial)
                .and_then(|e| e.with_factor(factor))
                .and_then(|e| e.with_cap(cap))
                .and_then(|e| e.with_retries(retries))
                .unwrap()
                .with_repeat_last(repeat)
                .build()
        });
    let linear = (
        duration(),
        duration(),
        nonzero(),
        1u32..=MAX_STEPS,
        any::<bool>(),
    )
        .prop_map(|(initial, increment, cap, retries, repeat)| {
            Schedule::linear(initial)
                .with_increment(increment)
                .with_cap(cap)
                .and_then(|l| l.with_retries(retries))
                .unwrap()
                .with_repeat_last(repeat)
                .build()
        });
    let list =
        (prop::collection::vec(duration(), 1..12), any::<bool>()).prop_map(|(steps, repeat)| {
            let s = Schedule::from_steps(steps).unwrap();
            if repeat {
                s.with_repeat_last().unwrap()
            } else {
                s
            }
        });
    prop_oneof![exponential, linear, list]
}

fn jitter() -> impl Strategy<Value = Jitter> {
    prop_oneof![
        Just(Jitter::NONE),
        Just(Jitter::FULL),
        Just(Jitter::EQUAL),
        Just(Jitter::DEFAULT),
        (0u32..=10_000).prop_map(|bp| Jitter::symmetric(bp).unwrap()),
        (0u32..=10_000, duration(), duration())
            .prop_map(|(bp, a, b)| { Jitter::additive(bp, a.min(b), a.max(b)).unwrap() }),
        nonzero().prop_map(|base| Jitter::decorrelated(base).unwrap()),
    ]
}

fn fraction() -> impl Strategy<Value = f64> {
    prop_oneof![
        0.0f64..1.0,
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(1.0),
        Just(-0.0),
    ]
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        any::<i64>(),
        Just(i64::MIN),
        Just(i64::MAX),
        0i64..=4_000_000_000_000,
    ]
    .prop_map(Timestamp::from_unix_millis)
}

fn http_date(seconds: u64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(seconds))
}

fn retry_after() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<u64>().prop_map(|s| s.to_string().into_bytes()),
        (0u64..100_000).prop_map(|s| s.to_string().into_bytes()),
        (0u64..4_000_000_000).prop_map(|s| http_date(s).into_bytes()),
        prop::collection::vec(any::<u8>(), 0..40),
        "[-+]?[0-9]{0,4}[.eE ]?[0-9]{0,4}".prop_map(String::into_bytes),
        Just(b"99999999999999999999999".to_vec()),
    ]
}

fn result() -> impl Strategy<Value = AttemptResult> {
    prop_oneof![
        prop_oneof![any::<u16>(), 100u16..600, Just(429u16), Just(503u16)]
            .prop_map(|status| AttemptResult::Response { status }),
        Just(AttemptResult::Transport(TransportError::ReadTimeout)),
        Just(AttemptResult::Transport(TransportError::Dns)),
        Just(AttemptResult::Blocked),
    ]
}

fn attempt() -> impl Strategy<Value = u32> {
    prop_oneof![0u32..30, Just(u32::MAX), Just(u32::MAX - 1), any::<u32>()]
}

#[derive(Debug, Clone)]
struct Case {
    policy: RetryPolicy,
    result: AttemptResult,
    attempt: u32,
    first: Timestamp,
    now: Timestamp,
    id: String,
    header: Option<Vec<u8>>,
    draw: Option<f64>,
    previous: Option<Duration>,
}

fn case() -> impl Strategy<Value = Case> {
    let policy = (
        schedule(),
        jitter(),
        1u32..=u32::MAX,
        nonzero(),
        duration(),
        prop::option::of(duration()),
        any::<bool>(),
    )
        .prop_map(
            |(schedule, jitter, max_attempts, max_age, overload, cap, strict)| {
                let mut rule = RetryAfterRule::DEFAULT;
                if let Some(cap) = cap {
                    rule = rule.with_cap(cap);
                }
                RetryPolicy::new(schedule)
                    .with_jitter(jitter)
                    .with_max_attempts(max_attempts)
                    .and_then(|p| p.with_max_age(max_age))
                    .unwrap()
                    .with_overload_min(overload)
                    .with_retry_after(rule)
                    .with_classifier(Classifier::DEFAULT.with_client_errors_permanent(strict))
            },
        );
    (
        policy,
        result(),
        attempt(),
        timestamp(),
        timestamp(),
        ".{0,24}",
        prop::option::of(retry_after()),
        prop::option::of(fraction()),
        prop::option::of(duration()),
    )
        .prop_map(
            |(policy, result, attempt, first, now, id, header, draw, previous)| Case {
                policy,
                result,
                attempt,
                first,
                now,
                id,
                header,
                draw,
                previous,
            },
        )
}

fn input(c: &Case) -> AttemptInput<'_> {
    let mut input = AttemptInput::new(&c.id, c.attempt, c.first, c.now);
    if let Some(h) = &c.header {
        input = input.with_retry_after(h);
    }
    if let Some(f) = c.draw {
        input = input.with_draw(DrawSource::Fraction(f));
    }
    if let Some(p) = c.previous {
        input = input.with_previous_delay(p);
    }
    input
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn decisions_are_bounded_and_never_in_the_past(c in case()) {
        let p = &c.policy;
        let verdict = p.evaluate(&c.result, None, &input(&c));

        if let Some(at) = verdict.decision.not_before() {
            prop_assert!(at >= c.now, "{:?} before {:?}", at, c.now);
        }
        let Decision::RetryAt { attempt, not_before } = verdict.decision else {
            prop_assert!(verdict.delay.is_none());
            return Ok(());
        };
        prop_assert_eq!(attempt, c.attempt.max(1) + 1);
        prop_assert!(attempt <= p.max_attempts());
        prop_assert!(not_before <= c.first.saturating_add(p.max_age()));

        // The delay: within the jitter's bound over the step, raised at
        // most to the Retry-After cap or the overload minimum.
        let delay = verdict.delay.unwrap();
        let scheduled = p.schedule().delay(attempt).unwrap();
        prop_assert!(scheduled <= p.schedule().longest_step());
        let throttled = matches!(verdict.outcome, AttemptOutcome::Throttled { .. });
        let overload = if throttled { p.overload_min() } else { Duration::ZERO };
        let ceiling = scheduled.max(p.retry_after_cap()).max(overload);
        prop_assert!(delay <= p.jitter().max_delay(ceiling));
        if !p.jitter().can_fire_early() {
            prop_assert!(delay >= scheduled);
        }
        prop_assert!(delay >= overload);
    }

    #[test]
    fn retry_after_floor_is_respected(c in case(), seconds in 0u64..1_000_000, status in prop_oneof![Just(429u16), Just(503u16)]) {
        let header = seconds.to_string().into_bytes();
        let c = Case { header: Some(header), result: AttemptResult::Response { status }, ..c };
        let verdict = c.policy.evaluate(&c.result, None, &input(&c));
        prop_assert_eq!(verdict.retry_after_malformed, None);
        if let Decision::RetryAt { not_before, .. } = verdict.decision {
            let floor = Duration::from_secs(seconds).min(c.policy.retry_after_cap());
            prop_assert!(not_before >= c.now.saturating_add(floor));
            prop_assert!(verdict.delay.unwrap() >= floor);
        }
    }

    #[test]
    fn decisions_are_deterministic(c in case()) {
        let again = c.clone();
        let a = c.policy.evaluate(&c.result, None, &input(&c));
        let b = again.policy.evaluate(&again.result, None, &input(&again));
        prop_assert_eq!(a, b);
        prop_assert_eq!(Draw::deterministic(&c.id, c.attempt), Draw::deterministic(&c.id, c.attempt));
    }

    #[test]
    fn deferrals_stay_in_the_present_and_within_max_age(c in case(), until in timestamp()) {
        match c.policy.defer(c.first, c.now, until) {
            Decision::Defer { not_before } => {
                prop_assert!(not_before >= c.now);
                prop_assert!(not_before >= until);
                prop_assert!(not_before <= c.first.saturating_add(c.policy.max_age()));
            }
            Decision::GiveUp { .. } => {}
            other => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn schedules_stay_under_their_cap(s in schedule(), n in attempt()) {
        if let Some(d) = s.delay(n) {
            prop_assert!(d <= s.longest_step());
            prop_assert!(n >= 1);
        } else {
            prop_assert!(n == 0 || (!s.repeats_last() && n > s.len() + 1) || (s.is_empty() && n >= 2));
        }
    }

    #[test]
    fn jitter_stays_within_its_bound(j in jitter(), d in duration(), f in fraction(), prev in prop::option::of(duration())) {
        let got = j.apply(d, Draw::from_fraction(f), prev);
        prop_assert!(got <= j.max_delay(d));
        if !j.can_fire_early() {
            prop_assert!(got >= d);
        }
        let spec = j.to_string();
        prop_assert_eq!(spec.parse::<Jitter>(), Ok(j));
    }

    #[test]
    fn draws_are_fractions(f in fraction(), id in ".{0,40}", attempt in any::<u32>()) {
        let d = Draw::from_fraction(f);
        prop_assert!(d <= Draw::MAX);
        prop_assert!((0.0..1.0).contains(&d.fraction()));
        let h = Draw::deterministic(&id, attempt);
        prop_assert!(h <= Draw::MAX);
    }

    #[test]
    fn retry_after_parses_or_reports(value in retry_after(), now in timestamp()) {
        if let Ok(hint) = RetryAfter::parse(&value) {
            let _ = hint.delay_from(now);
            // A value that parses is digits or starts like a date.
            let first = value.iter().find(|b| **b != b' ' && **b != b'\t');
            prop_assert!(first.is_some_and(|b| b.is_ascii_alphanumeric()));
        }
    }

    #[test]
    fn http_dates_round_trip(seconds in 0u64..253_402_300_799) {
        let at = UNIX_EPOCH + Duration::from_secs(seconds);
        let text = httpdate::fmt_http_date(at);
        let expected = Timestamp::from_unix_seconds(i64::try_from(seconds).unwrap());
        prop_assert_eq!(RetryAfter::parse(text.as_bytes()), Ok(RetryAfter::Date(expected)));
        prop_assert!(at > SystemTime::UNIX_EPOCH || seconds == 0);
    }

    #[test]
    fn windows_are_bounded_by_max_age(c in case()) {
        let w = c.policy.window();
        prop_assert!(w.nominal <= w.worst_case);
        prop_assert!(w.worst_case <= c.policy.max_age());
        prop_assert!(w.attempts >= 1 && w.attempts <= c.policy.max_attempts());
    }
}
