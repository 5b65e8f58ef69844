//! Properties of the delivery module over random inputs: delivery ids are
//! stable, well-formed and tell pairs apart; filters match by their rules;
//! URL and name checks never panic and accept only what they promise;
//! fan-out is repeatable; jobs and records survive serde and hold no
//! secret; applying decisions never panics and always moves forward;
//! endpoint health keeps its promises under any sequence of outcomes.
#![allow(
    clippy::unwrap_used,
    reason = "strategies build values that are valid by construction; a failure is a bug to see"
)]

use std::collections::HashSet;
use std::net::IpAddr;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use proptest::prelude::*;
use webhook_kit::delivery::{
    Admission, AttemptRecord, BodyExcerpt, Circuit, DeliveryId, DeliveryJob, Endpoint,
    EndpointHealth, EndpointId, EndpointUrl, Event, EventFilter, EventType, FanOut, HealthEvent,
    HealthPolicy, Observation, OwnerId, Transition, UrlRules,
};
use webhook_kit::retry::{
    AttemptResult, Decision, DisableReason, GiveUpReason, Jitter, RetryPolicy, TransportError,
};
use webhook_kit::sign::{MessageId, SigningSecret};
use webhook_kit::{Keyring, Timestamp};

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.:~-]{1,40}"
}

fn message_id() -> impl Strategy<Value = MessageId> {
    "[A-Za-z0-9_:~-]{1,60}".prop_map(|s| MessageId::new(s).unwrap())
}

fn segment() -> impl Strategy<Value = String> {
    "[a-z0-9_]{1,6}"
}

fn event_type() -> impl Strategy<Value = EventType> {
    prop::collection::vec(segment(), 1..4).prop_map(|s| EventType::new(s.join(".")).unwrap())
}

fn pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_owned()),
        event_type().prop_map(|t| t.as_str().to_owned()),
        event_type().prop_map(|t| format!("{}.*", t.as_str())),
    ]
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        0i64..=4_000_000_000_000,
        Just(i64::MAX),
        Just(i64::MIN),
        any::<i64>(),
    ]
    .prop_map(Timestamp::from_unix_millis)
}

fn secret_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 24..=64)
}

fn endpoint(owner: &OwnerId, id: &str, secret: &[u8], patterns: &[String]) -> Endpoint {
    Endpoint::new(
        EndpointId::new(id).unwrap(),
        owner.clone(),
        EndpointUrl::parse("https://hooks.example.com/in").unwrap(),
        Keyring::from(SigningSecret::from_random_bytes(secret).unwrap()),
    )
    .unwrap()
    .with_filter(EventFilter::new(patterns).unwrap())
}

fn decision() -> impl Strategy<Value = Decision> {
    prop_oneof![
        Just(Decision::Delivered),
        timestamp().prop_map(|not_before| Decision::Defer { not_before }),
        (any::<u32>(), timestamp()).prop_map(|(attempt, not_before)| Decision::RetryAt {
            attempt,
            not_before
        }),
        Just(Decision::GiveUp {
            reason: GiveUpReason::AttemptsExhausted
        }),
        Just(Decision::DisableEndpoint {
            reason: DisableReason::Gone
        }),
    ]
}

fn result() -> impl Strategy<Value = AttemptResult> {
    prop_oneof![
        (100u16..=999).prop_map(|status| AttemptResult::Response { status }),
        Just(AttemptResult::Blocked),
        Just(AttemptResult::Transport(TransportError::ConnectionReset)),
        Just(AttemptResult::Transport(TransportError::ReadTimeout)),
    ]
}

/// Every text form of `secret` a careless serialiser could write.
fn secret_forms(secret: &[u8]) -> Vec<String> {
    let mut forms = vec![
        SigningSecret::from_random_bytes(secret).unwrap().to_whsec(),
        STANDARD.encode(secret),
        STANDARD_NO_PAD.encode(secret),
        URL_SAFE_NO_PAD.encode(secret),
        secret.iter().map(|b| format!("{b:02x}")).collect(),
        format!("{secret:?}"),
    ];
    if let Ok(text) = std::str::from_utf8(secret) {
        forms.push(text.to_owned());
    }
    forms
}

