//! RSA public keys for PKCS#1 v1.5 / SHA-256 signatures (feature `rsa`),
//! on the `aws-lc-rs` backend, read from a key or an X.509 certificate.

use std::fmt;

use aws_lc_rs::digest::Digest;
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use x509_cert::Certificate;
use x509_cert::der::{Decode as _, Encode as _};

use crate::error::SecretError;
use crate::public_key;
use crate::time::Timestamp;

/// An RSA public key (2048 to 8192 bits), parsed once when it is built.
///
/// Read from a PEM `PUBLIC KEY`, `RSA PUBLIC KEY` or `CERTIFICATE` block,
/// or from DER. A key read from a certificate keeps the certificate's
/// subject common name and its not-after time.
#[derive(Clone)]
pub struct RsaPublicKey {
    parsed: ParsedPublicKey,
    subject: Option<String>,
    not_after: Option<Timestamp>,
}

impl RsaPublicKey {
    /// Builds a key from DER: a SubjectPublicKeyInfo or a PKCS#1
    /// `RSAPublicKey`.
    ///
    /// # Errors
    ///
    /// [`SecretError::InvalidKey`] when the bytes are not an RSA key, or
    /// the key is shorter than 2048 bits.
    pub fn from_der(der: &[u8]) -> Result<Self, SecretError> {
        let parsed = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der)
            .map_err(|_| SecretError::InvalidKey)?;
        Ok(RsaPublicKey {
            parsed,
            subject: None,
            not_after: None,
        })
    }

    /// Reads the key of a DER X.509 certificate, with its subject common
    /// name and not-after time. The certificate's own signature and chain
    /// are not checked.
    ///
    /// # Errors
    ///
    /// [`SecretError::InvalidKey`] when the bytes are not a certificate or
    /// it holds no RSA key.
    pub fn from_certificate_der(der: &[u8]) -> Result<Self, SecretError> {
        let cert = Certificate::from_der(der).map_err(|_| SecretError::InvalidKey)?;
        let tbs = cert.tbs_certificate();
        let spki = tbs
            .subject_public_key_info()
            .to_der()
            .map_err(|_| SecretError::InvalidKey)?;
        let mut key = Self::from_der(&spki)?;
        key.subject = tbs.subject().common_name().ok().flatten().map(String::from);
        let not_after = tbs.validity().not_after.to_unix_duration().as_secs();
        key.not_after = Some(Timestamp::from_unix_seconds(
            i64::try_from(not_after).unwrap_or(i64::MAX),
        ));
        Ok(key)
    }

    /// Parses the first PEM block of `text`: a `CERTIFICATE`, a
    /// `PUBLIC KEY` or an `RSA PUBLIC KEY`.
    ///
    /// # Errors
    ///
    /// [`SecretError::InvalidKey`] for another label or a broken block, and
    /// those of the DER constructors.
    pub fn from_pem(text: &str) -> Result<Self, SecretError> {
        match public_key::pem(text)? {
            ("CERTIFICATE", der) => Self::from_certificate_der(&der),
            ("PUBLIC KEY" | "RSA PUBLIC KEY", der) => Self::from_der(&der),
            _ => Err(SecretError::InvalidKey),
        }
    }

    /// Parses base64 of the DER SubjectPublicKeyInfo, no armour.
    ///
    /// # Errors
    ///
    /// [`SecretError::NotBase64`], the empty and whitespace errors, and
    /// those of [`RsaPublicKey::from_der`].
    pub fn from_base64_der(text: &str) -> Result<Self, SecretError> {
        Self::from_der(&public_key::base64_der(text)?)
    }

    /// The subject common name of the certificate the key came from.
    pub fn subject_common_name(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// The not-after time of the certificate the key came from.
    pub fn not_after(&self) -> Option<Timestamp> {
        self.not_after
    }

    /// Whether `signature` is a PKCS#1 v1.5 signature of the SHA-256 `digest`.
    pub(crate) fn verify_digest(&self, digest: &Digest, signature: &[u8]) -> bool {
        self.parsed.verify_digest_sig(digest, signature).is_ok()
    }
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("subject", &self.subject)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let f: serde_json::Value =
            serde_json::from_str(include_str!("../tests/fixtures/asymmetric.json")).unwrap();
        f["paypal"][name].as_str().unwrap().to_owned()
    }

    #[test]
    fn certificate_and_public_key_hold_the_same_key() {
        let cert = RsaPublicKey::from_pem(&fixture("certificate_pem")).unwrap();
        assert_eq!(
            cert.subject_common_name(),
            Some("messageverificationcerts.paypal.com")
        );
        // 2030-01-01T00:00:00Z, as written by the fixture script.
        assert_eq!(
            cert.not_after(),
            Some(Timestamp::from_unix_seconds(1_893_456_000))
        );
        let key = RsaPublicKey::from_pem(&fixture("public_key_pem")).unwrap();
        assert_eq!(key.subject_common_name(), None);
        assert_eq!(key.not_after(), None);
        let signature = crate::public_key::base64_der(&fixture("signature")).unwrap();
        let signed = fixture("signed_string");
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, signed.as_bytes());
        let other = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b"other");
        for k in [&cert, &key] {
            assert!(k.verify_digest(&digest, &signature));
            assert!(!k.verify_digest(&other, &signature));
        }
    }

    #[test]
    fn broken_input_is_refused() {
        assert_eq!(
            RsaPublicKey::from_der(b"\x30\x00").unwrap_err(),
            SecretError::InvalidKey
        );
        assert_eq!(
            RsaPublicKey::from_certificate_der(b"\x30\x03\x02\x01\x00").unwrap_err(),
            SecretError::InvalidKey
        );
        let other = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert_eq!(
            RsaPublicKey::from_pem(other).unwrap_err(),
            SecretError::InvalidKey
        );
        // A P-256 key is no RSA key.
        let ec = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==";
        assert_eq!(
            RsaPublicKey::from_base64_der(ec).unwrap_err(),
            SecretError::InvalidKey
        );
    }
}
