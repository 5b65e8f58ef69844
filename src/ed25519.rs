//! Ed25519 keys (feature `ed25519`), on the `aws-lc-rs` backend.

use std::fmt;

use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair as _, ParsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::SecretError;

/// An Ed25519 public key, parsed once when it is built.
///
/// Discord shows it as 64 hex characters; Standard Webhooks as `whpk_`
/// followed by base64.
#[derive(Clone)]
pub struct Ed25519PublicKey {
    bytes: [u8; 32],
    parsed: ParsedPublicKey,
}

impl Ed25519PublicKey {
    /// Builds a key from its 32 raw bytes.
    ///
    /// # Errors
    ///
    /// [`SecretError::WrongKeyLength`] for anything but 32 bytes, and
    /// [`SecretError::InvalidKey`] when the bytes are not a curve point.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SecretError> {
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| SecretError::WrongKeyLength {
            expected: 32,
            actual: bytes.len(),
        })?;
        let parsed = ParsedPublicKey::new(&ED25519, bytes).map_err(|_| SecretError::InvalidKey)?;
        Ok(Ed25519PublicKey { bytes, parsed })
    }

    /// Parses 64 hex characters, either case (Discord's form).
    ///
    /// # Errors
    ///
    /// [`SecretError::NotHex`], plus the errors of [`Ed25519PublicKey::from_bytes`].
    pub fn from_hex(text: &str) -> Result<Self, SecretError> {
        check_text(text)?;
        let bytes = const_hex::decode(text).map_err(|_| SecretError::NotHex)?;
        Self::from_bytes(&bytes)
    }

    /// Parses `whpk_` followed by standard base64 (Standard Webhooks' form);
    /// the prefix is optional.
    ///
    /// # Errors
    ///
    /// [`SecretError::NotBase64`], plus the errors of [`Ed25519PublicKey::from_bytes`].
    pub fn from_whpk(text: &str) -> Result<Self, SecretError> {
        check_text(text)?;
        let body = text.strip_prefix("whpk_").unwrap_or(text);
        let bytes = STANDARD.decode(body).map_err(|_| SecretError::NotBase64)?;
        Self::from_bytes(&bytes)
    }

    /// The 32 key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// Whether `signature` is a valid signature of `message` under this key.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        self.parsed.verify_sig(message, signature).is_ok()
    }
}

impl fmt::Debug for Ed25519PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ed25519PublicKey({})", const_hex::encode(self.bytes))
    }
}

fn check_text(text: &str) -> Result<(), SecretError> {
    if text.is_empty() {
        return Err(SecretError::Empty);
    }
    if text.trim() != text {
        return Err(SecretError::Whitespace);
    }
    Ok(())
}

/// An Ed25519 private key, for the `sign` helpers of Ed25519 schemes.
///
/// # Security
///
/// The key lives inside `aws-lc-rs`, which clears it when dropped. `Debug`
/// shows only the public half.
pub struct Ed25519SigningKey {
    pair: Ed25519KeyPair,
}

impl Ed25519SigningKey {
    /// Builds a key from its 32-byte seed.
    ///
    /// # Errors
    ///
    /// [`SecretError::WrongKeyLength`] for a seed of another length.
    pub fn from_seed(seed: &[u8]) -> Result<Self, SecretError> {
        if seed.len() != 32 {
            return Err(SecretError::WrongKeyLength {
                expected: 32,
                actual: seed.len(),
            });
        }
        let pair =
            Ed25519KeyPair::from_seed_unchecked(seed).map_err(|_| SecretError::InvalidKey)?;
        Ok(Ed25519SigningKey { pair })
    }

    /// The matching public key.
    ///
    /// # Panics
    ///
    /// Never: a key pair's own public key is always a valid point.
    pub fn public_key(&self) -> Ed25519PublicKey {
        let bytes = self.pair.public_key().as_ref();
        #[allow(clippy::expect_used, reason = "a key pair's public half always parses")]
        Ed25519PublicKey::from_bytes(bytes).expect("a key pair's public key is valid")
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(self.pair.sign(message).as_ref());
        out
    }
}

impl fmt::Debug for Ed25519SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ed25519SigningKey")
            .field(
                "public",
                &const_hex::encode(self.pair.public_key().as_ref()),
            )
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8032, section 7.1, TEST 1: the empty message.
    #[test]
    fn rfc8032_test_1() {
        let seed =
            const_hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .unwrap();
        let key = Ed25519SigningKey::from_seed(&seed).unwrap();
        assert_eq!(
            const_hex::encode(key.public_key().as_bytes()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        let signature = key.sign(b"");
        assert_eq!(
            const_hex::encode(signature),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
        assert!(key.public_key().verify(b"", &signature));
        assert!(!key.public_key().verify(b"x", &signature));
    }

    /// Ed25519's `S` could be replaced by `S + L` (L the group order) for a
    /// second encoding of one signature, which a fingerprint would see as
    /// new; the backend refuses an `S` that is not below `L` (RFC 8032,
    /// 5.1.7), so Ed25519 signatures have one form.
    #[test]
    fn a_non_canonical_s_is_refused() {
        // L = 2^252 + 27742317777372353535851937790883648493, little-endian.
        let order =
            const_hex::decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
                .unwrap();
        let seed = [7u8; 32];
        let key = Ed25519SigningKey::from_seed(&seed).unwrap();
        let mut signature = key.sign(b"message");
        assert!(key.public_key().verify(b"message", &signature));
        let mut carry = 0u16;
        for (s, l) in signature[32..].iter_mut().zip(&order) {
            let sum = u16::from(*s) + u16::from(*l) + carry;
            *s = u8::try_from(sum & 0xff).unwrap();
            carry = sum >> 8;
        }
        assert_eq!(carry, 0, "S + L fits in 256 bits");
        assert!(!key.public_key().verify(b"message", &signature));
    }

    #[test]
    fn public_key_forms() {
        let hex = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
        let a = Ed25519PublicKey::from_hex(hex).unwrap();
        let b = Ed25519PublicKey::from_whpk(&format!("whpk_{}", STANDARD.encode(a.as_bytes())))
            .unwrap();
        assert_eq!(a.as_bytes(), b.as_bytes());
        assert_eq!(
            Ed25519PublicKey::from_hex("abcd").unwrap_err(),
            SecretError::WrongKeyLength {
                expected: 32,
                actual: 2
            }
        );
        assert_eq!(
            Ed25519PublicKey::from_hex("xyz").unwrap_err(),
            SecretError::NotHex
        );
        assert_eq!(
            Ed25519PublicKey::from_hex(" ab").unwrap_err(),
            SecretError::Whitespace
        );
    }
}
