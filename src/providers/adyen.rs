//! Adyen: two HMAC-SHA256 schemes, both keyed with the HMAC key Adyen shows
//! as 64 hex characters, **hex-decoded** to 32 bytes (the text itself as a
//! key does not verify).
//!
//! - **Standard notifications** (payments): each item of
//!   `notificationItems` carries its own base64 signature in
//!   `NotificationRequestItem.additionalData.hmacSignature`, over
//!   `pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success`
//!   taken from the item (`value` and `currency` from `amount`). A missing
//!   field is an empty string, `value` is the integer in minor units and
//!   `success` the text `true` or `false`; nothing is escaped (a
//!   `merchantReference` with backslashes is signed as it is). Every item
//!   must verify.
//! - **Body HMAC** (Balance Platform, Management and the other newer
//!   webhooks): `HmacSignature: <base64>` over the raw body, whitespace
//!   and all.
//!
//! A request with `HmacSignature` is checked by it; otherwise the body must
//! be a standard notification. Neither signs a timestamp, so there is no
//! tolerance; standard notifications are usually also sent with basic
//! auth, which this verifier does not check (see [`postmark`](super::postmark)
//! for a basic-auth check). The endpoint answers `[accepted]` to a
//! standard notification. Rotation: keyring.
//!
//! Allocation: the body-HMAC path allocates nothing. A standard
//! notification is parsed into a JSON document, and each item's signed
//! string is built in a `String`.

use base64::Engine as _;

use crate::crypto::{self, HmacSha256, KeyMatch, MacKeys, MatchTarget, TagEncoding};
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::{Provider, VerifierConfig};
use crate::providers::body_hmac::Scheme;
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header of body-HMAC webhooks.
pub const SIGNATURE_HEADER: &str = "HmacSignature";
/// Where a standard notification item carries its signature.
pub const ITEM_SIGNATURE_FIELD: &str = "hmacSignature";
/// The reply a standard notification expects.
pub const ACCEPTED_REPLY: &str = "[accepted]";

const SCHEME: Scheme = Scheme {
    header: SIGNATURE_HEADER,
    prefix: "",
    name: "hmac-sha256",
    encoding: TagEncoding::Base64,
};

/// The item fields signed, in order; `value` and `currency` sit in `amount`.
const SIGNED_FIELDS: [&[&str]; 8] = [
    &["pspReference"],
    &["originalReference"],
    &["merchantAccountCode"],
    &["merchantReference"],
    &["amount", "value"],
    &["amount", "currency"],
    &["eventCode"],
    &["success"],
];

/// Verifies Adyen webhooks of both kinds.
///
/// ```
/// use webhook_kit::providers::adyen;
/// use webhook_kit::{Keyring, Timestamp};
///
/// let key = adyen::parse_hmac_key(
///     "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056",
/// )?;
/// let body = br#"{"type":"merchant.created"}"#;
/// let headers = adyen::sign(&key, body);
/// let verifier = adyen::Verifier::new(Keyring::from(key));
/// assert!(verifier.verify(&headers, body, Timestamp::UNIX_EPOCH).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
}

