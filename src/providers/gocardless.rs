//! GoCardless: `Webhook-Signature: <hex>`, HMAC-SHA256 over the raw body,
//! keyed with the webhook endpoint's secret **as text**.
//!
//! - No timestamp, so no tolerance: a captured delivery verifies again.
//!   Deduplicate on the event ids inside the body (one webhook carries a
//!   batch of `events`, each with its own `id`).
//! - No delivery id header, and no id for the batch as a whole: the
//!   signature fingerprint is what identifies one delivery.
//! - Rotation: each endpoint has one secret; several in the keyring are
//!   tried in turn while an endpoint is replaced.
//! - GoCardless asks for `498 Token Invalid` on a bad signature; the status
//!   is the caller's to send.
//! - [`Verifier::verify`] allocates nothing.

use crate::crypto::{self, HmacSha256, MacKeys, TagEncoding};
use crate::error::VerifyError;
use crate::headers::Headers;
use crate::provider::{Provider, VerifierConfig};
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

use super::body_hmac::Scheme;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "Webhook-Signature";

/// The HTTP status GoCardless asks for when a signature is invalid.
pub const INVALID_SIGNATURE_STATUS: u16 = 498;

const SCHEME: Scheme = Scheme {
    header: SIGNATURE_HEADER,
    prefix: "",
    name: "hmac-sha256",
    encoding: TagEncoding::Hex,
};

body_hmac_verifier! {
    /// Verifies GoCardless webhooks.
    ///
    /// ```
    /// use webhook_kit::providers::gocardless;
    /// use webhook_kit::{Keyring, Secret, Timestamp};
    ///
    /// let secret = Secret::from_text("endpoint-secret")?;
    /// let body = br#"{"events":[{"id":"EV123","action":"confirmed"}]}"#;
    /// let headers = gocardless::sign(&secret, body);
    ///
    /// let verifier = gocardless::Verifier::new(Keyring::from(secret));
    /// assert!(verifier.verify(&headers, body, Timestamp::UNIX_EPOCH).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    struct for Provider::Gocardless, keys HmacSha256, tag 32, scheme SCHEME;
    /// A verifier for the endpoint secrets in `keyring` (each built with
    /// [`Secret::from_text`]).
    fn new;
    /// Verifies a delivery. GoCardless signs no timestamp, so `now` only
    /// decides which keys of the keyring have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without `Webhook-Signature`,
    /// [`VerifyError::MalformedHeader`] for a value that is not 64 hex
    /// digits, [`VerifyError::SignatureMismatch`] when no key matches.
    fn verify;
}

verify_headers_and_body!(Provider::Gocardless);

/// Signs `body` as GoCardless does: the `Webhook-Signature` header.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha256(secret.expose_bytes(), &[body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, crypto::hex(&tag))
}

secrets_from_config!(Provider::Gocardless, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    // The fixture of GoCardless's client libraries (gocardless-pro-python
    // tests/webhooks_test.py), shortened here to its first event; the full
    // fixture and its published signature are in tests/vectors/gocardless.json.
    const SECRET: &str = "ED7D658C-D8EB-4941-948B-3973214F2D49";
    const BODY: &[u8] = br#"{"events":[{"id":"EV00BD05S5VM2T","action":"created"}]}"#;
    const NOW: Timestamp = Timestamp::UNIX_EPOCH;

    fn verifier(secret: &str) -> Verifier {
        Verifier::new(Keyring::from(Secret::from_text(secret).unwrap()))
    }

    #[test]
    fn sign_matches_an_independent_hmac() {
        // python3: hmac.new(SECRET, BODY, hashlib.sha256).hexdigest()
        let secret = Secret::from_text(SECRET).unwrap();
        assert_eq!(
            sign(&secret, BODY).get(SIGNATURE_HEADER),
            Some("28f0d66d43d9094bc515f0104e6cc035f829070e537497c1625b8de30b4b76f7")
        );
    }

    #[test]
    fn round_trip_and_single_bit_changes() {
        let secret = Secret::from_text(SECRET).unwrap();
        let v = verifier(SECRET);
        let signed = sign(&secret, BODY);
        let verified = v.verify(&signed, BODY, NOW).unwrap();
        assert_eq!(verified.provider(), Provider::Gocardless);
        assert_eq!(verified.delivery_id(), None);

        for changed in bit_flips(BODY) {
            assert!(v.verify(&signed, &changed, NOW).is_err());
        }
        let tag = crypto::hmac_sha256(SECRET.as_bytes(), &[BODY]);
        for changed in bit_flips(&tag) {
            let headers = [(SIGNATURE_HEADER, crypto::hex(&changed))];
            let err = v.verify(&headers, BODY, NOW).unwrap_err();
            assert_eq!(err.code(), "signature_mismatch");
        }
        for changed in bit_flips(SECRET.as_bytes()) {
            let other = Verifier::new(Keyring::from(Secret::from_bytes(changed)));
            assert!(other.verify(&signed, BODY, NOW).is_err());
        }
    }

    #[test]
    fn refusals_name_their_reason() {
        let v = verifier(SECRET);
        let none: [(&str, &str); 0] = [];
        assert_eq!(
            v.verify(&none, BODY, NOW).unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_HEADER
            }
        );
        for bad in ["sha256=00", "not hex", ""] {
            let err = v.verify(&[(SIGNATURE_HEADER, bad)], BODY, NOW).unwrap_err();
            assert_eq!(err.code(), "malformed_header", "{bad:?}");
        }
    }

    #[test]
    fn rotation_reports_the_matching_key() {
        let old = Secret::from_text("old-endpoint-secret").unwrap();
        let new = Secret::from_text(SECRET).unwrap();
        let v = Verifier::new([old, new.clone()].into_iter().collect());
        let verified = v.verify(&sign(&new, BODY), BODY, NOW).unwrap();
        assert_eq!(verified.key_index(), 1);
    }
}
