//! Sentry integration platform: `Sentry-Hook-Signature: <hex>`,
//! HMAC-SHA256 over the raw body, keyed with the integration's Client
//! Secret as text (not the DSN, not an auth token).
//!
//! - Sentry's own examples hash re-serialised JSON, which only works while
//!   Sentry's serialiser and yours agree; this verifier hashes the raw
//!   body bytes.
//! - `Sentry-Hook-Timestamp` is sent but is not part of the signed bytes,
//!   so it proves nothing and is not checked: there is no tolerance.
//! - `Sentry-Hook-Resource` names the resource (`issue`, `error`, ...).
//!   Delivery id: `Request-ID`. Rotation: keyring.
//! - `verify` allocates nothing.

use crate::crypto::{self, HmacSha256, MacKeys, TagEncoding};
use crate::error::VerifyError;
use crate::headers::{self, Headers};
use crate::provider::{Provider, VerifierConfig};
use crate::providers::body_hmac::Scheme;
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::{DeliveryId, Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "Sentry-Hook-Signature";
/// The resource header (`installation`, `issue`, `error`, `comment`, ...).
pub const RESOURCE_HEADER: &str = "Sentry-Hook-Resource";
/// The (unsigned) timestamp header.
pub const TIMESTAMP_HEADER: &str = "Sentry-Hook-Timestamp";
/// The delivery id header.
pub const REQUEST_ID_HEADER: &str = "Request-ID";

const SCHEME: Scheme = Scheme {
    header: SIGNATURE_HEADER,
    prefix: "",
    name: "hmac-sha256",
    encoding: TagEncoding::Hex,
};

body_hmac_verifier! {
    /// Verifies Sentry integration webhooks.
    ///
    /// ```
    /// use webhook_kit::providers::sentry;
    /// use webhook_kit::{Keyring, Secret, Timestamp};
    ///
    /// let secret = Secret::from_text("integration-client-secret")?;
    /// let body = br#"{"action":"created"}"#;
    /// let headers = sentry::sign(&secret, body);
    /// let verifier = sentry::Verifier::new(Keyring::from(secret));
    /// assert!(verifier.verify(&headers, body, Timestamp::UNIX_EPOCH).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    struct for Provider::Sentry, keys HmacSha256, tag 32, scheme SCHEME;
    /// A verifier for the client secrets in `keyring` (text).
    fn new;
    /// Verifies a delivery; `now` only decides which keys have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the signature header,
    /// [`VerifyError::MalformedHeader`] for a value that is not 64 hex
    /// digits, [`VerifyError::SignatureMismatch`] when no key matches.
    fn verify, delivery id in REQUEST_ID_HEADER;
}

verify_headers_and_body!(Provider::Sentry);

/// Signs `body` as Sentry does: `Sentry-Hook-Signature: <hex>`.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha256(secret.expose_bytes(), &[body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, SCHEME.header_value(&tag))
}

secrets_from_config!(Provider::Sentry, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    const BODY: &[u8] = br#"{"action":"created","installation":{"uuid":"a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},"data":{"issue":{"id":"1170820242"}},"actor":{"type":"application","id":"sentry","name":"Sentry"}}"#;
    // Computed with Python's hmac (the vector's value).
    const SIGNATURE: &str = "1b17b8c878445b2abb26727d83ae6745c17c9829b249ade3dc54f4444d60e7f1";

    fn secret() -> Secret {
        Secret::from_text(SECRET).unwrap()
    }

    #[test]
    fn sign_matches_and_bits_matter() {
        let signed = sign(&secret(), BODY);
        assert_eq!(signed.get(SIGNATURE_HEADER), Some(SIGNATURE));
        let v = Verifier::new(Keyring::from(secret()));
        let now = Timestamp::UNIX_EPOCH;
        let headers = signed
            .clone()
            .with_header(REQUEST_ID_HEADER, "a1b2c3")
            .with_header(TIMESTAMP_HEADER, "1");
        let verified = v.verify(&headers, BODY, now).unwrap();
        assert_eq!(verified.delivery_id(), Some("a1b2c3"));
        assert_eq!(verified.timestamp(), None);
        for changed in bit_flips(BODY) {
            assert!(v.verify(&signed, &changed, now).is_err());
        }
        // The secret is used as text: its hex-decoded bytes do not verify.
        let decoded = Secret::parse(SECRET, SecretEncoding::Hex).unwrap();
        let other = Verifier::new(Keyring::from(decoded));
        assert_eq!(
            other.verify(&signed, BODY, now).unwrap_err().code(),
            "signature_mismatch"
        );
    }
}
