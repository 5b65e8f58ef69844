//! The scheme many providers share: one header holding an HMAC of the raw
//! body, hex or base64, behind an optional prefix (`sha256=`), with no
//! timestamp. Each provider's module names its header, prefix and hash;
//! this module holds the one verify and sign path they call.
//!
//! Verifying allocates nothing: the presented tag is decoded into a stack
//! buffer and the body is fed to a pre-keyed MAC.

use hmac::Mac;
use hmac::digest::KeyInit;

use crate::crypto::{self, KeyMatch, MacKeys, MatchTarget, TagEncoding};
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::secret::Secret;
use crate::time::Timestamp;

/// Where a provider puts its body HMAC and how it writes it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scheme {
    /// The header that carries the signature.
    pub(crate) header: &'static str,
    /// Text in front of the encoded tag (`sha256=`), or empty.
    pub(crate) prefix: &'static str,
    /// The scheme's name in errors (`sha256`, `hmac-sha1`).
    pub(crate) name: &'static str,
    /// Hex or base64.
    pub(crate) encoding: TagEncoding,
}

impl Scheme {
    /// Checks the header against the keys; `N` is the MAC's output length.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the header,
    /// [`VerifyError::MalformedHeader`] for a missing prefix or a value
    /// that does not decode to `N` bytes, [`VerifyError::SignatureMismatch`]
    /// when no key matches.
    pub(crate) fn verify<M: Mac + KeyInit + Clone, const N: usize>(
        &self,
        keys: &MacKeys<M>,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<KeyMatch, VerifyError> {
        let value = headers::required(headers, self.header)?;
        self.verify_value::<M, N>(keys, value, body, now)
    }

    /// As [`Scheme::verify`], but a value starting with `refused` (the
    /// prefix of an algorithm the provider also offers and this crate does
    /// not accept, such as `sha1=`) is refused before any MAC is computed.
    ///
    /// # Errors
    ///
    /// As [`Scheme::verify`], and [`VerifyError::UnsupportedAlgorithm`] for
    /// a value starting with `refused`.
    pub(crate) fn verify_refusing<M: Mac + KeyInit + Clone, const N: usize>(
        &self,
        refused: &str,
        keys: &MacKeys<M>,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<KeyMatch, VerifyError> {
        let value = headers::required(headers, self.header)?;
        if value.starts_with(refused.as_bytes()) {
            return Err(VerifyError::UnsupportedAlgorithm { name: self.header });
        }
        self.verify_value::<M, N>(keys, value, body, now)
    }

    /// As [`Scheme::verify`], for a header value already read.
    pub(crate) fn verify_value<M: Mac + KeyInit + Clone, const N: usize>(
        &self,
        keys: &MacKeys<M>,
        value: &[u8],
        body: &[u8],
        now: Timestamp,
    ) -> Result<KeyMatch, VerifyError> {
        let candidate = || {
            std::iter::once(match value.strip_prefix(self.prefix.as_bytes()) {
                Some(tag) => crypto::decode_tag::<N>(tag, self.encoding),
                None => Err(Malformed::MissingPrefix(self.prefix)),
            })
        };
        let target = MatchTarget {
            header: self.header,
            scheme: self.name,
            covers: SignedContent::Body,
        };
        keys.find(now, &[body], target, candidate)
    }

    /// The header value for an already computed tag.
    pub(crate) fn header_value(&self, tag: &[u8]) -> String {
        let encoded = match self.encoding {
            TagEncoding::Hex => crypto::hex(tag),
            TagEncoding::Base64 => crypto::base64(tag),
        };
        format!("{}{encoded}", self.prefix)
    }

    /// The header value HMAC-SHA256 of `body` under `secret` gives.
    pub(crate) fn sign_sha256(&self, secret: &Secret, body: &[u8]) -> String {
        self.header_value(&crypto::hmac_sha256(secret.expose_bytes(), &[body]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::HmacSha256;
    use crate::secret::{Keyring, Secret};

    const SCHEME: Scheme = Scheme {
        header: "X-Sig",
        prefix: "sha256=",
        name: "sha256",
        encoding: TagEncoding::Hex,
    };

    #[test]
    fn prefix_length_and_encoding_are_checked() {
        let secret = Secret::from_text("k").unwrap();
        let keys = MacKeys::<HmacSha256>::new(&Keyring::from(secret.clone()));
        let tag = crypto::hmac_sha256(secret.expose_bytes(), &[b"body"]);
        let good = SCHEME.header_value(&tag);
        let now = Timestamp::UNIX_EPOCH;
        let headers = [("x-sig", good.as_str())];
        assert_eq!(
            SCHEME
                .verify::<_, 32>(&keys, &headers, b"body", now)
                .unwrap()
                .index,
            0
        );
        let bare = [("X-Sig", &good["sha256=".len()..])];
        assert_eq!(
            SCHEME
                .verify::<_, 32>(&keys, &bare, b"body", now)
                .unwrap_err(),
            VerifyError::malformed("X-Sig", Malformed::MissingPrefix("sha256="))
        );
        let short = [("X-Sig", "sha256=abcd")];
        assert_eq!(
            SCHEME
                .verify::<_, 32>(&keys, &short, b"body", now)
                .unwrap_err()
                .code(),
            "malformed_header"
        );
        let none: [(&str, &str); 0] = [];
        assert_eq!(
            SCHEME
                .verify::<_, 32>(&keys, &none, b"body", now)
                .unwrap_err(),
            VerifyError::MissingHeader { name: "X-Sig" }
        );
    }
}
