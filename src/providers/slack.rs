//! Slack: `X-Slack-Signature: v0=<hex>` and `X-Slack-Request-Timestamp`,
//! HMAC-SHA256 over `"v0:{timestamp}:{body}"`, keyed with the app's Signing
//! Secret **as text** (it looks like hex; it is not decoded).
//!
//! - The body is whatever Slack posted: JSON for the Events API, a form for
//!   slash commands and interactivity. Either is signed as raw bytes, and
//!   bytes that are not UTF-8 verify like any others.
//! - Only `v0` exists; a signature without the `v0=` prefix is malformed.
//! - Tolerance: 300 s, checked both ways (one of Slack's SDKs checks only age).
//! - The Events API `url_verification` request is signed like any other:
//!   [`Verify::verify_request`] checks the signature, then answers it with
//!   [`Outcome::Handshake`] and the JSON `{"challenge": ...}`; [`handshake`]
//!   does the same for a body verified with [`Verifier::verify`].
//! - No delivery id header; the event id is the body's `event_id`
//!   ([`Verified::event_id`]). Retries carry `X-Slack-Retry-Num`: deduplicate
//!   on the event id, never on the signature.
//! - Rotation: several secrets in the keyring are tried in turn.
//!
//! [`Verifier::verify`] allocates nothing. `verify_request` parses the body
//! only when it contains the bytes `url_verification`, so ordinary events do
//! not allocate either.

use std::time::Duration;

use crate::crypto::{HmacSha256, MacKeys};
use crate::error::VerifyError;
use crate::headers::{HeaderKey, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::{Timestamp, TimestampCheck, Tolerance};
use crate::verify::{Handshake, Outcome, Request, SignedHeaders, Verified, Verify};

use super::v0;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Slack-Signature";
/// The timestamp header (unix seconds).
pub const TIMESTAMP_HEADER: &str = "X-Slack-Request-Timestamp";

/// Slack's documented window: five minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

// The names prepared once for the lookups of every verify.
static SIGNATURE: HeaderKey = HeaderKey::new(SIGNATURE_HEADER, "x-slack-signature");
static TIMESTAMP: HeaderKey = HeaderKey::new(TIMESTAMP_HEADER, "x-slack-request-timestamp");
static NAMES: v0::Names = v0::Names {
    signature: &SIGNATURE,
    timestamp: &TIMESTAMP,
};

/// The `type` of the Events API handshake.
const URL_VERIFICATION: &str = "url_verification";

/// Verifies Slack requests: Events API deliveries, slash commands and
/// interactivity payloads.
///
/// ```
/// use webhook_kit::providers::slack;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let secret = Secret::from_text("8f742231b10e8888abcd99yyyzzz85a5")?;
/// let body = br#"{"type":"event_callback","event_id":"Ev1"}"#;
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
/// let headers = slack::sign(&secret, now, body);
///
/// let verifier = slack::Verifier::new(Keyring::from(secret));
/// let verified = verifier.verify(&headers, body, now)?;
/// assert_eq!(verified.event_id(body).as_deref(), Some("Ev1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the Signing Secrets in `keyring` (each built with
    /// [`Secret::from_text`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// Verifies a request. This does not look at the body's content, so a
    /// `url_verification` request comes back as an ordinary [`Verified`];
    /// pass it to [`handshake`] to get the reply, or use
    /// [`Verify::verify_request`], which does both.
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
            Provider::Slack,
            &self.keys,
            self.check,
            NAMES,
            headers,
            body,
            now,
        )
    }
}

timestamp_options!(Verifier);

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Slack
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        let verified = self.verify(request.headers(), request.body(), now)?;
        Ok(match handshake(&verified, request.body())? {
            Some(reply) => Outcome::Handshake(reply),
            None => Outcome::Verified(verified),
        })
    }
}

/// The reply to an Events API `url_verification` request, given the proof
/// that its body verified; `None` for any other body.
///
/// Only a JSON body whose `type` is `url_verification` is a handshake. The
/// body is parsed only when it contains those bytes.
///
/// # Errors
///
/// [`VerifyError::InvalidChallenge`] when the body is a `url_verification`
/// request without a `challenge` string.
pub fn handshake(verified: &Verified, body: &[u8]) -> Result<Option<Handshake>, VerifyError> {
    let Some(fields) = v0::handshake_fields(body, "type", URL_VERIFICATION) else {
        return Ok(None);
    };

    let challenge = fields
        .get("challenge")
        .and_then(serde_json::Value::as_str)
        .ok_or(VerifyError::InvalidChallenge {
            reason: "a `url_verification` body without a `challenge` string",
        })?;
    let reply = serde_json::json!({ "challenge": challenge }).to_string();
    Ok(Some(Handshake::json(
        Provider::Slack,
        Some(verified.clone()),
        reply,
    )))
}

