//! Coinbase Commerce: `X-CC-Webhook-Signature: <hex>`, HMAC-SHA256 over
//! the raw body, keyed with the endpoint's shared secret (Settings →
//! Webhook subscriptions) **as text**.
//!
//! - No timestamp is signed: a captured delivery verifies again later, so
//!   deduplicate on the event id.
//! - Delivery id: `event.id` inside the body ([`Verified::event_id`]); the
//!   body's top-level `id` numbers the delivery attempt, not the event.
//! - Rotation: several secrets in the keyring are tried in turn.
//!
//! [`Verifier::verify`] allocates nothing.

use crate::crypto::{HmacSha256, MacKeys, TagEncoding};
use crate::error::VerifyError;
use crate::headers::Headers;
use crate::provider::{Provider, VerifierConfig};
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

use super::body_hmac::Scheme;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-CC-Webhook-Signature";

const SCHEME: Scheme = Scheme {
    header: SIGNATURE_HEADER,
    prefix: "",
    encoding: TagEncoding::Hex,
    name: "hex",
};

body_hmac_verifier! {
    /// Verifies Coinbase Commerce webhooks.
    struct for Provider::CoinbaseCommerce, keys HmacSha256, tag 32, scheme SCHEME;
    /// A verifier for the shared secrets in `keyring` (text, as shown in Settings).
    fn new;
    /// Verifies a delivery; `now` only decides which keys have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the signature header,
    /// [`VerifyError::MalformedHeader`] when it is not 64 hex digits,
    /// [`VerifyError::SignatureMismatch`] when no secret matches.
    fn verify;
}

verify_headers_and_body!(Provider::CoinbaseCommerce);

/// Signs `body` as Coinbase Commerce does: the signature header.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    SignedHeaders::new().with(SIGNATURE_HEADER, SCHEME.sign_sha256(secret, body))
}

/// The event id of a delivery body: `event.id`.
pub(crate) fn event_id(body: &[u8]) -> Option<String> {
    crate::provider::json_string_field(body, &["event", "id"])
}

secrets_from_config!(Provider::CoinbaseCommerce, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "cc-local-shared-secret";
    const BODY: &[u8] = br#"{"id":"evt_local_1","type":"test","data":{"n":1}}"#;
    // Python: hmac.new(SECRET, BODY, hashlib.sha256).hexdigest()
    const EXPECTED: &str = "a349aa8b54064e4cd5021c75cc65394fa1e8c8b25089230bac547804c791dac4";

    fn secret() -> Secret {
        Secret::from_text(SECRET).unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(secret()))
    }

    #[test]
    fn sign_matches_an_independent_hmac_and_verifies() {
        let headers = sign(&secret(), BODY);
        assert_eq!(headers.get(SIGNATURE_HEADER), Some(EXPECTED));
        assert!(
            verifier()
                .verify(&headers, BODY, Timestamp::UNIX_EPOCH)
                .is_ok()
        );
        for changed in bit_flips(BODY) {
            let error = verifier()
                .verify(&headers, &changed, Timestamp::UNIX_EPOCH)
                .unwrap_err();
            assert_eq!(error.code(), "signature_mismatch");
        }
    }

    #[test]
    fn missing_and_malformed_headers() {
        let none: [(&str, &str); 0] = [];
        assert_eq!(
            verifier()
                .verify(&none, BODY, Timestamp::UNIX_EPOCH)
                .unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_HEADER
            }
        );
        let short = [(SIGNATURE_HEADER, &EXPECTED[..40])];
        assert_eq!(
            verifier()
                .verify(&short, BODY, Timestamp::UNIX_EPOCH)
                .unwrap_err()
                .code(),
            "malformed_header"
        );
    }

    #[test]
    fn event_id_is_inside_the_event() {
        let body = br#"{"id":1,"event":{"id":"24934862-d980-46cb-9402-43c81b0cdba6"}}"#;
        assert_eq!(
            event_id(body).as_deref(),
            Some("24934862-d980-46cb-9402-43c81b0cdba6")
        );
        let verified = verifier()
            .verify(&sign(&secret(), body), body, Timestamp::UNIX_EPOCH)
            .unwrap();
        assert_eq!(
            verified.idempotency_key(body).as_deref(),
            Some("24934862-d980-46cb-9402-43c81b0cdba6")
        );
    }

    #[test]
    fn registry_builds_it() {
        let config = VerifierConfig::new().with_secret(SECRET);
        let v = Provider::CoinbaseCommerce.verifier(&config).unwrap();
        let headers = sign(&secret(), BODY);
        let outcome = v.verify_request(&Request::new(&headers, BODY), Timestamp::UNIX_EPOCH);
        assert!(matches!(outcome, Ok(Outcome::Verified(_))));
    }
}
