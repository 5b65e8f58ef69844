//! Vercel: `x-vercel-signature: <hex>`, **HMAC-SHA1** over the raw body.
//!
//! - The key, as text: for account and team webhooks the secret shown once
//!   when the webhook is created; for an integration's webhooks, the
//!   integration's client secret.
//! - Needs the `sha1` feature. A SHA-256 digest in the header is refused
//!   as malformed (the wrong length).
//! - No timestamp, so no tolerance. Rotation: keyring.
//! - The event id is the body's `id` ([`Verified::event_id`]).
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
pub const SIGNATURE_HEADER: &str = "x-vercel-signature";

const SCHEME: Scheme = Scheme {
    header: SIGNATURE_HEADER,
    prefix: "",
    name: "hmac-sha1",
    encoding: TagEncoding::Hex,
};

body_hmac_verifier! {
    /// Verifies Vercel webhooks.
    ///
    /// ```
    /// use webhook_kit::providers::vercel;
    /// use webhook_kit::{Keyring, Secret, Timestamp};
    ///
    /// let secret = Secret::from_text("vercel-webhook-secret")?;
    /// let body = br#"{"id":"evt_abc","type":"deployment.succeeded"}"#;
    /// let headers = vercel::sign(&secret, body);
    /// let verifier = vercel::Verifier::new(Keyring::from(secret));
    /// let verified = verifier.verify(&headers, body, Timestamp::UNIX_EPOCH)?;
    /// assert_eq!(verified.event_id(body).as_deref(), Some("evt_abc"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    struct for Provider::Vercel, keys HmacSha1, tag 20, scheme SCHEME;
    /// A verifier for the webhook or client secrets in `keyring` (text).
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

verify_headers_and_body!(Provider::Vercel);

/// Signs `body` as Vercel does: `x-vercel-signature: <hex>`.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha1(secret.expose_bytes(), &[body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, SCHEME.header_value(&tag))
}

/// The event id in a Vercel body (`id`).
pub(crate) fn event_id(body: &[u8]) -> Option<String> {
    crate::provider::json_string_field(body, &["id"])
}

secrets_from_config!(Provider::Vercel, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "vercel-webhook-secret-24chars";
    const BODY: &[u8] = br#"{"id":"evt_abc","type":"deployment.succeeded","createdAt":1700000000000,"payload":{"deployment":{"id":"dpl_123","url":"my-app.vercel.app"}}}"#;
    // Computed with Python's hmac and sha1 (the vector's value).
    const SIGNATURE: &str = "6fde5c26433186d7885f08ca8c88b5177f17d747";

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
            Some("evt_abc")
        );
        for changed in bit_flips(BODY) {
            assert!(v.verify(&signed, &changed, now).is_err());
        }
        let sha256 = [(SIGNATURE_HEADER, "0".repeat(64))];
        assert_eq!(
            v.verify(&sha256, BODY, now).unwrap_err().code(),
            "malformed_header"
        );
    }
}
