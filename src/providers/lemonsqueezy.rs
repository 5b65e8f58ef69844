//! Lemon Squeezy: `X-Signature: <hex>`, HMAC-SHA256 over the raw body,
//! keyed with the webhook's signing secret (6 to 40 characters, chosen
//! when the webhook is created) as text.
//!
//! - The digest is lowercase hex; a base64 digest (which some third-party
//!   verifiers expect) is refused.
//! - No timestamp is signed and there is no delivery id header; the event
//!   name is in `X-Event-Name` and `meta.event_name`.
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
pub const SIGNATURE_HEADER: &str = "X-Signature";
/// The event name header (`order_created`, ...).
pub const EVENT_HEADER: &str = "X-Event-Name";

const SCHEME: Scheme = Scheme {
    header: SIGNATURE_HEADER,
    prefix: "",
    encoding: TagEncoding::Hex,
    name: "hex",
};

body_hmac_verifier! {
    /// Verifies Lemon Squeezy webhooks.
    struct for Provider::Lemonsqueezy, keys HmacSha256, tag 32, scheme SCHEME;
    /// A verifier for the signing secrets in `keyring` (text).
    fn new;
    /// Verifies a delivery; `now` only decides which keys have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without `X-Signature`,
    /// [`VerifyError::MalformedHeader`] when it is not 64 hex digits,
    /// [`VerifyError::SignatureMismatch`] when no secret matches.
    fn verify;
}

verify_headers_and_body!(Provider::Lemonsqueezy);

/// Signs `body` as Lemon Squeezy does: the signature header.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    SignedHeaders::new().with(SIGNATURE_HEADER, SCHEME.sign_sha256(secret, body))
}

secrets_from_config!(Provider::Lemonsqueezy, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "lemon-local-secret";
    const BODY: &[u8] = br#"{"id":"evt_local_1","type":"test","data":{"n":1}}"#;
    // Python: hmac.new(SECRET, BODY, hashlib.sha256), hexdigest() and base64.
    const EXPECTED: &str = "001f865a4bcb5d45a829702c6a44eb4fd027bba7425740dda75d31a303736a14";
    const AS_BASE64: &str = "AB+GWkvLXUWoKXAsakTrT9Anu6dCV0Ddp10xowNzahQ=";

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
    fn base64_digest_is_refused() {
        let headers = [(SIGNATURE_HEADER, AS_BASE64)];
        let error = verifier()
            .verify(&headers, BODY, Timestamp::UNIX_EPOCH)
            .unwrap_err();
        assert_eq!(error.code(), "malformed_header");
    }

    #[test]
    fn registry_builds_it() {
        let config = VerifierConfig::new().with_secret(SECRET);
        let v = Provider::Lemonsqueezy.verifier(&config).unwrap();
        let headers = sign(&secret(), BODY);
        let outcome = v.verify_request(&Request::new(&headers, BODY), Timestamp::UNIX_EPOCH);
        assert!(matches!(outcome, Ok(Outcome::Verified(_))));
    }
}
