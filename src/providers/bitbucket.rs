//! Bitbucket Cloud (and Data Center): `X-Hub-Signature: sha256=<hex>`,
//! HMAC-SHA256 over the raw body, keyed with the webhook's secret as text.
//!
//! - The header has GitHub's legacy SHA-1 name but carries SHA-256; code
//!   looking for `X-Hub-Signature-256` finds nothing. A `sha1=` value is
//!   refused as [`VerifyError::UnsupportedAlgorithm`].
//! - The header is sent only when the webhook has a secret: a delivery
//!   without it is [`VerifyError::MissingHeader`].
//! - No timestamp, so no tolerance. Rotation: several secrets in the
//!   keyring are tried in turn.
//! - Delivery id: `X-Request-UUID`; `X-Event-Key` names the event.
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
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature";
/// The event name header (`repo:push`, `pullrequest:created`, ...).
pub const EVENT_HEADER: &str = "X-Event-Key";
/// The delivery id header.
pub const REQUEST_UUID_HEADER: &str = "X-Request-UUID";
/// The webhook's id.
pub const HOOK_UUID_HEADER: &str = "X-Hook-UUID";
/// The attempt number, from 1.
pub const ATTEMPT_HEADER: &str = "X-Attempt-Number";

const SCHEME: Scheme = Scheme {
    header: SIGNATURE_HEADER,
    prefix: "sha256=",
    name: "sha256",
    encoding: TagEncoding::Hex,
};

body_hmac_verifier! {
    /// Verifies Bitbucket webhooks.
    ///
    /// ```
    /// use webhook_kit::providers::bitbucket;
    /// use webhook_kit::{Keyring, Secret, Timestamp};
    ///
    /// let secret = Secret::from_text("bitbucket-webhook-secret")?;
    /// let body = br#"{"push":{}}"#;
    /// let headers = bitbucket::sign(&secret, body);
    /// let verifier = bitbucket::Verifier::new(Keyring::from(secret));
    /// assert!(verifier.verify(&headers, body, Timestamp::UNIX_EPOCH).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    struct for Provider::Bitbucket, keys HmacSha256, tag 32, scheme SCHEME;
    /// A verifier for the webhook secrets in `keyring` (text).
    fn new;
    /// Verifies a delivery. No timestamp is signed, so `now` only decides
    /// which keys have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without `X-Hub-Signature`,
    /// [`VerifyError::UnsupportedAlgorithm`] for a `sha1=` value,
    /// [`VerifyError::MalformedHeader`] for anything but `sha256=<64 hex>`,
    /// [`VerifyError::SignatureMismatch`] when no key matches.
    fn verify refusing "sha1=", delivery id in REQUEST_UUID_HEADER;
}

verify_headers_and_body!(Provider::Bitbucket);

/// Signs `body` as Bitbucket does: `X-Hub-Signature: sha256=<hex>`.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha256(secret.expose_bytes(), &[body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, SCHEME.header_value(&tag))
}

secrets_from_config!(Provider::Bitbucket, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "bitbucket-webhook-secret";
    const BODY: &[u8] = br#"{"push":{"changes":[{"new":{"name":"main","type":"branch"}}]},"repository":{"full_name":"team/repo","type":"repository"}}"#;
    // Computed with Python: hmac.new(SECRET, BODY, sha256).hexdigest().
    const SIGNATURE: &str =
        "sha256=728bcb8ca66ded403ed834ccba332ae707de5210879ec64d758b4bc885befcf4";

    fn secret() -> Secret {
        Secret::from_text(SECRET).unwrap()
    }

    #[test]
    fn sign_matches_the_independent_value_and_bits_matter() {
        let signed = sign(&secret(), BODY);
        assert_eq!(signed.get(SIGNATURE_HEADER), Some(SIGNATURE));
        let v = Verifier::new(Keyring::from(secret()));
        let now = Timestamp::UNIX_EPOCH;
        let headers = signed
            .clone()
            .with_header(REQUEST_UUID_HEADER, "6d1f2bd2-0f5c-4b7e-9d3d-8e2b7f2d1a11");
        let verified = v.verify(&headers, BODY, now).unwrap();
        assert_eq!(
            verified.delivery_id(),
            Some("6d1f2bd2-0f5c-4b7e-9d3d-8e2b7f2d1a11")
        );
        assert!(!verified.delivery_id_is_signed());
        for changed in bit_flips(BODY) {
            assert_eq!(
                v.verify(&signed, &changed, now).unwrap_err().code(),
                "signature_mismatch"
            );
        }
        for changed in bit_flips(secret().expose_bytes()) {
            let other = Verifier::new(Keyring::from(Secret::from_bytes(changed)));
            assert!(other.verify(&signed, BODY, now).is_err());
        }
    }

    #[test]
    fn github_style_headers_are_not_bitbucket() {
        let v = Verifier::new(Keyring::from(secret()));
        let now = Timestamp::UNIX_EPOCH;
        let renamed = [("X-Hub-Signature-256", SIGNATURE)];
        assert_eq!(
            v.verify(&renamed, BODY, now).unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_HEADER
            }
        );
        let sha1 = [(
            SIGNATURE_HEADER,
            "sha1=acf5f7e193fff7bb7a96e3ab8021c521fa1d57c5",
        )];
        assert_eq!(
            v.verify(&sha1, BODY, now).unwrap_err().code(),
            "unsupported_algorithm"
        );
        let bare = [(SIGNATURE_HEADER, &SIGNATURE[7..])];
        assert_eq!(
            v.verify(&bare, BODY, now).unwrap_err().code(),
            "malformed_header"
        );
    }

    #[test]
    fn rotation_and_debug() {
        let ring = Keyring::from(Secret::from_text("old").unwrap()).with_key(secret());
        let v = Verifier::new(ring);
        let verified = v
            .verify(&sign(&secret(), BODY), BODY, Timestamp::UNIX_EPOCH)
            .unwrap();
        assert_eq!(verified.key_index(), 1);
        assert!(!format!("{v:?}").contains(SECRET));
    }
}
