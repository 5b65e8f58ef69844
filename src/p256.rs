//! ECDSA P-256 public keys (feature `p256`), on the `aws-lc-rs` backend.

use std::fmt;

use aws_lc_rs::digest::Digest;
use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_FIXED, ParsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use crate::error::SecretError;
use crate::public_key;
use crate::time::Timestamp;

/// An ECDSA P-256 public key, parsed once when it is built.
///
/// SendGrid publishes it as base64 of the DER SubjectPublicKeyInfo; Plaid
/// returns a JSON Web Key. PEM and hex (of the DER, or of the SEC1 point)
/// are read too. Both signature forms are prepared: DER (SendGrid) and the
/// fixed 64-byte `r || s` of JWS (Plaid).
#[derive(Clone)]
pub struct P256PublicKey {
    spki: Vec<u8>,
    asn1: ParsedPublicKey,
    fixed: ParsedPublicKey,
    key_id: Option<String>,
    expires_at: Option<Timestamp>,
}

/// The members of an EC JSON Web Key that matter here (RFC 7517, 7518).
#[derive(Deserialize)]
struct Jwk {
    kty: String,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    /// Plaid's own member: when the key was retired, unix seconds.
    expired_at: Option<i64>,
}

impl P256PublicKey {
    /// Builds a key from DER: a SubjectPublicKeyInfo, or the SEC1 point
    /// (65 bytes uncompressed, 33 compressed).
    ///
    /// # Errors
    ///
    /// [`SecretError::InvalidKey`] when the bytes are not a P-256 key.
    pub fn from_der(der: &[u8]) -> Result<Self, SecretError> {
        let asn1 = ParsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, der)
            .map_err(|_| SecretError::InvalidKey)?;
        // Re-encoded as SubjectPublicKeyInfo, whatever form it came in.
        let spki = asn1
            .as_der()
            .map_err(|_| SecretError::InvalidKey)?
            .as_ref()
            .to_vec();
        let fixed = ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &spki)
            .map_err(|_| SecretError::InvalidKey)?;
        Ok(P256PublicKey {
            spki,
            asn1,
            fixed,
            key_id: None,
            expires_at: None,
        })
    }

    /// Parses base64 of the DER SubjectPublicKeyInfo, no armour (the
    /// "verification key" SendGrid shows).
    ///
    /// # Errors
    ///
    /// [`SecretError::NotBase64`], the empty and whitespace errors, and
    /// those of [`P256PublicKey::from_der`].
    pub fn from_base64_der(text: &str) -> Result<Self, SecretError> {
        Self::from_der(&public_key::base64_der(text)?)
    }

    /// Parses a PEM `PUBLIC KEY` block.
    ///
    /// # Errors
    ///
    /// [`SecretError::InvalidKey`] for another label or a broken block, and
    /// those of [`P256PublicKey::from_der`].
    pub fn from_pem(text: &str) -> Result<Self, SecretError> {
        match public_key::pem(text)? {
            ("PUBLIC KEY", der) => Self::from_der(&der),
            _ => Err(SecretError::InvalidKey),
        }
    }

    /// Parses hex of the DER SubjectPublicKeyInfo or of the SEC1 point.
    ///
    /// # Errors
    ///
    /// [`SecretError::NotHex`], and those of [`P256PublicKey::from_der`].
    pub fn from_hex(text: &str) -> Result<Self, SecretError> {
        Self::from_der(&public_key::hex(text)?)
    }

    /// Parses a JSON Web Key: `kty` `EC`, `crv` `P-256`, `x` and `y`
    /// base64url. Its `kid` becomes [`P256PublicKey::key_id`] and Plaid's
    /// `expired_at`, when set, [`P256PublicKey::expires_at`].
    ///
    /// # Errors
    ///
    /// [`SecretError::InvalidKey`] for a JWK of another type or curve, one
    /// whose `alg` is not `ES256` or whose `use` is not `sig`, or text that
    /// is not a JWK; [`SecretError::NotBase64`] and
    /// [`SecretError::WrongKeyLength`] for bad coordinates.
    pub fn from_jwk(text: &str) -> Result<Self, SecretError> {
        public_key::check_text(text)?;
        let jwk: Jwk = serde_json::from_str(text).map_err(|_| SecretError::InvalidKey)?;
        let allowed = jwk.kty == "EC"
            && jwk.crv.as_deref() == Some("P-256")
            && jwk.alg.as_deref().is_none_or(|a| a == "ES256")
            && jwk.usage.as_deref().is_none_or(|u| u == "sig");
        if !allowed {
            return Err(SecretError::InvalidKey);
        }
        let mut point = [0u8; 65];
        point[0] = 0x04;
        for (coordinate, slot) in [(&jwk.x, 1..33), (&jwk.y, 33..65)] {
            let text = coordinate.as_deref().ok_or(SecretError::InvalidKey)?;
            let bytes = URL_SAFE_NO_PAD
                .decode(text)
                .map_err(|_| SecretError::NotBase64)?;
            if bytes.len() != 32 {
                return Err(SecretError::WrongKeyLength {
                    expected: 32,
                    actual: bytes.len(),
                });
            }
            point[slot].copy_from_slice(&bytes);
        }
        let mut key = Self::from_der(&point)?;
        key.key_id = jwk.kid;
        key.expires_at = jwk.expired_at.map(Timestamp::from_unix_seconds);
        Ok(key)
    }

    /// Parses any of the forms above, told apart by their look: PEM armour,
    /// a JSON object, hex, else base64.
    ///
    /// # Errors
    ///
    /// Those of the form's own constructor.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        if public_key::is_pem(text) {
            Self::from_pem(text)
        } else if text.starts_with('{') {
            Self::from_jwk(text)
        } else if !text.is_empty() && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            Self::from_hex(text)
        } else {
            Self::from_base64_der(text)
        }
    }

    /// The key id, for a key read from a JWK that has one.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// When the provider retired the key (Plaid's `expired_at`), if it did.
    pub fn expires_at(&self) -> Option<Timestamp> {
        self.expires_at
    }

    /// The key as DER SubjectPublicKeyInfo.
    pub fn to_spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// Whether `signature` (DER) signs the SHA-256 `digest` under this key.
    pub(crate) fn verify_der_digest(&self, digest: &Digest, signature: &[u8]) -> bool {
        self.asn1.verify_digest_sig(digest, signature).is_ok()
    }

    /// The fingerprint of a verified signature, from its `r` alone.
    ///
    /// ECDSA is malleable: with `(r, s)` valid, so is `(r, n - s)`, and
    /// DER can spell the same integers more than one way. `r` is the same in
    /// every form of one signature (it is fixed by the signer's nonce), so a
    /// fingerprint of `r` keeps a re-encoded replay recognisable. `r` is a
    /// pseudorandom number modulo the group order, so its first 16 bytes
    /// identify the signature.
    pub(crate) fn fingerprint_r(r: &[u8]) -> [u8; 16] {
        // Left-pad to the 32-byte width so DER's minimal integers and the
        // fixed `r || s` form agree.
        let r = r.get(r.len().saturating_sub(32)..).unwrap_or(r);
        let mut wide = [0u8; 32];
        if let Some(slot) = wide.get_mut(32 - r.len()..) {
            slot.copy_from_slice(r);
        }
        crate::crypto::fingerprint(&wide)
    }

    /// The `r` integer of a DER `ECDSA-Sig-Value` (`SEQUENCE { r, s }`),
    /// without its sign byte; `None` if `der` is not one.
    pub(crate) fn der_signature_r(der: &[u8]) -> Option<&[u8]> {
        // A P-256 signature is at most 72 bytes: lengths are single bytes.
        let [0x30, len, 0x02, r_len, rest @ ..] = der else {
            return None;
        };
        if usize::from(*len) + 2 != der.len() {
            return None;
        }
        let r = rest.get(..usize::from(*r_len))?;
        Some(r.strip_prefix(&[0]).unwrap_or(r))
    }

    /// Whether `signature` (`r || s`, 64 bytes) signs `message` under this key.
    pub(crate) fn verify_fixed(&self, message: &[u8], signature: &[u8]) -> bool {
        self.fixed.verify_sig(message, signature).is_ok()
    }
}

