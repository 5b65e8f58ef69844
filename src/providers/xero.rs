//! Xero: `x-xero-signature: <base64>`, HMAC-SHA256 over the raw body,
//! keyed with the app's webhook signing key **as text** (the key looks like
//! base64 but is not decoded).
//!
//! - **Intent to receive.** Before a subscription goes live, Xero sends
//!   validation requests (an empty `events` list and an `entropy` string),
//!   some correctly signed and some not. They are ordinary deliveries here:
//!   answer 200 with an empty body when [`Verifier::verify`] accepts, 401
//!   when it refuses ([`INVALID_SIGNATURE_STATUS`]). Xero expects the same
//!   401 for bad signatures on live deliveries.
//! - No timestamp, so no tolerance; no delivery id (events carry
//!   `resourceId` and `eventDateUtc`, not an id of their own).
//! - Rotation: one key per app; several in the keyring are tried in turn.
//! - [`Verifier::verify`] allocates nothing.

use crate::crypto::{self, HmacSha256, MacKeys, TagEncoding};
use crate::error::VerifyError;
use crate::headers::Headers;
use crate::provider::{Provider, VerifierConfig};
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

use super::body_hmac::Scheme;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-xero-signature";

/// The status Xero expects for a request whose signature does not verify.
pub const INVALID_SIGNATURE_STATUS: u16 = 401;

const SCHEME: Scheme = Scheme {
    header: SIGNATURE_HEADER,
    prefix: "",
    name: "hmac-sha256",
    encoding: TagEncoding::Base64,
};

body_hmac_verifier! {
    /// Verifies Xero webhooks and "Intent to receive" requests.
    ///
    /// ```
    /// use webhook_kit::providers::xero;
    /// use webhook_kit::{Keyring, Secret, Timestamp};
    ///
    /// let key = Secret::from_text("webhook-signing-key")?;
    /// let body = br#"{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"X"}"#;
    /// let headers = xero::sign(&key, body);
    ///
    /// let verifier = xero::Verifier::new(Keyring::from(key));
    /// assert!(verifier.verify(&headers, body, Timestamp::UNIX_EPOCH).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    struct for Provider::Xero, keys HmacSha256, tag 32, scheme SCHEME;
    /// A verifier for the webhook signing keys in `keyring` (each built
    /// with [`Secret::from_text`]).
    fn new;
    /// Verifies a delivery or an "Intent to receive" request. Xero signs no
    /// timestamp, so `now` only decides which keys have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without `x-xero-signature`,
    /// [`VerifyError::MalformedHeader`] for a value that is not 32 bytes of
    /// standard base64, [`VerifyError::SignatureMismatch`] when no key
    /// matches. Each of these is a 401 for Xero.
    fn verify;
}

verify_headers_and_body!(Provider::Xero);

/// Signs `body` as Xero does: the `x-xero-signature` header.
pub fn sign(key: &Secret, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha256(key.expose_bytes(), &[body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, crypto::base64(&tag))
}

secrets_from_config!(Provider::Xero, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const KEY: &str = "xero-unit-key";
    const BODY: &[u8] = br#"{"events":[]}"#;
    const NOW: Timestamp = Timestamp::UNIX_EPOCH;

    fn verifier(key: &str) -> Verifier {
        Verifier::new(Keyring::from(Secret::from_text(key).unwrap()))
    }

    #[test]
    fn sign_matches_an_independent_hmac() {
        // python3: base64.b64encode(hmac.new(KEY, BODY, hashlib.sha256).digest())
        let key = Secret::from_text(KEY).unwrap();
        assert_eq!(
            sign(&key, BODY).get(SIGNATURE_HEADER),
            Some("Ie8YmADZQJ7qpSYCcaWsGumU9h4DDr32naR4pvMWJ7k=")
        );
    }

    #[test]
    fn round_trip_and_single_bit_changes() {
        let key = Secret::from_text(KEY).unwrap();
        let v = verifier(KEY);
        let signed = sign(&key, BODY);
        assert_eq!(
            v.verify(&signed, BODY, NOW).unwrap().provider(),
            Provider::Xero
        );
        for changed in bit_flips(BODY) {
            assert!(v.verify(&signed, &changed, NOW).is_err());
        }
        let tag = crypto::hmac_sha256(KEY.as_bytes(), &[BODY]);
        for changed in bit_flips(&tag) {
            let headers = [(SIGNATURE_HEADER, crypto::base64(&changed))];
            let err = v.verify(&headers, BODY, NOW).unwrap_err();
            assert_eq!(err.code(), "signature_mismatch");
        }
        for changed in bit_flips(KEY.as_bytes()) {
            let other = Verifier::new(Keyring::from(Secret::from_bytes(changed)));
            assert!(other.verify(&signed, BODY, NOW).is_err());
        }
    }

    #[test]
    fn hex_in_place_of_base64_is_malformed() {
        let hex = crypto::hex(&crypto::hmac_sha256(KEY.as_bytes(), &[BODY]));
        let err = verifier(KEY)
            .verify(&[(SIGNATURE_HEADER, hex)], BODY, NOW)
            .unwrap_err();
        assert_eq!(err.code(), "malformed_header");
    }
}
