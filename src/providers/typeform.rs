//! Typeform: `Typeform-Signature: sha256=<base64>`, HMAC-SHA256 over the
//! raw body, keyed with the webhook's `secret` as text.
//!
//! - The tag is **standard base64** behind a `sha256=` prefix (not hex).
//! - No timestamp is signed and there is no delivery id header; the body's
//!   `event_id` identifies the event ([`Verified::event_id`]).
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
pub const SIGNATURE_HEADER: &str = "Typeform-Signature";

const SCHEME: Scheme = Scheme {
    header: SIGNATURE_HEADER,
    prefix: "sha256=",
    encoding: TagEncoding::Base64,
    name: "sha256",
};

body_hmac_verifier! {
    /// Verifies Typeform webhooks.
    struct for Provider::Typeform, keys HmacSha256, tag 32, scheme SCHEME;
    /// A verifier for the webhook secrets in `keyring` (text).
    fn new;
    /// Verifies a delivery; `now` only decides which keys have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the signature header,
    /// [`VerifyError::MalformedHeader`] without the `sha256=` prefix or when
    /// the rest is not a base64 SHA-256 tag, [`VerifyError::SignatureMismatch`]
    /// when no secret matches.
    fn verify;
}

verify_headers_and_body!(Provider::Typeform);

/// Signs `body` as Typeform does: the signature header.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    SignedHeaders::new().with(SIGNATURE_HEADER, SCHEME.sign_sha256(secret, body))
}

secrets_from_config!(Provider::Typeform, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "typeform-local-secret";
    const BODY: &[u8] = br#"{"id":"evt_local_1","type":"test","data":{"n":1}}"#;
    // Python: base64.b64encode(hmac.new(SECRET, BODY, hashlib.sha256).digest())
    const EXPECTED: &str = "sha256=g1b7Q34QdYL651nBcqiIBfFY/xCkhRSVLoobzMyNe/o=";
    const AS_HEX: &str = "sha256=8356fb437e107582fae759c172a88805f158ff10a48514952e8a1bcccc8d7bfa";

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
            assert!(
                verifier()
                    .verify(&headers, &changed, Timestamp::UNIX_EPOCH)
                    .is_err()
            );
        }
    }

    #[test]
    fn hex_or_unprefixed_tags_are_malformed() {
        for value in [AS_HEX, &EXPECTED["sha256=".len()..]] {
            let headers = [(SIGNATURE_HEADER, value)];
            let error = verifier()
                .verify(&headers, BODY, Timestamp::UNIX_EPOCH)
                .unwrap_err();
            assert_eq!(error.code(), "malformed_header", "{value}");
        }
    }

    #[test]
    fn registry_builds_it() {
        let config = VerifierConfig::new().with_secret(SECRET);
        let v = Provider::Typeform.verifier(&config).unwrap();
        let headers = sign(&secret(), BODY);
        let outcome = v.verify_request(&Request::new(&headers, BODY), Timestamp::UNIX_EPOCH);
        assert!(matches!(outcome, Ok(Outcome::Verified(_))));
    }
}
