//! Trello: `X-Trello-Webhook: <base64>`, HMAC-SHA1 over the raw body
//! followed by the callback URL exactly as given when the webhook was
//! created, keyed with the application's OAuth secret **as text** (not the
//! API key or a token). No timestamp.
//!
//! - Trello's signer treats the signed text as a Node "binary" string: each
//!   UTF-16 code unit is cut to its low byte. For ASCII that is the UTF-8
//!   bytes; for other text it is not, so when the UTF-8 form does not match
//!   and the body or URL is not ASCII, the binary form is tried as well
//!   (this allocates a copy; ASCII deliveries allocate nothing).
//! - The URL must be the registered callback URL byte for byte: configure
//!   it with [`Verifier::with_callback_url`] when a proxy rewrites the one
//!   the request arrived on.
//! - Creating a webhook sends a `HEAD` request, which must get a 200:
//!   [`Verify::verify_request`] answers it with an empty
//!   [`Outcome::Handshake`] (unsigned).
//! - No timestamp is signed: replay protection is the caller's. Rotation:
//!   several secrets in the keyring are tried in turn. No delivery id
//!   header; the body's `action.id` is the event id.

use crate::crypto::{self, HmacSha1, MacKeys, MatchTarget, TagEncoding};
use crate::error::{SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::Timestamp;
use crate::verify::{Handshake, Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Trello-Webhook";

/// Verifies Trello webhooks and answers the `HEAD` check.
///
/// ```
/// use webhook_kit::providers::trello;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let secret = Secret::from_text("oauth-application-secret")?;
/// let url = "https://example.com/trello";
/// let body = br#"{"action":{"id":"5f1e","type":"updateCard"}}"#;
/// let headers = trello::sign(&secret, body, url);
///
/// let verifier = trello::Verifier::new(Keyring::from(secret));
/// let verified = verifier.verify(&headers, body, url, Timestamp::now())?;
/// assert_eq!(verified.event_id(body).as_deref(), Some("5f1e"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha1>,
    callback_url: Option<String>,
}

impl Verifier {
    /// A verifier for the application secrets in `keyring` (each built with
    /// [`Secret::from_text`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            callback_url: None,
        }
    }

    /// The callback URL the webhook was created with; without it,
    /// [`Verify::verify_request`] uses the request's URL.
    pub fn with_callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Verifies a delivery to `callback_url`.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the header,
    /// [`VerifyError::MalformedHeader`] when it is not base64 of 20 bytes,
    /// [`VerifyError::SignatureMismatch`] when no secret matches either form.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        callback_url: &str,
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let value = headers::required(headers, SIGNATURE_HEADER)?;
        let candidate = || std::iter::once(crypto::decode_tag::<20>(value, TagEncoding::Base64));
        let target = MatchTarget {
            header: SIGNATURE_HEADER,
            scheme: "sha1",
            covers: SignedContent::UrlAndBody,
        };
        let url = callback_url.as_bytes();
        let first = self.keys.find(now, &[body, url], target, candidate);
        let key_index = match (first, std::str::from_utf8(body)) {
            (Err(VerifyError::SignatureMismatch { .. }), Ok(text))
                if !(body.is_ascii() && url.is_ascii()) =>
            {
                let signed = binary_form(&[text, callback_url]);
                self.keys.find(now, &[&signed], target, candidate)?
            }
            (first, _) => first?,
        };
        Ok(Verified::new(Provider::Trello, key_index).covering(SignedContent::UrlAndBody))
    }
}

/// The low byte of each UTF-16 code unit of `parts`, joined: what a Node
/// `Buffer` made with the `binary` encoding holds.
fn binary_form(parts: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        for unit in part.encode_utf16() {
            // Truncation is the point: Trello signs only the low byte.
            out.push((unit & 0xff) as u8);
        }
    }
    out
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
        if request.method().eq_ignore_ascii_case("HEAD") {
            return Ok(Outcome::Handshake(Handshake::empty(Provider::Trello)));
        }
        let url = match &self.callback_url {
            Some(url) => url.as_str(),
            None => request.require_url()?,
        };
        self.verify(request.headers(), request.body(), url, now)
            .map(Outcome::Verified)
    }
}

/// Signs `body` for `callback_url` as Trello does for ASCII text (the UTF-8
/// form): the `X-Trello-Webhook` header.
pub fn sign(secret: &Secret, body: &[u8], callback_url: &str) -> SignedHeaders {
    let tag = crypto::hmac_sha1(secret.expose_bytes(), &[body, callback_url.as_bytes()]);
    SignedHeaders::new().with(SIGNATURE_HEADER, crypto::base64(&tag))
}

/// The event id in a Trello body (`action.id`).
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

    const URL: &str = "https://example.com/trello?board=1";

    fn secret() -> Secret {
        Secret::from_text("trello-unit-secret").unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(secret()))
    }

    #[test]
    fn round_trip_and_single_bit_changes() {
        let body = br#"{"action":{"id":"a1"}}"#;
        let signed = sign(&secret(), body, URL);
        let now = Timestamp::UNIX_EPOCH;
        assert!(verifier().verify(&signed, body, URL, now).is_ok());
        for changed in bit_flips(body) {
            assert!(verifier().verify(&signed, &changed, URL, now).is_err());
        }
        for changed in bit_flips(URL.as_bytes()) {
            if let Ok(url) = std::str::from_utf8(&changed) {
                assert!(verifier().verify(&signed, body, url, now).is_err());
            }
        }
    }

    #[test]
    fn binary_form_of_non_ascii_text() {
        assert_eq!(
            binary_form(&["a\u{2013}", "\u{1F680}"]),
            [b'a', 0x13, 0x3d, 0x80]
        );
        let body = "{\"text\":\"caf\u{e9} \u{2013}\"}";
        let signed_text = binary_form(&[body, URL]);
        let tag = crypto::hmac_sha1(secret().expose_bytes(), &[&signed_text]);
        let headers = [(SIGNATURE_HEADER, crypto::base64(&tag))];
        let verified = verifier()
            .verify(&headers, body.as_bytes(), URL, Timestamp::UNIX_EPOCH)
            .unwrap();
        assert_eq!(verified.covers(), SignedContent::UrlAndBody);
    }

    #[test]
    fn head_check_and_url_source() {
        let none: [(&str, &str); 0] = [];
        let head = Request::new(&none, b"").with_method("HEAD");
        let outcome = verifier()
            .verify_request(&head, Timestamp::UNIX_EPOCH)
            .unwrap();
        assert_eq!(outcome.handshake().unwrap().body(), "");

        let body = b"{}";
        let signed = sign(&secret(), body, URL);
        let proxied = Request::new(&signed, body).with_url("http://internal:8080/trello");
        assert_eq!(
            verifier()
                .verify_request(&proxied, Timestamp::UNIX_EPOCH)
                .unwrap_err()
                .code(),
            "signature_mismatch"
        );
        let configured = verifier().with_callback_url(URL);
        assert!(
            configured
                .verify_request(&proxied, Timestamp::UNIX_EPOCH)
                .is_ok()
        );
        let no_url = Request::new(&signed, body);
        assert_eq!(
            verifier()
                .verify_request(&no_url, Timestamp::UNIX_EPOCH)
                .unwrap_err()
                .code(),
            "missing_request_part"
        );
    }
}
