//! Box (V2 webhooks): `BOX-SIGNATURE-PRIMARY` and `BOX-SIGNATURE-SECONDARY`,
//! each the base64 HMAC-SHA256 over the raw body **followed by** the bytes
//! of `BOX-DELIVERY-TIMESTAMP`, keyed with the app's primary and secondary
//! signature keys **as text**.
//!
//! - `BOX-SIGNATURE-VERSION` must be `1` and `BOX-SIGNATURE-ALGORITHM`
//!   `HmacSHA256`, as Box's Python SDK requires; any other value is
//!   [`VerifyError::UnsupportedAlgorithm`], an absent one
//!   [`VerifyError::MissingHeader`].
//! - The timestamp is RFC 3339 with an offset (`2016-07-11T10:10:33-07:00`).
//!   Tolerance: 600 s, Box's ten minutes, checked both ways here (Box's
//!   guide checks only age).
//! - Rotation: Box signs with both keys on every delivery so one can be
//!   reset at a time. Put one or both keys in the keyring; each key is
//!   tried against both signature headers, so the keyring's order need not
//!   say which key is primary (Box's SDKs pair primary with primary).
//! - The delivery id is `BOX-DELIVERY-ID` (not signed; it changes on each
//!   retry); the event id, stable across retries, is the body's `id`.
//! - [`Verifier::verify`] allocates nothing.

use std::time::Duration;

use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::{self, Timestamp, TimestampCheck, Tolerance};
use crate::verify::{DeliveryId, Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature made with the primary key.
pub const PRIMARY_SIGNATURE_HEADER: &str = "BOX-SIGNATURE-PRIMARY";
/// The signature made with the secondary key.
pub const SECONDARY_SIGNATURE_HEADER: &str = "BOX-SIGNATURE-SECONDARY";
/// The signed RFC 3339 delivery time.
pub const TIMESTAMP_HEADER: &str = "BOX-DELIVERY-TIMESTAMP";
/// The signature scheme version; always `1`.
pub const VERSION_HEADER: &str = "BOX-SIGNATURE-VERSION";
/// The signature algorithm; always `HmacSHA256`.
pub const ALGORITHM_HEADER: &str = "BOX-SIGNATURE-ALGORITHM";
/// The delivery id, new on each retry.
pub const DELIVERY_ID_HEADER: &str = "BOX-DELIVERY-ID";

/// Box's window: ten minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(600);

/// Verifies Box webhooks.
///
/// ```
/// use webhook_kit::providers::box_com;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let primary = Secret::from_text("primary-signature-key")?;
/// let secondary = Secret::from_text("secondary-signature-key")?;
/// let body = br#"{"type":"webhook_event","id":"eb0c4e06"}"#;
/// let headers = box_com::sign(&primary, &secondary, "2016-07-11T10:10:33-07:00", body);
///
/// // Only the secondary key is configured: it verifies on its own.
/// let verifier = box_com::Verifier::new(Keyring::from(secondary));
/// let now = Timestamp::from_unix_seconds(1_468_257_033);
/// let verified = verifier.verify(&headers, body, now)?;
/// assert_eq!(verified.event_id(body).as_deref(), Some("eb0c4e06"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the signature keys in `keyring` (each built with
    /// [`Secret::from_text`]), primary, secondary or both.
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
    /// [`VerifyError::MissingHeader`] without any signature header, the
    /// timestamp, the version or the algorithm;
    /// [`VerifyError::UnsupportedAlgorithm`] for a version other than `1`
    /// or an algorithm other than `HmacSHA256`;
    /// [`VerifyError::MalformedHeader`] for a timestamp that is not RFC 3339
    /// or signatures that are not base64 of 32 bytes;
    /// [`VerifyError::SignatureMismatch`]; and the timestamp errors.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let primary = headers::single(headers, PRIMARY_SIGNATURE_HEADER)?;
        let secondary = headers::single(headers, SECONDARY_SIGNATURE_HEADER)?;
        if primary.is_none() && secondary.is_none() {
            return Err(VerifyError::MissingHeader {
                name: PRIMARY_SIGNATURE_HEADER,
            });
        }
        expect(headers, VERSION_HEADER, b"1")?;
        expect(headers, ALGORITHM_HEADER, b"HmacSHA256")?;
        let raw_ts = headers::required(headers, TIMESTAMP_HEADER)?;
        let signed_at =
            time::parse_rfc3339(raw_ts).map_err(|e| VerifyError::malformed(TIMESTAMP_HEADER, e))?;

        let candidates = || {
            [primary, secondary]
                .into_iter()
                .flatten()
                .map(|value| crypto::decode_tag::<32>(value, TagEncoding::Base64))
        };
        let target = MatchTarget {
            header: PRIMARY_SIGNATURE_HEADER,
            scheme: "HmacSHA256",
            covers: SignedContent::Body,
        };
        // Box appends the timestamp after the body.
        let key_index = self.keys.find(now, &[body, raw_ts], target, candidates)?;

        self.check.apply(signed_at, now)?;
        let delivery =
            headers::single(headers, DELIVERY_ID_HEADER)?.and_then(DeliveryId::from_header);
        Ok(Verified::new(Provider::Box, key_index)
            .signed_at(signed_at)
            .with_delivery_id(delivery))
    }
}

/// Requires a header to hold exactly `value`.
fn expect(headers: &dyn Headers, name: &'static str, value: &[u8]) -> Result<(), VerifyError> {
    if headers::required(headers, name)? == value {
        Ok(())
    } else {
        Err(VerifyError::UnsupportedAlgorithm { name })
    }
}

timestamp_options!(Verifier);

verify_headers_and_body!(Provider::Box);

