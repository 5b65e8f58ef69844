//! Intercom: `X-Hub-Signature: sha1=<hex>`, **HMAC-SHA1** over the raw
//! body, keyed with the app's `client_secret` (Developer Hub → Basic
//! information) as text. Needs the `sha1` feature.
//!
//! - The header looks like GitHub's legacy one and is SHA-1, not SHA-256:
//!   a SHA-256 digest under `sha1=` is refused.
//! - No timestamp is signed (the body's `created_at` is informative).
//! - Delivery id: the notification's `id` in the body (`notif_...`,
//!   [`Verified::event_id`]). The `ping` sent when the webhook is saved is
//!   signed and verifies like any notification.
//! - Rotation: several client secrets in the keyring are tried in turn.
//!
//! [`Verifier::verify`] allocates nothing.

use crate::crypto::{self, HmacSha1, MacKeys, TagEncoding};
use crate::error::VerifyError;
use crate::headers::Headers;
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

use super::body_hmac::Scheme;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature";

const SCHEME: Scheme = Scheme {
    header: SIGNATURE_HEADER,
    prefix: "sha1=",
    encoding: TagEncoding::Hex,
    name: "sha1",
};

body_hmac_verifier! {
    /// Verifies Intercom webhook notifications.
    struct for Provider::Intercom, keys HmacSha1, tag 20, scheme SCHEME;
    /// A verifier for the client secrets in `keyring` (text).
    fn new;
    /// Verifies a notification; `now` only decides which keys have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the header,
    /// [`VerifyError::MalformedHeader`] when it is not `sha1=<40 hex>`,
    /// [`VerifyError::SignatureMismatch`] when no secret matches.
    fn verify;
}

verify_headers_and_body!(Provider::Intercom);

/// Signs `body` as Intercom does: the signature header.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha1(secret.expose_bytes(), &[body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, SCHEME.header_value(&tag))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "intercom-local-secret";
    const BODY: &[u8] = br#"{"id":"evt_local_1","type":"test","data":{"n":1}}"#;
    // Python: hmac.new(SECRET, BODY, hashlib.sha1).hexdigest()
    const EXPECTED: &str = "sha1=2baca65a19b2cbb58b0b5f4037c57f8d6f86e2f7";

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
    fn a_sha256_digest_is_refused() {
        let tag = crypto::hmac_sha256(SECRET.as_bytes(), &[BODY]);
        let value = format!("sha1={}", crypto::hex(&tag));
        let headers = [(SIGNATURE_HEADER, value.as_str())];
        let error = verifier()
            .verify(&headers, BODY, Timestamp::UNIX_EPOCH)
            .unwrap_err();
        assert_eq!(error.code(), "malformed_header");
        let unprefixed = [(SIGNATURE_HEADER, &EXPECTED["sha1=".len()..])];
        let error = verifier()
            .verify(&unprefixed, BODY, Timestamp::UNIX_EPOCH)
            .unwrap_err();
        assert_eq!(error.code(), "malformed_header");
    }

    #[test]
    fn notification_id_is_the_event_id() {
        let body = br#"{"type":"notification_event","topic":"ping","id":"notif_4e3504a3"}"#;
        let verified = verifier()
            .verify(&sign(&secret(), body), body, Timestamp::UNIX_EPOCH)
            .unwrap();
        assert_eq!(verified.event_id(body).as_deref(), Some("notif_4e3504a3"));
    }

    #[test]
    fn registry_builds_it() {
        let config = crate::VerifierConfig::new().with_secret(SECRET);
        let v = Provider::Intercom.verifier(&config).unwrap();
        let headers = sign(&secret(), BODY);
        let outcome = v.verify_request(&Request::new(&headers, BODY), Timestamp::UNIX_EPOCH);
        assert!(matches!(outcome, Ok(Outcome::Verified(_))));
    }
}
