//! Zoom: `x-zm-signature: v0=<hex>` and `x-zm-request-timestamp`,
//! HMAC-SHA256 over `"v0:{timestamp}:{body}"`, keyed with the app's Secret
//! Token (Event Subscriptions) **as text**.
//!
//! - The header timestamp is unix **seconds**; the body's `event_ts` is
//!   milliseconds and is not what is signed. A 13-digit header value is
//!   refused as malformed, with a hint that it looks like milliseconds.
//! - Zoom's own samples hash the re-serialised JSON; this verifier hashes
//!   the raw body, which is what Zoom signs.
//! - Tolerance: Zoom publishes none; this crate applies 300 s both ways.
//! - Endpoint URL validation (`endpoint.url_validation`) is signed like any
//!   event: [`Verify::verify_request`] checks the signature first, then
//!   answers with [`Outcome::Handshake`] and the JSON
//!   `{"plainToken": ..., "encryptedToken": ...}`, where `encryptedToken`
//!   is the lowercase hex HMAC-SHA256 of `plainToken` under the secret that
//!   matched. See [`encrypted_token`].
//! - No delivery id header. Rotation: several secret tokens in the keyring
//!   are tried in turn.
//!
//! [`Verifier::verify`] allocates nothing. `verify_request` parses the body
//! only when it contains the bytes `endpoint.url_validation`.

use std::time::Duration;

use crate::crypto::{self, HmacSha256, MacKeys};
use crate::error::VerifyError;
use crate::headers::{HeaderKey, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::{Timestamp, TimestampCheck, Tolerance};
use crate::verify::{Handshake, Outcome, Request, SignedHeaders, Verified, Verify};

use super::v0;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-zm-signature";
/// The timestamp header (unix seconds).
pub const TIMESTAMP_HEADER: &str = "x-zm-request-timestamp";

/// This crate's window; Zoom publishes no figure.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

// The names prepared once for the lookups of every verify.
static SIGNATURE: HeaderKey = HeaderKey::new(SIGNATURE_HEADER, "x-zm-signature");
static TIMESTAMP: HeaderKey = HeaderKey::new(TIMESTAMP_HEADER, "x-zm-request-timestamp");
static NAMES: v0::Names = v0::Names {
    signature: &SIGNATURE,
    timestamp: &TIMESTAMP,
};

/// The `event` of the URL validation handshake.
const URL_VALIDATION: &str = "endpoint.url_validation";

/// Verifies Zoom webhook events and answers endpoint URL validation.
///
/// ```
/// use webhook_kit::providers::zoom;
/// use webhook_kit::{Keyring, Outcome, Request, Secret, Timestamp, Verify};
///
/// let secret = Secret::from_text("zoom_secret_token")?;
/// let body = br#"{"event":"endpoint.url_validation","payload":{"plainToken":"abc"}}"#;
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
/// let headers = zoom::sign(&secret, now, body);
///
/// let verifier = zoom::Verifier::new(Keyring::from(secret.clone()));
/// let outcome = verifier.verify_request(&Request::new(&headers, body), now)?;
/// let reply = outcome.handshake().ok_or("not a URL validation")?;
/// assert!(reply.body().contains(&zoom::encrypted_token(&secret, "abc")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the secret tokens in `keyring` (each built with
    /// [`Secret::from_text`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// Verifies a request. A URL validation request comes back as an
    /// ordinary [`Verified`]; [`Verify::verify_request`] also answers it.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] or [`VerifyError::MalformedHeader`]
    /// for either header, [`VerifyError::SignatureMismatch`] when no secret
    /// matches, and the timestamp errors.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        v0::verify(
            Provider::Zoom,
            &self.keys,
            self.check,
            NAMES,
            headers,
            body,
            now,
        )
    }

    /// The URL validation reply for a verified body, or `None` when the
    /// body is another event.
    fn handshake(
        &self,
        verified: &Verified,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Option<Handshake>, VerifyError> {
        let Some(fields) = v0::handshake_fields(body, "event", URL_VALIDATION) else {
            return Ok(None);
        };

        let plain = fields
            .get("payload")
            .and_then(|p| p.get("plainToken"))
            .and_then(serde_json::Value::as_str)
            .ok_or(VerifyError::InvalidChallenge {
                reason: "an `endpoint.url_validation` body without a `payload.plainToken` string",
            })?;
        // The key that verified the request is the one that answers it.
        let (_, mac) = self
            .keys
            .active(now)
            .find(|(index, _)| *index == verified.key_index())
            .ok_or(VerifyError::InvalidChallenge {
                reason: "the secret that verified the request is no longer active",
            })?;
        let encrypted = crypto::hex(&crypto::tag(mac, &[plain.as_bytes()]));

        let reply = serde_json::json!({ "plainToken": plain, "encryptedToken": encrypted });
        Ok(Some(Handshake::json(
            Provider::Zoom,
            Some(verified.clone()),
            reply.to_string(),
        )))
    }
}

