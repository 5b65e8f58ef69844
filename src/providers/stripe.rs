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

use crate::crypto::{self, HmacSha256, MacKeys};
use crate::error::VerifyError;
use crate::headers::{HeaderKey, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::{Timestamp, TimestampCheck, Tolerance};
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

use super::t_v1::{Scheme, TimeUnit};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "Stripe-Signature";

/// [`SIGNATURE_HEADER`] prepared once for the lookup of every verify.
static SIGNATURE: HeaderKey = HeaderKey::new(SIGNATURE_HEADER, "stripe-signature");

/// `t=..,v1=..` in seconds; a header without `v1` is of a version this
/// crate does not check (`v0` is Stripe's test-mode scheme).
static SCHEME: Scheme = Scheme {
    key: &SIGNATURE,
    unit: TimeUnit::Seconds,
    v1_required: false,
};

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
        let (key_index, signed_at) = SCHEME.verify(&self.keys, &self.check, headers, body, now)?;
        Ok(Verified::new(self.provider, key_index).signed_at(signed_at))
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SignedContent;
    use crate::providers::t_v1::BUFFERED_V1;
    use crate::test_support::bit_flips;

    const NOW: i64 = 1_700_000_000;

    fn setup() -> (Secret, Verifier, Timestamp) {
        let secret = Secret::from_text("whsec_round_trip").unwrap();
        let verifier = Verifier::new(Keyring::from(secret.clone()));
        (secret, verifier, Timestamp::from_unix_seconds(NOW))
    }

    fn header(t: &str, tag: &[u8]) -> [(&'static str, String); 1] {
        [(SIGNATURE_HEADER, format!("t={t},v1={}", crypto::hex(tag)))]
    }

    #[test]
    fn round_trip_and_single_bit_changes() {
        let (secret, verifier, now) = setup();
        let body = b"{\"id\":\"evt_9\"}";
        let signed = sign(&secret, now, body);
        let verified = verifier.verify(&signed, body, now).unwrap();
        assert_eq!(verified.timestamp(), Some(now));
        assert_eq!(verified.key_index(), 0);
        assert_eq!(verified.event_id(body).as_deref(), Some("evt_9"));
        let tag = crypto::hmac_sha256(secret.expose_bytes(), &[b"1700000000.", body]);
        assert_eq!(
            verified.signature_fingerprint(),
            Some(&crypto::fingerprint(&tag))
        );

        for changed in bit_flips(body) {
            assert!(verifier.verify(&signed, &changed, now).is_err());
        }

        let tag = crypto::hmac_sha256(secret.expose_bytes(), &[b"1700000000.", body]);
        assert!(
            verifier
                .verify(&header("1700000000", &tag), body, now)
                .is_ok()
        );
        for changed in bit_flips(&tag) {
            let result = verifier.verify(&header("1700000000", &changed), body, now);
            assert!(matches!(result, Err(VerifyError::SignatureMismatch { .. })));
        }
        assert!(
            verifier
                .verify(&header("1700000001", &tag), body, now)
                .is_err()
        );

        for changed in bit_flips(secret.expose_bytes()) {
            let other = Verifier::new(Keyring::from(Secret::from_bytes(changed)));
            assert!(other.verify(&signed, body, now).is_err());
        }
    }

    #[test]
    fn rotation_reports_the_matching_key() {
        let (new, _, now) = setup();
        let old = Secret::from_text("whsec_old").unwrap();
        let verifier = Verifier::new(Keyring::from(old).with_key(new.clone()));
        let body = b"{}";
        let verified = verifier.verify(&sign(&new, now, body), body, now).unwrap();
        assert_eq!(verified.key_index(), 1);
    }

    #[test]
    fn expired_key_is_not_used() {
        let (secret, _, now) = setup();
        let verifier = Verifier::new(
            Keyring::new()
                .with_key_until(secret.clone(), now.saturating_sub(Duration::from_secs(1))),
        );
        let body = b"{}";
        let error = verifier
            .verify(&sign(&secret, now, body), body, now)
            .unwrap_err();
        assert_eq!(
            error,
            VerifyError::SignatureMismatch {
                keys_tried: 0,
                keys_expired: 1,
                signatures: 1,
                covers: SignedContent::Body
            }
        );
    }

    #[test]
    fn mismatch_messages_count_expired_and_missing_keys() {
        let (secret, _, now) = setup();
        let body = b"{}";
        let signed = sign(&secret, now, body);
        let before = now.saturating_sub(Duration::from_secs(1));
        let other = Secret::from_text("whsec_other").unwrap();

        let rotating = Verifier::new(Keyring::from(other).with_key_until(secret.clone(), before));
        let error = rotating.verify(&signed, body, now).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("against 1 key; 1 expired key not tried"),
            "{error}"
        );

        let empty = Verifier::new(Keyring::new())
            .verify(&signed, body, now)
            .unwrap_err();
        assert_eq!(
            empty.to_string(),
            "no key is configured to check the signature against"
        );

        let expired = Verifier::new(Keyring::new().with_key_until(secret, before));
        let error = expired.verify(&signed, body, now).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no key is active to check the signature against: 1 key expired"
        );
    }

    #[test]
    fn header_quirks() {
        let (secret, verifier, now) = setup();
        let body = b"{}";
        let tag = crypto::hex(&crypto::hmac_sha256(
            secret.expose_bytes(),
            &[b"1700000000.", body],
        ));

        // Items split over two header lines, with spaces, and uppercase hex.
        let split = [
            (SIGNATURE_HEADER, "t=1700000000".to_owned()),
            (SIGNATURE_HEADER, format!(" v1={} ", tag.to_uppercase())),
        ];
        assert!(verifier.verify(&split, body, now).is_ok());

        // An undecodable v1 beside the good one does not abort.
        let mixed = [(SIGNATURE_HEADER, format!("t=1700000000,v1=zz,v1={tag}"))];
        assert!(verifier.verify(&mixed, body, now).is_ok());

        let two_t = [(
            SIGNATURE_HEADER,
            format!("t=1700000000,t=1700000001,v1={tag}"),
        )];
        assert_eq!(
            verifier.verify(&two_t, body, now).unwrap_err().code(),
            "malformed_header"
        );

        let no_t = [(SIGNATURE_HEADER, format!("v1={tag}"))];
        assert_eq!(
            verifier.verify(&no_t, body, now).unwrap_err().code(),
            "malformed_header"
        );

        let millis = [(SIGNATURE_HEADER, format!("t=1700000000000,v1={tag}"))];
        let error = verifier.verify(&millis, body, now).unwrap_err();
        assert!(error.to_string().contains("milliseconds"), "{error}");
    }

    #[test]
    fn matching_v1_past_the_one_pass_buffer() {
        let (secret, verifier, now) = setup();
        let body = b"{}";
        let tag = crypto::hex(&crypto::hmac_sha256(
            secret.expose_bytes(),
            &[b"1700000000.", body],
        ));
        let wrong = format!("v1={}", "0".repeat(64));
        for before in [BUFFERED_V1 - 1, BUFFERED_V1, BUFFERED_V1 + 3] {
            let mut items = vec![wrong.clone(); before];
            items.insert(before / 2, "t=1700000000".to_owned());
            items.push(format!("v1={tag}"));
            let header = [(SIGNATURE_HEADER, items.join(","))];
            assert!(verifier.verify(&header, body, now).is_ok(), "{before}");
            let all_wrong = [(SIGNATURE_HEADER, items[..before + 1].join(","))];
            assert_eq!(
                verifier.verify(&all_wrong, body, now).unwrap_err(),
                VerifyError::SignatureMismatch {
                    keys_tried: 1,
                    keys_expired: 0,
                    signatures: before,
                    covers: SignedContent::Body,
                },
                "{before}"
            );
        }
    }

    #[test]
    fn tolerance_options() {
        let (secret, verifier, now) = setup();
        let body = b"{}";
        let old = now.saturating_sub(Duration::from_secs(301));
        let signed = sign(&secret, old, body);
        let error = verifier.verify(&signed, body, now).unwrap_err();
        assert_eq!(
            error,
            VerifyError::TimestampTooOld {
                age: Duration::from_secs(301),
                tolerance: DEFAULT_TOLERANCE
            }
        );
        assert!(error.to_string().contains("301 s old"), "{error}");

        let wider = verifier.clone().with_tolerance(Duration::from_secs(600));
        assert!(wider.verify(&signed, body, now).is_ok());
        let skip = verifier.dangerous_skip_timestamp_check();
        assert!(
            skip.verify(&signed, body, Timestamp::from_unix_seconds(i64::MAX / 1000))
                .is_ok()
        );
    }
}
