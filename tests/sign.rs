//! The outbound signer reproduces the independently computed signatures of
//! the Standard Webhooks family's vectors, and what it emits verifies.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail the test on a broken fixture"
)]

use std::fs;
use std::path::Path;

use webhook_kit::conformance::{self, Case};
use webhook_kit::sign::{HeaderSet, MessageId, Signer, SigningSecret};
use webhook_kit::{
    KeyFormat, Keyring, Provider, Request, Secret, SecretEncoding, Timestamp, VerifierConfig,
};

fn cases(file: &str) -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(file);
    conformance::parse_file(&fs::read_to_string(path).unwrap()).unwrap()
}

fn header<'c>(case: &'c Case, names: &[&str]) -> Option<&'c str> {
    case.headers
        .iter()
        .find(|(n, _)| names.iter().any(|m| n.eq_ignore_ascii_case(m)))
        .map(|(_, v)| v.as_str())
}

#[test]
fn reproduces_every_valid_v1_vector() {
    let mut reproduced = 0;
    for file in [
        "standard_webhooks.json",
        "svix.json",
        "clerk.json",
        "resend.json",
        "supabase_auth_hook.json",
    ] {
        for case in cases(file) {
            let encoding = match case.secret_encoding.as_deref().and_then(KeyFormat::from_id) {
                Some(KeyFormat::Secret(e)) => e,
                _ => continue,
            };
            if case.expected != "valid" {
                continue;
            }
            let id = header(&case, &["webhook-id", "svix-id"]).unwrap();
            let ts: i64 = header(&case, &["webhook-timestamp", "svix-timestamp"])
                .unwrap()
                .parse()
                .unwrap();
            let list = header(&case, &["webhook-signature", "svix-signature"]).unwrap();
            let body = case.body.as_deref().unwrap().as_bytes();

            let secret = Secret::parse(case.secret.as_deref().unwrap(), encoding).unwrap();
            let signer = Signer::new(Keyring::from(SigningSecret::from_secret(secret).unwrap()));
            let signed = signer
                .sign(
                    &MessageId::new(id).unwrap(),
                    Timestamp::from_unix_seconds(ts),
                    body,
                )
                .unwrap();
            let ours = signed.get("webhook-signature").unwrap();
            assert!(
                list.split(' ').any(|entry| entry == ours),
                "{file} / {}: {ours} not in {list}",
                case.name
            );
            reproduced += 1;
        }
    }
    // Nine valid cases carry a v1 signature (two Standard Webhooks, four
    // Svix, and one each for Clerk, Resend and Supabase): all reproduced.
    assert_eq!(reproduced, 9);
}

#[test]
fn signed_requests_verify_through_the_registry() {
    let secret = SigningSecret::from_random_bytes(&[11u8; 32]).unwrap();
    let id = MessageId::new("msg_registry").unwrap();
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    let body = b"{\"type\":\"ping\"}";

    for (set, provider) in [
        (HeaderSet::Standard, Provider::StandardWebhooks),
        (HeaderSet::Svix, Provider::Svix),
    ] {
        let headers = Signer::new(Keyring::from(secret.clone()))
            .with_header_set(set)
            .sign(&id, now, body)
            .unwrap();
        let config = VerifierConfig::new().with_key(
            secret.to_whsec(),
            KeyFormat::Secret(SecretEncoding::WhsecBase64),
        );
        let outcome = provider
            .verifier(&config)
            .unwrap()
            .verify_request(&Request::new(&headers, body), now)
            .unwrap();
        assert_eq!(
            outcome.verified().unwrap().delivery_id(),
            Some("msg_registry")
        );
    }
}

#[cfg(feature = "http")]
#[test]
fn header_map_output() {
    let secret = SigningSecret::from_random_bytes(&[12u8; 32]).unwrap();
    let headers = Signer::new(Keyring::from(secret))
        .sign(
            &MessageId::new("msg_1").unwrap(),
            Timestamp::from_unix_seconds(1),
            b"{}",
        )
        .unwrap();
    let map = headers.to_header_map().unwrap();
    assert_eq!(map.get("webhook-id").unwrap(), "msg_1");
    assert_eq!(map.get("webhook-timestamp").unwrap(), "1");
    assert_eq!(headers.iter().count(), 3);
}
