//! Square: `x-square-hmacsha256-signature: <base64>`, HMAC-SHA256 over the
//! notification URL immediately followed by the raw body (no separator).
//!
//! - Key: the subscription's Signature Key **as text**. It looks like
//!   base64url, but it is not decoded.
//! - The URL is the notification URL exactly as configured on the
//!   subscription (scheme, host, path, trailing slash, query). Behind a
//!   proxy, configure it with [`Verifier::with_notification_url`] rather
//!   than rebuilding it from the request.
//! - The legacy `x-square-signature` (HMAC-SHA1) is not checked: a request
//!   carrying only that header is [`VerifyError::MissingHeader`] for the
//!   current one.
//! - No timestamp, so no tolerance. Rotation: several keys in the keyring
//!   are tried in turn.
//! - No delivery id header; the event id is the body's `event_id`
//!   ([`Verified::event_id`]).
//! - `verify` does not allocate.

use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header (HMAC-SHA256).
pub const SIGNATURE_HEADER: &str = "x-square-hmacsha256-signature";
/// The legacy HMAC-SHA1 header, which this crate does not check.
pub const LEGACY_SIGNATURE_HEADER: &str = "x-square-signature";

/// Verifies Square webhooks.
///
/// ```
/// use webhook_kit::providers::square;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let key = Secret::from_text("signature-key")?;
/// let url = "https://webhook.site/webhooks";
/// let body = br#"{"data":{"type":"webhooks","id":"fake_id"}}"#;
/// let headers = [(square::SIGNATURE_HEADER, "W3FlCNk5IA3ZQ2LHTWoajvzfaDu/OwY2tNHIHC3IUOA=")];
///
/// let verifier = square::Verifier::new(Keyring::from(key));
/// verifier.verify(&headers, url, body, Timestamp::UNIX_EPOCH)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
    notification_url: Option<String>,
}

impl Verifier {
    /// A verifier for the signature keys in `keyring` (each built with
    /// [`Secret::from_text`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            notification_url: None,
        }
    }

    /// Uses this notification URL in [`Verify::verify_request`] instead of
    /// the request's own URL.
    pub fn with_notification_url(mut self, url: impl Into<String>) -> Self {
        self.notification_url = Some(url.into());
        self
    }

    /// Verifies a delivery to `notification_url`. Square signs no
    /// timestamp, so `now` only decides which keys have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] when the signature header is absent,
    /// [`VerifyError::MissingRequestPart`] when `notification_url` is
    /// empty, [`VerifyError::MalformedHeader`] for a value that is not 32
    /// bytes of base64, and [`VerifyError::SignatureMismatch`].
    pub fn verify(
        &self,
        headers: &dyn Headers,
        notification_url: &str,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let value = headers::required(headers, SIGNATURE_HEADER)?;
        if notification_url.is_empty() {
            return Err(VerifyError::MissingRequestPart { part: "url" });
        }

        let candidate = || std::iter::once(crypto::decode_tag::<32>(value, TagEncoding::Base64));
        let target = MatchTarget {
            header: SIGNATURE_HEADER,
            scheme: "hmac-sha256",
            covers: SignedContent::UrlAndBody,
        };
        let key_index =
            self.keys
                .find(now, &[notification_url.as_bytes(), body], target, candidate)?;
        Ok(Verified::new(Provider::Square, key_index).covering(SignedContent::UrlAndBody))
    }
}

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Square
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        // A missing signature says "not a Square request" before a missing URL does.
        headers::required(request.headers(), SIGNATURE_HEADER)?;
        let url = match &self.notification_url {
            Some(url) => url.as_str(),
            None => request.require_url()?,
        };
        self.verify(request.headers(), url, request.body(), now)
            .map(Outcome::Verified)
    }
}

