//! Linear: `Linear-Signature: <hex>`, HMAC-SHA256 over the raw body, keyed
//! with the webhook's signing secret as text.
//!
//! - The timestamp is **inside the signed body**: `webhookTimestamp`, unix
//!   **milliseconds**. Linear's SDK refuses a delivery more than 60 s from
//!   now; this crate applies the same 60 s both ways. The body is parsed
//!   only after the signature matched.
//! - Linear's SDK skips the check when the field is absent; this verifier
//!   refuses such a body as missing `webhookTimestamp`, since without it a
//!   captured delivery would verify forever.
//! - Delivery id: `Linear-Delivery` (not signed); `Linear-Event` names the
//!   entity type. Rotation: several secrets in the keyring are tried in turn.
//!
//! [`Verifier::verify`] allocates nothing for the signature; reading the
//! timestamp out of the body allocates once for a nested body (serde_json's
//! scratch space) and not otherwise (see `tests/alloc.rs`).

use std::time::Duration;

use serde::Deserialize;

use crate::crypto::{HmacSha256, MacKeys, TagEncoding};
use crate::error::{Malformed, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::{Timestamp, TimestampCheck, Tolerance};
use crate::verify::{DeliveryId, Outcome, Request, SignedHeaders, Verified, Verify};

use super::body_hmac::Scheme;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "Linear-Signature";
/// The delivery id header.
pub const DELIVERY_HEADER: &str = "Linear-Delivery";
/// The entity type header (`Issue`, `Comment`, ...).
pub const EVENT_HEADER: &str = "Linear-Event";
/// The body field holding the signed timestamp (unix milliseconds).
pub const TIMESTAMP_FIELD: &str = "webhookTimestamp";

/// Linear's window, from its SDK.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(60);

const SCHEME: Scheme = Scheme {
    header: SIGNATURE_HEADER,
    prefix: "",
    encoding: TagEncoding::Hex,
    name: "hex",
};

/// The one body field the verifier reads.
#[derive(Deserialize)]
struct Stamp {
    #[serde(rename = "webhookTimestamp")]
    webhook_timestamp: Option<i64>,
}

/// Verifies Linear webhooks.
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the signing secrets in `keyring` (text).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// Verifies a delivery.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the signature header or the
    /// `webhookTimestamp` field, [`VerifyError::MalformedHeader`] for a
    /// signature that is not 64 hex digits or a body whose
    /// `webhookTimestamp` is not an integer, [`VerifyError::SignatureMismatch`]
    /// when no secret matches, and the timestamp errors.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let key = SCHEME.verify::<_, 32>(&self.keys, headers, body, now)?;
        let signed_at = signed_at(body)?;
        self.check.apply(signed_at, now)?;
        let id = headers::single(headers, DELIVERY_HEADER)?.and_then(DeliveryId::from_header);
        Ok(Verified::new(Provider::Linear, key)
            .signed_at(signed_at)
            .with_delivery_id(id))
    }
}

timestamp_options!(Verifier);

/// The `webhookTimestamp` of a verified body.
fn signed_at(body: &[u8]) -> Result<Timestamp, VerifyError> {
    let stamp: Stamp = serde_json::from_slice(body)
        .map_err(|_| VerifyError::malformed(TIMESTAMP_FIELD, Malformed::BadBody))?;
    stamp
        .webhook_timestamp
        .map(Timestamp::from_unix_millis)
        .ok_or(VerifyError::MissingHeader {
            name: TIMESTAMP_FIELD,
        })
}

verify_headers_and_body!(Provider::Linear);

/// Signs `body` as Linear does: the signature header. The body carries its
/// own `webhookTimestamp`.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    SignedHeaders::new().with(SIGNATURE_HEADER, SCHEME.sign_sha256(secret, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "lin_wh_local_secret";
    const BODY: &[u8] = br#"{"action":"create","type":"Issue","data":{"id":"2174add1","title":"Fix login"},"webhookTimestamp":1700000000123,"webhookId":"000042e3"}"#;
    // Python: hmac.new(SECRET, BODY, hashlib.sha256).hexdigest()
    const EXPECTED: &str = "d98141bbdb6e8420ed41a6d22c8cfd4d9bb5df78f3fb0886cfb08147e11f9878";

    fn secret() -> Secret {
        Secret::from_text(SECRET).unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(secret()))
    }

    fn ms(millis: i64) -> Timestamp {
        Timestamp::from_unix_millis(millis)
    }

    #[test]
    fn sign_matches_an_independent_hmac_and_verifies() {
        let headers = sign(&secret(), BODY)
            .with_header(DELIVERY_HEADER, "234d1a4e-b617-4388-90fe-adc3633d6b72");
        assert_eq!(headers.get(SIGNATURE_HEADER), Some(EXPECTED));
        let verified = verifier()
            .verify(&headers, BODY, ms(1_700_000_001_000))
            .unwrap();
        assert_eq!(verified.timestamp(), Some(ms(1_700_000_000_123)));
        assert_eq!(
            verified.delivery_id(),
            Some("234d1a4e-b617-4388-90fe-adc3633d6b72")
        );
        for changed in bit_flips(BODY) {
            assert!(
                verifier()
                    .verify(&headers, &changed, ms(1_700_000_000_123))
                    .is_err()
            );
        }
    }

    #[test]
    fn sixty_second_window_both_ways() {
        let headers = sign(&secret(), BODY);
        let v = verifier();
        assert!(v.verify(&headers, BODY, ms(1_700_000_060_123)).is_ok());
        assert!(v.verify(&headers, BODY, ms(1_699_999_940_123)).is_ok());
        assert_eq!(
            v.verify(&headers, BODY, ms(1_700_000_060_124))
                .unwrap_err()
                .code(),
            "timestamp_too_old"
        );
        assert_eq!(
            v.verify(&headers, BODY, ms(1_699_999_940_122))
                .unwrap_err()
                .code(),
            "timestamp_in_future"
        );
    }

    #[test]
    fn the_timestamp_field_is_required_and_read_after_the_signature() {
        let now = ms(1_700_000_000_000);
        let without = br#"{"action":"create"}"#;
        assert_eq!(
            verifier()
                .verify(&sign(&secret(), without), without, now)
                .unwrap_err(),
            VerifyError::MissingHeader {
                name: TIMESTAMP_FIELD
            }
        );
        for bad in [&br#"{"webhookTimestamp":"1700000000123"}"#[..], b"not json"] {
            assert_eq!(
                verifier()
                    .verify(&sign(&secret(), bad), bad, now)
                    .unwrap_err(),
                VerifyError::malformed(TIMESTAMP_FIELD, Malformed::BadBody)
            );
        }
        // A forged body is refused for its signature, not its content.
        let forged = [(SIGNATURE_HEADER, "0".repeat(64))];
        assert_eq!(
            verifier()
                .verify(&forged, b"not json", now)
                .unwrap_err()
                .code(),
            "signature_mismatch"
        );
    }

    #[test]
    fn registry_builds_it() {
        let config = crate::VerifierConfig::new().with_secret(SECRET);
        let v = Provider::Linear.verifier(&config).unwrap();
        let headers = sign(&secret(), BODY);
        let outcome = v.verify_request(&Request::new(&headers, BODY), ms(1_700_000_000_123));
        assert!(matches!(outcome, Ok(Outcome::Verified(_))));
    }
}
