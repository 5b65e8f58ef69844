//! The main job on real input: verify a set of captured deliveries through
//! the public API, the way a service that picks its provider from
//! configuration does, and print what happened per provider.
//!
//! The deliveries are taken from the conformance vectors in
//! `tests/vectors/` (the providers' published examples where they exist).
//!
//! Run with `cargo run --example quickstart`.

use std::collections::BTreeMap;

use webhook_kit::providers::{standard_webhooks, stripe};
use webhook_kit::retry::{AttemptInput, AttemptResult, Preset};
use webhook_kit::sign::{MessageId, Signer, SigningSecret};
use webhook_kit::{
    KeyFormat, Keyring, Outcome, Provider, Request, Secret, Timestamp, VerifierConfig,
};

/// One delivery as it arrived, and the verdict it must get.
struct Delivery {
    provider: &'static str,
    name: &'static str,
    secret: &'static str,
    key_format: Option<&'static str>,
    method: &'static str,
    url: Option<&'static str>,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
    now: i64,
    /// `None` for a delivery that must verify; else the reason code it must be refused with.
    refused_as: Option<&'static str>,
}

#[derive(Default)]
struct Tally {
    deliveries: usize,
    verified: usize,
    handshakes: usize,
    refused_as_expected: usize,
    wrong: usize,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut tally: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut skipped = Vec::new();

    for delivery in DELIVERIES {
        let provider: Provider = delivery.provider.parse()?;

        // What a service keeps in its configuration: a provider id and a secret.
        let mut config = VerifierConfig::new();
        let format = delivery.key_format.and_then(KeyFormat::from_id);
        config.push_key(delivery.secret.to_owned(), format, None);
        let verifier = match provider.verifier(&config) {
            Ok(v) => v,
            Err(webhook_kit::SecretError::FeatureDisabled(feature)) => {
                skipped.push((delivery.provider, feature));
                continue;
            }
            Err(e) => return Err(e.into()),
        };

        // What the handler has: method, URL, headers and the raw body bytes.
        let mut request =
            Request::new(&delivery.headers, delivery.body.as_bytes()).with_method(delivery.method);
        if let Some(url) = delivery.url {
            request = request.with_url(url);
        }
        let outcome = verifier.verify_request(&request, Timestamp::from_unix_seconds(delivery.now));

        let row = tally.entry(delivery.provider).or_default();
        row.deliveries += 1;
        match (&outcome, delivery.refused_as) {
            (Ok(Outcome::Verified(_)), None) => row.verified += 1,
            (Ok(Outcome::Handshake(_)), None) => {
                row.verified += 1;
                row.handshakes += 1;
            }
            (Err(e), Some(code)) if e.code() == code => row.refused_as_expected += 1,
            _ => {
                row.wrong += 1;
                eprintln!(
                    "unexpected: {} / {}: {outcome:?}",
                    delivery.provider, delivery.name
                );
            }
        }
    }

    println!(
        "{:<20} {:>10} {:>9} {:>11} {:>20}",
        "provider", "deliveries", "verified", "handshakes", "refused as expected"
    );
    for (provider, row) in &tally {
        println!(
            "{provider:<20} {:>10} {:>9} {:>11} {:>20}",
            row.deliveries, row.verified, row.handshakes, row.refused_as_expected
        );
    }
    for (provider, feature) in &skipped {
        println!("{provider:<20} skipped: needs the `{feature}` feature");
    }

    // One refusal in full, through the typed API: a handler that parsed the
    // JSON and re-encoded it before verifying.
    println!("\na handler that re-encoded the JSON before verifying gets:");
    let secret = Secret::from_text("whsec_placeholder_new_secret_A1")?;
    let verifier = stripe::Verifier::new(Keyring::from(secret));
    let headers = [(
        "Stripe-Signature",
        "t=1700000000,v1=44b0cd7e74573293ca32635b409daddce87a0fcbac509e00b8737420077d81f4",
    )];
    let reencoded = br#"{"id":"evt_1","object":"event","amount":10}"#;
    if let Err(refused) = verifier.verify(
        &headers,
        reencoded,
        Timestamp::from_unix_seconds(1_700_000_000),
    ) {
        println!("  refused ({}): {refused}", refused.code());
    }

    sign_an_outbound_event()?;

    let wrong: usize = tally.values().map(|r| r.wrong).sum();
    if wrong > 0 {
        return Err(format!("{wrong} deliveries got the wrong verdict").into());
    }
    Ok(())
}

