//! Paddle Billing: `Paddle-Signature: ts=<unix>;h1=<hex>[;h1=<hex>...]`,
//! HMAC-SHA256 over `"{ts}:{body}"`, keyed with the notification
//! destination's secret key (`pdl_ntfset_...`) **as text**.
//!
//! - Several `h1` entries may arrive while a secret is rolled: any match is
//!   enough. Keys other than `ts` and `h1` (such as `h2`) are ignored; a
//!   header with no `h1` at all is malformed.
//! - Tolerance: **5 s**, Paddle's default, checked both ways in this crate
//!   (a timestamp exactly 5 s old is accepted). That is tight: verify on
//!   receipt, before queueing, or widen it with [`Verifier::with_tolerance`].
//! - No delivery id header; the event id is the body's `notification_id`,
//!   or `event_id` when there is none ([`Verified::event_id`]). Each
//!   notification destination has its own secret.
//! - Paddle Classic (`p_signature`, RSA) is a different scheme and is not
//!   handled here.
//!
//! The verify path allocates nothing.

use std::time::Duration;

use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::{self, Timestamp, TimestampCheck, Tolerance};
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "Paddle-Signature";

/// The window of Paddle's SDK helpers: five seconds.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5);

/// Verifies Paddle Billing notifications.
///
/// ```
/// use webhook_kit::providers::paddle;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let secret = Secret::from_text("pdl_ntfset_01_test")?;
/// let body = br#"{"event_id":"evt_01","notification_id":"ntf_01"}"#;
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
/// let headers = paddle::sign(&secret, now, body);
///
/// let verifier = paddle::Verifier::new(Keyring::from(secret));
/// let verified = verifier.verify(&headers, body, now)?;
/// assert_eq!(verified.event_id(body).as_deref(), Some("ntf_01"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the destination secret keys in `keyring` (each built
    /// with [`Secret::from_text`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// Verifies a notification.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the header,
    /// [`VerifyError::MalformedHeader`] when `ts` or every `h1` is missing
    /// or unreadable, [`VerifyError::SignatureMismatch`] when no `h1`
    /// matches, and the timestamp errors.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        if !headers::present(headers, SIGNATURE_HEADER) {
            return Err(VerifyError::MissingHeader {
                name: SIGNATURE_HEADER,
            });
        }

        let raw_ts = the_one(headers, "ts")?;
        let signed_at = time::parse_unix_seconds(raw_ts)
            .map_err(|e| VerifyError::malformed(SIGNATURE_HEADER, e))?;

        let signatures = || values(headers, "h1");
        // Paddle always sends an `h1`; a header without one is not a Paddle header.
        if signatures().next().is_none() {
            return Err(VerifyError::malformed(
                SIGNATURE_HEADER,
                Malformed::MissingPart("h1"),
            ));
        }
        let candidates =
            || signatures().map(|value| crypto::decode_tag::<32>(value, TagEncoding::Hex));
        let target = MatchTarget {
            header: SIGNATURE_HEADER,
            scheme: "h1",
            covers: SignedContent::Body,
        };
        let key_index = self
            .keys
            .find(now, &[raw_ts, b":", body], target, candidates)?;

        self.check.apply(signed_at, now)?;
        Ok(Verified::new(Provider::Paddle, key_index).signed_at(signed_at))
    }
}

/// The values of the `key=value` items named `key`, across all header lines.
fn values<'h>(headers: &'h dyn Headers, key: &'h str) -> impl Iterator<Item = &'h [u8]> + 'h {
    headers::list_items(headers, SIGNATURE_HEADER, b';').filter_map(move |item| {
        let (name, value) = item.split_at_checked(key.len())?;
        let value = value.strip_prefix(b"=")?;
        (name == key.as_bytes()).then(|| headers::trim(value))
    })
}

/// The value of a key that must appear once (repeats with the same value pass).
fn the_one<'h>(headers: &'h dyn Headers, key: &'static str) -> Result<&'h [u8], VerifyError> {
    let mut found = values(headers, key);
    let first = found.next().ok_or(VerifyError::malformed(
        SIGNATURE_HEADER,
        Malformed::MissingPart(key),
    ))?;
    if found.any(|other| other != first) {
        return Err(VerifyError::malformed(
            SIGNATURE_HEADER,
            Malformed::DuplicateParam(key),
        ));
    }
    Ok(first)
}

timestamp_options!(Verifier);

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Paddle
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        self.verify(request.headers(), request.body(), now)
            .map(Outcome::Verified)
    }
}

/// Signs `body` as Paddle does, at `timestamp` (whole seconds are used).
pub fn sign(secret: &Secret, timestamp: Timestamp, body: &[u8]) -> SignedHeaders {
    let ts = timestamp.as_unix_seconds().to_string();
    let tag = crypto::hmac_sha256(secret.expose_bytes(), &[ts.as_bytes(), b":", body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, format!("ts={ts};h1={}", crypto::hex(&tag)))
}

/// The event id in a Paddle body: `notification_id`, else `event_id`.
pub(crate) fn event_id(body: &[u8]) -> Option<String> {
    use crate::provider::json_string_field;
    json_string_field(body, &["notification_id"]).or_else(|| json_string_field(body, &["event_id"]))
}
