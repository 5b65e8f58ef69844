//! Shared set-up for the fuzz targets: one fixed, valid verifier per
//! provider, header lists built from fuzz input, and the checks every
//! refusal must pass.

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use webhook_kit::{
    Headers, KeyFormat, Provider, Request, SecretEncoding, SecretError, Timestamp, VerifierConfig,
    Verify, VerifyError,
};

/// The secret texts the fixed verifiers are built from; no error or debug
/// output may ever contain one of them.
pub const SECRETS: &[(&str, KeyFormat)] = &[
    (
        "fuzz-secret-text-0123456789abcdef",
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

/// A fixed instant near the timestamps the fuzzer is likely to produce.
pub const NOW: Timestamp = Timestamp::from_unix_seconds(1_700_000_000);

/// Header names the providers read, so that a small index reaches a parser
/// quickly; any other name is still possible through [`Header::Other`].
pub const NAMES: &[&str] = &[
    "Stripe-Signature",
    "X-Hub-Signature-256",
    "X-Hub-Signature",
    "X-GitHub-Delivery",
    "Content-Type",
    "X-Slack-Signature",
    "X-Slack-Request-Timestamp",
    "X-Shopify-Hmac-Sha256",
    "X-Shopify-Webhook-Id",
    "X-Shopify-Event-Id",
    "shopify-hmac-sha256",
    "shopify-webhook-id",
    "X-Twilio-Signature",
    "X-Twilio-Webhooks-Signature-Settings",
    "I-Twilio-Idempotency-Token",
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
    "X-Gitlab-Webhook-UUID",
    "Paddle-Signature",
    "x-square-hmacsha256-signature",
    "x-zm-signature",
    "x-zm-request-timestamp",
    "X-Mailgun-Signature",
    "Webhook-Signature",
];

/// The verifier of every provider, built once from the first secret form
/// it accepts. A provider added later is covered without editing the
/// targets; one that accepts none of the forms stops the run at once.
pub fn verifiers() -> &'static [(Provider, Box<dyn Verify>)] {
    static VERIFIERS: OnceLock<Vec<(Provider, Box<dyn Verify>)>> = OnceLock::new();
    VERIFIERS.get_or_init(|| {
        Provider::ALL
            .iter()
            .filter_map(|&provider| {
                let built = SECRETS.iter().find_map(|(text, format)| {
                    let config = VerifierConfig::new()
                        .with_key(*text, *format)
                        .allow_legacy_sha1();
                    provider.verifier(&config).ok()
                });
                if built.is_none() {
                    // Only a provider behind a feature this build lacks may have none.
                    let config = VerifierConfig::new().with_secret(SECRETS[0].0);
                    match provider.verifier(&config) {
                        Err(SecretError::FeatureDisabled(_)) => {}
                        other => panic!("{provider}: no fixed key form is accepted: {other:?}"),
                    }
                }
                built.map(|verifier| (provider, verifier))
            })
            .collect()
    })
}

/// One header of a fuzzed request.
#[derive(Debug, Arbitrary)]
pub enum Header {
    /// A name the providers read, by index into [`NAMES`].
    Known(u8, Vec<u8>),
    /// Any name at all.
    Other(String, Vec<u8>),
}

/// A fuzzed request: headers, body, URL and method.
#[derive(Debug, Arbitrary)]
pub struct FuzzRequest {
    pub headers: Vec<Header>,
    pub body: Vec<u8>,
    pub url: Option<String>,
    pub method: Option<String>,
    /// Seconds added to [`NOW`], so the clock check is exercised too.
    pub clock_offset: i32,
}

impl FuzzRequest {
    /// The headers as `(name, value)` pairs.
    pub fn header_list(&self) -> Vec<(String, Vec<u8>)> {
        self.headers
            .iter()
            .map(|h| match h {
                Header::Known(i, v) => (NAMES[usize::from(*i) % NAMES.len()].to_owned(), v.clone()),
                Header::Other(n, v) => (n.clone(), v.clone()),
            })
            .collect()
    }

    /// The fixed clock of the single-purpose targets.
    pub fn fixed_now() -> Timestamp {
        NOW
    }

    pub fn now(&self) -> Timestamp {
        Timestamp::from_unix_seconds(1_700_000_000 + i64::from(self.clock_offset))
    }
}

/// Runs `verifier` on the request and checks the outcome.
pub fn verify(verifier: &dyn Verify, headers: &dyn Headers, request: &FuzzRequest) {
    let mut req = Request::new(headers, &request.body);
    if let Some(url) = &request.url {
        req = req.with_url(url);
    }
    if let Some(method) = &request.method {
        req = req.with_method(method);
    }
    if let Err(e) = verifier.verify_request(&req, request.now()) {
        check_error(&e);
    }
}

/// Every refusal names a reason, explains itself, and leaks no secret.
pub fn check_error(error: &VerifyError) {
    assert!(!error.code().is_empty());
    let shown = error.to_string();
    assert!(!shown.is_empty());
    let debug = format!("{error:?}");
    for (secret, _) in SECRETS {
        assert!(!shown.contains(secret), "secret in Display: {shown}");
        assert!(!debug.contains(secret), "secret in Debug: {debug}");
    }
}

/// The verifier of one provider (`None` for one this build lacks).
pub fn verifier(provider: Provider) -> Option<&'static dyn Verify> {
    verifiers()
        .iter()
        .find(|(p, _)| *p == provider)
        .map(|(_, v)| v.as_ref())
}

/// Reads a [`FuzzRequest`], or `None` when the input is too short.
pub fn request(data: &[u8]) -> Option<FuzzRequest> {
    FuzzRequest::arbitrary_take_rest(Unstructured::new(data)).ok()
}
