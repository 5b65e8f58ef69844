//! No input makes a verifier panic: arbitrary headers, bodies, URLs and
//! methods go to every provider's verifier, and so do valid deliveries with
//! random damage. Every refusal must carry a known reason code.

use proptest::prelude::*;
use webhook_kit::{
    KeyFormat, Provider, Request, SecretEncoding, Timestamp, VerifierConfig, Verify,
};

/// Header names the providers read, so random values reach the parsers.
const NAMES: &[&str] = &[
    "Stripe-Signature",
    "X-Hub-Signature-256",
    "X-Hub-Signature",
    "X-GitHub-Delivery",
    "Content-Type",
    "X-Slack-Signature",
    "X-Slack-Request-Timestamp",
    "X-Shopify-Hmac-Sha256",
    "X-Shopify-Webhook-Id",
    "shopify-hmac-sha256",
    "X-Twilio-Signature",
    "X-Twilio-Webhooks-Signature-Settings",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "svix-id",
    "svix-timestamp",
    "svix-signature",
    "X-Signature-Ed25519",
    "X-Signature-Timestamp",
    "X-Gitlab-Token",
    "X-Gitlab-Event-UUID",
    "Paddle-Signature",
    "x-square-hmacsha256-signature",
    "x-zm-signature",
    "x-zm-request-timestamp",
    "X-Request-UUID",
    "X-Atlassian-Webhook-Identifier",
    "Sentry-Hook-Signature",
    "Request-ID",
    "X-Notion-Signature",
    "circleci-signature",
    "mux-signature",
    "x-vercel-signature",
    "X-Signature",
    "X-Buildkite-Signature",
    "X-Buildkite-Token",
    "HmacSignature",
    "X-Telegram-Bot-Api-Secret-Token",
    "cf-webhook-auth",
    "Authorization",
    "X-Okta-Verification-Challenge",
    "X-Twilio-Email-Event-Webhook-Signature",
    "X-Twilio-Email-Event-Webhook-Timestamp",
    "Plaid-Verification",
    "PAYPAL-TRANSMISSION-ID",
    "PAYPAL-TRANSMISSION-TIME",
    "PAYPAL-TRANSMISSION-SIG",
    "PAYPAL-CERT-URL",
    "PAYPAL-AUTH-ALGO",
];

const CODES: &[&str] = &[
    "signature_mismatch",
    "no_matching_scheme",
    "missing_header",
    "malformed_header",
    "timestamp_too_old",
    "timestamp_in_future",
    "body_hash_mismatch",
    "token_mismatch",
    "unsupported_algorithm",
    "unknown_key",
    "untrusted_cert_url",
    "invalid_challenge",
    "missing_request_part",
];

/// A verifier for every provider, with a key in whatever form it accepts.
fn verifiers() -> Vec<Box<dyn Verify>> {
    let candidates = [
        (
            "robustness-test-secret-0123456789",
            KeyFormat::Secret(SecretEncoding::Utf8),
        ),
        (
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            KeyFormat::Secret(SecretEncoding::WhsecBase64),
        ),
        (
            "13c35d72c36926e4ad1bafb201ddfcc7ebddad3fda542f42a2c94499cb8d7d4c",
            KeyFormat::Ed25519Hex,
        ),
    ];
    Provider::ALL
        .iter()
        .filter_map(|&provider| {
            let built = candidates.iter().find_map(|(text, format)| {
                let mut config = VerifierConfig::new().with_key(*text, *format);
                if cfg!(feature = "sha1") {
                    config = config.allow_legacy_sha1();
                }
                provider.verifier(&config).ok()
            });
            let built = built.or_else(|| public_key_config(provider));
            // A provider behind a disabled feature has no verifier in this build.
            if built.is_none() {
                let config = VerifierConfig::new().with_secret("robustness-test-secret-0123456789");
                match provider.verifier(&config) {
                    Err(webhook_kit::SecretError::FeatureDisabled(_)) => {}
                    other => panic!("{provider}: no key form accepted: {other:?}"),
                }
            }
            built
        })
        .collect()
}

