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
use crate::headers::Headers;
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

const NAMES: v0::Names = v0::Names {
    signature: SIGNATURE_HEADER,
    timestamp: TIMESTAMP_HEADER,
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
    if !v0::mentions(body, URL_VERIFICATION) {
        return Ok(None);
    }
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice(body) else {
        return Ok(None);
    };
    if fields.get("type").and_then(serde_json::Value::as_str) != Some(URL_VERIFICATION) {
        return Ok(None);
    }

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
