//! Telegram Bot API: `X-Telegram-Bot-Api-Secret-Token` carries, verbatim,
//! the `secret_token` given to `setWebhook` (1 to 256 characters of
//! `A-Z a-z 0-9 _ -`). No MAC and no timestamp: the check is a
//! constant-time comparison of the token (of SHA-256 digests, so its
//! length does not show either), reported as
//! [`VerifyError::TokenMismatch`].
//!
//! - Without a `secret_token`, Telegram sends no header and nothing can be
//!   verified: such a delivery is [`VerifyError::MissingHeader`].
//! - Rotation: several tokens in the keyring (call `setWebhook` with the
//!   new one, then drop the old one).
//! - The event id is the body's `update_id` ([`Verified::event_id`]).
//! - `verify` allocates nothing.

use crate::error::{SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::{Provider, VerifierConfig};
use crate::providers::token;
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The secret token header.
pub const TOKEN_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// Verifies Telegram webhook updates by their secret token.
///
/// ```
/// use webhook_kit::providers::telegram;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let token = Secret::from_text("my_Secret-token_123")?;
/// let body = br#"{"update_id":10000}"#;
/// let headers = telegram::sign(&token);
/// let verifier = telegram::Verifier::new(Keyring::from(token));
/// let verified = verifier.verify(&headers, Timestamp::UNIX_EPOCH)?;
/// assert_eq!(verified.event_id(body).as_deref(), Some("10000"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    tokens: Keyring<Secret>,
}

impl Verifier {
    /// A verifier for the secret tokens in `keyring` (text).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier { tokens: keyring }
    }

    /// Verifies an update by its header; the body is not covered.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the header,
    /// [`VerifyError::TokenMismatch`] when it matches no token.
    pub fn verify(&self, headers: &dyn Headers, now: Timestamp) -> Result<Verified, VerifyError> {
        let presented = headers::required(headers, TOKEN_HEADER)?;
        let index = token::find(&self.tokens, presented, TOKEN_HEADER, now)?;
        Ok(Verified::new(Provider::Telegram, index).covering(SignedContent::Token))
    }
}

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Telegram
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        self.verify(request.headers(), now).map(Outcome::Verified)
    }
}

/// The header Telegram sends with every update for this token.
pub fn sign(secret_token: &Secret) -> SignedHeaders {
    SignedHeaders::new().with(TOKEN_HEADER, token::text(secret_token))
}

/// The event id in a Telegram update (`update_id`).
pub(crate) fn event_id(body: &[u8]) -> Option<String> {
    crate::provider::json_string_field(body, &["update_id"])
}

secrets_from_config!(Provider::Telegram, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const TOKEN: &str = "my_Secret-token_123";

    #[test]
    fn token_must_match_whole_and_exactly() {
        let v = Verifier::new(Keyring::from(Secret::from_text(TOKEN).unwrap()));
        let now = Timestamp::UNIX_EPOCH;
        let verified = v.verify(&[(TOKEN_HEADER, TOKEN)], now).unwrap();
        assert_eq!(verified.signature_fingerprint(), None);
        assert_eq!(verified.covers(), SignedContent::Token);
        assert_eq!(verified.timestamp(), None);
        for changed in bit_flips(TOKEN.as_bytes()) {
            assert_eq!(
                v.verify(&[(TOKEN_HEADER, changed)], now)
                    .unwrap_err()
                    .code(),
                "token_mismatch"
            );
        }
        let error = v
            .verify(&[(TOKEN_HEADER, "my_Secret-token_12")], now)
            .unwrap_err();
        assert!(!error.to_string().contains(TOKEN));
        let none: [(&str, &str); 0] = [];
        assert_eq!(
            v.verify(&none, now).unwrap_err(),
            VerifyError::MissingHeader { name: TOKEN_HEADER }
        );
        assert!(!format!("{v:?}").contains(TOKEN));
    }
}