/// Public-key providers (SendGrid, Plaid, PayPal), with keys from the
/// committed fixtures.
fn public_key_config(provider: Provider) -> Option<Box<dyn Verify>> {
    let f: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/asymmetric.json")).ok()?;
    let text = |p: &str, n: &str| f[p][n].as_str().map(str::to_owned);
    let config = match provider.id() {
        "sendgrid" => VerifierConfig::new().with_secret(text("sendgrid", "public_key_base64_der")?),
        "plaid" => VerifierConfig::new().with_key(text("plaid", "jwk")?, KeyFormat::Jwk),
        "paypal" => VerifierConfig::new()
            .with_secret(text("paypal", "webhook_id")?)
            .with_key(text("paypal", "certificate_pem")?, KeyFormat::Pem),
        _ => return None,
    };
    provider.verifier(&config).ok()
}

fn header() -> impl Strategy<Value = (String, Vec<u8>)> {
    let name = prop_oneof![
        proptest::sample::select(NAMES).prop_map(str::to_owned),
        "[A-Za-z-]{1,20}",
    ];
    let value = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        "(t=|v1=|v0=|ts=|h1=|sha256=|sha1=|v1,|v1a,|key=|algorithm=|[0-9a-zA-Z+/=,; ]){0,12}"
            .prop_map(String::into_bytes),
        "[0-9]{0,25}".prop_map(String::into_bytes),
    ];
    (name, value)
}

fn check(verifier: &dyn Verify, request: &Request<'_>, now: Timestamp) {
    if let Err(e) = verifier.verify_request(request, now) {
        assert!(
            CODES.contains(&e.code()),
            "{}: unknown code {}",
            verifier.provider(),
            e.code()
        );
        // Every error explains itself.
        assert!(!e.to_string().is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_requests_never_panic(
        headers in proptest::collection::vec(header(), 0..8),
        body in proptest::collection::vec(any::<u8>(), 0..512),
        url in proptest::option::of("(https?://)?[a-z0-9.:@]{0,20}(/[a-z?=&%0-9]{0,20})?"),
        method in "(GET|POST|PUT|[A-Z]{0,5})",
        now in any::<i64>(),
    ) {
        let verifiers = verifiers();
        let mut request = Request::new(&headers, &body).with_method(&method);
        if let Some(url) = url.as_deref() {
            request = request.with_url(url);
        }
        for verifier in &verifiers {
            check(verifier.as_ref(), &request, Timestamp::from_unix_millis(now));
        }
    }

    #[test]
    fn json_bodies_never_panic(
        body in r#"\{("(type|challenge|event|payload|plainToken|signature|token|timestamp|id)":("[a-z0-9.]{0,12}"|[0-9]{1,3}|\{\}|null),?){0,5}\}"#,
        headers in proptest::collection::vec(header(), 0..6),
    ) {
        let verifiers = verifiers();
        let request = Request::new(&headers, body.as_bytes()).with_url("https://127.0.0.1/hook?hmac=00&signature=00&timestamp=1");
        for verifier in &verifiers {
            check(verifier.as_ref(), &request, Timestamp::from_unix_seconds(1_700_000_000));
        }
    }

    #[test]
    fn body_field_schemes_never_panic(
        passcode in proptest::option::of("[a-z0-9\\\\\"]{0,12}"),
        items in proptest::collection::vec(
            r#"\{("(pspReference|merchantReference|success|eventCode|amount|additionalData)":("[a-z0-9]{0,8}"|[0-9]{1,3}|true|\{"value":[0-9]{1,4}\}|\{"hmacSignature":"[A-Za-z0-9+/=]{0,44}"\}|null),?){0,6}\}"#,
            0..3,
        ),
    ) {
        let verifiers = verifiers();
        let wrapped: Vec<String> = items
            .iter()
            .map(|i| format!(r#"{{"NotificationRequestItem":{i}}}"#))
            .collect();
        let passcode = passcode.map(|p| format!(r#""passcode":"{p}","#)).unwrap_or_default();
        let body = format!(r#"{{{passcode}"notificationItems":[{}]}}"#, wrapped.join(","));
        let headers: [(&str, &str); 0] = [];
        let request = Request::new(&headers, body.as_bytes());
        for verifier in &verifiers {
            check(verifier.as_ref(), &request, Timestamp::from_unix_seconds(1_700_000_000));
        }
    }
}
