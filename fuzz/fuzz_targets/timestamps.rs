//! Timestamp headers: the raw input as the timestamp of every scheme that
//! sends one in a header of its own, beside a well-formed signature.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_kit::Provider;
use webhook_kit_fuzz::{FuzzRequest, check_error, verifier};

const HEX64: &str = "aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00";
const HEX128: &str = "aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00";

fuzz_target!(|raw: &[u8]| {
    let text = String::from_utf8_lossy(raw);
    let cases: [(Provider, Vec<(String, Vec<u8>)>); 6] = [
        (
            Provider::Slack,
            vec![
                ("X-Slack-Request-Timestamp".into(), raw.to_vec()),
                (
                    "X-Slack-Signature".into(),
                    format!("v0={HEX64}").into_bytes(),
                ),
            ],
        ),
        (
            Provider::StandardWebhooks,
            vec![
                ("webhook-id".into(), b"msg_1".to_vec()),
                ("webhook-timestamp".into(), raw.to_vec()),
                (
                    "webhook-signature".into(),
                    b"v1,qgCqAKoAqgCqAKoAqgCqAKoAqgCqAKoAqgCqAKoAqgA=".to_vec(),
                ),
            ],
        ),
        (
            Provider::Discord,
            vec![
                ("X-Signature-Timestamp".into(), raw.to_vec()),
                ("X-Signature-Ed25519".into(), HEX128.as_bytes().to_vec()),
            ],
        ),
        (
            Provider::Zoom,
            vec![
                ("x-zm-request-timestamp".into(), raw.to_vec()),
                ("x-zm-signature".into(), format!("v0={HEX64}").into_bytes()),
            ],
        ),
        (
            Provider::Stripe,
            vec![(
                "Stripe-Signature".into(),
                format!("t={text},v1={HEX64}").into_bytes(),
            )],
        ),
        (
            Provider::Paddle,
            vec![(
                "Paddle-Signature".into(),
                format!("ts={text};h1={HEX64}").into_bytes(),
            )],
        ),
    ];
    for (provider, headers) in cases {
        let request = webhook_kit::Request::new(&headers, b"{}");
        if let Some(Err(e)) =
            verifier(provider).map(|v| v.verify_request(&request, FuzzRequest::fixed_now()))
        {
            check_error(&e);
        }
    }
});