/// The other direction: sign one event for a customer's endpoint, as every
/// attempt of it would be signed, and check it as the customer would.
fn sign_an_outbound_event() -> Result<(), Box<dyn std::error::Error>> {
    // In production the 32 bytes come from the operating system
    // (`SigningSecret::generate` with the `getrandom` feature).
    let secret = SigningSecret::from_random_bytes(b"quickstart-demo-secret-32-bytes!")?;
    let signer = Signer::new(Keyring::from(secret.clone()));
    let id = MessageId::new("msg_quickstart_1")?;
    let body = br#"{"type":"invoice.paid","data":{"id":"in_1"}}"#;

    println!("\nsigning event {id} for an endpoint:");
    let first = Timestamp::from_unix_seconds(1_700_000_000);
    let headers = signer.sign(&id, first, body)?;
    for (name, value) in headers.iter() {
        println!("  {name}: {value}");
    }

    let customer = standard_webhooks::Verifier::new(Keyring::from(secret.into_secret()));
    let verified = customer.verify(&headers, body, first)?;
    println!(
        "  the endpoint verifies it: delivery id {:?}",
        verified.delivery_id().unwrap_or_default()
    );

    // If the endpoint fails, the retry schedule decides when to try again.
    let policy = Preset::StandardWebhooks.policy();
    println!(
        "\nretry schedule `{}` (jitter {}):",
        Preset::StandardWebhooks,
        policy.jitter()
    );
    for planned in policy.plan() {
        println!(
            "  attempt {:>2}: wait {:>7} s, {:>7} s after the first attempt",
            planned.attempt,
            planned.delay.as_secs(),
            planned.at.as_secs()
        );
    }
    let window = policy.window();
    println!(
        "  {} attempts; the last at most {} s (about {} h) after the first",
        window.attempts,
        window.worst_case.as_secs(),
        window.worst_case.as_secs() / 3600
    );

    // The first attempt got `503 Service Unavailable` with `Retry-After: 120`.
    let attempt = AttemptInput::new(id.as_str(), 1, first, first).with_retry_after(b"120");
    let verdict = policy.evaluate(&AttemptResult::Response { status: 503 }, None, &attempt);
    println!(
        "  after a 503 with Retry-After: 120, the decision is {}",
        serde_json::to_string(&verdict.decision)?
    );
    Ok(())
}

