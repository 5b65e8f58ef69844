//! Mandrill (Mailchimp Transactional): `X-Mandrill-Signature: <base64>`,
//! HMAC-SHA1 over the webhook URL exactly as configured, followed by each
//! POST variable's name and value (sorted by name, no separators), keyed
//! with the webhook's authentication key **as text** (not the API key).
//! No timestamp.
//!
//! - Events arrive form-encoded in `mandrill_events`; the signature covers
//!   the decoded values, so `+` and `%20` for a space sign alike.
//! - The URL must be the configured one byte for byte (a trailing slash or
//!   the query counts): set it with [`Verifier::with_webhook_url`] when a
//!   proxy rewrites the one the request arrived on.
//! - No timestamp is signed: replay protection is the caller's (each
//!   event's `_id` identifies it). Rotation: several keys in the keyring
//!   are tried in turn.
//! - The URL, names and values are joined with no delimiter, so the
//!   signature does not fix where one ends and the next begins (a value can
//!   swallow the next name, the URL the first one): rely on the content of
//!   `mandrill_events`, not on which other fields are present. This is
//!   Mandrill's scheme.
//!
//! Verifying allocates: the form is decoded and the signed text assembled.

use std::borrow::Cow;

use crate::crypto::{self, HmacSha1, MacKeys, MatchTarget, TagEncoding};
use crate::error::{SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Mandrill-Signature";

/// Verifies Mandrill webhooks.
///
/// ```
/// use webhook_kit::providers::mandrill;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let key = Secret::from_text("webhook-auth-key")?;
/// let url = "https://example.com/mandrill";
/// let params = [("mandrill_events", r#"[{"event":"send"}]"#)];
/// let headers = mandrill::sign(&key, url, &params);
/// let body = b"mandrill_events=%5B%7B%22event%22%3A%22send%22%7D%5D";
///
/// let verifier = mandrill::Verifier::new(Keyring::from(key));
/// verifier.verify(&headers, body, url, Timestamp::now())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha1>,
    webhook_url: Option<String>,
}

impl Verifier {
    /// A verifier for the webhook keys in `keyring` (each built with
    /// [`Secret::from_text`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            webhook_url: None,
        }
    }

    /// The webhook URL as configured in Mandrill; without it,
    /// [`Verify::verify_request`] uses the request's URL.
    pub fn with_webhook_url(mut self, url: impl Into<String>) -> Self {
        self.webhook_url = Some(url.into());
        self
    }

    /// Verifies a form-encoded delivery to `webhook_url`.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the header,
    /// [`VerifyError::MalformedHeader`] when it is not base64 of 20 bytes,
    /// [`VerifyError::SignatureMismatch`] when no key matches.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        webhook_url: &str,
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let value = headers::required(headers, SIGNATURE_HEADER)?;
        let params: Vec<_> = form_urlencoded::parse(body).collect();
        let signed = signed_text(webhook_url, params);
        let candidate = || std::iter::once(crypto::decode_tag::<20>(value, TagEncoding::Base64));
        let target = MatchTarget {
            header: SIGNATURE_HEADER,
            scheme: "sha1",
            covers: SignedContent::UrlAndParams,
        };
        let key_index = self
            .keys
            .find(now, &[signed.as_bytes()], target, candidate)?;
        Ok(Verified::new(Provider::Mandrill, key_index).covering(SignedContent::UrlAndParams))
    }
}

/// The URL, then each name and value sorted by name (a stable sort, so
/// repeated names keep their arrival order).
fn signed_text(url: &str, mut params: Vec<(Cow<'_, str>, Cow<'_, str>)>) -> String {
    params.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut text = String::with_capacity(
        url.len() + params.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>(),
    );
    text.push_str(url);
    for (name, value) in &params {
        text.push_str(name);
        text.push_str(value);
    }
    text
}

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Mandrill
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        let url = match &self.webhook_url {
            Some(url) => url.as_str(),
            None => request.require_url()?,
        };
        self.verify(request.headers(), request.body(), url, now)
            .map(Outcome::Verified)
    }
}

/// Signs the POST variables `params` for `webhook_url` as Mandrill does:
/// the `X-Mandrill-Signature` header.
pub fn sign(key: &Secret, webhook_url: &str, params: &[(&str, &str)]) -> SignedHeaders {
    let owned = params
        .iter()
        .map(|(k, v)| (Cow::Borrowed(*k), Cow::Borrowed(*v)))
        .collect();
    let tag = crypto::hmac_sha1(
        key.expose_bytes(),
        &[signed_text(webhook_url, owned).as_bytes()],
    );
    SignedHeaders::new().with(SIGNATURE_HEADER, crypto::base64(&tag))
}

pub(crate) fn from_config(
    config: &crate::provider::VerifierConfig,
) -> Result<Verifier, crate::SecretError> {
    let verifier = Verifier::new(config.secrets(Provider::Mandrill, crate::SecretEncoding::Utf8)?);
    Ok(match &config.notification_url {
        Some(url) => verifier.with_webhook_url(url.clone()),
        None => verifier,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const URL: &str = "https://example.com/mandrill";

    fn key() -> Secret {
        Secret::from_text("mandrill-unit-key").unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(key()))
    }

    #[test]
    fn signed_text_sorts_by_name() {
        let params = vec![
            (Cow::Borrowed("b"), Cow::Borrowed("2")),
            (Cow::Borrowed("a"), Cow::Borrowed("1")),
            (Cow::Borrowed("b"), Cow::Borrowed("0")),
        ];
        assert_eq!(signed_text("u", params), "ua1b2b0");
    }

    #[test]
    fn round_trip_and_single_bit_changes() {
        let events = r#"[{"event":"open"}]"#;
        let headers = sign(&key(), URL, &[("mandrill_events", events)]);
        let body: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("mandrill_events", events)
            .finish();
        let now = Timestamp::UNIX_EPOCH;
        let verified = verifier()
            .verify(&headers, body.as_bytes(), URL, now)
            .unwrap();
        assert_eq!(verified.covers(), SignedContent::UrlAndParams);
        for changed in bit_flips(body.as_bytes()) {
            // Some flips decode to the same variables (`+` and `%20`); the
            // rest must fail.
            let same = form_urlencoded::parse(&changed).eq(form_urlencoded::parse(body.as_bytes()));
            assert_eq!(
                verifier().verify(&headers, &changed, URL, now).is_ok(),
                same
            );
        }
    }

    #[test]
    fn url_comes_from_configuration_or_request() {
        let headers = sign(&key(), URL, &[("mandrill_events", "[]")]);
        let body = b"mandrill_events=%5B%5D";
        let proxied = Request::new(&headers, body).with_url("http://10.0.0.5/mandrill");
        let now = Timestamp::UNIX_EPOCH;
        assert_eq!(
            verifier().verify_request(&proxied, now).unwrap_err().code(),
            "signature_mismatch"
        );
        assert!(
            verifier()
                .with_webhook_url(URL)
                .verify_request(&proxied, now)
                .is_ok()
        );
        let none: [(&str, &str); 0] = [];
        assert_eq!(
            verifier().verify(&none, body, URL, now).unwrap_err().code(),
            "missing_header"
        );
    }
}
