//! Razorpay: `X-Razorpay-Signature: <hex>`, HMAC-SHA256 over the raw body,
//! keyed with the **webhook secret** set on the webhook (not the API key
//! secret) as text.
//!
//! - No timestamp is signed; deduplicate on the delivery id.
//! - Delivery id: `X-Razorpay-Event-Id`, sent beside the signature (not
//!   signed).
//! - The body is signed byte for byte, final newline included: a framework
//!   that trims or re-serialises it breaks the signature.
//! - Rotation: several secrets in the keyring are tried in turn.
//!
//! [`Verifier::verify`] allocates nothing.

use crate::crypto::{HmacSha256, MacKeys, TagEncoding};
use crate::error::VerifyError;
use crate::headers::{self, Headers};
use crate::provider::{Provider, VerifierConfig};
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::{DeliveryId, Outcome, Request, SignedHeaders, Verified, Verify};

use super::body_hmac::Scheme;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Razorpay-Signature";
/// The event id header, for deduplication.
pub const EVENT_ID_HEADER: &str = "X-Razorpay-Event-Id";

const SCHEME: Scheme = Scheme {
    header: SIGNATURE_HEADER,
    prefix: "",
    encoding: TagEncoding::Hex,
    name: "hex",
};

body_hmac_verifier! {
    /// Verifies Razorpay webhooks.
    struct for Provider::Razorpay, keys HmacSha256, tag 32, scheme SCHEME;
    /// A verifier for the webhook secrets in `keyring` (text).
    fn new;
    /// Verifies a delivery; `now` only decides which keys have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the signature header,
    /// [`VerifyError::MalformedHeader`] when it is not 64 hex digits,
    /// [`VerifyError::SignatureMismatch`] when no secret matches.
    fn verify, delivery id in EVENT_ID_HEADER;
}

verify_headers_and_body!(Provider::Razorpay);

/// Signs `body` as Razorpay does: the signature header.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    SignedHeaders::new().with(SIGNATURE_HEADER, SCHEME.sign_sha256(secret, body))
}

secrets_from_config!(Provider::Razorpay, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "rzp-local-webhook-secret";
    const BODY: &[u8] = br#"{"id":"evt_local_1","type":"test","data":{"n":1}}"#;
    // Python: hmac.new(SECRET, BODY, hashlib.sha256).hexdigest()
    const EXPECTED: &str = "4519babb9ad209f48fd5434818e77520783d7c740e3de3820acffcb6a2f34095";

    fn secret() -> Secret {
        Secret::from_text(SECRET).unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(secret()))
    }

    #[test]
    fn sign_matches_an_independent_hmac_and_verifies() {
        let headers = sign(&secret(), BODY).with_header(EVENT_ID_HEADER, "evt_29QQoUBi66xm2f");
        assert_eq!(headers.get(SIGNATURE_HEADER), Some(EXPECTED));
        let verified = verifier()
            .verify(&headers, BODY, Timestamp::UNIX_EPOCH)
            .unwrap();
        assert_eq!(verified.delivery_id(), Some("evt_29QQoUBi66xm2f"));
        assert!(!verified.delivery_id_is_signed());
        for changed in bit_flips(BODY) {
            assert!(
                verifier()
                    .verify(&headers, &changed, Timestamp::UNIX_EPOCH)
                    .is_err()
            );
        }
    }

    #[test]
    fn a_trimmed_newline_breaks_the_signature() {
        let body = b"{\"event\":\"payment.authorized\"}\n";
        let headers = sign(&secret(), body);
        assert!(
            verifier()
                .verify(&headers, body, Timestamp::UNIX_EPOCH)
                .is_ok()
        );
        let error = verifier()
            .verify(&headers, &body[..body.len() - 1], Timestamp::UNIX_EPOCH)
            .unwrap_err();
        assert_eq!(error.code(), "signature_mismatch");
    }

    #[test]
    fn missing_header() {
        let none: [(&str, &str); 0] = [];
        assert_eq!(
            verifier()
                .verify(&none, BODY, Timestamp::UNIX_EPOCH)
                .unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_HEADER
            }
        );
    }

    #[test]
    fn registry_builds_it() {
        let config = VerifierConfig::new().with_secret(SECRET);
        let v = Provider::Razorpay.verifier(&config).unwrap();
        let headers = sign(&secret(), BODY);
        let outcome = v.verify_request(&Request::new(&headers, BODY), Timestamp::UNIX_EPOCH);
        assert!(matches!(outcome, Ok(Outcome::Verified(_))));
    }
}
