//! Mailgun: the signature is in the **body**, not in a header. A JSON
//! webhook body has a top-level `signature` object
//! `{"timestamp": ..., "token": ..., "signature": ...}` beside its
//! `event-data`; legacy form-encoded webhooks post the same three as form
//! fields `timestamp`, `token` and `signature`.
//!
//! - `signature` is lowercase hex of HMAC-SHA256 over `timestamp` followed
//!   directly by `token` (no separator), keyed with the HTTP webhook signing
//!   key **as text** (not the sending API key).
//! - The body is read as JSON when it starts with `{`, else as a form.
//!   Mailgun sends the JSON `timestamp` as a string; an integer is
//!   accepted too, since its docs type the field that way.
//! - Tolerance: Mailgun names none; this crate applies 300 s both ways.
//! - The delivery id is the `token` ([`Verified::delivery_id`]), the value
//!   Mailgun says to remember and refuse a second time.
//! - Subaccount events also carry `parent-signature` (the primary account's
//!   key, same algorithm); it is not read here. Rotation: several keys in
//!   the keyring are tried in turn.
//!
//! # Security
//!
//! Only `timestamp` and `token` are signed. The body's `event-data` (or
//! the other form fields) is **not** covered: a verified request proves a
//! fresh token came from Mailgun, not that the event beside it is the one
//! Mailgun sent. Treat the event data as untrusted beyond the token, and
//! deduplicate on the token so a captured signature cannot be replayed
//! with other event data.
//!
//! Verifying parses the body, borrowing the three values from it. Measured
//! in `tests/verify_allocations.rs`: no allocation for a form, or a JSON
//! body without nested values, whose fields hold no escapes; one for a
//! typical JSON body (serde_json's scratch buffer, used to skip the nested
//! `event-data`); a field holding escapes is decoded into its own buffer,
//! a few allocations more (three for a JSON `\u` escape, four for a
//! percent-escape in a form).

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::{self, Timestamp, TimestampCheck, Tolerance};
use crate::verify::{DeliveryId, Outcome, Request, Verified, Verify};

/// The body field of a JSON webhook that holds the signature object.
pub const SIGNATURE_FIELD: &str = "signature";

/// This crate's window; Mailgun names no figure.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// The names errors use for the three fields, per body form.
#[derive(Clone, Copy)]
struct Names {
    timestamp: &'static str,
    token: &'static str,
    signature: &'static str,
}

const JSON_NAMES: Names = Names {
    timestamp: "signature.timestamp",
    token: "signature.token",
    signature: "signature.signature",
};

const FORM_NAMES: Names = Names {
    timestamp: "timestamp",
    token: "token",
    signature: "signature",
};

