//! PagerDuty (v3 webhooks): `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]`,
//! HMAC-SHA256 over the raw body, keyed with the subscription's signing
//! secret **as text**. No timestamp.
//!
//! - PagerDuty signs once per active secret and joins the results with
//!   commas, so a secret rotation shows as several `v1` items; any match is
//!   enough. Items of other versions are ignored; a header with no `v1`
//!   item is [`VerifyError::NoMatchingScheme`].
//! - No timestamp is signed: replay protection is the caller's (see the
//!   crate's replay guard). `now` only decides which keys have expired.
//! - The event id is the body's `event.id` ([`Verified::event_id`]).
//!   Rotation: several secrets in the keyring are tried in turn.
//!
//! [`Verifier::verify`] allocates nothing.

use crate::crypto::{self, HmacSha256, MacKeys};
use crate::error::VerifyError;
use crate::headers::Headers;
use crate::provider::Provider;
use crate::providers::t_v1;
use crate::secret::{Keyring, Secret};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-PagerDuty-Signature";

/// Verifies PagerDuty v3 webhooks.
///
/// ```
/// use webhook_kit::providers::pagerduty;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let secret = Secret::from_text("pagerduty-signing-secret")?;
/// let body = br#"{"event":{"id":"01ABC","event_type":"incident.triggered"}}"#;
/// let headers = pagerduty::sign(&[&secret], body);
///
/// let verifier = pagerduty::Verifier::new(Keyring::from(secret));
/// let verified = verifier.verify(&headers, body, Timestamp::now())?;
/// assert_eq!(verified.event_id(body).as_deref(), Some("01ABC"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
}

impl Verifier {
    /// A verifier for the signing secrets in `keyring` (each built with
    /// [`Secret::from_text`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
        }
    }

    /// Verifies a delivery.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the header,
    /// [`VerifyError::NoMatchingScheme`] when it holds no `v1` item,
    /// [`VerifyError::MalformedHeader`] when no `v1` value is 64 hex
    /// digits, [`VerifyError::SignatureMismatch`] when no secret matches.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let key = t_v1::verify_untimed(SIGNATURE_HEADER, &self.keys, headers, body, now)?;
        Ok(Verified::new(Provider::Pagerduty, key))
    }
}

verify_headers_and_body!(Provider::Pagerduty);

/// Signs `body` as PagerDuty does with each of `secrets` (several while a
/// secret is rotated): one `v1=` item per secret, comma-separated.
pub fn sign(secrets: &[&Secret], body: &[u8]) -> SignedHeaders {
    let value = secrets
        .iter()
        .map(|s| {
            format!(
                "v1={}",
                crypto::hex(&crypto::hmac_sha256(s.expose_bytes(), &[body]))
            )
        })
        .collect::<Vec<_>>()
        .join(",");
    SignedHeaders::new().with(SIGNATURE_HEADER, value)
}

/// The event id in a PagerDuty v3 body (`event.id`).
pub(crate) fn event_id(body: &[u8]) -> Option<String> {
    crate::provider::json_string_field(body, &["event", "id"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const BODY: &[u8] =
        br#"{"event":{"id":"01BWDWL3NYY7LUFPZCC28QUCMK","event_type":"incident.triggered"}}"#;

    fn secret(text: &str) -> Secret {
        Secret::from_text(text).unwrap()
    }

    #[test]
    fn round_trip_and_single_bit_changes() {
        let key = secret("pd-unit-secret");
        let verifier = Verifier::new(Keyring::from(key.clone()));
        let now = Timestamp::UNIX_EPOCH;
        let signed = sign(&[&key], BODY);
        let verified = verifier.verify(&signed, BODY, now).unwrap();
        assert_eq!(
            verified.event_id(BODY).as_deref(),
            Some("01BWDWL3NYY7LUFPZCC28QUCMK")
        );
        for changed in bit_flips(BODY) {
            assert_eq!(
                verifier.verify(&signed, &changed, now).unwrap_err().code(),
                "signature_mismatch"
            );
        }
    }

    #[test]
    fn rotation_either_secret_matches() {
        let (old, new) = (secret("pd-old"), secret("pd-new"));
        let signed = sign(&[&old, &new], BODY);
        assert_eq!(
            signed.get(SIGNATURE_HEADER).unwrap().matches("v1=").count(),
            2
        );
        for key in [old, new] {
            let verifier = Verifier::new(Keyring::from(key));
            assert!(
                verifier
                    .verify(&signed, BODY, Timestamp::UNIX_EPOCH)
                    .is_ok()
            );
        }
        let stranger = Verifier::new(Keyring::from(secret("pd-other")));
        assert_eq!(
            stranger
                .verify(&signed, BODY, Timestamp::UNIX_EPOCH)
                .unwrap_err()
                .code(),
            "signature_mismatch"
        );
    }

    #[test]
    fn header_errors() {
        let verifier = Verifier::new(Keyring::from(secret("pd-unit-secret")));
        let now = Timestamp::UNIX_EPOCH;
        let code = |value: &str| {
            verifier
                .verify(&[(SIGNATURE_HEADER, value)], BODY, now)
                .unwrap_err()
                .code()
        };
        assert_eq!(code("v2=00"), "no_matching_scheme");
        assert_eq!(code("v1=xyz"), "malformed_header");
        assert_eq!(code(""), "no_matching_scheme");
        let none: [(&str, &str); 0] = [];
        assert_eq!(
            verifier.verify(&none, BODY, now).unwrap_err().code(),
            "missing_header"
        );
    }
}