proptest! {
    #[test]
    fn delivery_ids_are_stable_well_formed_and_distinct(
        m1 in message_id(), e1 in name(), m2 in message_id(), e2 in name(),
    ) {
        let (e1, e2) = (EndpointId::new(e1).unwrap(), EndpointId::new(e2).unwrap());
        let a = DeliveryId::derive(&m1, &e1);
        prop_assert_eq!(&a, &DeliveryId::derive(&m1, &e1));
        prop_assert_eq!(DeliveryId::parse(a.as_str()).unwrap(), a.clone());
        prop_assert_eq!(a.as_str().len(), 36);
        let b = DeliveryId::derive(&m2, &e2);
        prop_assert_eq!(a == b, m1 == m2 && e1 == e2);
    }

    #[test]
    fn moving_the_boundary_changes_the_id(left in "[a-z]{1,10}", middle in "[a-z]{1,10}", right in "[a-z]{1,10}") {
        let one = DeliveryId::derive(
            &MessageId::new(format!("{left}{middle}")).unwrap(),
            &EndpointId::new(right.clone()).unwrap(),
        );
        let two = DeliveryId::derive(
            &MessageId::new(left).unwrap(),
            &EndpointId::new(format!("{middle}{right}")).unwrap(),
        );
        prop_assert_ne!(one, two);
    }

    #[test]
    fn filters_match_by_their_rules(prefix in event_type(), ty in event_type()) {
        let exact = EventFilter::new([prefix.as_str()]).unwrap();
        prop_assert_eq!(exact.matches(&ty), ty == prefix);

        let wildcard = EventFilter::new([format!("{}.*", prefix.as_str())]).unwrap();
        let starts = ty.as_str().starts_with(&format!("{}.", prefix.as_str()));
        prop_assert_eq!(wildcard.matches(&ty), starts);
        prop_assert!(!wildcard.matches(&prefix));

        prop_assert!(EventFilter::all().matches(&ty));
        let back: EventFilter = serde_json::from_str(&serde_json::to_string(&wildcard).unwrap()).unwrap();
        prop_assert_eq!(back, wildcard);
    }

    #[test]
    fn checks_never_panic(text in any::<String>(), bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = EndpointId::new(text.clone());
        let _ = OwnerId::new(text.clone());
        let _ = EventType::new(text.clone());
        let _ = EventFilter::new([text.as_str(), "*"]);
        let _ = DeliveryId::parse(&text);
        let _ = serde_json::from_slice::<DeliveryJob>(&bytes);
        let _ = serde_json::from_slice::<AttemptRecord>(&bytes);
        let _ = BodyExcerpt::new(&bytes, text.len());
    }

    #[test]
    fn accepted_urls_keep_their_promises(
        scheme in prop_oneof![Just("http"), Just("https"), Just("HTTPS"), Just("ftp"), Just("")],
        userinfo in prop_oneof![Just(""), Just("u@"), Just("u:p@"), Just(":p@")],
        host in prop_oneof![
            Just("example.com".to_owned()),
            Just("0x7f.1".to_owned()),
            Just("[::1]".to_owned()),
            Just("".to_owned()),
            "[a-z0-9.-]{0,20}",
        ],
        rest in "[ -~]{0,30}",
        https_only in any::<bool>(),
        allow_userinfo in any::<bool>(),
    ) {
        let text = format!("{scheme}://{userinfo}{host}{rest}");
        let rules = UrlRules::DEFAULT
            .with_https_only(https_only)
            .with_userinfo_allowed(allow_userinfo);
        if let Ok(url) = EndpointUrl::parse_with(&text, rules) {
            let parsed = url.as_url();
            prop_assert!(parsed.scheme() == "https" || (parsed.scheme() == "http" && !https_only));
            prop_assert!(!url.host().is_empty());
            if !allow_userinfo {
                prop_assert!(parsed.username().is_empty() && parsed.password().is_none());
            }
            // Normalisation is stable: the normalised text parses to itself.
            let again = EndpointUrl::parse_with(url.as_str(), rules).unwrap();
            prop_assert_eq!(again.as_str(), url.as_str());
            let shown = format!("{url:?}");
            prop_assert!(!shown.contains("u:p@") && !shown.contains(":p@"));
        }
    }

    #[test]
    fn fan_out_is_repeatable_and_picks_by_filter(
        owner in name(),
        mid in message_id(),
        ty in event_type(),
        specs in prop::collection::vec((prop::collection::vec(pattern(), 1..3), any::<bool>()), 0..6),
        payload in prop::collection::vec(any::<u8>(), 0..256),
        now in timestamp(),
        max_payload in 0usize..300,
    ) {
        let owner = OwnerId::new(owner).unwrap();
        let endpoints: Vec<Endpoint> = specs
            .iter()
            .enumerate()
            .map(|(i, (patterns, enabled))| {
                endpoint(&owner, &format!("ep_{i}"), &[1; 32], patterns).with_enabled(*enabled)
            })
            .collect();
        let event = Event::new(owner.clone(), ty.clone(), mid.clone(), payload.clone(), now);
        let fan_out = FanOut::default().with_max_payload_bytes(max_payload);
        let jobs = fan_out.jobs(&event, &endpoints, now);
        if payload.len() > max_payload {
            prop_assert!(jobs.is_err());
            return Ok(());
        }
        let jobs = jobs.unwrap();
        prop_assert_eq!(&jobs, &fan_out.jobs(&event, &endpoints, now).unwrap());

        let expected: Vec<&str> = endpoints
            .iter()
            .filter(|e| e.is_enabled() && e.filter().matches(&ty))
            .map(|e| e.id().as_str())
            .collect();
        let got: Vec<&str> = jobs.iter().map(|j| j.endpoint_id().as_str()).collect();
        prop_assert_eq!(got, expected);

        let ids: HashSet<_> = jobs.iter().map(|j| j.delivery_id().clone()).collect();
        prop_assert_eq!(ids.len(), jobs.len());
        for job in &jobs {
            prop_assert_eq!(job.delivery_id(), &DeliveryId::derive(&mid, job.endpoint_id()));
            prop_assert_eq!(job.payload().as_bytes(), payload.as_slice());
            prop_assert!(job.deadline() >= job.first_attempt_at());
        }
    }

    #[test]
    fn jobs_and_records_round_trip_and_hold_no_secret(
        secret in secret_bytes(),
        old_secret in secret_bytes(),
        mid in message_id(),
        payload in prop::collection::vec(any::<u8>(), 0..64),
        now in timestamp(),
        decisions in prop::collection::vec(decision(), 0..6),
        result in result(),
        addr in any::<IpAddr>(),
        body in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let owner = OwnerId::new("app_1").unwrap();
        let ep = Endpoint::new(
            EndpointId::new("ep_1").unwrap(),
            owner.clone(),
            EndpointUrl::parse("https://hooks.example.com/in").unwrap(),
            Keyring::from(SigningSecret::from_random_bytes(&secret).unwrap())
                .with_key_until(SigningSecret::from_random_bytes(&old_secret).unwrap(), now),
        )
        .unwrap();
        let event = Event::new(owner, EventType::new("a.b").unwrap(), mid.clone(), payload.clone(), now);
        let mut job = FanOut::default().jobs(&event, [&ep], now).unwrap().remove(0);
        // Signers refuse times no verifier accepts: sign at the nearest one.
        let signed_at = Timestamp::from_unix_millis(now.as_unix_millis().clamp(0, 999_999_999_999_000));
        let signature = ep.signer().sign(&mid, signed_at, &payload).unwrap();

        let mut jobs = vec![job.clone()];
        for decision in decisions {
            // A decision for the right attempt, when it is a retry, half of the time.
            let decision = match decision {
                Decision::RetryAt { attempt, not_before } if attempt % 2 == 0 => Decision::RetryAt {
                    attempt: job.attempt().saturating_add(1),
                    not_before,
                },
                other => other,
            };
            if let Ok(Transition::Scheduled(next) | Transition::Deferred(next)) =
                job.apply(decision, Some(Duration::from_millis(1)))
            {
                job = *next;
                jobs.push(job.clone());
            }
        }
        let record = AttemptRecord::new(&job, now, now, &result, Decision::Delivered)
            .with_connected_addr(addr)
            .with_response_body(BodyExcerpt::new(&body, 16))
            .with_error_message("connection reset by peer");

        let mut texts = Vec::new();
        for job in &jobs {
            let json = serde_json::to_string(job).unwrap();
            prop_assert_eq!(&serde_json::from_str::<DeliveryJob>(&json).unwrap(), job);
            texts.push(json);
        }
        let json = serde_json::to_string(&record).unwrap();
        prop_assert_eq!(serde_json::from_str::<AttemptRecord>(&json).unwrap(), record);
        texts.push(json);
        texts.push(format!("{ep:?}"));
        texts.push(format!("{:?}", jobs));

        let mut forbidden = secret_forms(&secret);
        forbidden.extend(secret_forms(&old_secret));
        for (_, value) in signature.iter() {
            if value.contains("v1,") {
                forbidden.extend(value.split(' ').map(|s| s.trim_start_matches("v1,").to_owned()));
            }
        }
        for text in &texts {
            for secret in &forbidden {
                // Two-byte forms of short secrets could appear by chance in a
                // long base64 payload; every form here is at least 24 bytes long.
                prop_assert!(secret.len() >= 24);
                prop_assert!(!text.contains(secret.as_str()), "{} in {}", secret, text);
            }
        }
    }

    #[test]
    fn applying_decisions_moves_forward(
        decisions in prop::collection::vec(decision(), 1..8),
        now in timestamp(),
        max_age_s in 1u64..=10 * 86_400,
    ) {
        let policy = RetryPolicy::default().with_max_age(Duration::from_secs(max_age_s)).unwrap();
        let owner = OwnerId::new("o").unwrap();
        let ep = endpoint(&owner, "e", &[5; 32], &["*".to_owned()]);
        let event = Event::new(owner, EventType::new("t").unwrap(), MessageId::new("m").unwrap(), "x", now);
        let mut job = FanOut::new(&policy).jobs(&event, [&ep], now).unwrap().remove(0);
        for decision in decisions {
            let decision = match decision {
                Decision::RetryAt { not_before, .. } => Decision::RetryAt {
                    attempt: job.attempt().saturating_add(1),
                    not_before,
                },
                other => other,
            };
            match job.apply(decision, None) {
                Ok(Transition::Scheduled(next)) => {
                    prop_assert_eq!(next.attempt(), job.attempt() + 1);
                    prop_assert!(next.next_attempt_at() <= next.deadline());
                    prop_assert_eq!(next.deadline(), job.deadline());
                    job = *next;
                }
                Ok(Transition::Deferred(next)) => {
                    prop_assert_eq!(next.attempt(), job.attempt());
                    prop_assert!(next.next_attempt_at() <= next.deadline());
                    job = *next;
                }
                Ok(t) => prop_assert!(t.is_terminal()),
                Err(e) => prop_assert_eq!(e.code(), "attempt_overflow"),
            }
        }
    }

    #[test]
    fn a_policy_loop_always_ends(
        statuses in prop::collection::vec(prop_oneof![Just(200u16), Just(429), Just(500), Just(503), Just(410), Just(413)], 30),
        now in 0i64..=4_000_000_000_000,
    ) {
        let policy = RetryPolicy::default().with_jitter(Jitter::DEFAULT);
        let now = Timestamp::from_unix_millis(now);
        let owner = OwnerId::new("o").unwrap();
        let ep = endpoint(&owner, "e", &[5; 32], &["*".to_owned()]);
        let event = Event::new(owner, EventType::new("t").unwrap(), MessageId::new("m").unwrap(), "x", now);
        let mut job = FanOut::new(&policy).jobs(&event, [&ep], now).unwrap().remove(0);
        let mut ended = false;
        for status in statuses {
            let at = job.next_attempt_at();
            let verdict = policy.evaluate(&AttemptResult::Response { status }, None, &job.attempt_input(at));
            match job.apply_verdict(&verdict).unwrap() {
                Transition::Scheduled(next) => {
                    prop_assert!(next.next_attempt_at() >= at);
                    job = *next;
                }
                Transition::Deferred(_) => prop_assert!(false, "no breaker here"),
                _ => {
                    ended = true;
                    break;
                }
            }
        }
        // Ten attempts at most (the Standard Webhooks schedule), thirty outcomes given.
        prop_assert!(ended);
        prop_assert!(job.attempt() <= policy.max_attempts());
    }
}

