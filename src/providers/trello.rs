//! Trello: `X-Trello-Webhook: <base64>`, HMAC-**SHA1** over the raw body
//! **followed by** the webhook's `callbackURL` exactly as it was given when
//! the webhook was created, keyed with the application's OAuth secret
//! **as text** (not the API key, not a user token).
//!
//! - The callback URL is signed, so a proxy that rewrites the host, scheme
//!   or query breaks verification: configure the URL with
//!   [`Verifier::with_callback_url`] rather than rebuilding it.
//! - When a webhook is created Trello sends a `HEAD` request to the URL and
//!   expects 200. It carries no signature; answer it without verifying
//!   (it carries no data either).
//! - No timestamp, so no tolerance; no delivery id header (the body's
//!   `action.id` identifies the event).
//! - Rotation: several secrets in the keyring are tried in turn.
//! - Needs the `sha1` feature. [`Verifier::verify`] allocates nothing.

use crate::crypto::{self, HmacSha1, MacKeys, MatchTarget, TagEncoding};
use crate::error::{SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Trello-Webhook";

/// Verifies Trello webhooks.
///
/// ```
/// use webhook_kit::providers::trello;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let secret = Secret::from_text("application-oauth-secret")?;
/// let url = "https://example.com/trello?board=1";
/// let body = br#"{"action":{"id":"51f9424b","type":"commentCard"}}"#;
/// let headers = trello::sign(&secret, url, body);
///
/// let verifier = trello::Verifier::new(Keyring::from(secret));
/// let verified = verifier.verify(&headers, url, body, Timestamp::UNIX_EPOCH)?;
/// assert_eq!(verified.event_id(body).as_deref(), Some("51f9424b"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha1>,
    callback_url: Option<String>,
}

impl Verifier {
    /// A verifier for the OAuth secrets in `keyring` (each built with
    /// [`Secret::from_text`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            callback_url: None,
        }
    }

    /// Uses this callback URL in [`Verify::verify_request`] instead of the
    /// request's own URL.
    pub fn with_callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Verifies a delivery to `callback_url`. Trello signs no timestamp, so
    /// `now` only decides which keys have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without `X-Trello-Webhook`,
    /// [`VerifyError::MissingRequestPart`] when `callback_url` is empty,
    /// [`VerifyError::MalformedHeader`] for a value that is not 20 bytes
    /// of base64, [`VerifyError::SignatureMismatch`] when no key matches.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        callback_url: &str,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let value = headers::required(headers, SIGNATURE_HEADER)?;
        if callback_url.is_empty() {
            return Err(VerifyError::MissingRequestPart { part: "url" });
        }
        let candidate = || std::iter::once(crypto::decode_tag::<20>(value, TagEncoding::Base64));
        let target = MatchTarget {
            header: SIGNATURE_HEADER,
            scheme: "hmac-sha1",
            covers: SignedContent::UrlAndBody,
        };
        // Trello appends the URL after the body.
        let key_index = self
            .keys
            .find(now, &[body, callback_url.as_bytes()], target, candidate)?;
        Ok(Verified::new(Provider::Trello, key_index).covering(SignedContent::UrlAndBody))
    }
}

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Trello
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        // A missing signature says "not a Trello delivery" before a missing URL does.
        headers::required(request.headers(), SIGNATURE_HEADER)?;
        let url = match &self.callback_url {
            Some(url) => url.as_str(),
            None => request.require_url()?,
        };
        self.verify(request.headers(), url, request.body(), now)
            .map(Outcome::Verified)
    }
}

/// Signs `body` as Trello does for a webhook created with this callback URL.
pub fn sign(secret: &Secret, callback_url: &str, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha1(secret.expose_bytes(), &[body, callback_url.as_bytes()]);
    SignedHeaders::new().with(SIGNATURE_HEADER, crypto::base64(&tag))
}

/// The action id in a Trello body (`action.id`).
pub(crate) fn event_id(body: &[u8]) -> Option<String> {
    crate::provider::json_string_field(body, &["action", "id"])
}

pub(crate) fn from_config(
    config: &crate::provider::VerifierConfig,
) -> Result<Verifier, crate::SecretError> {
    let verifier = Verifier::new(config.secrets(Provider::Trello, crate::SecretEncoding::Utf8)?);
    Ok(match &config.notification_url {
        Some(url) => verifier.with_callback_url(url.clone()),
        None => verifier,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "trello-unit";
    const URL: &str = "https://example.com/trello";
    const BODY: &[u8] = br#"{"action":{}}"#;
    const NOW: Timestamp = Timestamp::UNIX_EPOCH;

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(Secret::from_text(SECRET).unwrap()))
    }

    #[test]
    fn sign_matches_an_independent_hmac() {
        // python3: base64.b64encode(hmac.new(SECRET, BODY + URL, hashlib.sha1).digest())
        let signed = sign(&Secret::from_text(SECRET).unwrap(), URL, BODY);
        assert_eq!(
            signed.get(SIGNATURE_HEADER),
            Some("Oy6eqXpo1dAiMQaHEyijoZNMagE=")
        );
    }

    #[test]
    fn round_trip_and_single_bit_changes() {
        let secret = Secret::from_text(SECRET).unwrap();
        let v = verifier();
        let signed = sign(&secret, URL, BODY);
        let verified = v.verify(&signed, URL, BODY, NOW).unwrap();
        assert_eq!(verified.covers(), SignedContent::UrlAndBody);
        for changed in bit_flips(BODY) {
            assert!(v.verify(&signed, URL, &changed, NOW).is_err());
        }
        for changed in bit_flips(URL.as_bytes()) {
            let url = String::from_utf8_lossy(&changed).into_owned();
            assert!(v.verify(&signed, &url, BODY, NOW).is_err());
        }
        for changed in bit_flips(SECRET.as_bytes()) {
            let other = Verifier::new(Keyring::from(Secret::from_bytes(changed)));
            assert!(other.verify(&signed, URL, BODY, NOW).is_err());
        }
    }

    #[test]
    fn the_configured_callback_url_wins() {
        let secret = Secret::from_text(SECRET).unwrap();
        let signed = sign(&secret, URL, BODY);
        let v = verifier().with_callback_url(URL);
        // The request arrived through a proxy under another URL.
        let request = Request::new(&signed, BODY).with_url("http://internal:8080/trello");
        assert!(v.verify_request(&request, NOW).is_ok());
        let without = Request::new(&signed, BODY);
        assert_eq!(
            verifier().verify_request(&without, NOW).unwrap_err().code(),
            VerifyError::MissingRequestPart { part: "url" }.code()
        );
    }
}
