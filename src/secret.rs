//! Secrets, the encodings users paste them in, and the keyring.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroize;

use crate::error::SecretError;
use crate::time::Timestamp;

/// A shared secret: the key bytes of an HMAC or token scheme.
///
/// Built from the text a user pastes, with an encoding the caller (or the
/// provider module) names explicitly: `whsec_...` is verbatim text for
/// Stripe but base64 for Standard Webhooks, so nothing is guessed from a
/// prefix. Construction refuses empty, whitespace-padded and badly encoded
/// secrets with distinct errors, so a bad configuration fails at start-up.
///
/// # Security
///
/// The bytes are zeroized when the secret is dropped. `Debug` prints only
/// `Secret(..)`, there is no `Display`, and the bytes
/// are reachable only through [`Secret::expose_bytes`].
///
/// ```
/// use webhook_kit::{Secret, SecretEncoding};
///
/// // Stripe: the whole text, prefix included, is the key.
/// let stripe = Secret::from_text("whsec_test_secret")?;
/// assert_eq!(stripe.expose_bytes(), b"whsec_test_secret");
///
/// // Standard Webhooks: strip `whsec_`, then base64-decode.
/// let sw = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", SecretEncoding::WhsecBase64)?;
/// assert_eq!(sw.expose_bytes().len(), 24);
///
/// // Padding from an env file is refused, not trimmed.
/// assert!(Secret::from_text("whsec_test_secret\n").is_err());
/// # Ok::<(), webhook_kit::SecretError>(())
/// ```
#[derive(Clone)]
pub struct Secret {
    bytes: Box<[u8]>,
}

/// How the text of a secret turns into key bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecretEncoding {
    /// The UTF-8 bytes of the text are the key, prefixes included
    /// (Stripe, GitHub, Slack, Shopify, Twilio, ...).
    Utf8,
    /// An optional `whsec_` prefix, then standard base64 (Standard Webhooks, Svix).
    WhsecBase64,
    /// An optional `v1,whsec_` prefix, then standard base64, as the Supabase
    /// dashboard shows its hook secrets.
    V1WhsecBase64,
    /// Standard base64, no prefix.
    Base64,
    /// Hexadecimal, either case.
    Hex,
}

impl SecretEncoding {
    /// The name of this encoding in the conformance vector format.
    pub fn id(self) -> &'static str {
        match self {
            SecretEncoding::Utf8 => "utf8",
            SecretEncoding::WhsecBase64 => "whsec_base64",
            SecretEncoding::V1WhsecBase64 => "v1_whsec_base64",
            SecretEncoding::Base64 => "base64",
            SecretEncoding::Hex => "hex",
        }
    }

    /// Looks an encoding up by its name in the vector format.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "utf8" => SecretEncoding::Utf8,
            "whsec_base64" => SecretEncoding::WhsecBase64,
            "v1_whsec_base64" => SecretEncoding::V1WhsecBase64,
            "base64" => SecretEncoding::Base64,
            "hex" => SecretEncoding::Hex,
            _ => return None,
        })
    }
}

impl Secret {
    /// Uses the UTF-8 bytes of `text` as the key, verbatim.
    ///
    /// # Errors
    ///
    /// [`SecretError::Empty`], [`SecretError::Whitespace`] when the text
    /// starts or ends with whitespace, and [`SecretError::LooksLikeSignature`]
    /// when the text is shaped like a signature header value.
    pub fn from_text(text: &str) -> Result<Self, SecretError> {
        check_text(text)?;
        Ok(Secret::from_bytes(text.as_bytes().to_vec()))
    }

    /// Decodes `text` with `encoding`.
    ///
    /// # Errors
    ///
    /// As [`Secret::from_text`], plus [`SecretError::NotBase64`],
    /// [`SecretError::NotHex`] and [`SecretError::Empty`] for a prefix with
    /// nothing after it.
    pub fn parse(text: &str, encoding: SecretEncoding) -> Result<Self, SecretError> {
        check_text(text)?;
        match encoding {
            SecretEncoding::Utf8 => Secret::from_text(text),
            SecretEncoding::WhsecBase64 => match text.strip_prefix("whsec_") {
                Some(body) => decode_base64(body),
                // Its base64 would decode, to a key nobody signs with.
                None if text.starts_with("whpk_") => Err(SecretError::LooksLikePublicKey),
                // A long run of hex digits is a hex key (an Ed25519 public
                // key, say) pasted where a base64 secret is due: decoding it
                // as base64 would quietly give another key.
                None if looks_like_hex(text) => Err(SecretError::LooksLikeHex),
                None => decode_base64(text),
            },
            SecretEncoding::V1WhsecBase64 => {
                let rest = text.strip_prefix("v1,").unwrap_or(text);
                decode_base64(rest.strip_prefix("whsec_").unwrap_or(rest))
            }
            SecretEncoding::Base64 => decode_base64(text),
            SecretEncoding::Hex => {
                let bytes = const_hex::decode(text).map_err(|_| SecretError::NotHex)?;
                non_empty(bytes)
            }
        }
    }

