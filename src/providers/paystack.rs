//! Paystack: `x-paystack-signature: <hex>`, HMAC-**SHA512** over the raw
//! body, keyed with the integration's secret key (`sk_live_...` or
//! `sk_test_...`) **as text**.
//!
//! - No timestamp, so no tolerance: a captured delivery verifies again.
//!   Deduplicate on the body (`data.id`, `data.reference`).
//! - No delivery id header.
//! - Rotation: the secret key is the API key; after rolling it, keep the
//!   old one in the keyring until deliveries signed with it have drained.
//!   Test and live mode sign with their own keys.
//! - [`Verifier::verify`] allocates nothing.

use crate::crypto::{self, HmacSha512, MacKeys, TagEncoding};
use crate::error::VerifyError;
use crate::headers::Headers;
use crate::provider::{Provider, VerifierConfig};
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

use super::body_hmac::Scheme;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-paystack-signature";

const SCHEME: Scheme = Scheme {
    header: SIGNATURE_HEADER,
    prefix: "",
    name: "hmac-sha512",
    encoding: TagEncoding::Hex,
};

body_hmac_verifier! {
    /// Verifies Paystack webhooks.
    ///
    /// ```
    /// use webhook_kit::providers::paystack;
    /// use webhook_kit::{Keyring, Secret, Timestamp};
    ///
    /// let secret = Secret::from_text("sk_test_example")?;
    /// let body = br#"{"event":"charge.success","data":{"reference":"ref-1"}}"#;
    /// let headers = paystack::sign(&secret, body);
    ///
    /// let verifier = paystack::Verifier::new(Keyring::from(secret));
    /// assert!(verifier.verify(&headers, body, Timestamp::UNIX_EPOCH).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    struct for Provider::Paystack, keys HmacSha512, tag 64, scheme SCHEME;
    /// A verifier for the secret keys in `keyring` (each built with
    /// [`Secret::from_text`]).
    fn new;
    /// Verifies a delivery. Paystack signs no timestamp, so `now` only
    /// decides which keys of the keyring have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without `x-paystack-signature`,
    /// [`VerifyError::MalformedHeader`] for a value that is not 128 hex
    /// digits (a SHA-256 digest in its place, say),
    /// [`VerifyError::SignatureMismatch`] when no key matches.
    fn verify;
}

verify_headers_and_body!(Provider::Paystack);

/// Signs `body` as Paystack does: the `x-paystack-signature` header.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha512(secret.expose_bytes(), &[body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, crypto::hex(&tag))
}

secrets_from_config!(Provider::Paystack, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "sk_test_unit";
    const BODY: &[u8] = br#"{"event":"charge.success"}"#;
    const NOW: Timestamp = Timestamp::UNIX_EPOCH;

    fn verifier(secret: &str) -> Verifier {
        Verifier::new(Keyring::from(Secret::from_text(secret).unwrap()))
    }

    #[test]
    fn sign_matches_an_independent_hmac() {
        // python3: hmac.new(SECRET, BODY, hashlib.sha512).hexdigest()
        let secret = Secret::from_text(SECRET).unwrap();
        assert_eq!(
            sign(&secret, BODY).get(SIGNATURE_HEADER),
            Some(
                "c28779b3fb4f962e29956cf6f6106d1336cd28528a51e8ba4148425d873361d0\
                 d094260e83b4beb201c1e89ac91110a0806dbbdd57274ee8a2c800f1f82b0fcb"
            )
        );
    }

    #[test]
    fn round_trip_and_single_bit_changes() {
        let secret = Secret::from_text(SECRET).unwrap();
        let v = verifier(SECRET);
        let signed = sign(&secret, BODY);
        assert_eq!(
            v.verify(&signed, BODY, NOW).unwrap().provider(),
            Provider::Paystack
        );
        for changed in bit_flips(BODY) {
            assert!(v.verify(&signed, &changed, NOW).is_err());
        }
        let tag = crypto::hmac_sha512(SECRET.as_bytes(), &[BODY]);
        for changed in bit_flips(&tag) {
            let headers = [(SIGNATURE_HEADER, crypto::hex(&changed))];
            let err = v.verify(&headers, BODY, NOW).unwrap_err();
            assert_eq!(err.code(), "signature_mismatch");
        }
        for changed in bit_flips(SECRET.as_bytes()) {
            let other = Verifier::new(Keyring::from(Secret::from_bytes(changed)));
            assert!(other.verify(&signed, BODY, NOW).is_err());
        }
    }

    #[test]
    fn a_sha256_digest_is_malformed() {
        let sha256 = crypto::hex(&crypto::hmac_sha256(SECRET.as_bytes(), &[BODY]));
        let err = verifier(SECRET)
            .verify(&[(SIGNATURE_HEADER, sha256)], BODY, NOW)
            .unwrap_err();
        assert_eq!(
            err,
            VerifyError::malformed(
                SIGNATURE_HEADER,
                crate::Malformed::WrongLength {
                    expected: 64,
                    actual: 32
                }
            )
        );
    }
}
