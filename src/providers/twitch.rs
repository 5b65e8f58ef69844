//! Twitch EventSub, webhook transport: `Twitch-Eventsub-Message-Signature:
//! sha256=<hex>`, HMAC-SHA256 over message id ‖ timestamp ‖ raw body (no
//! separators), keyed with the subscription's `secret` as text.
//!
//! - `Twitch-Eventsub-Message-Timestamp` is RFC 3339 with nanoseconds
//!   (`2023-07-19T14:56:51.634234626Z`); its header text is what is signed,
//!   and it is parsed to milliseconds for the window. Tolerance: Twitch
//!   tells receivers to refuse messages older than 10 minutes; this crate
//!   applies 600 s both ways.
//! - `Twitch-Eventsub-Message-Type` is `notification`, `revocation` or
//!   `webhook_callback_verification`. The verification message is signed
//!   like any other: [`Verify::verify_request`] checks it, then answers with
//!   [`Outcome::Handshake`] whose body is the raw `challenge` as
//!   `text/plain`. A revocation comes back as an ordinary [`Verified`]; read
//!   [`MessageType::of`] to tell it apart.
//! - Delivery id: `Twitch-Eventsub-Message-Id`, which is signed; retries
//!   reuse it, so deduplicate on it.
//! - Rotation: one secret per subscription, several in the keyring are
//!   tried in turn.
//!
//! [`Verifier::verify`] allocates nothing.

use std::time::Duration;

use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::{self, Timestamp, TimestampCheck, Tolerance};
use crate::verify::{DeliveryId, Handshake, Outcome, Request, SignedHeaders, Verified, Verify};

/// The message id header (signed; the delivery id).
pub const ID_HEADER: &str = "Twitch-Eventsub-Message-Id";
/// The RFC 3339 timestamp header (signed).
pub const TIMESTAMP_HEADER: &str = "Twitch-Eventsub-Message-Timestamp";
/// The signature header.
pub const SIGNATURE_HEADER: &str = "Twitch-Eventsub-Message-Signature";
/// The message type header.
pub const TYPE_HEADER: &str = "Twitch-Eventsub-Message-Type";

/// Twitch's replay window: messages older than 10 minutes are refused.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(600);

/// What an EventSub message is, from `Twitch-Eventsub-Message-Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageType {
    /// An event.
    Notification,
    /// The challenge sent when a subscription is created.
    WebhookCallbackVerification,
    /// Twitch revoked the subscription; the body says why.
    Revocation,
}

impl MessageType {
    /// The type a request's headers name, if they name a known one.
    pub fn of(headers: &dyn Headers) -> Option<Self> {
        match headers::single(headers, TYPE_HEADER).ok().flatten()? {
            b"notification" => Some(MessageType::Notification),
            b"webhook_callback_verification" => Some(MessageType::WebhookCallbackVerification),
            b"revocation" => Some(MessageType::Revocation),
            _ => None,
        }
    }
}

/// Verifies Twitch EventSub webhook messages and answers the callback
/// verification challenge.
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the subscription secrets in `keyring` (text).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// Verifies a message of any type. A verification challenge comes back
    /// as an ordinary [`Verified`]; [`Verify::verify_request`] also answers it.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] for the id, timestamp or signature
    /// header, [`VerifyError::MalformedHeader`] for a timestamp that is not
    /// RFC 3339 or a signature that is not `sha256=<64 hex>`,
    /// [`VerifyError::SignatureMismatch`] when no secret matches, and the
    /// timestamp errors.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let signature = headers::required(headers, SIGNATURE_HEADER)?;
        let id = headers::required(headers, ID_HEADER)?;
        let raw_ts = headers::required(headers, TIMESTAMP_HEADER)?;
        let signed_at =
            time::parse_rfc3339(raw_ts).map_err(|e| VerifyError::malformed(TIMESTAMP_HEADER, e))?;

        let candidate = || {
            std::iter::once(match signature.strip_prefix(b"sha256=") {
                Some(hex) => crypto::decode_tag::<32>(hex, TagEncoding::Hex),
                None => Err(Malformed::MissingPrefix("sha256=")),
            })
        };
        let target = MatchTarget {
            header: SIGNATURE_HEADER,
            scheme: "sha256",
            covers: SignedContent::Body,
        };
        let key = self
            .keys
            .find(now, &[id, raw_ts, body], target, candidate)?;

        self.check.apply(signed_at, now)?;
        Ok(Verified::new(Provider::Twitch, key)
            .signed_at(signed_at)
            .with_signed_delivery_id(DeliveryId::from_header(id)))
    }
}

