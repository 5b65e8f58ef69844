//! Segment webhook destinations: `X-Signature: <hex>`, **HMAC-SHA1** over
//! the raw body, keyed with the destination's shared secret as text.
//!
//! - The header is sent only when a shared secret is set; without it a
//!   delivery is [`VerifyError::MissingHeader`].
//! - Needs the `sha1` feature. No timestamp, so no tolerance. Rotation:
//!   keyring.
//! - The event id is the body's `messageId` ([`Verified::event_id`]).
//! - `verify` allocates nothing.

use crate::crypto::{self, HmacSha1, MacKeys, TagEncoding};
use crate::error::VerifyError;
use crate::headers::Headers;
use crate::provider::{Provider, VerifierConfig};
use crate::providers::body_hmac::Scheme;
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Signature";

const SCHEME: Scheme = Scheme {
    header: SIGNATURE_HEADER,
    prefix: "",
    name: "hmac-sha1",
    encoding: TagEncoding::Hex,
};

body_hmac_verifier! {
    /// Verifies Segment webhooks.
    ///
    /// ```
    /// use webhook_kit::providers::segment;
    /// use webhook_kit::{Keyring, Secret, Timestamp};
    ///
    /// let secret = Secret::from_text("segment-shared-secret")?;
    /// let body = br#"{"type":"track","messageId":"ajs-1"}"#;
    /// let headers = segment::sign(&secret, body);
    /// let verifier = segment::Verifier::new(Keyring::from(secret));
    /// let verified = verifier.verify(&headers, body, Timestamp::UNIX_EPOCH)?;
    /// assert_eq!(verified.event_id(body).as_deref(), Some("ajs-1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    struct for Provider::Segment, keys HmacSha1, tag 20, scheme SCHEME;
    /// A verifier for the shared secrets in `keyring` (text).
    fn new;
    /// Verifies a delivery; `now` only decides which keys have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the header,
    /// [`VerifyError::MalformedHeader`] for a value that is not 40 hex
    /// digits, [`VerifyError::SignatureMismatch`] when no key matches.
    fn verify;
}

verify_headers_and_body!(Provider::Segment);

/// Signs `body` as Segment does: `X-Signature: <hex>`.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha1(secret.expose_bytes(), &[body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, SCHEME.header_value(&tag))
}

/// The event id in a Segment body (`messageId`).
pub(crate) fn event_id(body: &[u8]) -> Option<String> {
    crate::provider::json_string_field(body, &["messageId"])
}

secrets_from_config!(Provider::Segment, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "segment-shared-secret";
    const BODY: &[u8] = br#"{"type":"track","event":"Order Completed","userId":"u1","properties":{"revenue":9.99},"messageId":"ajs-1"}"#;
    // Computed with Python's hmac and sha1 (the vector's value).
    const SIGNATURE: &str = "8feca15bfd5747df2aae66a88bfd1566d3e384cb";

    #[test]
    fn sign_matches_and_bits_matter() {
        let secret = Secret::from_text(SECRET).unwrap();
        let signed = sign(&secret, BODY);
        assert_eq!(signed.get(SIGNATURE_HEADER), Some(SIGNATURE));
        let v = Verifier::new(Keyring::from(secret));
        let now = Timestamp::UNIX_EPOCH;
        assert_eq!(
            v.verify(&signed, BODY, now)
                .unwrap()
                .event_id(BODY)
                .as_deref(),
            Some("ajs-1")
        );
        for changed in bit_flips(BODY) {
            assert!(v.verify(&signed, &changed, now).is_err());
        }
        let none: [(&str, &str); 0] = [];
        assert_eq!(
            v.verify(&none, BODY, now).unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_HEADER
            }
        );
    }
}