    /// Uses `bytes` as the key. No checks apply: the caller has the bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Secret {
            bytes: bytes.into_boxed_slice(),
        }
    }

    /// The key bytes.
    ///
    /// # Security
    ///
    /// Whatever the caller does with the returned slice is outside the
    /// crate's care: do not log it, copy it into long-lived buffers, or
    /// compare it with `==` against untrusted input.
    pub fn expose_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The number of key bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the key is empty; never true for a secret built from text.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Checks that this secret is long enough to sign with.
    ///
    /// Minimums apply to secrets this side generates or chooses for
    /// signing, never to secrets a provider issued for verification.
    ///
    /// # Errors
    ///
    /// [`SecretError::TooShort`] when the key has fewer than `min` bytes.
    pub fn require_len(self, min: usize) -> Result<Self, SecretError> {
        if self.bytes.len() < min {
            return Err(SecretError::TooShort {
                min,
                actual: self.bytes.len(),
            });
        }
        Ok(self)
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

fn check_text(text: &str) -> Result<(), SecretError> {
    if text.is_empty() {
        return Err(SecretError::Empty);
    }
    if text.starts_with(char::is_whitespace) || text.ends_with(char::is_whitespace) {
        return Err(SecretError::Whitespace);
    }
    if looks_like_signature(text) {
        return Err(SecretError::LooksLikeSignature);
    }
    Ok(())
}

/// Signature header values that users paste into the secret field by mistake.
fn looks_like_signature(text: &str) -> bool {
    const PREFIXES: [&str; 5] = ["sha256=", "sha1=", "v0=", "v1=", "h1="];
    if PREFIXES.iter().any(|p| text.starts_with(p)) {
        return true;
    }
    // `v1,<base64>` is a Standard Webhooks signature; `v1,whsec_...` is
    // Supabase's way of showing a secret.
    if let Some(rest) = text.strip_prefix("v1,") {
        return !rest.starts_with("whsec_");
    }
    // A whole Stripe or Paddle header: `t=<digits>,v1=...`, `ts=<digits>;h1=...`.
    for (start, sep) in [("t=", ','), ("ts=", ';')] {
        if let Some(rest) = text.strip_prefix(start) {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 && rest[digits..].starts_with(sep) {
                return true;
            }
        }
    }
    false
}

fn looks_like_hex(text: &str) -> bool {
    text.len() >= 32 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn decode_base64(text: &str) -> Result<Secret, SecretError> {
    let bytes = STANDARD.decode(text).map_err(|_| SecretError::NotBase64)?;
    non_empty(bytes)
}

fn non_empty(bytes: Vec<u8>) -> Result<Secret, SecretError> {
    if bytes.is_empty() {
        return Err(SecretError::Empty);
    }
    Ok(Secret::from_bytes(bytes))
}

/// Several keys that may each have signed a request, for rotation.
///
/// A verifier tries the keys in order and reports the index of the one that
/// matched in [`Verified::key_index`](crate::Verified::key_index). A key with
/// a not-after time is skipped once `now` has passed it, so an old secret
/// can be left in the configuration with its expiry and it stops working by
/// itself.
///
/// ```
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let keyring = Keyring::from(Secret::from_text("whsec_new")?)
///     .with_key_until(Secret::from_text("whsec_old")?, Timestamp::from_unix_seconds(1_800_000_000));
/// assert_eq!(keyring.len(), 2);
/// # Ok::<(), webhook_kit::SecretError>(())
/// ```
#[derive(Clone)]
pub struct Keyring<K = Secret> {
    entries: Vec<KeyEntry<K>>,
}

#[derive(Clone)]
struct KeyEntry<K> {
    key: K,
    not_after: Option<Timestamp>,
}

impl<K> Keyring<K> {
    /// An empty keyring.
    pub fn new() -> Self {
        Keyring {
            entries: Vec::new(),
        }
    }

    /// Adds a key with no expiry.
    pub fn with_key(mut self, key: K) -> Self {
        self.push(key, None);
        self
    }

    /// Adds a key that stops being accepted after `not_after` (inclusive).
    pub fn with_key_until(mut self, key: K, not_after: Timestamp) -> Self {
        self.push(key, Some(not_after));
        self
    }

    /// Adds a key, with an optional not-after time.
    pub fn push(&mut self, key: K, not_after: Option<Timestamp>) {
        self.entries.push(KeyEntry { key, not_after });
    }

    /// The number of keys, expired ones included.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the keyring holds no key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The keys that are usable at `now`, with their index in the keyring.
    pub fn active(&self, now: Timestamp) -> impl Iterator<Item = (usize, &K)> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.not_after.is_none_or(|t| now <= t))
            .map(|(i, e)| (i, &e.key))
    }

    /// Every key with its not-after time, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, Option<Timestamp>)> + '_ {
        self.entries.iter().map(|e| (&e.key, e.not_after))
    }

    /// The keys with their not-after times, by value.
    pub fn into_entries(self) -> impl Iterator<Item = (K, Option<Timestamp>)> {
        self.entries.into_iter().map(|e| (e.key, e.not_after))
    }

    /// A keyring of the same shape, each key converted by `f`.
    ///
    /// # Errors
    ///
    /// The first error `f` returns.
    pub fn try_map<T, E>(&self, mut f: impl FnMut(&K) -> Result<T, E>) -> Result<Keyring<T>, E> {
        let entries = self
            .entries
            .iter()
            .map(|e| {
                Ok(KeyEntry {
                    key: f(&e.key)?,
                    not_after: e.not_after,
                })
            })
            .collect::<Result<_, E>>()?;
        Ok(Keyring { entries })
    }
}