fn observation() -> impl Strategy<Value = Observation> {
    prop_oneof![
        3 => Just(Observation::Success),
        6 => Just(Observation::Failure),
        1 => Just(Observation::Gone(DisableReason::Gone)),
        1 => Just(Observation::Gone(DisableReason::ReceiverRequested)),
    ]
}

proptest! {
    #[test]
    fn health_keeps_its_promises(
        steps in prop::collection::vec((observation(), 0u64..=8 * 3600 * 1000), 1..200),
        start in 0i64..=4_000_000_000_000,
        on_gone in any::<bool>(),
    ) {
        let policy = HealthPolicy::default()
            .with_disable_on_gone(on_gone)
            .with_disable_on_request(on_gone);
        let mut health = EndpointHealth::new();
        let mut now = Timestamp::from_unix_millis(start);
        let mut ever_disabled = false;
        for (observation, gap) in steps {
            now = now.saturating_add(Duration::from_millis(gap));
            match health.admit(&policy, now) {
                Admission::Send => {}
                Admission::Defer { until } => {
                    prop_assert!(until > now);
                    prop_assert!(until <= now.saturating_add(policy.open_for()));
                    continue;
                }
                Admission::Disabled => {
                    prop_assert!(health.disabled().is_some());
                    continue;
                }
                other => prop_assert!(false, "{other:?}"),
            }
            let before = health.consecutive_failures();
            let events = health.record(&policy, observation, now);
            for event in &events {
                if let HealthEvent::Disabled { .. } = event {
                    prop_assert!(!ever_disabled);
                    ever_disabled = true;
                }
            }
            if observation == Observation::Success {
                prop_assert_eq!(health.consecutive_failures(), 0);
                let half_open = matches!(health.circuit(), Circuit::HalfOpen { .. });
                prop_assert!(!half_open, "{:?}", health.circuit());
            } else if health.disabled().is_none() {
                prop_assert!(health.consecutive_failures() >= 1);
                prop_assert!(health.consecutive_failures() <= before.saturating_add(1));
            }
            let json = serde_json::to_string(&health).unwrap();
            prop_assert_eq!(serde_json::from_str::<EndpointHealth>(&json).unwrap(), health.clone());
        }
        prop_assert_eq!(ever_disabled, health.disabled().is_some());
        if ever_disabled {
            prop_assert_eq!(health.admit(&policy, now), Admission::Disabled);
        }
    }
}

#[test]
fn an_open_circuit_defers_jobs_without_spending_attempts() {
    let health_policy = HealthPolicy::default();
    let retry_policy = RetryPolicy::default();
    let owner = OwnerId::new("o").unwrap();
    let ep = endpoint(&owner, "e", &[5; 32], &["*".to_owned()]);
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    let event = Event::new(
        owner,
        EventType::new("t").unwrap(),
        MessageId::new("m").unwrap(),
        "x",
        now,
    );
    let job = FanOut::new(&retry_policy)
        .jobs(&event, [&ep], now)
        .unwrap()
        .remove(0);

    let mut health = EndpointHealth::new();
    for i in 0..10 {
        health.record(
            &health_policy,
            Observation::Failure,
            now.saturating_add(Duration::from_secs(i)),
        );
    }
    let Admission::Defer { until } = health.admit(&health_policy, now) else {
        panic!("{:?}", health.circuit());
    };
    let decision = retry_policy.defer(job.first_attempt_at(), now, until);
    let Transition::Deferred(deferred) = job.apply(decision, None).unwrap() else {
        panic!("{decision:?}");
    };
    assert_eq!(deferred.attempt(), job.attempt());
    assert_eq!(deferred.next_attempt_at(), until);
}