const DELIVERIES: &[Delivery] = &[
    Delivery {
        provider: "stripe",
        name: "valid_single_v1",
        secret: "whsec_test_secret",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[(
            "Stripe-Signature",
            "t=1700000000,v1=4f1cd7feda9826e746b7d482c4badebb657398df1099e1046364f6196a230150",
        )],
        body: "{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\"\n}",
        now: 1700000010,
        refused_as: None,
    },
    Delivery {
        provider: "stripe",
        name: "timestamp_ten_minutes_in_future",
        secret: "whsec_test_secret",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[(
            "Stripe-Signature",
            "t=1700000000,v1=4f1cd7feda9826e746b7d482c4badebb657398df1099e1046364f6196a230150",
        )],
        body: "{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\"\n}",
        now: 1699999400,
        refused_as: Some("timestamp_in_future"),
    },
    Delivery {
        provider: "stripe",
        name: "body_reserialized_before_verify",
        secret: "whsec_placeholder_new_secret_A1",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[(
            "Stripe-Signature",
            "t=1700000000,v1=44b0cd7e74573293ca32635b409daddce87a0fcbac509e00b8737420077d81f4",
        )],
        body: "{\"id\":\"evt_1\",\"object\":\"event\",\"amount\":10}",
        now: 1700000000,
        refused_as: Some("signature_mismatch"),
    },
    Delivery {
        provider: "stripe",
        name: "spaces_after_commas",
        secret: "whsec_placeholder_new_secret_A1",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[(
            "Stripe-Signature",
            "t=1700000000, v1=f6b86169f2b0c5de4003bbaafdd8ff4c0e0953eaaacf57c0010292551d35b3da, v0=0000000000000000000000000000000000000000000000000000000000000000",
        )],
        body: "{\"id\":\"evt_1\",\"object\":\"event\",\"amount\":10}",
        now: 1700000000,
        refused_as: None,
    },
    Delivery {
        provider: "github",
        name: "docs_vector",
        secret: "It's a Secret to Everybody",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[(
            "X-Hub-Signature-256",
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        )],
        body: "Hello, World!",
        now: 0,
        refused_as: None,
    },
    Delivery {
        provider: "github",
        name: "octokit_vector_compact_json",
        secret: "mysecret",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[(
            "x-hub-signature-256",
            "sha256=4864d2759938a15468b5df9ade20bf161da9b4f737ea61794142f3484236bda3",
        )],
        body: "{\"foo\":\"bar\"}",
        now: 0,
        refused_as: None,
    },
    Delivery {
        provider: "github",
        name: "tampered_body",
        secret: "It's a Secret to Everybody",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[(
            "X-Hub-Signature-256",
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        )],
        body: "Hello, World?",
        now: 0,
        refused_as: Some("signature_mismatch"),
    },
    Delivery {
        provider: "slack",
        name: "docs_vector",
        secret: "8f742231b10e8888abcd99yyyzzz85a5",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[
            ("X-Slack-Request-Timestamp", "1531420618"),
            (
                "X-Slack-Signature",
                "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
            ),
        ],
        body: "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
        now: 1531420618,
        refused_as: None,
    },
    Delivery {
        provider: "slack",
        name: "url_verification_challenge_signed",
        secret: "8f742231b10e8888abcd99yyyzzz85a5",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[
            ("X-Slack-Request-Timestamp", "1700000000"),
            (
                "X-Slack-Signature",
                "v0=76c303eba32e8ec5639c84f822b2c64cdb1ea7e94fdd6d7b0b958d8e40c0959f",
            ),
        ],
        body: "{\"token\":\"Jhj5dZrVaK7ZwHHjRyZWjbDl\",\"challenge\":\"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P\",\"type\":\"url_verification\"}",
        now: 1700000005,
        refused_as: None,
    },
    Delivery {
        provider: "slack",
        name: "stale_timestamp_301s",
        secret: "8f742231b10e8888abcd99yyyzzz85a5",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[
            ("X-Slack-Request-Timestamp", "1531420618"),
            (
                "X-Slack-Signature",
                "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
            ),
        ],
        body: "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
        now: 1531420919,
        refused_as: Some("timestamp_too_old"),
    },
    Delivery {
        provider: "shopify",
        name: "webhook_valid",
        secret: "shpss_constructed_client_secret_0001",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[
            (
                "X-Shopify-Hmac-Sha256",
                "PilHF4iVJc4LSf6f2WctKU2xH0E1e2/kjkgI3D3wI60=",
            ),
            ("X-Shopify-Topic", "orders/create"),
            ("X-Shopify-Shop-Domain", "example.myshopify.com"),
            ("X-Shopify-API-Version", "2025-07"),
            (
                "X-Shopify-Webhook-Id",
                "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
            ),
        ],
        body: "{\"id\":820982911946154508,\"email\":\"jon@example.com\",\"total_price\":\"199.00\"}",
        now: 0,
        refused_as: None,
    },
    Delivery {
        provider: "shopify",
        name: "oauth_query_docs_vector",
        secret: "hush",
        key_format: None,
        method: "GET",
        url: Some(
            "https://127.0.0.1/?code=0907a61c0c8d55e99db179b68161bc00&hmac=700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf&shop=some-shop.myshopify.com&state=0.6784241404160823&timestamp=1337178173",
        ),
        headers: &[],
        body: "",
        now: 1337178203,
        refused_as: None,
    },
    Delivery {
        provider: "shopify",
        name: "app_proxy_docs_vector",
        secret: "hush",
        key_format: None,
        method: "GET",
        url: Some(
            "https://127.0.0.1/?extra=1&extra=2&shop=shop-name.myshopify.com&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555&signature=a9718877bea71c2484f91608a7eaea1532bdf71f5c56825065fa4ccabe549ef3",
        ),
        headers: &[],
        body: "",
        now: 1317327555,
        refused_as: None,
    },
    Delivery {
        provider: "shopify",
        name: "webhook_tampered_body",
        secret: "shpss_constructed_client_secret_0001",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[
            (
                "X-Shopify-Hmac-Sha256",
                "PilHF4iVJc4LSf6f2WctKU2xH0E1e2/kjkgI3D3wI60=",
            ),
            ("X-Shopify-Topic", "orders/create"),
            ("X-Shopify-Shop-Domain", "example.myshopify.com"),
            ("X-Shopify-API-Version", "2025-07"),
            (
                "X-Shopify-Webhook-Id",
                "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
            ),
        ],
        body: "{\"id\":820982911946154508,\"email\":\"jon@example.com\",\"total_price\":\"1.00\"}",
        now: 0,
        refused_as: Some("signature_mismatch"),
    },
    Delivery {
        provider: "twilio",
        name: "form_params_default",
        secret: "12345",
        key_format: None,
        method: "POST",
        url: Some("https://mycompany.com/myapp.php?foo=1&bar=2"),
        headers: &[("X-Twilio-Signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")],
        body: "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212",
        now: 0,
        refused_as: None,
    },
    Delivery {
        provider: "twilio",
        name: "json_body_bodySHA256",
        secret: "12345",
        key_format: None,
        method: "POST",
        url: Some(
            "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620",
        ),
        headers: &[("X-Twilio-Signature", "a9nBmqA0ju/hNViExpshrM61xv4=")],
        body: "{\"property\": \"value\", \"boolean\": true}",
        now: 0,
        refused_as: None,
    },
    Delivery {
        provider: "twilio",
        name: "https_port_stripped_match",
        secret: "12345",
        key_format: None,
        method: "POST",
        url: Some("https://mycompany.com:1234/myapp.php?foo=1&bar=2"),
        headers: &[("X-Twilio-Signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")],
        body: "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212",
        now: 0,
        refused_as: None,
    },
    Delivery {
        provider: "twilio",
        name: "wrong_auth_token",
        secret: "54321",
        key_format: None,
        method: "POST",
        url: Some("https://mycompany.com/myapp.php?foo=1&bar=2"),
        headers: &[("X-Twilio-Signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")],
        body: "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212",
        now: 0,
        refused_as: Some("signature_mismatch"),
    },
    Delivery {
        provider: "standard_webhooks",
        name: "lib_vector_rust",
        secret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[
            ("webhook-id", "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk"),
            ("webhook-timestamp", "1649367553"),
            (
                "webhook-signature",
                "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
            ),
        ],
        body: "{\"email\":\"test@example.com\",\"username\":\"test_user\"}",
        now: 1649367613,
        refused_as: None,
    },
    Delivery {
        provider: "standard_webhooks",
        name: "rotation_multiple_signatures",
        secret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[
            ("webhook-id", "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk"),
            ("webhook-timestamp", "1649367553"),
            (
                "webhook-signature",
                "v1,tFtCZ5RDCPxzWQRWXWPgrCgE2frDBe9gjpbWQxnVfsQ= v1a,AAAA v2,xyz v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
            ),
        ],
        body: "{\"email\":\"test@example.com\",\"username\":\"test_user\"}",
        now: 1649367553,
        refused_as: None,
    },
    Delivery {
        provider: "standard_webhooks",
        name: "stale_timestamp_301s",
        secret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[
            ("webhook-id", "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk"),
            ("webhook-timestamp", "1649367553"),
            (
                "webhook-signature",
                "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
            ),
        ],
        body: "{\"email\":\"test@example.com\",\"username\":\"test_user\"}",
        now: 1649367854,
        refused_as: Some("timestamp_too_old"),
    },
    Delivery {
        provider: "svix",
        name: "lib_vector_whsec_prefix",
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[
            ("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("svix-timestamp", "1614265330"),
            (
                "svix-signature",
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            ),
        ],
        body: "{\"test\": 2432232314}",
        now: 1614265330,
        refused_as: None,
    },
    Delivery {
        provider: "svix",
        name: "rust_vector_svix_headers",
        secret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[
            ("Svix-Id", "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk"),
            ("Svix-Timestamp", "1649367553"),
            (
                "Svix-Signature",
                "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
            ),
        ],
        body: "{\"email\":\"test@example.com\",\"username\":\"test_user\"}",
        now: 1649367553,
        refused_as: None,
    },
    Delivery {
        provider: "clerk",
        name: "Svix library vector (same scheme)",
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[
            ("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("svix-timestamp", "1614265330"),
            (
                "svix-signature",
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            ),
        ],
        body: "{\"test\": 2432232314}",
        now: 1614265340,
        refused_as: None,
    },
    Delivery {
        provider: "resend",
        name: "Svix vector, signature list with decoys (space separated)",
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[
            ("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("svix-timestamp", "1614265330"),
            (
                "svix-signature",
                "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            ),
        ],
        body: "{\"test\": 2432232314}",
        now: 1614265340,
        refused_as: None,
    },
    Delivery {
        provider: "resend",
        name: "Svix vector, 5 min + 1 s late",
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[
            ("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("svix-timestamp", "1614265330"),
            (
                "svix-signature",
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            ),
        ],
        body: "{\"test\": 2432232314}",
        now: 1614265631,
        refused_as: Some("timestamp_too_old"),
    },
    Delivery {
        provider: "supabase_auth_hook",
        name: "send-email hook ok (secret shown as v1,whsec_...)",
        secret: "v1,whsec_c3VwYWJhc2UtYXV0aC1ob29rLWtleS0zMi1ieXRlcyE=",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[
            ("webhook-id", "msg_2b7kzA4p"),
            ("webhook-timestamp", "1700000000"),
            (
                "webhook-signature",
                "v1,vw9ylcLUCr0zn5rdUeOck5iDBszp63xOvQ6Lz1W9Suc=",
            ),
        ],
        body: "{\"user\":{\"id\":\"8b7d2f1e-0000-4000-8000-000000000001\",\"email\":\"a@example.com\"},\"email_data\":{\"email_action_type\":\"signup\",\"token\":\"123456\"}}",
        now: 1700000010,
        refused_as: None,
    },
    Delivery {
        provider: "paddle",
        name: "sdk_vector",
        secret: "VALID_SECRET",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[(
            "Paddle-Signature",
            "ts=1698796800;h1=a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9",
        )],
        body: "{\"data\": [\"1\", \"2\"]}",
        now: 1698796800,
        refused_as: None,
    },
    Delivery {
        provider: "paddle",
        name: "stale_6s",
        secret: "VALID_SECRET",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[(
            "Paddle-Signature",
            "ts=1698796800;h1=a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9",
        )],
        body: "{\"data\": [\"1\", \"2\"]}",
        now: 1698796806,
        refused_as: Some("timestamp_too_old"),
    },
    Delivery {
        provider: "square",
        name: "sdk_vector",
        secret: "Ibxx_5AKakO-3qeNVR61Dw",
        key_format: None,
        method: "POST",
        url: Some("https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9"),
        headers: &[(
            "x-square-hmacsha256-signature",
            "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=",
        )],
        body: "{\"merchant_id\":\"MLEFBHHSJGVHD\",\"type\":\"webhooks.test_notification\",\"event_id\":\"ac3ac95b-f97d-458c-a6e6-18981597e05f\",\"created_at\":\"2022-07-13T20:30:59.037339943Z\",\"data\":{\"type\":\"webhooks\",\"id\":\"bc368e64-01aa-407e-b46e-3231809b1129\"}}",
        now: 0,
        refused_as: None,
    },
    Delivery {
        provider: "square",
        name: "notification_url_mismatch",
        secret: "Ibxx_5AKakO-3qeNVR61Dw",
        key_format: None,
        method: "POST",
        url: Some("https://webhook.site/79a4f3a-dcfa-49ee-bac5-9d0edad886b9"),
        headers: &[(
            "x-square-hmacsha256-signature",
            "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=",
        )],
        body: "{\"merchant_id\":\"MLEFBHHSJGVHD\",\"type\":\"webhooks.test_notification\",\"event_id\":\"ac3ac95b-f97d-458c-a6e6-18981597e05f\",\"created_at\":\"2022-07-13T20:30:59.037339943Z\",\"data\":{\"type\":\"webhooks\",\"id\":\"bc368e64-01aa-407e-b46e-3231809b1129\"}}",
        now: 0,
        refused_as: Some("signature_mismatch"),
    },
    Delivery {
        provider: "mailgun",
        name: "sdk_vector",
        secret: "key-3ax6xnjp29jd6fds4gc373sgvjxteol0",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[("Content-Type", "application/json")],
        body: "{\"signature\":{\"timestamp\":\"1403645220\",\"token\":\"5egbgr1vjgqxtrnp65xfznchgdccwh5d6i09vijqi3whgowmn6\",\"signature\":\"9cfc5c41582e51246e73c88d34db3af0a3a2692a76fbab81492842f000256d33\"},\"event-data\":{\"event\":\"delivered\",\"id\":\"CPgfbmQMTCKtHW6uIWtuVe\"}}",
        now: 1403645220,
        refused_as: None,
    },
    Delivery {
        provider: "mailgun",
        name: "sdk_vector_wrong_token",
        secret: "key-3ax6xnjp29jd6fds4gc373sgvjxteol0",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[("Content-Type", "application/json")],
        body: "{\"signature\":{\"timestamp\":\"1403645220\",\"token\":\"owyldpe6nxhmrn78epljl6bj0orrki1u3d2v5e6cnlmmuox8jr\",\"signature\":\"9cfc5c41582e51246e73c88d34db3af0a3a2692a76fbab81492842f000256d33\"},\"event-data\":{\"event\":\"delivered\",\"id\":\"CPgfbmQMTCKtHW6uIWtuVe\"}}",
        now: 1403645220,
        refused_as: Some("signature_mismatch"),
    },
    Delivery {
        provider: "zoom",
        name: "event_valid_mixed_case_headers",
        secret: "zoom_constructed_secret_token_01",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[
            (
                "X-Zm-Signature",
                "v0=51f6b1724f4938359621213a23421dadb2e5d29f82c9cc2c26b5794bbac6edd5",
            ),
            ("X-Zm-Request-Timestamp", "1700000000"),
        ],
        body: "{\"event\":\"meeting.started\",\"payload\":{\"account_id\":\"AAAAAA\",\"object\":{\"id\":\"1234567890\",\"topic\":\"Test\"}},\"event_ts\":1700000000123}",
        now: 1700000002,
        refused_as: None,
    },
    Delivery {
        provider: "zoom",
        name: "url_validation_challenge",
        secret: "zoom_constructed_secret_token_01",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[
            (
                "x-zm-signature",
                "v0=5aa2cfb0361fbd26bc613341b7c5776fb4ab55672ce61159001703c4822f9ad8",
            ),
            ("x-zm-request-timestamp", "1700000000"),
        ],
        body: "{\"payload\":{\"plainToken\":\"qgg8vlvZRS6UYooatFL8Aw\"},\"event_ts\":1700000000456,\"event\":\"endpoint.url_validation\"}",
        now: 1700000001,
        refused_as: None,
    },
    Delivery {
        provider: "gitlab",
        name: "secret_token_valid",
        secret: "my-gitlab-secret-token",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[
            ("X-Gitlab-Token", "my-gitlab-secret-token"),
            ("X-Gitlab-Event", "Push Hook"),
            (
                "X-Gitlab-Event-UUID",
                "13792a34-cac6-4fda-95a8-c58e00a3954e",
            ),
        ],
        body: "{\"object_kind\":\"push\",\"ref\":\"refs/heads/main\"}",
        now: 0,
        refused_as: None,
    },
    Delivery {
        provider: "gitlab",
        name: "signing_token_valid",
        secret: "whsec_Orxu1X8FQS+THBbTEcsGyyEgKxBH6u9/WDn31zhaagM=",
        key_format: Some("whsec_base64"),
        method: "POST",
        url: None,
        headers: &[
            ("webhook-id", "4f9d2a7e-0b1c-4d3e-9f8a-7b6c5d4e3f21"),
            ("webhook-timestamp", "1780000000"),
            (
                "webhook-signature",
                "v1,pt0kuanNc+khKyLbcQM+gBOvebKH8E6VJLjWW0rBQW4=",
            ),
            ("Idempotency-Key", "4f9d2a7e-0b1c-4d3e-9f8a-7b6c5d4e3f21"),
            ("X-Gitlab-Event", "Push Hook"),
        ],
        body: "{\"object_kind\":\"push\",\"ref\":\"refs/heads/main\"}",
        now: 1780000003,
        refused_as: None,
    },
    Delivery {
        provider: "stripe_thin",
        name: "thin event notification ok",
        secret: "whsec_thinEventDestinationSecret0123456789",
        key_format: None,
        method: "POST",
        url: None,
        headers: &[(
            "Stripe-Signature",
            "t=1700000000,v1=d3762b453856aa1ecdd1484e298146ea884b58961e6fdb2e0db4bcd110f4c63e",
        )],
        body: "{\"id\":\"evt_test_65R9Ijk8rxLs1VC5ydE16R9Ijk8rxLs1VC5ydE1L8HA\",\"object\":\"v2.core.event\",\"type\":\"v1.billing.meter.error_report_triggered\",\"created\":\"2023-11-14T22:13:20.000Z\",\"related_object\":{\"id\":\"mtr_test_61R9IjkKYwmnfCWxt41IyMn1tO8CT6Jk\",\"type\":\"billing.meter\",\"url\":\"/v1/billing/meters/mtr_test_61R9IjkKYwmnfCWxt41IyMn1tO8CT6Jk\"}}",
        now: 1700000005,
        refused_as: None,
    },
];
