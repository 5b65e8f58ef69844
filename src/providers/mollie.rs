//! Mollie (next-gen webhooks): `X-Mollie-Signature: sha256=<hex>`,
//! HMAC-SHA256 over the raw body, keyed with the webhook's signing secret
//! **as text**.
//!
//! - As in Mollie's PHP SDK, the `sha256=` prefix is stripped when present
//!   and a bare digest is accepted; when the header arrives on several
//!   lines, any one valid value is enough.
//! - Classic Mollie webhooks (a form post of `id=tr_...`) are not signed:
//!   they are refused as [`VerifyError::MissingHeader`]. Their only defence
//!   is fetching the resource by id from the API, which this crate does
//!   not do.
//! - No timestamp, so no tolerance; no delivery id header.
//! - Rotation: several secrets in the keyring are tried in turn (the SDK
//!   takes a list for migrations too).
//! - [`Verifier::verify`] allocates nothing.

use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::{Provider, VerifierConfig};
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Mollie-Signature";

/// The prefix in front of the digest.
pub const SIGNATURE_PREFIX: &str = "sha256=";

/// Verifies Mollie next-gen webhooks.
///
/// ```
/// use webhook_kit::providers::mollie;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let secret = Secret::from_text("webhook_signing_secret")?;
/// let body = br#"{"id":"event_1","type":"payment-link.paid"}"#;
/// let headers = mollie::sign(&secret, body);
///
/// let verifier = mollie::Verifier::new(Keyring::from(secret));
/// assert!(verifier.verify(&headers, body, Timestamp::UNIX_EPOCH).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
}

impl Verifier {
    /// A verifier for the signing secrets in `keyring` (each built with
    /// [`Secret::from_text`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
        }
    }

    /// Verifies a delivery. Mollie signs no timestamp, so `now` only
    /// decides which keys of the keyring have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without `X-Mollie-Signature` (a
    /// classic, unsigned webhook), [`VerifyError::MalformedHeader`] when no
    /// value is 64 hex digits (after an optional `sha256=`),
    /// [`VerifyError::SignatureMismatch`] when no key matches any value.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        if !headers::present(headers, SIGNATURE_HEADER) {
            return Err(VerifyError::MissingHeader {
                name: SIGNATURE_HEADER,
            });
        }
        let candidates = || {
            (0..)
                .map_while(|i| headers.value(SIGNATURE_HEADER, i))
                .map(|line| {
                    let value = headers::trim(line);
                    let digest = value
                        .strip_prefix(SIGNATURE_PREFIX.as_bytes())
                        .unwrap_or(value);
                    crypto::decode_tag::<32>(digest, TagEncoding::Hex)
                })
        };
        let target = MatchTarget {
            header: SIGNATURE_HEADER,
            scheme: "sha256",
            covers: SignedContent::Body,
        };
        let key_index = self.keys.find(now, &[body], target, candidates)?;
        Ok(Verified::new(Provider::Mollie, key_index))
    }
}

verify_headers_and_body!(Provider::Mollie);

/// Signs `body` as Mollie does: `X-Mollie-Signature: sha256=<hex>`.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha256(secret.expose_bytes(), &[body]);
    SignedHeaders::new().with(
        SIGNATURE_HEADER,
        format!("{SIGNATURE_PREFIX}{}", crypto::hex(&tag)),
    )
}

secrets_from_config!(Provider::Mollie, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "mollie-unit";
    const BODY: &[u8] = br#"{"id":"event_1"}"#;
    // python3: hmac.new(SECRET, BODY, hashlib.sha256).hexdigest()
    const DIGEST: &str = "cfef3ecee2e0295a87ea25ff4636ff9c53e1a8bb4c566035f50f373b90ec4032";
    const NOW: Timestamp = Timestamp::UNIX_EPOCH;

    fn verifier(secret: &str) -> Verifier {
        Verifier::new(Keyring::from(Secret::from_text(secret).unwrap()))
    }

    #[test]
    fn sign_matches_an_independent_hmac() {
        let secret = Secret::from_text(SECRET).unwrap();
        assert_eq!(
            sign(&secret, BODY).get(SIGNATURE_HEADER),
            Some(format!("sha256={DIGEST}").as_str())
        );
    }

    #[test]
    fn round_trip_and_single_bit_changes() {
        let secret = Secret::from_text(SECRET).unwrap();
        let v = verifier(SECRET);
        let signed = sign(&secret, BODY);
        assert!(v.verify(&signed, BODY, NOW).is_ok());
        assert!(v.verify(&[(SIGNATURE_HEADER, DIGEST)], BODY, NOW).is_ok());
        for changed in bit_flips(BODY) {
            assert!(v.verify(&signed, &changed, NOW).is_err());
        }
        let tag = crypto::hmac_sha256(SECRET.as_bytes(), &[BODY]);
        for changed in bit_flips(&tag) {
            let headers = [(
                SIGNATURE_HEADER,
                format!("sha256={}", crypto::hex(&changed)),
            )];
            let err = v.verify(&headers, BODY, NOW).unwrap_err();
            assert_eq!(err.code(), "signature_mismatch");
        }
        for changed in bit_flips(SECRET.as_bytes()) {
            let other = Verifier::new(Keyring::from(Secret::from_bytes(changed)));
            assert!(other.verify(&signed, BODY, NOW).is_err());
        }
    }

    #[test]
    fn several_lines_and_several_secrets() {
        let v = Verifier::new(
            [
                Secret::from_text("invalid_secret").unwrap(),
                Secret::from_text(SECRET).unwrap(),
            ]
            .into_iter()
            .collect(),
        );
        let lines = [
            (SIGNATURE_HEADER, "not a signature".to_owned()),
            (SIGNATURE_HEADER, format!("sha256={DIGEST}")),
        ];
        assert_eq!(v.verify(&lines, BODY, NOW).unwrap().key_index(), 1);

        let none: [(&str, &str); 0] = [];
        assert_eq!(
            v.verify(&none, b"id=tr_1", NOW).unwrap_err().code(),
            "missing_header"
        );
    }
}