impl fmt::Debug for P256PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The SPKI header is the same for every key: show the point.
        let point = self.spki.get(self.spki.len().saturating_sub(64)..);
        f.debug_struct("P256PublicKey")
            .field("key_id", &self.key_id)
            .field("point", &point.map(const_hex::encode))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The published SendGrid test key (sendgrid-python, test_eventwebhook.py).
    const SENDGRID_KEY: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==";

    #[test]
    fn der_r_is_read_and_padded_like_the_fixed_form() {
        // SEQUENCE { INTEGER 00 80.., INTEGER 01 }: the sign byte is dropped.
        let mut r = vec![0u8];
        r.extend([0x80u8; 32]);
        let mut der = vec![0x30, 38, 0x02, 33];
        der.extend(&r);
        der.extend([0x02, 1, 1]);
        assert_eq!(P256PublicKey::der_signature_r(&der), Some(&r[1..]));
        // A short `r` fingerprints as its 32-byte left-padded form.
        let short = [0x30, 6, 0x02, 1, 7, 0x02, 1, 1];
        let r = P256PublicKey::der_signature_r(&short).unwrap();
        assert_eq!(r, [7]);
        let mut wide = [0u8; 32];
        wide[31] = 7;
        assert_eq!(
            P256PublicKey::fingerprint_r(r),
            P256PublicKey::fingerprint_r(&wide)
        );
        for bad in [
            &[][..],
            &[0x30, 6, 0x02, 9, 7, 0x02, 1, 1],
            &[0x31, 6, 0x02, 1, 7, 0x02, 1, 1],
            &[0x30, 7, 0x02, 1, 7, 0x02, 1, 1],
        ] {
            assert_eq!(P256PublicKey::der_signature_r(bad), None, "{bad:?}");
        }
    }

    fn fixtures() -> serde_json::Value {
        serde_json::from_str(include_str!("../tests/fixtures/asymmetric.json")).unwrap()
    }

    #[test]
    fn every_published_form_gives_the_same_key() {
        let f = fixtures();
        let sg = &f["sendgrid"];
        let a =
            P256PublicKey::from_base64_der(sg["public_key_base64_der"].as_str().unwrap()).unwrap();
        let b = P256PublicKey::from_pem(sg["public_key_pem"].as_str().unwrap()).unwrap();
        let c = P256PublicKey::from_hex(sg["public_key_hex_point"].as_str().unwrap()).unwrap();
        let d = P256PublicKey::parse(sg["public_key_pem"].as_str().unwrap()).unwrap();
        assert_eq!(a.to_spki_der(), b.to_spki_der());
        assert_eq!(a.to_spki_der(), c.to_spki_der());
        assert_eq!(a.to_spki_der(), d.to_spki_der());
        assert!(P256PublicKey::parse(SENDGRID_KEY).is_ok());
    }

    #[test]
    fn jwk_members_are_checked() {
        let f = fixtures();
        let jwk = f["plaid"]["jwk"].as_str().unwrap();
        let key = P256PublicKey::from_jwk(jwk).unwrap();
        assert_eq!(key.key_id(), Some("bfbd5111-8e33-4643-8ced-b2e642a72f3c"));
        assert_eq!(key.expires_at(), None);
        assert_eq!(P256PublicKey::parse(jwk).unwrap().key_id(), key.key_id());

        let mut value: serde_json::Value = serde_json::from_str(jwk).unwrap();
        value["expired_at"] = 1_700_000_000.into();
        let retired = P256PublicKey::from_jwk(&value.to_string()).unwrap();
        assert_eq!(
            retired.expires_at(),
            Some(Timestamp::from_unix_seconds(1_700_000_000))
        );
        for (member, bad) in [
            ("alg", "HS256"),
            ("crv", "P-384"),
            ("kty", "RSA"),
            ("use", "enc"),
        ] {
            let mut v: serde_json::Value = serde_json::from_str(jwk).unwrap();
            v[member] = bad.into();
            assert_eq!(
                P256PublicKey::from_jwk(&v.to_string()).unwrap_err(),
                SecretError::InvalidKey,
                "{member}"
            );
        }
        let mut v: serde_json::Value = serde_json::from_str(jwk).unwrap();
        v["x"] = "AAAA".into();
        assert_eq!(
            P256PublicKey::from_jwk(&v.to_string()).unwrap_err(),
            SecretError::WrongKeyLength {
                expected: 32,
                actual: 3
            }
        );
        // A point off the curve.
        v["x"] = URL_SAFE_NO_PAD.encode([1u8; 32]).into();
        assert_eq!(
            P256PublicKey::from_jwk(&v.to_string()).unwrap_err(),
            SecretError::InvalidKey
        );
        assert_eq!(
            P256PublicKey::from_jwk("{nope").unwrap_err(),
            SecretError::InvalidKey
        );
    }

    #[test]
    fn bad_key_text_is_refused() {
        assert_eq!(
            P256PublicKey::parse(&format!("{SENDGRID_KEY}\n")).unwrap_err(),
            SecretError::Whitespace
        );
        assert_eq!(
            P256PublicKey::from_base64_der("not base64!").unwrap_err(),
            SecretError::NotBase64
        );
        assert_eq!(
            P256PublicKey::from_base64_der("AAAA").unwrap_err(),
            SecretError::InvalidKey
        );
        let pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert_eq!(
            P256PublicKey::from_pem(pem).unwrap_err(),
            SecretError::InvalidKey
        );
    }

    #[test]
    fn debug_shows_the_point_only() {
        let key = P256PublicKey::parse(SENDGRID_KEY).unwrap();
        let text = format!("{key:?}");
        assert!(text.starts_with("P256PublicKey"), "{text}");
        assert!(text.contains("f374f83b"), "{text}");
    }
}
