//! The text forms providers publish public keys in (PEM, base64 of DER,
//! hex), decoded to DER once, when a verifier is built.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::SecretError;

/// Whether `text` is PEM armour rather than bare base64 or hex.
pub(crate) fn is_pem(text: &str) -> bool {
    text.trim_start().starts_with("-----BEGIN ")
}

/// The label and DER bytes of the first PEM block in `text`.
///
/// Text around the block is ignored (tools print a summary above it) and
/// so are line breaks and spaces inside it.
///
/// # Errors
///
/// [`SecretError::Empty`], [`SecretError::InvalidKey`] when there is no
/// complete block or its end label differs, [`SecretError::NotBase64`].
pub(crate) fn pem(text: &str) -> Result<(&str, Vec<u8>), SecretError> {
    if text.trim().is_empty() {
        return Err(SecretError::Empty);
    }
    let start = text.find("-----BEGIN ").ok_or(SecretError::InvalidKey)?;
    let rest = &text[start + "-----BEGIN ".len()..];
    let (label, rest) = rest.split_once("-----").ok_or(SecretError::InvalidKey)?;
    let end_marker = format!("-----END {label}-----");
    let end = rest.find(&end_marker).ok_or(SecretError::InvalidKey)?;
    let body: String = rest[..end]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = STANDARD.decode(body).map_err(|_| SecretError::NotBase64)?;
    if der.is_empty() {
        return Err(SecretError::Empty);
    }
    Ok((label, der))
}

/// Base64 (standard alphabet) of DER bytes, no armour: SendGrid's form.
///
/// # Errors
///
/// [`SecretError::Empty`], [`SecretError::Whitespace`], [`SecretError::NotBase64`].
pub(crate) fn base64_der(text: &str) -> Result<Vec<u8>, SecretError> {
    check_text(text)?;
    STANDARD.decode(text).map_err(|_| SecretError::NotBase64)
}

/// Hex, either case.
///
/// # Errors
///
/// [`SecretError::Empty`], [`SecretError::Whitespace`], [`SecretError::NotHex`].
#[cfg_attr(not(feature = "p256"), allow(dead_code, reason = "P-256 keys only"))]
pub(crate) fn hex(text: &str) -> Result<Vec<u8>, SecretError> {
    check_text(text)?;
    const_hex::decode(text).map_err(|_| SecretError::NotHex)
}

/// Refuses empty text and text padded with whitespace (a newline from an
/// env file).
pub(crate) fn check_text(text: &str) -> Result<(), SecretError> {
    if text.is_empty() {
        return Err(SecretError::Empty);
    }
    if text.trim() != text {
        return Err(SecretError::Whitespace);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks() {
        let text = "Subject: x\n-----BEGIN PUBLIC KEY-----\nAAEC\nAw==\n-----END PUBLIC KEY-----\n";
        assert!(is_pem("\n-----BEGIN X-----"));
        assert_eq!(pem(text).unwrap(), ("PUBLIC KEY", vec![0, 1, 2, 3]));
        assert_eq!(
            pem("-----BEGIN A-----\nAAEC\n-----END B-----").unwrap_err(),
            SecretError::InvalidKey
        );
        assert_eq!(
            pem("-----BEGIN A-----\n!!!!\n-----END A-----").unwrap_err(),
            SecretError::NotBase64
        );
        assert_eq!(pem("AAEC").unwrap_err(), SecretError::InvalidKey);
        assert_eq!(pem(" \n").unwrap_err(), SecretError::Empty);
    }

    #[test]
    fn bare_forms() {
        assert_eq!(base64_der("AAEC").unwrap(), vec![0, 1, 2]);
        assert_eq!(base64_der("AAEC\n").unwrap_err(), SecretError::Whitespace);
        assert_eq!(hex("00FF").unwrap(), vec![0, 255]);
        assert_eq!(hex("0g").unwrap_err(), SecretError::NotHex);
        assert_eq!(hex("").unwrap_err(), SecretError::Empty);
    }
}
