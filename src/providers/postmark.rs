//! Postmark: webhooks are not signed. They are protected by HTTP basic
//! authentication: credentials put in the webhook URL
//! (`https://user:pass@example.com/hook`) or set in the webhook's
//! `HttpAuth` arrive as `Authorization: Basic base64(user:pass)`.
//!
//! - The configured secret is `user:pass` as text. The presented
//!   credentials are base64-decoded into a stack buffer and compared in
//!   constant time (SHA-256 digests), reported as
//!   [`VerifyError::TokenMismatch`].
//! - The body is not covered, and there is no timestamp, so no tolerance:
//!   a captured request verifies forever. Postmark also publishes the IP
//!   ranges it sends from, for an allow list in front of this check.
//! - Rotation: several credentials in the keyring. No delivery id in a
//!   header; the body's `MessageID` names the message, not the event.
//! - `verify` allocates nothing.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::crypto;
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::{Provider, VerifierConfig};
use crate::providers::token;
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The header that carries the credentials.
pub const AUTH_HEADER: &str = "Authorization";

/// The longest credentials decoded, in bytes; longer ones cannot match.
const MAX_CREDENTIALS: usize = 768;

/// Verifies Postmark webhooks by their basic-auth credentials.
///
/// ```
/// use webhook_kit::providers::postmark;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let credentials = Secret::from_text("pm-user:pm-p@ss")?;
/// let headers = postmark::sign(&credentials);
/// assert_eq!(headers.get("Authorization"), Some("Basic cG0tdXNlcjpwbS1wQHNz"));
/// let verifier = postmark::Verifier::new(Keyring::from(credentials));
/// assert!(verifier.verify(&headers, Timestamp::UNIX_EPOCH).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    credentials: Keyring<Secret>,
}

impl Verifier {
    /// A verifier for the `user:pass` credentials in `keyring` (text).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            credentials: keyring,
        }
    }

    /// Verifies a delivery by its `Authorization` header.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the header,
    /// [`VerifyError::MalformedHeader`] when it is not `Basic <base64>`,
    /// [`VerifyError::TokenMismatch`] when the credentials match none.
    pub fn verify(&self, headers: &dyn Headers, now: Timestamp) -> Result<Verified, VerifyError> {
        let value = headers::required(headers, AUTH_HEADER)?;
        let encoded = basic_credentials(value)?;
        if encoded.len() > MAX_CREDENTIALS / 3 * 4 {
            return Err(VerifyError::TokenMismatch {
                name: AUTH_HEADER,
                keys_tried: 0,
            });
        }
        let mut buffer = [0u8; MAX_CREDENTIALS];
        let len = STANDARD
            .decode_slice(encoded, &mut buffer)
            .map_err(|_| VerifyError::malformed(AUTH_HEADER, Malformed::NotBase64))?;
        let decoded = &buffer[..len];
        let digest: [u8; 32] = Sha256::digest(decoded).into();
        let index = token::find_digest(
            &self.credentials,
            digest,
            decoded.is_empty(),
            AUTH_HEADER,
            now,
        )?;
        Ok(Verified::new(Provider::Postmark, index).covering(SignedContent::Token))
    }
}

/// The base64 part of `Basic <base64>`; the scheme name is case-insensitive.
fn basic_credentials(value: &[u8]) -> Result<&[u8], VerifyError> {
    const SCHEME: &[u8] = b"basic";
    match value.get(..SCHEME.len()) {
        Some(head)
            if head.eq_ignore_ascii_case(SCHEME)
                && value.get(SCHEME.len()).is_some_and(|b| *b == b' ') =>
        {
            Ok(headers::trim(&value[SCHEME.len()..]))
        }
        _ => Err(VerifyError::malformed(
            AUTH_HEADER,
            Malformed::MissingPrefix("Basic "),
        )),
    }
}

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Postmark
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        self.verify(request.headers(), now).map(Outcome::Verified)
    }
}

/// The header Postmark sends for these `user:pass` credentials.
pub fn sign(credentials: &Secret) -> SignedHeaders {
    SignedHeaders::new().with(
        AUTH_HEADER,
        format!("Basic {}", crypto::base64(credentials.expose_bytes())),
    )
}

secrets_from_config!(Provider::Postmark, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;

    const CREDENTIALS: &str = "pm-user:pm-p@ss";

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(Secret::from_text(CREDENTIALS).unwrap()))
    }

    #[test]
    fn credentials_decode_and_compare() {
        let v = verifier();
        let now = Timestamp::UNIX_EPOCH;
        // base64 of the credentials, from Python's base64.b64encode.
        for header in [
            "Basic cG0tdXNlcjpwbS1wQHNz",
            "basic cG0tdXNlcjpwbS1wQHNz",
            "BASIC  cG0tdXNlcjpwbS1wQHNz",
        ] {
            assert!(v.verify(&[(AUTH_HEADER, header)], now).is_ok(), "{header}");
        }
        // "pm-user:wrong", "pm-user:pm-p@s", ":" and "".
        for header in [
            "Basic cG0tdXNlcjp3cm9uZw==",
            "Basic cG0tdXNlcjpwbS1wQHM=",
            "Basic Og==",
        ] {
            let error = v.verify(&[(AUTH_HEADER, header)], now).unwrap_err();
            assert_eq!(error.code(), "token_mismatch", "{header}");
            assert!(!error.to_string().contains("pm-p@ss"));
        }
        for header in [
            "Bearer cG0tdXNlcjpwbS1wQHNz",
            "Basic not*base64",
            "Basiccm9vdA==",
            "Basic ",
        ] {
            assert_eq!(
                v.verify(&[(AUTH_HEADER, header)], now).unwrap_err().code(),
                "malformed_header",
                "{header}"
            );
        }
        let long = format!("Basic {}", "QUFB".repeat(400));
        assert_eq!(
            v.verify(&[(AUTH_HEADER, long)], now).unwrap_err().code(),
            "token_mismatch"
        );
        let none: [(&str, &str); 0] = [];
        assert_eq!(v.verify(&none, now).unwrap_err().code(), "missing_header");
    }

    #[test]
    fn sign_round_trips() {
        let secret = Secret::from_text(CREDENTIALS).unwrap();
        let headers = sign(&secret);
        assert_eq!(headers.get(AUTH_HEADER), Some("Basic cG0tdXNlcjpwbS1wQHNz"));
        assert!(verifier().verify(&headers, Timestamp::UNIX_EPOCH).is_ok());
    }
}