timestamp_options!(Verifier);

/// The `challenge` of a verification body.
fn challenge(body: &[u8]) -> Result<String, VerifyError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| VerifyError::InvalidChallenge {
            reason: "a `webhook_callback_verification` body that is not JSON",
        })?;
    value
        .get("challenge")
        .and_then(serde_json::Value::as_str)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .ok_or(VerifyError::InvalidChallenge {
            reason: "a `webhook_callback_verification` body without a `challenge` string",
        })
}

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Twitch
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        let verified = self.verify(request.headers(), request.body(), now)?;
        if MessageType::of(request.headers()) == Some(MessageType::WebhookCallbackVerification) {
            let reply = challenge(request.body())?;
            return Ok(Outcome::Handshake(Handshake::text(
                Provider::Twitch,
                Some(verified),
                reply,
            )));
        }
        Ok(Outcome::Verified(verified))
    }
}

/// Signs `body` as Twitch does for message `id` sent at `timestamp` (an RFC
/// 3339 text, signed as given): the id, timestamp and signature headers.
pub fn sign(secret: &Secret, id: &str, timestamp: &str, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha256(
        secret.expose_bytes(),
        &[id.as_bytes(), timestamp.as_bytes(), body],
    );
    SignedHeaders::new()
        .with(ID_HEADER, id.to_owned())
        .with(TIMESTAMP_HEADER, timestamp.to_owned())
        .with(SIGNATURE_HEADER, format!("sha256={}", crypto::hex(&tag)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "twitch-local-secret-0123";
    const ID: &str = "befa7b53-d79d-478f-86b9-120f112b044e";
    const TS: &str = "2023-07-19T14:56:51.634234626Z";
    const BODY: &[u8] = br#"{"subscription":{"type":"channel.follow"},"event":{"user_id":"1337"}}"#;
    // Python: hmac.new(SECRET, ID + TS + BODY, hashlib.sha256).hexdigest()
    const EXPECTED: &str =
        "sha256=f893f735f7db0f0acd10339926d85971d3ab67c9f7ba6f7faaf26340c9eb0c01";
    /// 2023-07-19T14:56:51Z.
    const SIGNED: i64 = 1_689_778_611;

    fn secret() -> Secret {
        Secret::from_text(SECRET).unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(secret()))
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds)
    }

    #[test]
    fn sign_matches_an_independent_hmac_and_verifies() {
        let headers = sign(&secret(), ID, TS, BODY);
        assert_eq!(headers.get(SIGNATURE_HEADER), Some(EXPECTED));
        let verified = verifier().verify(&headers, BODY, at(SIGNED + 1)).unwrap();
        assert_eq!(verified.delivery_id(), Some(ID));
        assert!(verified.delivery_id_is_signed());
        assert_eq!(
            verified.timestamp(),
            Some(Timestamp::from_unix_millis(1_689_778_611_634))
        );
        for changed in bit_flips(BODY) {
            assert!(verifier().verify(&headers, &changed, at(SIGNED)).is_err());
        }
    }

    #[test]
    fn id_and_timestamp_are_signed() {
        let headers = sign(&secret(), ID, TS, BODY);
        let signature = headers.get(SIGNATURE_HEADER).unwrap();
        for (id, ts) in [
            ("befa7b53-d79d-478f-86b9-120f112b044f", TS),
            (ID, "2023-07-19T14:56:51.634234627Z"),
        ] {
            let changed = [
                (ID_HEADER, id),
                (TIMESTAMP_HEADER, ts),
                (SIGNATURE_HEADER, signature),
            ];
            let error = verifier().verify(&changed, BODY, at(SIGNED)).unwrap_err();
            assert_eq!(error.code(), "signature_mismatch");
        }
    }

    #[test]
    fn ten_minute_window_both_ways() {
        let headers = sign(&secret(), ID, TS, BODY);
        let v = verifier();
        // The signed time is SIGNED + 0.634 s.
        assert!(v.verify(&headers, BODY, at(SIGNED + 600)).is_ok());
        assert_eq!(
            v.verify(&headers, BODY, at(SIGNED + 601))
                .unwrap_err()
                .code(),
            "timestamp_too_old"
        );
        assert!(v.verify(&headers, BODY, at(SIGNED - 599)).is_ok());
        assert_eq!(
            v.verify(&headers, BODY, at(SIGNED - 600))
                .unwrap_err()
                .code(),
            "timestamp_in_future"
        );
        let skip = verifier().dangerous_skip_timestamp_check();
        assert!(skip.verify(&headers, BODY, at(0)).is_ok());
    }

    #[test]
    fn malformed_parts() {
        let headers = sign(&secret(), ID, "1689778611", BODY);
        assert_eq!(
            verifier().verify(&headers, BODY, at(SIGNED)).unwrap_err(),
            VerifyError::malformed(TIMESTAMP_HEADER, Malformed::TimestampNotRfc3339)
        );
        let unprefixed = [
            (ID_HEADER, ID),
            (TIMESTAMP_HEADER, TS),
            (SIGNATURE_HEADER, &EXPECTED["sha256=".len()..]),
        ];
        assert_eq!(
            verifier()
                .verify(&unprefixed, BODY, at(SIGNED))
                .unwrap_err(),
            VerifyError::malformed(SIGNATURE_HEADER, Malformed::MissingPrefix("sha256="))
        );
        let no_id = [(TIMESTAMP_HEADER, TS), (SIGNATURE_HEADER, EXPECTED)];
        assert_eq!(
            verifier().verify(&no_id, BODY, at(SIGNED)).unwrap_err(),
            VerifyError::MissingHeader { name: ID_HEADER }
        );
    }

    #[test]
    fn callback_verification_echoes_the_challenge() {
        let body = br#"{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"status":"webhook_callback_verification_pending"}}"#;
        let headers =
            sign(&secret(), ID, TS, body).with_header(TYPE_HEADER, "webhook_callback_verification");
        let outcome = verifier()
            .verify_request(&Request::new(&headers, body), at(SIGNED))
            .unwrap();
        let reply = outcome.handshake().unwrap();
        assert_eq!(reply.body(), "pogchamp-kappa-360noscope-vohiyo");
        assert_eq!(reply.content_type(), "text/plain");
        assert!(reply.verified().is_some());

        // Unsigned challenges are refused before the body is read.
        let forged = sign(&Secret::from_text("attacker-secret").unwrap(), ID, TS, body)
            .with_header(TYPE_HEADER, "webhook_callback_verification");
        let error = verifier()
            .verify_request(&Request::new(&forged, body), at(SIGNED))
            .unwrap_err();
        assert_eq!(error.code(), "signature_mismatch");

        let empty = br#"{"subscription":{}}"#;
        let headers = sign(&secret(), ID, TS, empty)
            .with_header(TYPE_HEADER, "webhook_callback_verification");
        let error = verifier()
            .verify_request(&Request::new(&headers, empty), at(SIGNED))
            .unwrap_err();
        assert_eq!(error.code(), "invalid_challenge");
    }

    #[test]
    fn revocation_is_a_verified_message() {
        let body = br#"{"subscription":{"status":"authorization_revoked"}}"#;
        let headers = sign(&secret(), ID, TS, body).with_header(TYPE_HEADER, "revocation");
        let outcome = verifier()
            .verify_request(&Request::new(&headers, body), at(SIGNED))
            .unwrap();
        assert!(matches!(outcome, Outcome::Verified(_)));
        assert_eq!(MessageType::of(&headers), Some(MessageType::Revocation));
    }

    #[test]
    fn registry_builds_it() {
        let config = crate::VerifierConfig::new().with_secret(SECRET);
        let v = Provider::Twitch.verifier(&config).unwrap();
        let headers = sign(&secret(), ID, TS, BODY);
        let outcome = v.verify_request(&Request::new(&headers, BODY), at(SIGNED));
        assert!(matches!(outcome, Ok(Outcome::Verified(_))));
    }
}
