//! Figma webhooks (v2): no header and no MAC. The `passcode` chosen when
//! the webhook was created comes back in every event's JSON body, in its
//! `passcode` field; the check is a constant-time comparison of it (of
//! SHA-256 digests), reported as [`VerifyError::TokenMismatch`].
//!
//! - Only the passcode is proven: the rest of the body is not covered, and
//!   there is no timestamp, so no tolerance. Figma's advice on a wrong
//!   passcode is to answer `400`, which stops the webhook.
//! - The `PING` event sent when a webhook is created carries the passcode
//!   too and verifies like any other event.
//! - A body without the field is [`VerifyError::MissingHeader`] naming
//!   `passcode`; a body that is not JSON, or whose `passcode` is not a
//!   string, is malformed.
//! - Rotation: several passcodes in the keyring. No delivery id.
//! - `verify` reads the field without building a document, and allocates
//!   only when the passcode holds a JSON escape.

use std::borrow::Cow;

use serde::Deserialize;

use crate::error::{Malformed, VerifyError};
use crate::provider::{Provider, VerifierConfig};
use crate::providers::token;
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request, Verified, Verify};

/// The body field that carries the passcode.
pub const PASSCODE_FIELD: &str = "passcode";

/// Verifies Figma webhook events by their passcode.
///
/// ```
/// use webhook_kit::providers::figma;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let passcode = Secret::from_text("figma-passcode-2024")?;
/// let body = br#"{"event_type":"PING","passcode":"figma-passcode-2024","webhook_id":"22"}"#;
/// let verifier = figma::Verifier::new(Keyring::from(passcode));
/// assert!(verifier.verify(body, Timestamp::UNIX_EPOCH).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    passcodes: Keyring<Secret>,
}

/// The one field read; every other one is skipped unparsed.
#[derive(Deserialize)]
struct Passcode<'a> {
    #[serde(borrow, default)]
    passcode: Option<Text<'a>>,
}

/// A string borrowed from the body unless it holds an escape; a bare
/// `Option<Cow<str>>` would always copy it.
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

impl Verifier {
    /// A verifier for the passcodes in `keyring` (text).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier { passcodes: keyring }
    }

    /// Verifies an event by the passcode in its body.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MalformedHeader`] naming `passcode` when the body is
    /// not JSON or the field is not a string,
    /// [`VerifyError::MissingHeader`] without the field,
    /// [`VerifyError::TokenMismatch`] when it matches no passcode.
    pub fn verify(&self, body: &[u8], now: Timestamp) -> Result<Verified, VerifyError> {
        let parsed: Passcode<'_> = serde_json::from_slice(body)
            .map_err(|_| VerifyError::malformed(PASSCODE_FIELD, Malformed::BadBody))?;
        let presented = parsed.passcode.ok_or(VerifyError::MissingHeader {
            name: PASSCODE_FIELD,
        })?;
        let index = token::find(&self.passcodes, presented.0.as_bytes(), PASSCODE_FIELD, now)?;
        Ok(Verified::new(Provider::Figma, index).covering(crate::error::SignedContent::Token))
    }
}

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Figma
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        self.verify(request.body(), now).map(Outcome::Verified)
    }
}

secrets_from_config!(Provider::Figma, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(
            Secret::from_text("figma-passcode-2024").unwrap(),
        ))
    }

    #[test]
    fn passcode_field_decides() {
        let v = verifier();
        let now = Timestamp::UNIX_EPOCH;
        let good = br#"{"event_type":"FILE_UPDATE","file_key":"abc123","nested":{"passcode":"x"},"passcode":"figma-passcode-2024"}"#;
        let verified = v.verify(good, now).unwrap();
        assert_eq!(verified.covers(), crate::error::SignedContent::Token);
        // An escaped character decodes before the comparison.
        let escaped = br#"{"passcode":"figma-passcode-202\u0034"}"#;
        assert!(v.verify(escaped, now).is_ok());

        for body in [
            &br#"{"passcode":"guess"}"#[..],
            br#"{"passcode":"figma-passcode-2024 "}"#,
            br#"{"passcode":""}"#,
        ] {
            assert_eq!(v.verify(body, now).unwrap_err().code(), "token_mismatch");
        }
        let absent = br#"{"event_type":"PING","webhook_id":"22"}"#;
        assert_eq!(
            v.verify(absent, now).unwrap_err(),
            VerifyError::MissingHeader {
                name: PASSCODE_FIELD
            }
        );
        for body in [&b"not json"[..], br#"{"passcode":2024}"#, b""] {
            assert_eq!(v.verify(body, now).unwrap_err().code(), "malformed_header");
        }
    }
}
