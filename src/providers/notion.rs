//! Notion: `X-Notion-Signature: sha256=<hex>`, HMAC-SHA256 over the raw
//! body, keyed with the subscription's `verification_token` as text (not
//! the integration's API key).
//!
//! - Handshake: when a subscription is created, Notion POSTs one unsigned
//!   body holding `verification_token`, which is pasted back into the
//!   integration's settings to activate it. That request cannot verify
//!   (there is no token yet); read the token from it with
//!   [`verification_token`]. Every later delivery is signed with it.
//! - No timestamp, so no tolerance. Rotation: keyring.
//! - The event id is the body's `id` ([`Verified::event_id`]).
//! - `verify` allocates nothing.

use crate::crypto::{self, HmacSha256, MacKeys, TagEncoding};
use crate::error::VerifyError;
use crate::headers::Headers;
use crate::provider::{Provider, VerifierConfig};
use crate::providers::body_hmac::Scheme;
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Notion-Signature";

const SCHEME: Scheme = Scheme {
    header: SIGNATURE_HEADER,
    prefix: "sha256=",
    name: "sha256",
    encoding: TagEncoding::Hex,
};

body_hmac_verifier! {
    /// Verifies Notion webhooks.
    ///
    /// ```
    /// use webhook_kit::providers::notion;
    /// use webhook_kit::{Keyring, Secret, Timestamp};
    ///
    /// let token = Secret::from_text("secret_notion_verification_token")?;
    /// let body = br#"{"id":"367cba44","type":"page.content_updated"}"#;
    /// let headers = notion::sign(&token, body);
    /// let verifier = notion::Verifier::new(Keyring::from(token));
    /// let verified = verifier.verify(&headers, body, Timestamp::UNIX_EPOCH)?;
    /// assert_eq!(verified.event_id(body).as_deref(), Some("367cba44"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    struct for Provider::Notion, keys HmacSha256, tag 32, scheme SCHEME;
    /// A verifier for the verification tokens in `keyring` (text).
    fn new;
    /// Verifies a delivery; `now` only decides which keys have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the signature header (the
    /// one-time verification request has none),
    /// [`VerifyError::MalformedHeader`] for anything but `sha256=<64 hex>`,
    /// [`VerifyError::SignatureMismatch`] when no key matches.
    fn verify;
}

verify_headers_and_body!(Provider::Notion);

/// The `verification_token` of Notion's one-time, unsigned verification
/// request, to paste into the integration's settings and configure as the
/// key.
///
/// # Security
///
/// The request is unsigned: anyone who knows the endpoint can send one.
/// Use the token only while setting up a subscription, and check that the
/// value shown in Notion's settings is the same.
pub fn verification_token(body: &[u8]) -> Option<String> {
    crate::provider::json_string_field(body, &["verification_token"])
}

/// Signs `body` as Notion does: `X-Notion-Signature: sha256=<hex>`.
pub fn sign(verification_token: &Secret, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha256(verification_token.expose_bytes(), &[body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, SCHEME.header_value(&tag))
}

/// The event id in a Notion body (`id`).
pub(crate) fn event_id(body: &[u8]) -> Option<String> {
    crate::provider::json_string_field(body, &["id"])
}

secrets_from_config!(Provider::Notion, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const TOKEN: &str = "secret_notion_verification_token_abc123";
    const BODY: &[u8] = br#"{"id":"367cba44-b6f3-4c92-81e7-6a2e9659efd4","timestamp":"2024-12-05T23:55:34.285Z","workspace_id":"13950b26-c203-4f3b-b97d-93ec06319565","type":"page.content_updated","entity":{"id":"153104cd-477e-809d-8dc4-ff2d96ae3090","type":"page"}}"#;
    // Computed with Python's hmac (the vector's value).
    const SIGNATURE: &str =
        "sha256=e7ac69120bc16edd2933d595ea72c17dc861872b092cf3df800e60cf9e50fbd3";

    fn token() -> Secret {
        Secret::from_text(TOKEN).unwrap()
    }

    #[test]
    fn sign_matches_and_bits_matter() {
        let signed = sign(&token(), BODY);
        assert_eq!(signed.get(SIGNATURE_HEADER), Some(SIGNATURE));
        let v = Verifier::new(Keyring::from(token()));
        let now = Timestamp::UNIX_EPOCH;
        let verified = v.verify(&signed, BODY, now).unwrap();
        assert_eq!(
            verified.event_id(BODY).as_deref(),
            Some("367cba44-b6f3-4c92-81e7-6a2e9659efd4")
        );
        for changed in bit_flips(BODY) {
            assert!(v.verify(&signed, &changed, now).is_err());
        }
    }

    #[test]
    fn the_verification_request_is_unsigned() {
        let body =
            br#"{"verification_token":"secret_tMrlL1qK5vuQAh1b6cZGhFChZTSYJlce98V0pYn7yBl"}"#;
        assert_eq!(
            verification_token(body).as_deref(),
            Some("secret_tMrlL1qK5vuQAh1b6cZGhFChZTSYJlce98V0pYn7yBl")
        );
        assert_eq!(verification_token(BODY), None);
        let v = Verifier::new(Keyring::from(token()));
        let none: [(&str, &str); 0] = [];
        assert_eq!(
            v.verify(&none, body, Timestamp::UNIX_EPOCH).unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_HEADER
            }
        );
    }
}
