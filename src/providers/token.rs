//! Static-token schemes: the provider sends a configured value verbatim
//! (a header, a body field, basic-auth credentials) and the receiver
//! compares it with the ones it holds. There is no MAC and no timestamp:
//! a captured request verifies forever, so these schemes rely on TLS.
//!
//! The comparison is of SHA-256 digests, in constant time, so it reveals
//! neither the bytes nor the length of a configured token. It allocates
//! nothing.

use sha2::{Digest, Sha256};

use crate::crypto;
use crate::error::VerifyError;
use crate::secret::{Keyring, Secret};
use crate::time::Timestamp;

/// The index of the configured token equal to `presented`.
///
/// # Errors
///
/// [`VerifyError::TokenMismatch`] naming `name` when none is equal, or the
/// presented value is empty (an empty token proves nothing).
pub(crate) fn find(
    tokens: &Keyring<Secret>,
    presented: &[u8],
    name: &'static str,
    now: Timestamp,
) -> Result<usize, VerifyError> {
    find_digest(
        tokens,
        Sha256::digest(presented).into(),
        presented.is_empty(),
        name,
        now,
    )
}

/// As [`find`], for a presented value already hashed (basic-auth
/// credentials are decoded and hashed piece by piece).
pub(crate) fn find_digest(
    tokens: &Keyring<Secret>,
    presented: [u8; 32],
    presented_empty: bool,
    name: &'static str,
    now: Timestamp,
) -> Result<usize, VerifyError> {
    if presented_empty {
        return Err(VerifyError::TokenMismatch {
            name,
            keys_tried: 0,
        });
    }
    let mut keys_tried = 0;
    for (index, token) in tokens.active(now) {
        keys_tried += 1;
        let expected = Sha256::digest(token.expose_bytes());
        if crypto::ct_eq(&expected, &presented) {
            return Ok(index);
        }
    }
    Err(VerifyError::TokenMismatch { name, keys_tried })
}

/// A token's text for a `sign` helper: what the provider sends back.
pub(crate) fn text(token: &Secret) -> String {
    String::from_utf8_lossy(token.expose_bytes()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_whole_tokens_only() {
        let ring = Keyring::from(Secret::from_text("old").unwrap())
            .with_key(Secret::from_text("new-token").unwrap());
        let now = Timestamp::UNIX_EPOCH;
        assert_eq!(find(&ring, b"new-token", "h", now), Ok(1));
        assert_eq!(find(&ring, b"old", "h", now), Ok(0));
        for wrong in [&b"new-toke"[..], b"new-tokenX", b"NEW-TOKEN", b"ol"] {
            assert_eq!(
                find(&ring, wrong, "h", now),
                Err(VerifyError::TokenMismatch {
                    name: "h",
                    keys_tried: 2
                })
            );
        }
        assert_eq!(
            find(&ring, b"", "h", now),
            Err(VerifyError::TokenMismatch {
                name: "h",
                keys_tried: 0
            })
        );
    }
}
