//! Webflow: `x-webflow-timestamp: <unix ms>` and `x-webflow-signature:
//! <hex>`, HMAC-SHA256 over `"{timestamp}:{body}"`, keyed with the OAuth
//! application's client secret **as text**.
//!
//! - Only webhooks created through an OAuth application are signed; those
//!   made in the site dashboard or with a site token carry no signature
//!   and are refused as [`VerifyError::MissingHeader`].
//! - The timestamp is in **milliseconds**. Tolerance: 300 s, Webflow's five
//!   minutes, checked both ways here (Webflow's examples check only age).
//!   A seconds value is read as milliseconds and so refused as too old.
//! - No delivery id header. Rotation: several client secrets in the
//!   keyring are tried in turn.
//! - [`Verifier::verify`] allocates nothing.

use std::time::Duration;

use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::{self, Timestamp, TimestampCheck, Tolerance};
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-webflow-signature";
/// The timestamp header (unix milliseconds).
pub const TIMESTAMP_HEADER: &str = "x-webflow-timestamp";

/// Webflow's documented window: five minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Verifies Webflow webhooks.
///
/// ```
/// use webhook_kit::providers::webflow;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let secret = Secret::from_text("oauth-client-secret")?;
/// let body = br#"{"triggerType":"form_submission"}"#;
/// let now = Timestamp::from_unix_millis(1_700_000_000_123);
/// let headers = webflow::sign(&secret, now, body);
///
/// let verifier = webflow::Verifier::new(Keyring::from(secret));
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
    /// A verifier for the client secrets in `keyring` (each built with
    /// [`Secret::from_text`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// Verifies a delivery.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without either header,
    /// [`VerifyError::MalformedHeader`] for a timestamp that is not digits
    /// or a signature that is not 64 hex digits,
    /// [`VerifyError::SignatureMismatch`] when no key matches, and the
    /// timestamp errors outside the window.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let signature = headers::required(headers, SIGNATURE_HEADER)?;
        let raw_ts = headers::required(headers, TIMESTAMP_HEADER)?;
        let signed_at = time::parse_unix_millis(raw_ts)
            .map_err(|e| VerifyError::malformed(TIMESTAMP_HEADER, e))?;

        let candidate = || std::iter::once(crypto::decode_tag::<32>(signature, TagEncoding::Hex));
        let target = MatchTarget {
            header: SIGNATURE_HEADER,
            scheme: "hmac-sha256",
            covers: SignedContent::Body,
        };
        let key_index = self
            .keys
            .find(now, &[raw_ts, b":", body], target, candidate)?;

        self.check.apply(signed_at, now)?;
        Ok(Verified::new(Provider::Webflow, key_index).signed_at(signed_at))
    }
}

timestamp_options!(Verifier);

verify_headers_and_body!(Provider::Webflow);

/// Signs `body` as Webflow does at `timestamp` (milliseconds are kept):
/// the timestamp and signature headers.
pub fn sign(secret: &Secret, timestamp: Timestamp, body: &[u8]) -> SignedHeaders {
    let ts = timestamp.as_unix_millis().to_string();
    let tag = crypto::hmac_sha256(secret.expose_bytes(), &[ts.as_bytes(), b":", body]);
    SignedHeaders::new()
        .with(TIMESTAMP_HEADER, ts)
        .with(SIGNATURE_HEADER, crypto::hex(&tag))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "webflow-unit";
    const BODY: &[u8] = br#"{"triggerType":"site_publish"}"#;
    const NOW: Timestamp = Timestamp::from_unix_millis(1_700_000_000_000);

    fn verifier(secret: &str) -> Verifier {
        Verifier::new(Keyring::from(Secret::from_text(secret).unwrap()))
    }

    #[test]
    fn sign_matches_an_independent_hmac() {
        // python3: hmac.new(SECRET, b"1700000000000:" + BODY, hashlib.sha256).hexdigest()
        let secret = Secret::from_text(SECRET).unwrap();
        let signed = sign(&secret, NOW, BODY);
        assert_eq!(signed.get(TIMESTAMP_HEADER), Some("1700000000000"));
        assert_eq!(
            signed.get(SIGNATURE_HEADER),
            Some("d272dd263c9abc82ac8ba5402e62b35096352a049e4d45ea04afa0ebec8e8184")
        );
    }

    #[test]
    fn round_trip_and_single_bit_changes() {
        let secret = Secret::from_text(SECRET).unwrap();
        let v = verifier(SECRET);
        let signed = sign(&secret, NOW, BODY);
        assert_eq!(v.verify(&signed, BODY, NOW).unwrap().timestamp(), Some(NOW));
        for changed in bit_flips(BODY) {
            assert!(v.verify(&signed, &changed, NOW).is_err());
        }
        let tag = crypto::hmac_sha256(SECRET.as_bytes(), &[b"1700000000000:", BODY]);
        for changed in bit_flips(&tag) {
            let headers = [
                (TIMESTAMP_HEADER, "1700000000000".to_owned()),
                (SIGNATURE_HEADER, crypto::hex(&changed)),
            ];
            let err = v.verify(&headers, BODY, NOW).unwrap_err();
            assert_eq!(err.code(), "signature_mismatch");
        }
        for changed in bit_flips(SECRET.as_bytes()) {
            let other = Verifier::new(Keyring::from(Secret::from_bytes(changed)));
            assert!(other.verify(&signed, BODY, NOW).is_err());
        }
    }

    #[test]
    fn the_window_counts_milliseconds() {
        let secret = Secret::from_text(SECRET).unwrap();
        let v = verifier(SECRET);
        let at = |ms: i64| sign(&secret, Timestamp::from_unix_millis(ms), BODY);
        assert!(v.verify(&at(1_699_999_700_000), BODY, NOW).is_ok());
        assert_eq!(
            v.verify(&at(1_699_999_699_999), BODY, NOW)
                .unwrap_err()
                .code(),
            "timestamp_too_old"
        );
        assert_eq!(
            v.verify(&at(1_700_000_300_001), BODY, NOW)
                .unwrap_err()
                .code(),
            "timestamp_in_future"
        );
        let lenient = verifier(SECRET).dangerous_skip_timestamp_check();
        assert!(lenient.verify(&at(1), BODY, NOW).is_ok());
    }
}
