//! Cloudflare notifications (webhook destinations): the secret set on the
//! destination arrives verbatim in `cf-webhook-auth`. No MAC and no
//! timestamp: the check is a constant-time comparison of the secret (of
//! SHA-256 digests), reported as [`VerifyError::TokenMismatch`].
//!
//! - A destination without a secret sends no header: such a delivery is
//!   [`VerifyError::MissingHeader`].
//! - Rotation: several secrets in the keyring. No delivery id.
//! - `verify` allocates nothing.

use crate::error::{SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::{Provider, VerifierConfig};
use crate::providers::token;
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The secret header.
pub const AUTH_HEADER: &str = "cf-webhook-auth";

/// Verifies Cloudflare notification webhooks by their secret.
///
/// ```
/// use webhook_kit::providers::cloudflare;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let secret = Secret::from_text("cloudflare-webhook-secret")?;
/// let headers = cloudflare::sign(&secret);
/// let verifier = cloudflare::Verifier::new(Keyring::from(secret));
/// assert!(verifier.verify(&headers, Timestamp::UNIX_EPOCH).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    secrets: Keyring<Secret>,
}

impl Verifier {
    /// A verifier for the destination secrets in `keyring` (text).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier { secrets: keyring }
    }

    /// Verifies a notification by its header; the body is not covered.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the header,
    /// [`VerifyError::TokenMismatch`] when it matches no secret.
    pub fn verify(&self, headers: &dyn Headers, now: Timestamp) -> Result<Verified, VerifyError> {
        let presented = headers::required(headers, AUTH_HEADER)?;
        let index = token::find(&self.secrets, presented, AUTH_HEADER, now)?;
        Ok(Verified::new(Provider::Cloudflare, index).covering(SignedContent::Token))
    }
}

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Cloudflare
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        self.verify(request.headers(), now).map(Outcome::Verified)
    }
}

/// The header Cloudflare sends with every notification for this secret.
pub fn sign(secret: &Secret) -> SignedHeaders {
    SignedHeaders::new().with(AUTH_HEADER, token::text(secret))
}

secrets_from_config!(Provider::Cloudflare, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "cloudflare-webhook-secret";

    #[test]
    fn secret_must_match_whole() {
        let ring = Keyring::from(Secret::from_text("old").unwrap())
            .with_key(Secret::from_text(SECRET).unwrap());
        let v = Verifier::new(ring);
        let now = Timestamp::UNIX_EPOCH;
        assert_eq!(
            v.verify(&[(AUTH_HEADER, SECRET)], now).unwrap().key_index(),
            1
        );
        for changed in bit_flips(SECRET.as_bytes()) {
            assert_eq!(
                v.verify(&[(AUTH_HEADER, changed)], now).unwrap_err().code(),
                "token_mismatch"
            );
        }
        let none: [(&str, &str); 0] = [];
        assert_eq!(v.verify(&none, now).unwrap_err().code(), "missing_header");
    }
}
