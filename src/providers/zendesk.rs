//! Zendesk: `X-Zendesk-Webhook-Signature: <base64>` and
//! `X-Zendesk-Webhook-Signature-Timestamp: <RFC 3339>`, HMAC-SHA256 over
//! the timestamp **followed directly by** the raw body (no separator),
//! keyed with the webhook's signing secret **as text** (it looks like
//! base64 but is not decoded).
//!
//! - Webhooks that send no body (GET, DELETE) sign the timestamp alone;
//!   pass an empty body.
//! - Tolerance: Zendesk names none; this crate applies 300 s both ways
//!   ([`DEFAULT_TOLERANCE`]).
//! - No signed delivery id. Rotation: after resetting a webhook's secret,
//!   keep the old one in the keyring until deliveries signed with it have
//!   drained.
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
pub const SIGNATURE_HEADER: &str = "X-Zendesk-Webhook-Signature";
/// The signed timestamp header (RFC 3339).
pub const TIMESTAMP_HEADER: &str = "X-Zendesk-Webhook-Signature-Timestamp";

/// The window for the signed timestamp; Zendesk documents none.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Verifies Zendesk webhooks.
///
/// ```
/// use webhook_kit::providers::zendesk;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let secret = Secret::from_text("webhook-signing-secret")?;
/// let body = br#"{"type":"zen:event-type:ticket.created"}"#;
/// let headers = zendesk::sign(&secret, "2021-07-25T10:00:00Z", body);
///
/// let verifier = zendesk::Verifier::new(Keyring::from(secret));
/// let now = Timestamp::from_unix_seconds(1_627_207_200);
/// assert_eq!(verifier.verify(&headers, body, now)?.timestamp(), Some(now));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the signing secrets in `keyring` (each built with
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
    /// [`VerifyError::MalformedHeader`] for a timestamp that is not RFC 3339
    /// or a signature that is not base64 of 32 bytes,
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
        let signed_at =
            time::parse_rfc3339(raw_ts).map_err(|e| VerifyError::malformed(TIMESTAMP_HEADER, e))?;

        let candidate =
            || std::iter::once(crypto::decode_tag::<32>(signature, TagEncoding::Base64));
        let target = MatchTarget {
            header: SIGNATURE_HEADER,
            scheme: "hmac-sha256",
            covers: SignedContent::Body,
        };
        let key_index = self.keys.find(now, &[raw_ts, body], target, candidate)?;

        self.check.apply(signed_at, now)?;
        Ok(Verified::new(Provider::Zendesk, key_index).signed_at(signed_at))
    }
}

timestamp_options!(Verifier);

verify_headers_and_body!(Provider::Zendesk);

/// Signs `body` as Zendesk does at the RFC 3339 time `timestamp`: the
/// signature and timestamp headers.
pub fn sign(secret: &Secret, timestamp: &str, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha256(secret.expose_bytes(), &[timestamp.as_bytes(), body]);
    SignedHeaders::new()
        .with(SIGNATURE_HEADER, crypto::base64(&tag))
        .with(TIMESTAMP_HEADER, timestamp.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "zendesk-unit";
    const TS: &str = "2021-07-25T10:00:00Z";
    const BODY: &[u8] = br#"{"say":"hello"}"#;

    fn now() -> Timestamp {
        Timestamp::from_unix_seconds(1_627_207_200)
    }

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(Secret::from_text(SECRET).unwrap()))
    }

    #[test]
    fn sign_matches_an_independent_hmac() {
        // python3: base64.b64encode(hmac.new(SECRET, TS + BODY, hashlib.sha256).digest())
        let signed = sign(&Secret::from_text(SECRET).unwrap(), TS, BODY);
        assert_eq!(
            signed.get(SIGNATURE_HEADER),
            Some("7PJrlQwnVna84j37to9cXIohepjjgqLOYsHKdYgRcAI=")
        );
    }

    #[test]
    fn round_trip_and_single_bit_changes() {
        let secret = Secret::from_text(SECRET).unwrap();
        let v = verifier();
        let signed = sign(&secret, TS, BODY);
        assert_eq!(
            v.verify(&signed, BODY, now()).unwrap().timestamp(),
            Some(now())
        );
        for changed in bit_flips(BODY) {
            assert!(v.verify(&signed, &changed, now()).is_err());
        }
        for changed in bit_flips(SECRET.as_bytes()) {
            let other = Verifier::new(Keyring::from(Secret::from_bytes(changed)));
            assert!(other.verify(&signed, BODY, now()).is_err());
        }
    }

    #[test]
    fn empty_body_and_window() {
        let secret = Secret::from_text(SECRET).unwrap();
        let v = verifier();
        assert!(v.verify(&sign(&secret, TS, b""), b"", now()).is_ok());
        let signed = sign(&secret, TS, BODY);
        let at = |s: i64| Timestamp::from_unix_seconds(1_627_207_200 + s);
        assert!(v.verify(&signed, BODY, at(300)).is_ok());
        assert_eq!(
            v.verify(&signed, BODY, at(301)).unwrap_err().code(),
            "timestamp_too_old"
        );
        assert_eq!(
            v.verify(&signed, BODY, at(-301)).unwrap_err().code(),
            "timestamp_in_future"
        );
        let unix = [
            (SIGNATURE_HEADER, signed.get(SIGNATURE_HEADER).unwrap()),
            (TIMESTAMP_HEADER, "1627207200"),
        ];
        assert_eq!(
            v.verify(&unix, BODY, now()).unwrap_err(),
            VerifyError::malformed(TIMESTAMP_HEADER, crate::Malformed::TimestampNotRfc3339)
        );
    }
}
