use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{MAX_SECRET_LEN, MIN_SECRET_LEN, SignError};
use crate::secret::{Secret, SecretEncoding};

/// A secret for signing outgoing webhooks: 24 to 64 key bytes, shown to
/// endpoint owners as `whsec_` + base64.
///
/// [`SigningSecret::from_random_bytes`] is pure: the caller supplies the
/// randomness, so tests are reproducible and the crate hides none.
/// [`SigningSecret::generate`] (feature `getrandom`) draws it from the
/// operating system.
///
/// ```
/// use webhook_kit::sign::SigningSecret;
///
/// let secret = SigningSecret::from_random_bytes(&[7u8; 24])?;
/// assert_eq!(secret.to_whsec(), "whsec_BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH");
///
/// // A secret a user brings is checked for length.
/// assert!(SigningSecret::parse("whsec_AQID").is_err());
/// # Ok::<(), webhook_kit::sign::SignError>(())
/// ```
///
/// # Security
///
/// Like [`Secret`], the bytes are zeroized on drop and `Debug` shows
/// nothing of them. [`SigningSecret::to_whsec`] returns the secret as text
/// for showing it to the endpoint's owner once; treat that string as secret.
#[derive(Clone)]
pub struct SigningSecret(Secret);

impl SigningSecret {
    /// Builds a secret from 24 to 64 random bytes.
    ///
    /// # Errors
    ///
    /// [`SignError::RandomLength`] for any other length.
    pub fn from_random_bytes(bytes: &[u8]) -> Result<Self, SignError> {
        if !(MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&bytes.len()) {
            return Err(SignError::RandomLength(bytes.len()));
        }
        Ok(SigningSecret(Secret::from_bytes(bytes.to_vec())))
    }

    /// Draws 32 bytes from the operating system's random source.
    ///
    /// # Errors
    ///
    /// [`SignError::Random`] when the source fails.
    #[cfg(feature = "getrandom")]
    pub fn generate() -> Result<Self, SignError> {
        let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|_| SignError::Random)?;
        Self::from_random_bytes(bytes.as_ref())
    }

    /// Parses a `whsec_` + base64 secret (the prefix is optional) that a
    /// user supplies, refusing one shorter than 24 bytes.
    ///
    /// # Errors
    ///
    /// [`SignError::Secret`] with the [`SecretError`](crate::SecretError)
    /// of the decoding, or [`SecretError::TooShort`](crate::SecretError::TooShort).
    pub fn parse(text: &str) -> Result<Self, SignError> {
        Self::from_secret(Secret::parse(text, SecretEncoding::WhsecBase64)?)
    }

    /// Uses a secret built some other way, refusing one shorter than 24 bytes.
    ///
    /// # Errors
    ///
    /// [`SignError::Secret`] with [`SecretError::TooShort`](crate::SecretError::TooShort).
    pub fn from_secret(secret: Secret) -> Result<Self, SignError> {
        Ok(SigningSecret(secret.require_len(MIN_SECRET_LEN)?))
    }

    /// The secret as receivers configure it: `whsec_` + base64.
    pub fn to_whsec(&self) -> String {
        format!("whsec_{}", STANDARD.encode(self.0.expose_bytes()))
    }

    /// The key, for building a verifier or a [`Signer`](super::Signer).
    pub fn secret(&self) -> &Secret {
        &self.0
    }

    /// The key, by value.
    pub fn into_secret(self) -> Secret {
        self.0
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SecretError;

    #[test]
    fn lengths() {
        assert_eq!(
            SigningSecret::from_random_bytes(&[1; 23]).unwrap_err(),
            SignError::RandomLength(23)
        );
        assert!(SigningSecret::from_random_bytes(&[1; 24]).is_ok());
        assert!(SigningSecret::from_random_bytes(&[1; 64]).is_ok());
        assert_eq!(
            SigningSecret::from_random_bytes(&[1; 65]).unwrap_err(),
            SignError::RandomLength(65)
        );
    }

    #[test]
    fn whsec_round_trip() {
        let secret = SigningSecret::from_random_bytes(&(0u8..32).collect::<Vec<_>>()).unwrap();
        let text = secret.to_whsec();
        assert!(text.starts_with("whsec_"));
        let back = SigningSecret::parse(&text).unwrap();
        assert_eq!(back.secret().expose_bytes(), secret.secret().expose_bytes());
    }

    #[test]
    fn short_user_secrets_are_refused() {
        // 21 bytes of key: enough to verify with, too short to sign with.
        assert_eq!(
            SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La").unwrap_err(),
            SignError::Secret(SecretError::TooShort {
                min: 24,
                actual: 21
            })
        );
        assert!(matches!(
            SigningSecret::parse("whsec_!!").unwrap_err(),
            SignError::Secret(SecretError::NotBase64)
        ));
        let shown = format!(
            "{:?}",
            SigningSecret::from_random_bytes(&[0x41; 24]).unwrap()
        );
        assert!(!shown.contains("QUFB"), "{shown}");
    }

    #[cfg(feature = "getrandom")]
    #[test]
    fn generated_secrets_differ() {
        let a = SigningSecret::generate().unwrap();
        let b = SigningSecret::generate().unwrap();
        assert_eq!(a.secret().len(), 32);
        assert_ne!(a.secret().expose_bytes(), b.secret().expose_bytes());
    }
}
