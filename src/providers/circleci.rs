//! CircleCI outbound webhooks: `circleci-signature: v1=<hex>`, HMAC-SHA256
//! over the raw body, keyed with the webhook's signing secret as text (the
//! "Secret token" field, not an API token).
//!
//! - The header is a comma-separated list of `version=value` items, so
//!   later versions can be added beside `v1`: only `v1` items are checked,
//!   any one matching is enough, and a header with no `v1` is
//!   [`VerifyError::NoMatchingScheme`].
//! - No timestamp, so no tolerance. Rotation: keyring.
//! - `circleci-event-type` names the event. The event id is the body's
//!   `id`, the same on every retry ([`Verified::event_id`]).
//! - `verify` allocates nothing.

use crate::crypto::{self, HmacSha256, MacKeys};
use crate::error::VerifyError;
use crate::headers::Headers;
use crate::provider::{Provider, VerifierConfig};
use crate::providers::t_v1;
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "circleci-signature";
/// The event type header (`workflow-completed`, `job-completed`).
pub const EVENT_TYPE_HEADER: &str = "circleci-event-type";

/// Verifies CircleCI webhooks.
///
/// ```
/// use webhook_kit::providers::circleci;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let secret = Secret::from_text("circleci-signing-secret")?;
/// let body = br#"{"id":"3888f21b","type":"workflow-completed"}"#;
/// let headers = circleci::sign(&secret, body);
/// let verifier = circleci::Verifier::new(Keyring::from(secret));
/// let verified = verifier.verify(&headers, body, Timestamp::UNIX_EPOCH)?;
/// assert_eq!(verified.event_id(body).as_deref(), Some("3888f21b"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
}

impl Verifier {
    /// A verifier for the signing secrets in `keyring` (text).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
        }
    }

    /// Verifies a delivery; `now` only decides which keys have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the header,
    /// [`VerifyError::NoMatchingScheme`] when it has no `v1` item,
    /// [`VerifyError::MalformedHeader`] when no `v1` item is 64 hex digits,
    /// [`VerifyError::SignatureMismatch`] when none matches.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let key = t_v1::verify_untimed(SIGNATURE_HEADER, &self.keys, headers, body, now)?;
        Ok(Verified::new(Provider::Circleci, key))
    }
}

verify_headers_and_body!(Provider::Circleci);

/// Signs `body` as CircleCI does: `circleci-signature: v1=<hex>`.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha256(secret.expose_bytes(), &[body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, format!("v1={}", crypto::hex(&tag)))
}

/// The event id in a CircleCI body (`id`).
pub(crate) fn event_id(body: &[u8]) -> Option<String> {
    crate::provider::json_string_field(body, &["id"])
}

secrets_from_config!(Provider::Circleci, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "circleci-signing-secret";
    const BODY: &[u8] = br#"{"id":"3888f21b-eaa7-38e3-8f3d-75a63bba8895","type":"workflow-completed","happened_at":"2021-09-01T22:49:34.317Z","workflow":{"status":"success"}}"#;
    // Computed with Python's hmac (the vector's value).
    const TAG: &str = "9374c8369424549e1f5648fff560fa54bdaa08317b29cc67ef864f06ef654898";

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(Secret::from_text(SECRET).unwrap()))
    }

    #[test]
    fn sign_matches_and_bits_matter() {
        let signed = sign(&Secret::from_text(SECRET).unwrap(), BODY);
        assert_eq!(signed.get(SIGNATURE_HEADER), Some(&*format!("v1={TAG}")));
        let now = Timestamp::UNIX_EPOCH;
        let verified = verifier().verify(&signed, BODY, now).unwrap();
        assert_eq!(
            verified.event_id(BODY).as_deref(),
            Some("3888f21b-eaa7-38e3-8f3d-75a63bba8895")
        );
        for changed in bit_flips(BODY) {
            assert!(verifier().verify(&signed, &changed, now).is_err());
        }
    }

    #[test]
    fn only_v1_items_count() {
        let now = Timestamp::UNIX_EPOCH;
        let v = verifier();
        let mixed = [(SIGNATURE_HEADER, format!("v2=abc, v1={TAG}"))];
        assert!(v.verify(&mixed, BODY, now).is_ok());
        let v2 = [(SIGNATURE_HEADER, format!("v2={TAG}"))];
        assert_eq!(
            v.verify(&v2, BODY, now).unwrap_err().code(),
            "no_matching_scheme"
        );
        let bad_then_good = [(SIGNATURE_HEADER, format!("v1=zz,v1={TAG}"))];
        assert!(v.verify(&bad_then_good, BODY, now).is_ok());
        let bare = [(SIGNATURE_HEADER, TAG)];
        assert_eq!(
            v.verify(&bare, BODY, now).unwrap_err().code(),
            "no_matching_scheme"
        );
    }
}