/// Verifies Mailgun webhooks, JSON or legacy form-encoded.
///
/// ```
/// use webhook_kit::providers::mailgun;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let key = Secret::from_text("key-3ax6xnjp29jd6fds4gc373sgvjxteol0")?;
/// let now = Timestamp::from_unix_seconds(1_403_645_220);
/// let fields = mailgun::sign(&key, now, "5egbgr1vjgqxtrnp65xfznchgdccwh5d6i09vijqi3whgowmn6");
/// let body = format!(
///     r#"{{"signature":{},"event-data":{{"event":"delivered"}}}}"#,
///     fields.to_json()
/// );
///
/// let verifier = mailgun::Verifier::new(Keyring::from(key));
/// let verified = verifier.verify(body.as_bytes(), now)?;
/// assert_eq!(verified.delivery_id(), Some(fields.token()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the webhook signing keys in `keyring` (each built
    /// with [`Secret::from_text`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// Verifies a webhook from its raw body. Mailgun signs nothing in the
    /// headers, so there are none to pass.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] naming the absent body field
    /// (`signature`, `signature.token`, ... for JSON; `token`, ... for a
    /// form), [`VerifyError::MalformedHeader`] for a JSON body that cannot
    /// be read or a field that cannot be parsed,
    /// [`VerifyError::SignatureMismatch`] when no key matches, and the
    /// timestamp errors.
    pub fn verify(&self, body: &[u8], now: Timestamp) -> Result<Verified, VerifyError> {
        let (fields, names) = if body.trim_ascii_start().starts_with(b"{") {
            (json_fields(body)?, JSON_NAMES)
        } else {
            (form_fields(body)?, FORM_NAMES)
        };
        let timestamp = fields.timestamp.ok_or(VerifyError::MissingHeader {
            name: names.timestamp,
        })?;
        let token = fields
            .token
            .ok_or(VerifyError::MissingHeader { name: names.token })?;
        let signature = fields.signature.ok_or(VerifyError::MissingHeader {
            name: names.signature,
        })?;

        let signed_at = time::parse_unix_seconds(timestamp.as_bytes())
            .map_err(|e| VerifyError::malformed(names.timestamp, e))?;
        let candidate = || {
            std::iter::once(crypto::decode_tag::<32>(
                signature.as_bytes(),
                TagEncoding::Hex,
            ))
        };
        let target = MatchTarget {
            header: names.signature,
            scheme: "hmac-sha256",
            covers: SignedContent::BodyFields,
        };
        let parts: [&[u8]; 2] = [timestamp.as_bytes(), token.as_bytes()];
        let key_index = self.keys.find(now, &parts, target, candidate)?;

        self.check.apply(signed_at, now)?;
        Ok(Verified::new(Provider::Mailgun, key_index)
            .signed_at(signed_at)
            .with_signed_delivery_id(DeliveryId::from_header(token.as_bytes()))
            .covering(SignedContent::BodyFields))
    }
}

/// The three signed fields as found, borrowed from the body where possible.
#[derive(Default)]
struct Fields<'b> {
    timestamp: Option<Cow<'b, str>>,
    token: Option<Cow<'b, str>>,
    signature: Option<Cow<'b, str>>,
}

/// The fields of a JSON body's `signature` object.
fn json_fields(body: &[u8]) -> Result<Fields<'_>, VerifyError> {
    #[derive(Deserialize)]
    struct Envelope<'b> {
        #[serde(borrow)]
        signature: Option<SignatureObject<'b>>,
    }

    #[derive(Deserialize)]
    struct SignatureObject<'b> {
        #[serde(borrow)]
        timestamp: Option<Text<'b>>,
        #[serde(borrow)]
        token: Option<Text<'b>>,
        #[serde(borrow)]
        signature: Option<Text<'b>>,
    }

    let envelope: Envelope<'_> = serde_json::from_slice(body)
        .map_err(|_| VerifyError::malformed(SIGNATURE_FIELD, Malformed::BadBody))?;
    let object = envelope.signature.ok_or(VerifyError::MissingHeader {
        name: SIGNATURE_FIELD,
    })?;
    Ok(Fields {
        timestamp: object.timestamp.map(|t| t.0),
        token: object.token.map(|t| t.0),
        signature: object.signature.map(|t| t.0),
    })
}

/// The fields of a form-encoded body; a field repeated with a different
/// value is refused, since either copy could be the signed one.
fn form_fields(body: &[u8]) -> Result<Fields<'_>, VerifyError> {
    let mut fields = Fields::default();
    for (name, value) in form_urlencoded::parse(body) {
        let (slot, key) = match &*name {
            "timestamp" => (&mut fields.timestamp, "timestamp"),
            "token" => (&mut fields.token, "token"),
            "signature" => (&mut fields.signature, "signature"),
            _ => continue,
        };
        match slot {
            Some(seen) if *seen != value => {
                return Err(VerifyError::malformed(key, Malformed::DuplicateParam(key)));
            }
            Some(_) => {}
            None => *slot = Some(value),
        }
    }
    Ok(fields)
}

/// A JSON string, borrowed from the body unless it holds escapes, or an
/// unsigned integer written out in decimal.
struct Text<'b>(Cow<'b, str>);