impl<K> Default for Keyring<K> {
    fn default() -> Self {
        Keyring::new()
    }
}

impl<K> From<K> for Keyring<K> {
    fn from(key: K) -> Self {
        Keyring::new().with_key(key)
    }
}

impl<K> FromIterator<K> for Keyring<K> {
    fn from_iter<I: IntoIterator<Item = K>>(iter: I) -> Self {
        let mut keyring = Keyring::new();
        for key in iter {
            keyring.push(key, None);
        }
        keyring
    }
}

impl<K> fmt::Debug for Keyring<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("keys", &self.entries.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_decode_as_named() {
        let s = Secret::parse("whsec_AQID", SecretEncoding::WhsecBase64).unwrap();
        assert_eq!(s.expose_bytes(), [1, 2, 3]);
        let s = Secret::parse("AQID", SecretEncoding::WhsecBase64).unwrap();
        assert_eq!(s.expose_bytes(), [1, 2, 3]);
        let s = Secret::parse("v1,whsec_AQID", SecretEncoding::V1WhsecBase64).unwrap();
        assert_eq!(s.expose_bytes(), [1, 2, 3]);
        let s = Secret::parse("0A0b", SecretEncoding::Hex).unwrap();
        assert_eq!(s.expose_bytes(), [10, 11]);
        let s = Secret::parse("whsec_AQID", SecretEncoding::Utf8).unwrap();
        assert_eq!(s.expose_bytes(), b"whsec_AQID");
    }

    #[test]
    fn bad_secrets_have_distinct_errors() {
        assert_eq!(Secret::from_text("").unwrap_err(), SecretError::Empty);
        assert_eq!(
            Secret::from_text(" x").unwrap_err(),
            SecretError::Whitespace
        );
        assert_eq!(
            Secret::from_text("x\n").unwrap_err(),
            SecretError::Whitespace
        );
        assert_eq!(
            Secret::parse("whsec_not base64!", SecretEncoding::WhsecBase64).unwrap_err(),
            SecretError::NotBase64
        );
        assert_eq!(
            Secret::parse("whsec_", SecretEncoding::WhsecBase64).unwrap_err(),
            SecretError::Empty
        );
        assert_eq!(
            Secret::parse("zz", SecretEncoding::Hex).unwrap_err(),
            SecretError::NotHex
        );
        for pasted in [
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            "t=1700000000,v1=abc",
            "ts=1698796800;h1=abc",
        ] {
            assert_eq!(
                Secret::parse(pasted, SecretEncoding::Utf8).unwrap_err(),
                SecretError::LooksLikeSignature,
                "{pasted}"
            );
        }
    }

    #[test]
    fn hex_keys_are_not_read_as_base64() {
        let public_key = "13c35d72c36926e4ad1bafb201ddfcc7ebddad3fda542f42a2c94499cb8d7d4c";
        assert_eq!(
            Secret::parse(public_key, SecretEncoding::WhsecBase64).unwrap_err(),
            SecretError::LooksLikeHex
        );
        // A Standard Webhooks public key is named as one, not decoded.
        let whpk = "whpk_MCowBQYDK2VwAyEAE8NdcsNpJuStG6+yAd38x+vdrT/aVC9CosSUmcuNfUw=";
        assert_eq!(
            Secret::parse(whpk, SecretEncoding::WhsecBase64).unwrap_err(),
            SecretError::LooksLikePublicKey
        );
        // With its prefix, the text is base64 whatever its letters.
        assert!(Secret::parse(&format!("whsec_{public_key}"), SecretEncoding::WhsecBase64).is_ok());
        assert!(Secret::parse(public_key, SecretEncoding::Hex).is_ok());
    }

    #[test]
    fn debug_shows_nothing_of_the_secret() {
        let secret = Secret::from_text("hunter2-very-secret").unwrap();
        let shown = format!("{secret:?} {:?}", Keyring::from(secret.clone()));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("very"), "{shown}");
    }

    #[test]
    fn minimum_length_applies_on_request() {
        let short = Secret::from_text("abc").unwrap();
        assert_eq!(
            short.require_len(24).unwrap_err(),
            SecretError::TooShort { min: 24, actual: 3 }
        );
    }

    #[test]
    fn expired_keys_are_skipped() {
        let keyring = Keyring::new()
            .with_key_until(1u8, Timestamp::from_unix_seconds(10))
            .with_key(2u8);
        let at = |s| {
            keyring
                .active(Timestamp::from_unix_seconds(s))
                .map(|(i, k)| (i, *k))
                .collect::<Vec<_>>()
        };
        assert_eq!(at(10), [(0, 1), (1, 2)]);
        assert_eq!(at(11), [(1, 2)]);
    }
}
