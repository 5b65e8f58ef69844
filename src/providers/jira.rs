//! Jira admin webhooks (registered in the admin UI or the webhook REST
//! API, with a secret): `X-Hub-Signature: sha256=<hex>`, HMAC-SHA256 over
//! the raw body, keyed with the webhook's secret as text (WebSub style).
//!
//! - No timestamp, so no tolerance; the body's `timestamp` is not checked.
//!   Rotation: several secrets in the keyring are tried in turn.
//! - A webhook without a secret sends no signature; neither do app
//!   webhooks (Connect and OAuth 2.0 apps), which authenticate with a JWT
//!   in `Authorization` that this verifier does not check. Both are
//!   [`VerifyError::MissingHeader`].
//! - A `sha1=` value is [`VerifyError::UnsupportedAlgorithm`].
//! - Delivery id: `X-Atlassian-Webhook-Identifier`, which stays the same
//!   across retries of one delivery.
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
/// The delivery id header, the same on every retry of a delivery.
pub const IDENTIFIER_HEADER: &str = "X-Atlassian-Webhook-Identifier";
/// The retry number header, present on retries.
pub const RETRY_HEADER: &str = "X-Atlassian-Webhook-Retry";

const SCHEME: Scheme = Scheme {
    header: SIGNATURE_HEADER,
    prefix: "sha256=",
    name: "sha256",
    encoding: TagEncoding::Hex,
};

body_hmac_verifier! {
    /// Verifies Jira admin webhooks that have a secret.
    ///
    /// ```
    /// use webhook_kit::providers::jira;
    /// use webhook_kit::{Keyring, Secret, Timestamp};
    ///
    /// let secret = Secret::from_text("jira-admin-webhook-secret-32chars")?;
    /// let body = br#"{"webhookEvent":"jira:issue_created"}"#;
    /// let headers = jira::sign(&secret, body);
    /// let verifier = jira::Verifier::new(Keyring::from(secret));
    /// assert!(verifier.verify(&headers, body, Timestamp::UNIX_EPOCH).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    struct for Provider::Jira, keys HmacSha256, tag 32, scheme SCHEME;
    /// A verifier for the webhook secrets in `keyring` (text).
    fn new;
    /// Verifies a delivery; `now` only decides which keys have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without `X-Hub-Signature`,
    /// [`VerifyError::UnsupportedAlgorithm`] for `sha1=`,
    /// [`VerifyError::MalformedHeader`] for anything but `sha256=<64 hex>`,
    /// [`VerifyError::SignatureMismatch`] when no key matches.
    fn verify refusing "sha1=", delivery id in IDENTIFIER_HEADER;
}

verify_headers_and_body!(Provider::Jira);

/// Signs `body` as Jira does: `X-Hub-Signature: sha256=<hex>`.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha256(secret.expose_bytes(), &[body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, SCHEME.header_value(&tag))
}

secrets_from_config!(Provider::Jira, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "jira-admin-webhook-secret-32chars";
    const BODY: &[u8] = br#"{"timestamp":1700000000000,"webhookEvent":"jira:issue_created","issue":{"id":"10001","key":"ENG-1"}}"#;
    // Computed with Python's hmac (the vector's value).
    const SIGNATURE: &str =
        "sha256=98fd2a83b0aec1d67456dfbc66dce42644bad9b2004a1627cedb86db7f0c8be1";

    fn secret() -> Secret {
        Secret::from_text(SECRET).unwrap()
    }

    #[test]
    fn sign_matches_and_bits_matter() {
        let signed = sign(&secret(), BODY);
        assert_eq!(signed.get(SIGNATURE_HEADER), Some(SIGNATURE));
        let v = Verifier::new(Keyring::from(secret()));
        let now = Timestamp::UNIX_EPOCH;
        let with_id = signed.clone().with_header(IDENTIFIER_HEADER, "1");
        assert_eq!(
            v.verify(&with_id, BODY, now).unwrap().delivery_id(),
            Some("1")
        );
        for changed in bit_flips(BODY) {
            assert!(v.verify(&signed, &changed, now).is_err());
        }
    }

    #[test]
    fn jwt_only_and_sha1_requests() {
        let v = Verifier::new(Keyring::from(secret()));
        let now = Timestamp::UNIX_EPOCH;
        let jwt = [("Authorization", "Bearer eyJ...")];
        assert_eq!(
            v.verify(&jwt, BODY, now).unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_HEADER
            }
        );
        let sha1 = [(SIGNATURE_HEADER, format!("sha1={}", "0".repeat(40)))];
        assert_eq!(
            v.verify(&sha1, BODY, now).unwrap_err().code(),
            "unsupported_algorithm"
        );
    }
}
