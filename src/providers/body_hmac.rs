//! The shape many providers share: one header holding an HMAC of the raw
//! body, hex or base64, sometimes behind a fixed prefix such as `sha256=`.
//!
//! Each provider module names its header, prefix and encoding in a
//! [`Scheme`] and keeps its own `Verifier`; this module only reads the
//! header, decodes the tag into a stack buffer and searches the keyring,
//! so verification allocates nothing.

use hmac::Mac;
use hmac::digest::KeyInit;

use crate::crypto::{self, KeyMatch, MacKeys, MatchTarget, TagEncoding};
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::secret::Secret;
use crate::time::Timestamp;

/// Where a provider puts its body signature and how it writes it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scheme {
    /// The header that carries the signature.
    pub(crate) header: &'static str,
    /// Text in front of the encoded tag (`sha256=`), or `""`.
    pub(crate) prefix: &'static str,
    /// How the tag is written.
    pub(crate) encoding: TagEncoding,
    /// The scheme's name in errors (`sha256`, `hex`).
    pub(crate) name: &'static str,
}

impl Scheme {
    /// Finds the key of `keys` whose MAC over `body` is the header's tag.
    ///
    /// `N` is the tag length of `M` (32 for SHA-256, 20 for SHA-1).
    pub(crate) fn verify<M: Mac + KeyInit + Clone, const N: usize>(
        &self,
        keys: &MacKeys<M>,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<KeyMatch, VerifyError> {
        let value = headers::required(headers, self.header)?;
        let candidate = || std::iter::once(self.decode::<N>(value));
        let target = MatchTarget {
            header: self.header,
            scheme: self.name,
            covers: SignedContent::Body,
        };
        keys.find(now, &[body], target, candidate)
    }

    fn decode<const N: usize>(&self, value: &[u8]) -> Result<[u8; N], Malformed> {
        let tag = value
            .strip_prefix(self.prefix.as_bytes())
            .ok_or(Malformed::MissingPrefix(self.prefix))?;
        crypto::decode_tag::<N>(tag, self.encoding)
    }

    /// The header value for an HMAC-SHA256 `tag`, as the provider writes it.
    pub(crate) fn format(&self, tag: &[u8]) -> String {
        let encoded = match self.encoding {
            TagEncoding::Hex => crypto::hex(tag),
            TagEncoding::Base64 => crypto::base64(tag),
        };
        format!("{}{encoded}", self.prefix)
    }

    /// The header value HMAC-SHA256 of `body` under `secret` gives.
    pub(crate) fn sign_sha256(&self, secret: &Secret, body: &[u8]) -> String {
        self.format(&crypto::hmac_sha256(secret.expose_bytes(), &[body]))
    }
}
