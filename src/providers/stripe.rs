//! Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`, HMAC-SHA256
//! over `"{t}.{body}"`, keyed with the endpoint secret **as text** (the
//! `whsec_` prefix is part of the key; it is not base64-decoded).
//!
//! - Several `v1` entries arrive while a secret is rolled: any match is enough.
//! - `v0` and other schemes are ignored; a header with no `v1` is
//!   [`VerifyError::NoMatchingScheme`].
//! - Tolerance: 300 s, checked both ways (Stripe's SDKs check only age).
//! - The event id is the body's `id` ([`Verified::event_id`]); thin event
//!   notifications ([`Verifier::new_thin`]) are signed the same way.

use std::time::Duration;

use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::{self, Timestamp, TimestampCheck, Tolerance};
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "Stripe-Signature";

/// Stripe's documented tolerance.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Verifies Stripe webhooks (snapshot events and thin event notifications).
///
/// ```
/// use webhook_kit::providers::stripe;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let secret = Secret::from_text("whsec_test_secret")?;
/// let body = b"{\"id\":\"evt_1\"}";
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
/// let headers = stripe::sign(&secret, now, body);
///
/// let verifier = stripe::Verifier::new(Keyring::from(secret));
/// let verified = verifier.verify(&headers, body, now)?;
/// assert_eq!(verified.event_id(body).as_deref(), Some("evt_1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    provider: Provider,
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the endpoint secrets in `keyring` (each built with
    /// [`Secret::from_text`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            provider: Provider::Stripe,
            keys: MacKeys::new(&keyring),
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// A verifier for an event destination that sends thin events; the
    /// scheme is the same, the proof names [`Provider::StripeThin`].
    pub fn new_thin(keyring: Keyring<Secret>) -> Self {
        Verifier {
            provider: Provider::StripeThin,
            ..Verifier::new(keyring)
        }
    }

    /// Verifies a delivery.
    ///
    /// Fails only when the header is missing or malformed, carries no `v1`,
    /// no `v1` matches, or the timestamp is outside the window.
    ///
    /// # Errors
    ///
    /// A [`VerifyError`] saying which of those it was.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        if !headers::present(headers, SIGNATURE_HEADER) {
            return Err(VerifyError::MissingHeader {
                name: SIGNATURE_HEADER,
            });
        }

        let raw_t = timestamp_item(headers)?;
        let signed_at = time::parse_unix_seconds(raw_t)
            .map_err(|e| VerifyError::malformed(SIGNATURE_HEADER, e))?;

        let candidates = || {
            headers::list_items(headers, SIGNATURE_HEADER, b',')
                .filter_map(|item| item.strip_prefix(b"v1="))
                .map(|value| crypto::decode_tag::<32>(headers::trim(value), TagEncoding::Hex))
        };
        let target = MatchTarget {
            header: SIGNATURE_HEADER,
            scheme: "v1",
            covers: SignedContent::Body,
        };
        let key_index = self
            .keys
            .find(now, &[raw_t, b".", body], target, candidates)?;

        self.check.apply(signed_at, now)?;
        Ok(Verified::new(self.provider, key_index).signed_at(signed_at))
    }
}

/// The raw digits of the one `t=` item.
fn timestamp_item(headers: &dyn Headers) -> Result<&[u8], VerifyError> {
    let mut found: Option<&[u8]> = None;
    for item in headers::list_items(headers, SIGNATURE_HEADER, b',') {
        if let Some(value) = item.strip_prefix(b"t=") {
            let value = headers::trim(value);
            if found.is_some_and(|f| f != value) {
                return Err(VerifyError::malformed(
                    SIGNATURE_HEADER,
                    Malformed::DuplicateParam("t"),
                ));
            }
            found = Some(value);
        }
    }
    found.ok_or(VerifyError::malformed(
        SIGNATURE_HEADER,
        Malformed::MissingPart("t"),
    ))
}

timestamp_options!(Verifier);

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        self.provider
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        self.verify(request.headers(), request.body(), now)
            .map(Outcome::Verified)
    }
}

/// Signs `body` as Stripe does, at `timestamp` (whole seconds are used).
pub fn sign(secret: &Secret, timestamp: Timestamp, body: &[u8]) -> SignedHeaders {
    let t = timestamp.as_unix_seconds().to_string();
    let tag = crypto::hmac_sha256(secret.expose_bytes(), &[t.as_bytes(), b".", body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, format!("t={t},v1={}", crypto::hex(&tag)))
}

/// The event id in a Stripe body (`id`).
pub(crate) fn event_id(body: &[u8]) -> Option<String> {
    crate::provider::json_string_field(body, &["id"])
}
