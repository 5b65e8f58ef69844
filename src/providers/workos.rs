//! WorkOS: `WorkOS-Signature: t=<unix ms>, v1=<hex>`, HMAC-SHA256 over
//! `"{t}.{body}"`, keyed with the endpoint's webhook secret **as text**.
//!
//! - The timestamp is unix **milliseconds**, signed as sent. A seconds
//!   value reads as a time in January 1970 and is refused as too old.
//! - Tolerance: 180 s, WorkOS's SDK default, checked both ways (the SDKs
//!   check only age).
//! - WorkOS sends one `v1` item; should several arrive, any match is
//!   enough. Rotation: several secrets in the keyring are tried in turn.
//! - The event id is the body's `id` ([`Verified::event_id`]).
//!
//! [`Verifier::verify`] allocates nothing.

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
pub const SIGNATURE_HEADER: &str = "WorkOS-Signature";

/// WorkOS's SDK default tolerance.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(180);

static SIGNATURE: HeaderKey = HeaderKey::new(SIGNATURE_HEADER, "workos-signature");

static SCHEME: Scheme = Scheme {
    key: &SIGNATURE,
    unit: TimeUnit::Millis,
    v1_required: false,
};

/// Verifies WorkOS webhooks.
///
/// ```
/// use webhook_kit::providers::workos;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let secret = Secret::from_text("workos-webhook-secret")?;
/// let body = br#"{"id":"event_01","event":"dsync.user.created"}"#;
/// let now = Timestamp::from_unix_millis(1_764_583_200_123);
/// let headers = workos::sign(&secret, now, body);
///
/// let verifier = workos::Verifier::new(Keyring::from(secret));
/// let verified = verifier.verify(&headers, body, now)?;
/// assert_eq!(verified.timestamp(), Some(now));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the webhook secrets in `keyring` (each built with
    /// [`Secret::from_text`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// Verifies a delivery: the signature, then the timestamp window.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the header,
    /// [`VerifyError::MalformedHeader`] for a missing or non-digit `t` or a
    /// `v1` that is not 64 hex digits, [`VerifyError::NoMatchingScheme`]
    /// without a `v1` item, [`VerifyError::SignatureMismatch`], and the
    /// timestamp errors.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let (key, signed_at) = SCHEME.verify(&self.keys, &self.check, headers, body, now)?;
        Ok(Verified::new(Provider::Workos, key).signed_at(signed_at))
    }
}

timestamp_options!(Verifier);

verify_headers_and_body!(Provider::Workos);

/// Signs `body` as WorkOS does, at `timestamp` (milliseconds are kept).
pub fn sign(secret: &Secret, timestamp: Timestamp, body: &[u8]) -> SignedHeaders {
    let t = timestamp.as_unix_millis().to_string();
    let tag = crypto::hmac_sha256(secret.expose_bytes(), &[t.as_bytes(), b".", body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, format!("t={t}, v1={}", crypto::hex(&tag)))
}

/// The event id in a WorkOS body (`id`).
pub(crate) fn event_id(body: &[u8]) -> Option<String> {
    crate::provider::json_string_field(body, &["id"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const BODY: &[u8] = br#"{"id":"event_01ABC","event":"user.created"}"#;
    const NOW_MS: i64 = 1_764_583_200_500;

    fn setup() -> (Secret, Verifier, Timestamp) {
        let secret = Secret::from_text("workos-unit-secret").unwrap();
        let verifier = Verifier::new(Keyring::from(secret.clone()));
        (secret, verifier, Timestamp::from_unix_millis(NOW_MS))
    }

    #[test]
    fn round_trip_keeps_milliseconds() {
        let (secret, verifier, now) = setup();
        let signed = sign(&secret, now, BODY);
        assert!(
            signed
                .get(SIGNATURE_HEADER)
                .unwrap()
                .starts_with("t=1764583200500, v1=")
        );
        let verified = verifier.verify(&signed, BODY, now).unwrap();
        assert_eq!(verified.timestamp(), Some(now));
        assert_eq!(verified.event_id(BODY).as_deref(), Some("event_01ABC"));
        for changed in bit_flips(BODY) {
            assert!(verifier.verify(&signed, &changed, now).is_err());
        }
    }

    #[test]
    fn window_is_180_seconds_both_ways() {
        let (secret, verifier, now) = setup();
        let at = |offset_ms: i64| Timestamp::from_unix_millis(NOW_MS + offset_ms);
        for ok in [-180_000, 180_000, 0] {
            assert!(
                verifier
                    .verify(&sign(&secret, at(ok), BODY), BODY, now)
                    .is_ok()
            );
        }
        let code = |offset| {
            verifier
                .verify(&sign(&secret, at(offset), BODY), BODY, now)
                .unwrap_err()
                .code()
        };
        assert_eq!(code(-180_001), "timestamp_too_old");
        assert_eq!(code(180_001), "timestamp_in_future");
        let lenient = verifier.clone().dangerous_skip_timestamp_check();
        assert!(
            lenient
                .verify(&sign(&secret, at(-86_400_000), BODY), BODY, now)
                .is_ok()
        );
    }

    #[test]
    fn header_errors() {
        let (_, verifier, now) = setup();
        let code = |value: &str| {
            verifier
                .verify(&[(SIGNATURE_HEADER, value)], BODY, now)
                .unwrap_err()
                .code()
        };
        assert_eq!(code(&format!("v1={}", "0".repeat(64))), "malformed_header");
        assert_eq!(code("t=1764583200500, v0=00"), "no_matching_scheme");
        assert_eq!(code("t=1764583200500, v1=99999"), "malformed_header");
        assert_eq!(code("t=1, t=2, v1=00"), "malformed_header");
        assert_eq!(
            code(&format!("t=17645832005x, v1={}", "0".repeat(64))),
            "malformed_header"
        );
    }
}