impl Verifier {
    /// A verifier for the HMAC keys in `keyring`, each decoded from hex
    /// ([`parse_hmac_key`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
        }
    }

    /// Verifies a delivery by the scheme it carries (see the module docs).
    ///
    /// # Errors
    ///
    /// Body HMAC: [`VerifyError::MalformedHeader`] for a value that is not
    /// base64 of 32 bytes, [`VerifyError::SignatureMismatch`]. Standard
    /// notifications: [`VerifyError::MissingHeader`] naming
    /// `HmacSignature` when the body is not one, `notificationItems` when
    /// it holds no item, `hmacSignature` for an item without a signature;
    /// [`VerifyError::MalformedHeader`] for an undecodable signature and
    /// [`VerifyError::SignatureMismatch`] for the first item that fails.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        if headers::present(headers, SIGNATURE_HEADER) {
            let key = SCHEME.verify::<_, 32>(&self.keys, headers, body, now)?;
            return Ok(Verified::new(Provider::Adyen, key));
        }
        self.verify_notification(body, now)
    }

    fn verify_notification(&self, body: &[u8], now: Timestamp) -> Result<Verified, VerifyError> {
        let not_a_notification = VerifyError::MissingHeader {
            name: SIGNATURE_HEADER,
        };
        let document: serde_json::Value =
            serde_json::from_slice(body).map_err(|_| not_a_notification.clone())?;
        let items = document
            .get("notificationItems")
            .and_then(serde_json::Value::as_array)
            .ok_or(not_a_notification)?;
        let mut first: Option<KeyMatch> = None;
        for wrapper in items {
            let item = wrapper
                .get("NotificationRequestItem")
                .ok_or(VerifyError::malformed(
                    "notificationItems",
                    Malformed::MissingPart("NotificationRequestItem"),
                ))?;
            let key = self.verify_item(item, now)?;
            first.get_or_insert(key);
        }
        let key = first.ok_or(VerifyError::MissingHeader {
            name: "notificationItems",
        })?;
        Ok(Verified::new(Provider::Adyen, key).covering(SignedContent::BodyFields))
    }

    fn verify_item(
        &self,
        item: &serde_json::Value,
        now: Timestamp,
    ) -> Result<KeyMatch, VerifyError> {
        let signature = item
            .get("additionalData")
            .and_then(|d| d.get(ITEM_SIGNATURE_FIELD))
            .and_then(serde_json::Value::as_str)
            .ok_or(VerifyError::MissingHeader {
                name: ITEM_SIGNATURE_FIELD,
            })?;
        let signed = signing_string(item);
        let candidate = || {
            std::iter::once(crypto::decode_tag::<32>(
                signature.as_bytes(),
                TagEncoding::Base64,
            ))
        };
        let target = MatchTarget {
            header: ITEM_SIGNATURE_FIELD,
            scheme: "hmac-sha256",
            covers: SignedContent::BodyFields,
        };
        self.keys.find(now, &[signed.as_bytes()], target, candidate)
    }
}

/// The string a standard notification item's signature covers.
pub fn signing_string(item: &serde_json::Value) -> String {
    let mut out = String::new();
    for (i, path) in SIGNED_FIELDS.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        let mut at = Some(item);
        for key in *path {
            at = at.and_then(|v| v.get(key));
        }
        match at {
            Some(serde_json::Value::String(s)) => out.push_str(s),
            Some(serde_json::Value::Number(n)) => out.push_str(&n.to_string()),
            Some(serde_json::Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
            // Absent, null or a structure: Adyen signs an empty string.
            _ => {}
        }
    }
    out
}

verify_headers_and_body!(Provider::Adyen);

/// Decodes an HMAC key as Adyen shows it (hex, either case).
///
/// # Errors
///
/// The [`crate::SecretError`] of [`Secret::parse`] for text that is not hex.
pub fn parse_hmac_key(text: &str) -> Result<Secret, crate::SecretError> {
    Secret::parse(text, SecretEncoding::Hex)
}