/// Signs `body` as Box does at the RFC 3339 time `timestamp`: both
/// signature headers, the timestamp, version and algorithm.
pub fn sign(primary: &Secret, secondary: &Secret, timestamp: &str, body: &[u8]) -> SignedHeaders {
    let tag = |key: &Secret| {
        crypto::base64(&crypto::hmac_sha256(
            key.expose_bytes(),
            &[body, timestamp.as_bytes()],
        ))
    };
    SignedHeaders::new()
        .with(TIMESTAMP_HEADER, timestamp.to_owned())
        .with(PRIMARY_SIGNATURE_HEADER, tag(primary))
        .with(SECONDARY_SIGNATURE_HEADER, tag(secondary))
        .with(VERSION_HEADER, "1".to_owned())
        .with(ALGORITHM_HEADER, "HmacSHA256".to_owned())
}

/// The event id in a Box body (`id`), the same on every retry.
pub(crate) fn event_id(body: &[u8]) -> Option<String> {
    crate::provider::json_string_field(body, &["id"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const KEY: &str = "box-unit";
    const BODY: &[u8] = br#"{"id":"e1"}"#;
    const TS: &str = "2026-03-01T10:10:33-07:00";
    // python3: base64.b64encode(hmac.new(KEY, BODY + TS, hashlib.sha256).digest())
    const SIGNATURE: &str = "6/F8pr7MSXxeZTxx43iI3BNM730nGs0gBGHYlETk2L0=";

    fn now() -> Timestamp {
        Timestamp::from_unix_seconds(1_772_385_033)
    }

    fn key(text: &str) -> Secret {
        Secret::from_text(text).unwrap()
    }

    #[test]
    fn sign_matches_an_independent_hmac() {
        let signed = sign(&key(KEY), &key("other"), TS, BODY);
        assert_eq!(signed.get(PRIMARY_SIGNATURE_HEADER), Some(SIGNATURE));
    }

    #[test]
    fn round_trip_and_single_bit_changes() {
        let v = Verifier::new(Keyring::from(key(KEY)));
        let signed =
            sign(&key(KEY), &key("other"), TS, BODY).with_header(DELIVERY_ID_HEADER, "673a081b");
        let verified = v.verify(&signed, BODY, now()).unwrap();
        assert_eq!(verified.timestamp(), Some(now()));
        assert_eq!(verified.delivery_id(), Some("673a081b"));
        assert!(!verified.delivery_id_is_signed());
        assert_eq!(verified.event_id(BODY).as_deref(), Some("e1"));

        for changed in bit_flips(BODY) {
            assert!(v.verify(&signed, &changed, now()).is_err());
        }
        for changed in bit_flips(KEY.as_bytes()) {
            let other = Verifier::new(Keyring::from(Secret::from_bytes(changed)));
            assert!(other.verify(&signed, BODY, now()).is_err());
        }
    }

    #[test]
    fn either_key_verifies_either_header() {
        let (a, b) = (key("key-a"), key("key-b"));
        let signed = sign(&a, &b, TS, BODY);
        for configured in [&a, &b] {
            let v = Verifier::new(Keyring::from(configured.clone()));
            assert!(v.verify(&signed, BODY, now()).is_ok());
        }
        // Keys in the keyring in the other order than Box's.
        let v = Verifier::new(Keyring::from(b).with_key(a));
        assert_eq!(v.verify(&signed, BODY, now()).unwrap().key_index(), 0);
    }

    #[test]
    fn version_and_algorithm_are_checked() {
        let v = Verifier::new(Keyring::from(key(KEY)));
        let good = sign(&key(KEY), &key("other"), TS, BODY);
        let with = |name: &'static str, value: Option<&str>| -> Vec<(String, String)> {
            let mut headers: Vec<(String, String)> = [
                TIMESTAMP_HEADER,
                PRIMARY_SIGNATURE_HEADER,
                VERSION_HEADER,
                ALGORITHM_HEADER,
            ]
            .iter()
            .filter(|n| **n != name)
            .map(|n| ((*n).to_owned(), good.get(n).unwrap().to_owned()))
            .collect();
            if let Some(value) = value {
                headers.push((name.to_owned(), value.to_owned()));
            }
            headers
        };
        assert_eq!(
            v.verify(&with(VERSION_HEADER, Some("2")), BODY, now())
                .unwrap_err(),
            VerifyError::UnsupportedAlgorithm {
                name: VERSION_HEADER
            }
        );
        assert_eq!(
            v.verify(&with(ALGORITHM_HEADER, Some("HmacSHA1")), BODY, now())
                .unwrap_err()
                .code(),
            "unsupported_algorithm"
        );
        assert_eq!(
            v.verify(&with(ALGORITHM_HEADER, None), BODY, now())
                .unwrap_err(),
            VerifyError::MissingHeader {
                name: ALGORITHM_HEADER
            }
        );
        assert!(
            v.verify(&with(VERSION_HEADER, Some("1")), BODY, now())
                .is_ok()
        );
    }

    #[test]
    fn ten_minute_window() {
        let v = Verifier::new(Keyring::from(key(KEY)));
        let signed = sign(&key(KEY), &key("other"), TS, BODY);
        let later = |s: i64| Timestamp::from_unix_seconds(1_772_385_033 + s);
        assert!(v.verify(&signed, BODY, later(600)).is_ok());
        assert_eq!(
            v.verify(&signed, BODY, later(601)).unwrap_err().code(),
            "timestamp_too_old"
        );
        assert_eq!(
            v.verify(&signed, BODY, later(-601)).unwrap_err().code(),
            "timestamp_in_future"
        );
    }
}