/// Signs `body` as Slack does, at `timestamp` (whole seconds are used):
/// the timestamp and signature headers.
pub fn sign(secret: &Secret, timestamp: Timestamp, body: &[u8]) -> SignedHeaders {
    let ts = timestamp.as_unix_seconds().to_string();
    let signature = v0::signature(secret, &ts, body);
    SignedHeaders::new()
        .with(TIMESTAMP_HEADER, ts)
        .with(SIGNATURE_HEADER, signature)
}

/// The event id in a Slack Events API body (`event_id`).
pub(crate) fn event_id(body: &[u8]) -> Option<String> {
    crate::provider::json_string_field(body, &["event_id"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Malformed;

    // Slack's published example (docs and python-slack-sdk tests).
    const DOCS_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const DOCS_TS: i64 = 1_531_420_618;
    const DOCS_BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const DOCS_SIGNATURE: &str =
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn secret() -> Secret {
        Secret::from_text(DOCS_SECRET).unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(secret()))
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds)
    }

    #[test]
    fn published_slash_command_example() {
        // A form body is signed as the raw form string.
        let headers = sign(&secret(), at(DOCS_TS), DOCS_BODY.as_bytes());
        assert_eq!(headers.get(SIGNATURE_HEADER), Some(DOCS_SIGNATURE));
        assert_eq!(headers.get(TIMESTAMP_HEADER), Some("1531420618"));

        let verified = verifier()
            .verify(&headers, DOCS_BODY.as_bytes(), at(DOCS_TS))
            .unwrap();
        assert_eq!(verified.provider(), Provider::Slack);
        assert_eq!(verified.timestamp(), Some(at(DOCS_TS)));
        assert_eq!(verified.key_index(), 0);
        assert_eq!(verified.delivery_id(), None);
    }

    #[test]
    fn rotation_reports_the_matching_key() {
        let keyring = Keyring::from(Secret::from_text("old-secret").unwrap()).with_key(secret());
        let headers = sign(&secret(), at(DOCS_TS), b"{}");
        let verified = Verifier::new(keyring)
            .verify(&headers, b"{}", at(DOCS_TS))
            .unwrap();
        assert_eq!(verified.key_index(), 1);
    }

    #[test]
    fn tolerance_is_300_seconds_both_ways() {
        let headers = sign(&secret(), at(DOCS_TS), b"x");
        let v = verifier();
        assert!(v.verify(&headers, b"x", at(DOCS_TS + 300)).is_ok());
        assert!(v.verify(&headers, b"x", at(DOCS_TS - 300)).is_ok());
        assert!(matches!(
            v.verify(&headers, b"x", at(DOCS_TS + 301)),
            Err(VerifyError::TimestampTooOld { .. })
        ));
        assert!(matches!(
            v.verify(&headers, b"x", at(DOCS_TS - 301)),
            Err(VerifyError::TimestampInFuture { .. })
        ));
        let wide = verifier().with_tolerance(Duration::from_secs(600));
        assert!(wide.verify(&headers, b"x", at(DOCS_TS + 500)).is_ok());
    }

    #[test]
    fn only_v0_exists() {
        let tag = &DOCS_SIGNATURE["v0=".len()..];
        let headers = [
            (TIMESTAMP_HEADER, "1531420618".to_owned()),
            (SIGNATURE_HEADER, format!("v1={tag}")),
        ];
        assert_eq!(
            verifier()
                .verify(&headers, DOCS_BODY.as_bytes(), at(DOCS_TS))
                .unwrap_err(),
            VerifyError::malformed(SIGNATURE_HEADER, Malformed::MissingPrefix("v0="))
        );
    }

    #[test]
    fn missing_headers_are_named() {
        let only_ts = [(TIMESTAMP_HEADER, "1531420618")];
        assert_eq!(
            verifier().verify(&only_ts, b"", at(DOCS_TS)).unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_HEADER
            }
        );
        let only_sig = [(SIGNATURE_HEADER, DOCS_SIGNATURE)];
        assert_eq!(
            verifier().verify(&only_sig, b"", at(DOCS_TS)).unwrap_err(),
            VerifyError::MissingHeader {
                name: TIMESTAMP_HEADER
            }
        );
    }

    #[test]
    fn bodies_that_are_not_utf8_verify() {
        let secret = Secret::from_text("placeholder0slack0signing0secret").unwrap();
        let body = [0x7b, 0xff, 0xfe, 0x7d];
        let headers = sign(&secret, at(1_700_000_000), &body);
        assert_eq!(
            headers.get(SIGNATURE_HEADER),
            Some("v0=68a583e11fe7e4991268f417d7efeb957b916f1e246638f04a392cd66b92508d")
        );
        let request = Request::new(&headers, &body);
        let outcome = Verifier::new(Keyring::from(secret))
            .verify_request(&request, at(1_700_000_000))
            .unwrap();
        assert!(matches!(outcome, Outcome::Verified(_)));
    }

    const CHALLENGE_BODY: &str = r#"{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;

    #[test]
    fn url_verification_is_answered_after_the_signature_check() {
        let headers = sign(&secret(), at(1_700_000_000), CHALLENGE_BODY.as_bytes());
        let request = Request::new(&headers, CHALLENGE_BODY.as_bytes());
        let outcome = verifier()
            .verify_request(&request, at(1_700_000_005))
            .unwrap();

        let reply = outcome.handshake().unwrap();
        assert_eq!(reply.provider(), Provider::Slack);
        assert_eq!(reply.status(), 200);
        assert_eq!(reply.content_type(), "application/json");
        let json: serde_json::Value = serde_json::from_str(reply.body()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})
        );
        assert_eq!(
            outcome.verified().map(Verified::provider),
            Some(Provider::Slack)
        );
    }

    #[test]
    fn an_unsigned_url_verification_gets_no_reply() {
        let headers = sign(
            &Secret::from_text("not-the-secret").unwrap(),
            at(1_700_000_000),
            CHALLENGE_BODY.as_bytes(),
        );
        let request = Request::new(&headers, CHALLENGE_BODY.as_bytes());
        assert!(matches!(
            verifier().verify_request(&request, at(1_700_000_000)),
            Err(VerifyError::SignatureMismatch { .. })
        ));
    }

    #[test]
    fn handshake_helper_on_a_verified_body() {
        let body = CHALLENGE_BODY.as_bytes();
        let headers = sign(&secret(), at(1_700_000_000), body);
        let verified = verifier()
            .verify(&headers, body, at(1_700_000_000))
            .unwrap();
        let reply = handshake(&verified, body).unwrap().unwrap();
        assert_eq!(reply.verified(), Some(&verified));

        let missing = br#"{"type":"url_verification","token":"t"}"#;
        assert!(matches!(
            handshake(&verified, missing),
            Err(VerifyError::InvalidChallenge { .. })
        ));
        let not_text = br#"{"type":"url_verification","challenge":5}"#;
        assert!(matches!(
            handshake(&verified, not_text),
            Err(VerifyError::InvalidChallenge { .. })
        ));
    }

    #[test]
    fn other_bodies_are_not_handshakes() {
        let v = Verifier::new(Keyring::from(secret()));
        let verified = v
            .verify(&sign(&secret(), at(1), b"{}"), b"{}", at(1))
            .unwrap();
        let mentions_it =
            br#"{"type":"event_callback","event":{"text":"what is url_verification?"}}"#;
        assert_eq!(handshake(&verified, mentions_it), Ok(None));
        assert_eq!(handshake(&verified, b"text=url_verification"), Ok(None));
        assert_eq!(handshake(&verified, DOCS_BODY.as_bytes()), Ok(None));
    }

    #[test]
    fn event_id_is_read_from_the_body() {
        let body =
            br#"{"type":"event_callback","event_id":"Ev08MFMKH6","event":{"type":"message"}}"#;
        let headers = sign(&secret(), at(10), body);
        let verified = verifier().verify(&headers, body, at(10)).unwrap();
        assert_eq!(verified.event_id(body).as_deref(), Some("Ev08MFMKH6"));
        assert_eq!(
            verified.idempotency_key(body).as_deref(),
            Some("Ev08MFMKH6")
        );
    }

    #[test]
    fn the_body_verification_token_is_no_substitute() {
        // The deprecated `token` field proves nothing: a wrong HMAC is refused.
        let headers = [
            (TIMESTAMP_HEADER, "1531420618"),
            (
                SIGNATURE_HEADER,
                "v0=0000000000000000000000000000000000000000000000000000000000000000",
            ),
        ];
        assert!(matches!(
            verifier().verify(&headers, DOCS_BODY.as_bytes(), at(DOCS_TS)),
            Err(VerifyError::SignatureMismatch { .. })
        ));
    }

    #[test]
    fn registry_builds_it() {
        let config = crate::VerifierConfig::new().with_secret(DOCS_SECRET);
        let v = Provider::Slack.verifier(&config).unwrap();
        let headers = sign(&secret(), at(DOCS_TS), DOCS_BODY.as_bytes());
        let request = Request::new(&headers, DOCS_BODY.as_bytes());
        assert!(v.verify_request(&request, at(DOCS_TS)).is_ok());
        assert_eq!("slack".parse::<Provider>(), Ok(Provider::Slack));
    }
}