/// Signs `body` as a body-HMAC webhook: `HmacSignature: <base64>`.
pub fn sign(key: &Secret, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha256(key.expose_bytes(), &[body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, SCHEME.header_value(&tag))
}

/// The `hmacSignature` of a standard notification item.
pub fn sign_item(key: &Secret, item: &serde_json::Value) -> String {
    let tag = crypto::hmac_sha256(key.expose_bytes(), &[signing_string(item).as_bytes()]);
    base64::engine::general_purpose::STANDARD.encode(tag)
}

secrets_from_config!(Provider::Adyen, SecretEncoding::Hex);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KEY: &str = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";

    fn key() -> Secret {
        parse_hmac_key(KEY).unwrap()
    }

    fn published_item() -> serde_json::Value {
        // adyen-python-api-library, test/UtilTest.py.
        json!({
            "pspReference": "7914073381342284",
            "merchantReference": "TestPayment-1407325143704",
            "merchantAccountCode": "TestMerchant",
            "amount": {"currency": "EUR", "value": 1130},
            "eventCode": "AUTHORISATION",
            "success": "true",
            "additionalData": {"hmacSignature": "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0="}
        })
    }

    fn envelope(items: &[serde_json::Value]) -> Vec<u8> {
        let wrapped: Vec<_> = items
            .iter()
            .map(|i| json!({ "NotificationRequestItem": i }))
            .collect();
        serde_json::to_vec(&json!({"live": "false", "notificationItems": wrapped})).unwrap()
    }

    #[test]
    fn published_item_signature() {
        let item = published_item();
        assert_eq!(
            signing_string(&item),
            "7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true"
        );
        assert_eq!(
            sign_item(&key(), &item),
            "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0="
        );
        let v = Verifier::new(Keyring::from(key()));
        let none: [(&str, &str); 0] = [];
        let verified = v
            .verify(&none, &envelope(&[item]), Timestamp::UNIX_EPOCH)
            .unwrap();
        assert_eq!(verified.covers(), SignedContent::BodyFields);
    }

    #[test]
    fn every_item_must_verify_and_fields_matter() {
        let v = Verifier::new(Keyring::from(key()));
        let none: [(&str, &str); 0] = [];
        let now = Timestamp::UNIX_EPOCH;
        let good = published_item();
        let mut changed = good.clone();
        changed["amount"]["value"] = json!(1131);
        let body = envelope(&[good.clone(), changed]);
        assert_eq!(
            v.verify(&none, &body, now).unwrap_err().code(),
            "signature_mismatch"
        );
        for field in [
            "pspReference",
            "merchantAccountCode",
            "eventCode",
            "success",
        ] {
            let mut item = good.clone();
            item[field] = json!("x");
            assert!(v.verify(&none, &envelope(&[item]), now).is_err(), "{field}");
        }
        let mut unsigned = good.clone();
        unsigned["additionalData"] = json!({});
        assert_eq!(
            v.verify(&none, &envelope(&[unsigned]), now).unwrap_err(),
            VerifyError::MissingHeader {
                name: ITEM_SIGNATURE_FIELD
            }
        );
        assert_eq!(
            v.verify(&none, &envelope(&[]), now).unwrap_err(),
            VerifyError::MissingHeader {
                name: "notificationItems"
            }
        );
        assert_eq!(
            v.verify(&none, b"{}", now).unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_HEADER
            }
        );
        // The key's text as the key does not verify.
        let as_text = Verifier::new(Keyring::from(Secret::from_text(KEY).unwrap()));
        assert_eq!(
            as_text
                .verify(&none, &envelope(&[good]), now)
                .unwrap_err()
                .code(),
            "signature_mismatch"
        );
    }

    #[test]
    fn body_hmac_round_trip() {
        let v = Verifier::new(Keyring::from(key()));
        let now = Timestamp::UNIX_EPOCH;
        let body = b"\n  {\"type\": \"merchant.created\"}\n";
        let headers = sign(&key(), body);
        assert!(v.verify(&headers, body, now).is_ok());
        assert_eq!(
            v.verify(&headers, b"{\"type\": \"merchant.created\"}", now)
                .unwrap_err()
                .code(),
            "signature_mismatch"
        );
        let bad = [(SIGNATURE_HEADER, "MismatchingHmacKey=")];
        assert!(v.verify(&bad, body, now).is_err());
    }

    #[test]
    fn registry_decodes_the_key_from_hex_by_default() {
        use crate::verify::Request;
        let body = b"{}";
        let headers = sign(&key(), body);
        let config = VerifierConfig::new().with_secret(KEY);
        let v = Provider::Adyen.verifier(&config).unwrap();
        assert!(
            v.verify_request(&Request::new(&headers, body), Timestamp::UNIX_EPOCH)
                .is_ok()
        );
        let config = VerifierConfig::new().with_secret("not hex");
        assert!(Provider::Adyen.verifier(&config).is_err());
    }
}