impl<'de: 'b, 'b> Deserialize<'de> for Text<'b> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<'b>(std::marker::PhantomData<&'b str>);

        impl<'de: 'b, 'b> serde::de::Visitor<'de> for Visit<'b> {
            type Value = Text<'b>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an unsigned integer")
            }

            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }

            // Mailgun's docs type `timestamp` as an integer, though it sends
            // a string; its decimal digits are what is signed either way.
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
        }

        deserializer.deserialize_any(Visit(std::marker::PhantomData))
    }
}

timestamp_options!(Verifier);

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Mailgun
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        self.verify(request.body(), now).map(Outcome::Verified)
    }
}

/// The three signature fields Mailgun sends, as produced by [`sign`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureFields {
    timestamp: String,
    token: String,
    signature: String,
}

impl SignatureFields {
    /// The unix timestamp, in seconds, as text.
    pub fn timestamp(&self) -> &str {
        &self.timestamp
    }

    /// The random token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The hex HMAC-SHA256 of timestamp and token.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The JSON object that goes under `"signature"` in a JSON webhook body.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "timestamp": self.timestamp,
            "token": self.token,
            "signature": self.signature,
        })
        .to_string()
    }

    /// The three `(name, value)` pairs of a legacy form-encoded webhook.
    pub fn form_pairs(&self) -> [(&'static str, &str); 3] {
        [
            ("timestamp", &self.timestamp),
            ("token", &self.token),
            ("signature", &self.signature),
        ]
    }
}