/// Signs `body` as Square does for a subscription with this notification URL.
pub fn sign(key: &Secret, notification_url: &str, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha256(key.expose_bytes(), &[notification_url.as_bytes(), body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, crypto::base64(&tag))
}

/// The event id in a Square body (`event_id`).
pub(crate) fn event_id(body: &[u8]) -> Option<String> {
    crate::provider::json_string_field(body, &["event_id"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Malformed;

    const KEY: &str = "Ibxx_5AKakO-3qeNVR61Dw";
    const URL: &str = "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9";
    const BODY: &str = r#"{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}"#;
    const SIGNATURE: &str = "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=";
    const NOW: Timestamp = Timestamp::UNIX_EPOCH;

    fn verifier(key: &str) -> Verifier {
        Verifier::new(Keyring::from(Secret::from_text(key).unwrap()))
    }

    #[test]
    fn published_sdk_vectors() {
        let key = Secret::from_text(KEY).unwrap();
        assert_eq!(
            sign(&key, URL, BODY.as_bytes()).get(SIGNATURE_HEADER),
            Some(SIGNATURE)
        );

        let key = Secret::from_text("signature-key").unwrap();
        let url = "https://webhook.site/webhooks";
        let plain = br#"{"data":{"type":"webhooks","id":"fake_id"}}"#;
        let escaped = br#"{"data":{"type":"webhooks","id":">id<"}}"#;
        assert_eq!(
            sign(&key, url, plain).get(SIGNATURE_HEADER),
            Some("W3FlCNk5IA3ZQ2LHTWoajvzfaDu/OwY2tNHIHC3IUOA=")
        );
        assert_eq!(
            sign(&key, url, escaped).get(SIGNATURE_HEADER),
            Some("Cxt7+aTi4rKgcA0bC4g9EHdVtLSDWdqccmL5MvihU4U=")
        );

        let headers = [(SIGNATURE_HEADER, SIGNATURE)];
        let verified = verifier(KEY)
            .verify(&headers, URL, BODY.as_bytes(), NOW)
            .unwrap();
        assert_eq!(verified.provider(), Provider::Square);
        assert_eq!(verified.key_index(), 0);
        assert_eq!(verified.delivery_id(), None);
    }

    #[test]
    fn round_trip_and_single_bit_flips() {
        let key = Secret::from_text("square-signature-key").unwrap();
        let verifier = Verifier::new(Keyring::from(key.clone()));
        let body = br#"{"event_id":"e1"}"#.to_vec();
        let url = "https://example.com/square";
        let signature = sign(&key, url, &body)
            .get(SIGNATURE_HEADER)
            .unwrap()
            .to_owned();
        let ok = |sig: &str, url: &str, body: &[u8]| {
            verifier.verify(&[(SIGNATURE_HEADER, sig)], url, body, NOW)
        };
        assert!(ok(&signature, url, &body).is_ok());

        for i in 0..body.len() * 8 {
            let mut flipped = body.clone();
            flipped[i / 8] ^= 1 << (i % 8);
            assert!(ok(&signature, url, &flipped).is_err(), "body bit {i}");
        }
        let mut url_bytes = url.as_bytes().to_vec();
        url_bytes[10] ^= 1;
        let other_url = String::from_utf8(url_bytes).unwrap();
        assert!(ok(&signature, &other_url, &body).is_err());

        let raw = crypto::base64(&crypto::hmac_sha256(
            key.expose_bytes(),
            &[url.as_bytes(), &body],
        ));
        assert_eq!(raw, signature);
        let tag = crypto::decode_tag::<32>(signature.as_bytes(), TagEncoding::Base64).unwrap();
        for i in 0..tag.len() * 8 {
            let mut flipped = tag;
            flipped[i / 8] ^= 1 << (i % 8);
            let err = ok(&crypto::base64(&flipped), url, &body).unwrap_err();
            assert_eq!(err.code(), "signature_mismatch", "signature bit {i}");
        }

        let key_bytes = key.expose_bytes();
        for i in 0..key_bytes.len() * 8 {
            let mut flipped = key_bytes.to_vec();
            flipped[i / 8] ^= 1 << (i % 8);
            let wrong = Verifier::new(Keyring::from(Secret::from_bytes(flipped)));
            let result = wrong.verify(&[(SIGNATURE_HEADER, signature.as_str())], url, &body, NOW);
            assert!(result.is_err(), "key bit {i}");
        }
    }

    #[test]
    fn key_is_text_not_base64() {
        // The key looks like base64url; decoding it gives a different MAC.
        let headers = [(
            SIGNATURE_HEADER,
            "jANKDhZcquH+HM76yMUqUMCeEiOqQtVkisEej8W6/lQ=",
        )];
        let err = verifier(KEY)
            .verify(&headers, URL, BODY.as_bytes(), NOW)
            .unwrap_err();
        assert!(matches!(
            err,
            VerifyError::SignatureMismatch {
                covers: SignedContent::UrlAndBody,
                ..
            }
        ));
    }

    #[test]
    fn url_must_match_byte_for_byte() {
        let headers = [(SIGNATURE_HEADER, SIGNATURE)];
        let v = verifier(KEY);
        for url in [
            "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9/",
            "http://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9",
            "https://webhook.site:443/679a4f3a-dcfa-49ee-bac5-9d0edad886b9",
            "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9?x=1",
        ] {
            let err = v.verify(&headers, url, BODY.as_bytes(), NOW).unwrap_err();
            assert_eq!(err.code(), "signature_mismatch", "{url}");
        }
    }

    #[test]
    fn pretty_printed_body_fails() {
        let value: serde_json::Value = serde_json::from_str(BODY).unwrap();
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        let headers = [(SIGNATURE_HEADER, SIGNATURE)];
        let err = verifier(KEY)
            .verify(&headers, URL, pretty.as_bytes(), NOW)
            .unwrap_err();
        assert_eq!(err.code(), "signature_mismatch");
    }

    #[test]
    fn missing_and_malformed_headers() {
        let v = verifier(KEY);
        let legacy = [(LEGACY_SIGNATURE_HEADER, "1z2n3DEJJiUPKcPzQo1ftvbxGdw=")];
        assert_eq!(
            v.verify(&legacy, URL, BODY.as_bytes(), NOW).unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_HEADER
            }
        );

        let truncated = [(SIGNATURE_HEADER, "GF4YkrJgGBDZ9NIYbNXB")];
        assert_eq!(
            v.verify(&truncated, URL, BODY.as_bytes(), NOW)
                .unwrap_err()
                .code(),
            "malformed_header"
        );
        let sha1_sized = [(SIGNATURE_HEADER, "1z2n3DEJJiUPKcPzQo1ftvbxGdw=")];
        assert!(matches!(
            v.verify(&sha1_sized, URL, BODY.as_bytes(), NOW),
            Err(VerifyError::MalformedHeader {
                reason: Malformed::WrongLength {
                    expected: 32,
                    actual: 20
                },
                ..
            })
        ));
        let repeated = [(SIGNATURE_HEADER, SIGNATURE), (SIGNATURE_HEADER, "other")];
        assert_eq!(
            v.verify(&repeated, URL, BODY.as_bytes(), NOW).unwrap_err(),
            VerifyError::malformed(SIGNATURE_HEADER, Malformed::Repeated)
        );
    }

    #[test]
    fn url_from_configuration_or_request() {
        let headers = [("X-Square-HmacSha256-Signature", SIGNATURE)];
        let body = BODY.as_bytes();

        let from_request = Request::new(&headers, body).with_url(URL);
        assert!(verifier(KEY).verify_request(&from_request, NOW).is_ok());

        let without_url = Request::new(&headers, body);
        assert_eq!(
            verifier(KEY).verify_request(&without_url, NOW).unwrap_err(),
            VerifyError::MissingRequestPart { part: "url" }
        );

        // Behind a proxy the request URL differs; the configured one wins.
        let configured = verifier(KEY).with_notification_url(URL);
        let proxied = Request::new(&headers, body).with_url("http://10.0.0.5:8080/hook");
        assert!(configured.verify_request(&proxied, NOW).is_ok());
        assert!(configured.verify_request(&without_url, NOW).is_ok());

        assert_eq!(
            verifier(KEY).verify(&headers, "", body, NOW).unwrap_err(),
            VerifyError::MissingRequestPart { part: "url" }
        );
    }

    #[test]
    fn rotation_and_event_id() {
        let keyring = Keyring::from(Secret::from_text("old-key").unwrap())
            .with_key(Secret::from_text(KEY).unwrap());
        let headers = [(SIGNATURE_HEADER, SIGNATURE)];
        let verified = Verifier::new(keyring)
            .verify(&headers, URL, BODY.as_bytes(), NOW)
            .unwrap();
        assert_eq!(verified.key_index(), 1);
        assert_eq!(
            verified.event_id(BODY.as_bytes()).as_deref(),
            Some("ac3ac95b-f97d-458c-a6e6-18981597e05f")
        );
        assert_eq!(
            verified.idempotency_key(BODY.as_bytes()).as_deref(),
            Some("ac3ac95b-f97d-458c-a6e6-18981597e05f")
        );
    }
}