timestamp_options!(Verifier);

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Zoom
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        let verified = self.verify(request.headers(), request.body(), now)?;
        Ok(match self.handshake(&verified, request.body(), now)? {
            Some(reply) => Outcome::Handshake(reply),
            None => Outcome::Verified(verified),
        })
    }
}

/// The `encryptedToken` of a URL validation reply: lowercase hex of
/// HMAC-SHA256 of `plain_token` under the secret token.
pub fn encrypted_token(secret: &Secret, plain_token: &str) -> String {
    crypto::hex(&crypto::hmac_sha256(
        secret.expose_bytes(),
        &[plain_token.as_bytes()],
    ))
}

/// Signs `body` as Zoom does, at `timestamp` (whole seconds are used): the
/// signature and timestamp headers.
pub fn sign(secret: &Secret, timestamp: Timestamp, body: &[u8]) -> SignedHeaders {
    let ts = timestamp.as_unix_seconds().to_string();
    let signature = v0::signature(secret, &ts, body);
    SignedHeaders::new()
        .with(SIGNATURE_HEADER, signature)
        .with(TIMESTAMP_HEADER, ts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Malformed;

    const SECRET: &str = "zoom_constructed_secret_token_01";
    const EVENT: &str = r#"{"event":"meeting.started","payload":{"account_id":"AAAAAA","object":{"id":"1234567890","topic":"Test"}},"event_ts":1700000000123}"#;
    const VALIDATION: &str = r#"{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1700000000456,"event":"endpoint.url_validation"}"#;

    fn secret() -> Secret {
        Secret::from_text(SECRET).unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(secret()))
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds)
    }

    fn answer(v: &Verifier, headers: &dyn Headers, body: &str) -> Result<Outcome, VerifyError> {
        v.verify_request(&Request::new(headers, body.as_bytes()), at(1_700_000_001))
    }

    #[test]
    fn round_trip_with_any_header_case() {
        let headers = sign(&secret(), at(1_700_000_000), EVENT.as_bytes());
        assert_eq!(
            headers.get(SIGNATURE_HEADER),
            Some("v0=51f6b1724f4938359621213a23421dadb2e5d29f82c9cc2c26b5794bbac6edd5")
        );
        let shouted: Vec<_> = headers
            .iter()
            .map(|(n, v)| (n.to_ascii_uppercase(), v.to_owned()))
            .collect();
        let verified = verifier()
            .verify(&shouted, EVENT.as_bytes(), at(1_700_000_002))
            .unwrap();
        assert_eq!(verified.provider(), Provider::Zoom);
        assert_eq!(verified.timestamp(), Some(at(1_700_000_000)));

        let outcome = answer(&verifier(), &headers, EVENT).unwrap();
        assert!(matches!(outcome, Outcome::Verified(_)));
    }

    #[test]
    fn url_validation_reply() {
        let headers = sign(&secret(), at(1_700_000_000), VALIDATION.as_bytes());
        let outcome = answer(&verifier(), &headers, VALIDATION).unwrap();
        let reply = outcome.handshake().unwrap();
        assert_eq!(reply.content_type(), "application/json");
        assert_eq!(reply.verified().map(Verified::key_index), Some(0));

        let json: serde_json::Value = serde_json::from_str(reply.body()).unwrap();
        let expected = "545a50ad17f1dbde3b5e96a1074076c24ab4b40bbf09c0656c78ec6777a5905e";
        assert_eq!(
            json,
            serde_json::json!({"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": expected})
        );
        assert_eq!(
            encrypted_token(&secret(), "qgg8vlvZRS6UYooatFL8Aw"),
            expected
        );
    }

    #[test]
    fn url_validation_answers_with_the_key_that_matched() {
        let old = Secret::from_text("zoom_old_secret_token").unwrap();
        let keyring = Keyring::from(old.clone()).with_key(secret());
        let headers = sign(&secret(), at(1_700_000_000), VALIDATION.as_bytes());
        let outcome = answer(&Verifier::new(keyring), &headers, VALIDATION).unwrap();
        let reply = outcome.handshake().unwrap();
        assert_eq!(reply.verified().map(Verified::key_index), Some(1));
        assert!(
            reply
                .body()
                .contains(&encrypted_token(&secret(), "qgg8vlvZRS6UYooatFL8Aw"))
        );
        assert!(
            !reply
                .body()
                .contains(&encrypted_token(&old, "qgg8vlvZRS6UYooatFL8Aw"))
        );
    }

    #[test]
    fn url_validation_is_verified_first() {
        let forged = sign(
            &Secret::from_text("attacker").unwrap(),
            at(1_700_000_000),
            VALIDATION.as_bytes(),
        );
        assert!(matches!(
            answer(&verifier(), &forged, VALIDATION),
            Err(VerifyError::SignatureMismatch { .. })
        ));
    }

    #[test]
    fn url_validation_without_a_plain_token_is_invalid() {
        for body in [
            r#"{"event":"endpoint.url_validation","payload":{}}"#,
            r#"{"event":"endpoint.url_validation"}"#,
            r#"{"event":"endpoint.url_validation","payload":{"plainToken":7}}"#,
        ] {
            let headers = sign(&secret(), at(1_700_000_000), body.as_bytes());
            assert!(
                matches!(
                    answer(&verifier(), &headers, body),
                    Err(VerifyError::InvalidChallenge { .. })
                ),
                "{body}"
            );
        }
    }

    #[test]
    fn a_mention_of_the_event_name_is_not_a_validation() {
        let body = r#"{"event":"chat_message.sent","payload":{"text":"endpoint.url_validation"}}"#;
        let headers = sign(&secret(), at(1_700_000_000), body.as_bytes());
        assert!(matches!(
            answer(&verifier(), &headers, body),
            Ok(Outcome::Verified(_))
        ));
    }

    #[test]
    fn the_header_timestamp_is_seconds_not_the_body_event_ts() {
        let headers = [
            (
                SIGNATURE_HEADER,
                "v0=51f6b1724f4938359621213a23421dadb2e5d29f82c9cc2c26b5794bbac6edd5",
            ),
            (TIMESTAMP_HEADER, "1700000000123"),
        ];
        assert_eq!(
            verifier()
                .verify(&headers, EVENT.as_bytes(), at(1_700_000_000))
                .unwrap_err(),
            VerifyError::malformed(TIMESTAMP_HEADER, Malformed::TimestampLooksLikeMillis)
        );
    }

    #[test]
    fn re_serialised_json_does_not_verify() {
        let headers = sign(&secret(), at(1_700_000_000), EVENT.as_bytes());
        let parsed: serde_json::Value = serde_json::from_str(EVENT).unwrap();
        let pretty = serde_json::to_string_pretty(&parsed).unwrap();
        assert!(matches!(
            verifier().verify(&headers, pretty.as_bytes(), at(1_700_000_000)),
            Err(VerifyError::SignatureMismatch { .. })
        ));
    }

    #[test]
    fn policy_window_is_300_seconds_both_ways() {
        let headers = sign(&secret(), at(1_700_000_000), b"{}");
        let v = verifier();
        assert!(v.verify(&headers, b"{}", at(1_700_000_300)).is_ok());
        assert!(v.verify(&headers, b"{}", at(1_699_999_700)).is_ok());
        assert!(v.verify(&headers, b"{}", at(1_700_000_301)).is_err());
        assert!(v.verify(&headers, b"{}", at(1_699_999_699)).is_err());
        let skip = verifier().dangerous_skip_timestamp_check();
        assert!(skip.verify(&headers, b"{}", at(0)).is_ok());
    }

    #[test]
    fn registry_builds_it() {
        let config = crate::VerifierConfig::new().with_secret(SECRET);
        let v = Provider::Zoom.verifier(&config).unwrap();
        let headers = sign(&secret(), at(1_700_000_000), VALIDATION.as_bytes());
        let request = Request::new(&headers, VALIDATION.as_bytes());
        let outcome = v.verify_request(&request, at(1_700_000_001)).unwrap();
        assert!(outcome.handshake().is_some());
    }
}