/// Signs as Mailgun does: HMAC-SHA256 of the timestamp (whole seconds)
/// followed by `token`, under the webhook signing key.
pub fn sign(key: &Secret, timestamp: Timestamp, token: &str) -> SignatureFields {
    let timestamp = timestamp.as_unix_seconds().to_string();
    let tag = crypto::hmac_sha256(
        key.expose_bytes(),
        &[timestamp.as_bytes(), token.as_bytes()],
    );
    SignatureFields {
        timestamp,
        token: token.to_owned(),
        signature: crypto::hex(&tag),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    // mailgun-php's test values.
    const KEY: &str = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0";
    const TS: i64 = 1_403_645_220;
    const TOKEN: &str = "5egbgr1vjgqxtrnp65xfznchgdccwh5d6i09vijqi3whgowmn6";
    const SIGNATURE: &str = "9cfc5c41582e51246e73c88d34db3af0a3a2692a76fbab81492842f000256d33";

    fn key() -> Secret {
        Secret::from_text(KEY).unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(key()))
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds)
    }

    fn json_body(timestamp: &str, token: &str, signature: &str) -> String {
        format!(
            r#"{{"signature":{{"timestamp":"{timestamp}","token":"{token}","signature":"{signature}"}},"event-data":{{"event":"delivered","id":"CPgfbmQMTCKtHW6uIWtuVe","envelope":{{"targets":["a@example.com"]}}}}}}"#
        )
    }

    #[test]
    fn published_sdk_vector() {
        let fields = sign(&key(), at(TS), TOKEN);
        assert_eq!(fields.signature(), SIGNATURE);
        assert_eq!(fields.timestamp(), "1403645220");
        assert_eq!(fields.token(), TOKEN);

        let body = json_body("1403645220", TOKEN, SIGNATURE);
        let verified = verifier().verify(body.as_bytes(), at(TS)).unwrap();
        assert_eq!(verified.provider(), Provider::Mailgun);
        assert_eq!(verified.timestamp(), Some(at(TS)));
        assert_eq!(verified.delivery_id(), Some(TOKEN));
        assert_eq!(
            verified.idempotency_key(body.as_bytes()).as_deref(),
            Some(TOKEN)
        );
    }

    #[test]
    fn sign_output_fits_both_body_forms() {
        let fields = sign(&key(), at(TS), TOKEN);
        let object: serde_json::Value = serde_json::from_str(&fields.to_json()).unwrap();
        assert_eq!(
            object,
            serde_json::json!({"timestamp": "1403645220", "token": TOKEN, "signature": SIGNATURE})
        );
        let json = format!(r#"{{"signature":{},"event-data":{{}}}}"#, fields.to_json());
        assert!(verifier().verify(json.as_bytes(), at(TS)).is_ok());

        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("event", "delivered")
            .extend_pairs(fields.form_pairs())
            .finish();
        let verified = verifier().verify(form.as_bytes(), at(TS)).unwrap();
        assert_eq!(verified.delivery_id(), Some(TOKEN));
    }

    #[test]
    fn any_flipped_bit_fails() {
        let good = json_body("1403645220", TOKEN, SIGNATURE);
        assert!(verifier().verify(good.as_bytes(), at(TS)).is_ok());

        let text = |bytes: Vec<u8>| String::from_utf8(bytes).ok();
        for token in bit_flips(TOKEN.as_bytes()).filter_map(text) {
            let body = json_body("1403645220", &token, SIGNATURE);
            assert!(
                verifier().verify(body.as_bytes(), at(TS)).is_err(),
                "{token}"
            );
        }
        for ts in bit_flips(b"1403645220").filter_map(text) {
            let body = json_body(&ts, TOKEN, SIGNATURE);
            let now = ts.parse().unwrap_or(TS);
            assert!(verifier().verify(body.as_bytes(), at(now)).is_err(), "{ts}");
        }
        let tag = const_hex::decode(SIGNATURE).unwrap();
        for bad in bit_flips(&tag) {
            let body = json_body("1403645220", TOKEN, &crypto::hex(&bad));
            assert!(verifier().verify(body.as_bytes(), at(TS)).is_err());
        }
        for bad_key in bit_flips(KEY.as_bytes()) {
            let v = Verifier::new(Keyring::from(Secret::from_bytes(bad_key)));
            assert!(v.verify(good.as_bytes(), at(TS)).is_err());
        }
    }

    #[test]
    fn event_data_is_not_covered() {
        // This is Mailgun's design, pinned here so the docs stay true: only
        // timestamp and token are signed.
        let body = json_body("1403645220", TOKEN, SIGNATURE).replace("delivered", "failed");
        assert!(verifier().verify(body.as_bytes(), at(TS)).is_ok());
    }

    #[test]
    fn no_separator_between_timestamp_and_token() {
        let dotted = crypto::hmac_sha256(KEY.as_bytes(), &[b"1403645220.", TOKEN.as_bytes()]);
        let body = json_body("1403645220", TOKEN, &crypto::hex(&dotted));
        assert!(matches!(
            verifier().verify(body.as_bytes(), at(TS)),
            Err(VerifyError::SignatureMismatch { .. })
        ));
    }

    #[test]
    fn the_api_key_is_not_the_signing_key() {
        let api_key =
            Secret::from_text("0123456789abcdef0123456789abcdef-0f0f0f0f-0f0f0f0f").unwrap();
        let body = json_body("1403645220", TOKEN, SIGNATURE);
        let err = Verifier::new(Keyring::from(api_key))
            .verify(body.as_bytes(), at(TS))
            .unwrap_err();
        assert_eq!(
            err,
            VerifyError::SignatureMismatch {
                keys_tried: 1,
                keys_expired: 0,
                signatures: 1,
                covers: SignedContent::BodyFields,
            }
        );
        assert!(err.to_string().contains("signing key"));
    }

    #[test]
    fn missing_fields_are_named() {
        let missing = |body: &str| verifier().verify(body.as_bytes(), at(TS)).unwrap_err();
        assert_eq!(
            missing(r#"{"event-data":{"event":"delivered"}}"#),
            VerifyError::MissingHeader { name: "signature" }
        );
        assert_eq!(
            missing(r#"{"signature":{"timestamp":"1","signature":"00"}}"#),
            VerifyError::MissingHeader {
                name: "signature.token"
            }
        );
        assert_eq!(
            missing(r#"{"signature":{"token":"t","signature":"00"}}"#),
            VerifyError::MissingHeader {
                name: "signature.timestamp"
            }
        );
        assert_eq!(
            missing(r#"{"signature":{"timestamp":"1","token":"t","signature":null}}"#),
            VerifyError::MissingHeader {
                name: "signature.signature"
            }
        );
        assert_eq!(
            missing("timestamp=1&signature=00"),
            VerifyError::MissingHeader { name: "token" }
        );
        assert_eq!(
            missing(""),
            VerifyError::MissingHeader { name: "timestamp" }
        );
    }

    #[test]
    fn unreadable_bodies_and_fields_are_malformed() {
        let malformed = |body: &str| verifier().verify(body.as_bytes(), at(TS)).unwrap_err();
        let bad_body = VerifyError::malformed("signature", Malformed::BadBody);
        assert_eq!(malformed(r#"{"signature":"#), bad_body);
        assert_eq!(malformed(r#"{"signature":"abc"}"#), bad_body);
        assert_eq!(
            malformed(r#"{"signature":{"timestamp":-1403645220,"token":"t","signature":"00"}}"#),
            bad_body
        );
        assert_eq!(
            malformed(r#"{"signature":{"timestamp":"1","token":true,"signature":"00"}}"#),
            bad_body
        );
        assert_eq!(
            malformed(&json_body("1403645220000", TOKEN, SIGNATURE)),
            VerifyError::malformed("signature.timestamp", Malformed::TimestampLooksLikeMillis)
        );
        assert!(matches!(
            malformed(&json_body("1403645220", TOKEN, "zz")),
            VerifyError::MalformedHeader {
                name: "signature.signature",
                ..
            }
        ));
        assert_eq!(
            malformed(&format!(
                "timestamp=1&token=a&token=b&signature={SIGNATURE}"
            )),
            VerifyError::malformed("token", Malformed::DuplicateParam("token"))
        );
    }

    #[test]
    fn an_integer_timestamp_is_read_as_its_digits() {
        let body = format!(
            r#"{{"signature":{{"timestamp":1403645220,"token":"{TOKEN}","signature":"{SIGNATURE}"}}}}"#
        );
        let verified = verifier().verify(body.as_bytes(), at(TS)).unwrap();
        assert_eq!(verified.timestamp(), Some(at(TS)));
    }

    #[test]
    fn escaped_and_repeated_values_still_verify() {
        let escaped = json_body("1403645220", &TOKEN.replacen('5', "\\u0035", 1), SIGNATURE);
        assert!(verifier().verify(escaped.as_bytes(), at(TS)).is_ok());

        let form = format!(
            "timestamp=1403645220&token={TOKEN}&token={TOKEN}&signature={}",
            SIGNATURE.replacen('9', "%39", 1)
        );
        assert!(verifier().verify(form.as_bytes(), at(TS)).is_ok());
    }

    #[test]
    fn window_is_300_seconds_both_ways() {
        let body = json_body("1403645220", TOKEN, SIGNATURE);
        let v = verifier();
        assert!(v.verify(body.as_bytes(), at(TS + 300)).is_ok());
        assert!(v.verify(body.as_bytes(), at(TS - 300)).is_ok());
        assert!(matches!(
            v.verify(body.as_bytes(), at(TS + 301)),
            Err(VerifyError::TimestampTooOld { .. })
        ));
        assert!(matches!(
            v.verify(body.as_bytes(), at(TS - 301)),
            Err(VerifyError::TimestampInFuture { .. })
        ));
    }

    #[test]
    fn registry_builds_it() {
        let config = crate::VerifierConfig::new().with_secret(KEY);
        let v = Provider::Mailgun.verifier(&config).unwrap();
        let body = json_body("1403645220", TOKEN, SIGNATURE);
        let headers = [("Content-Type", "application/json")];
        let request = Request::new(&headers, body.as_bytes());
        assert!(v.verify_request(&request, at(TS)).is_ok());
    }
}
