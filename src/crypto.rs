//! The one constant-time compare point, signature decoding into stack
//! buffers, and pre-keyed HMAC keyrings.
//!
//! # Security
//!
//! [`ct_eq`] is the only place a presented signature is compared with a
//! computed one, and it runs in time independent of the contents. What is
//! not constant-time: parsing of headers, the number and length of the
//! presented signatures, and which key of a keyring matched (keys are tried
//! in order and the search stops at the first match).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha512};
use subtle::ConstantTimeEq;

use crate::error::{Malformed, SignedContent, VerifyError};
use crate::secret::{Keyring, Secret};
use crate::time::Timestamp;

/// HMAC-SHA256.
pub(crate) type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA512, for Paystack.
pub(crate) type HmacSha512 = Hmac<Sha512>;

/// HMAC-SHA1, for Twilio and GitHub's legacy header.
#[cfg(feature = "sha1")]
pub(crate) type HmacSha1 = Hmac<sha1::Sha1>;

/// Compares a computed tag with a presented one in constant time.
///
/// Slices of different lengths compare unequal; the length itself is not
/// secret (every scheme fixes it). The bytes are folded with XOR and OR
/// without an early exit, and only the folded byte goes through `subtle`,
/// which keeps the compare both constant-time and cheap.
pub(crate) fn ct_eq(computed: &[u8], presented: &[u8]) -> bool {
    if computed.len() != presented.len() {
        return false;
    }
    let diff = computed
        .iter()
        .zip(presented)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    diff.ct_eq(&0).into()
}

/// How a scheme writes its signature bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TagEncoding {
    Hex,
    Base64,
}

/// Decodes a presented signature of exactly `N` bytes into a stack buffer.
pub(crate) fn decode_tag<const N: usize>(
    value: &[u8],
    encoding: TagEncoding,
) -> Result<[u8; N], Malformed> {
    let mut out = [0u8; N];
    match encoding {
        TagEncoding::Hex => {
            if value.len() != 2 * N {
                if value.iter().all(u8::is_ascii_hexdigit) && value.len() % 2 == 0 {
                    return Err(Malformed::WrongLength {
                        expected: N,
                        actual: value.len() / 2,
                    });
                }
                return Err(Malformed::NotHex);
            }
            const_hex::decode_to_slice(value, &mut out).map_err(|_| Malformed::NotHex)?;
        }
        TagEncoding::Base64 => {
            // Room for 128 decoded bytes: the largest signature here is 64.
            let mut buffer = [0u8; 128];
            if value.len() > 172 {
                return Err(Malformed::WrongLength {
                    expected: N,
                    actual: value.len() / 4 * 3,
                });
            }
            let len = STANDARD
                .decode_slice(value, &mut buffer)
                .map_err(|_| Malformed::NotBase64)?;
            if len != N {
                return Err(Malformed::WrongLength {
                    expected: N,
                    actual: len,
                });
            }
            out.copy_from_slice(&buffer[..N]);
        }
    }
    Ok(out)
}

/// A keyring turned into pre-keyed MAC states, one per key, so a verify
/// pays only for the bytes it hashes.
///
/// # Security
///
/// The key bytes themselves stay in the [`Secret`]s, which are zeroized on
/// drop. The derived MAC states (which could sign) are plain memory of the
/// `hmac` crate and are not zeroized; see the crate's Limitations.
#[derive(Clone)]
pub(crate) struct MacKeys<M> {
    keys: Vec<(M, Option<Timestamp>)>,
}

impl<M: Mac + KeyInit + Clone> MacKeys<M> {
    pub(crate) fn new(keyring: &Keyring<Secret>) -> Self {
        let keys = keyring
            .iter()
            .map(|(secret, not_after)| (mac_for(secret.expose_bytes()), not_after))
            .collect();
        MacKeys { keys }
    }

    #[cfg(feature = "ed25519")]
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    pub(crate) fn is_empty_keys(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys usable at `now`, with their keyring index.
    pub(crate) fn active(&self, now: Timestamp) -> impl Iterator<Item = (usize, &M)> + '_ {
        self.keys
            .iter()
            .enumerate()
            .filter(move |(_, (_, until))| until.is_none_or(|t| now <= t))
            .map(|(i, (mac, _))| (i, mac))
    }

    /// Finds the key whose tag over `parts` matches one of the candidates.
    ///
    /// `candidates` is called once per key and yields every presented
    /// signature of the expected scheme, decoded or with the reason it could
    /// not be. An undecodable one beside a good one does not abort.
    pub(crate) fn find<const N: usize, I>(
        &self,
        now: Timestamp,
        parts: &[&[u8]],
        target: MatchTarget,
        candidates: impl Fn() -> I,
    ) -> Result<KeyMatch, VerifyError>
    where
        I: Iterator<Item = Result<[u8; N], Malformed>>,
    {
        // Decode once into a stack buffer; a request with more signatures
        // than it holds has the rest decoded again per key (never seen in
        // practice, but still correct).
        let mut decoded = [[0u8; N]; MAX_BUFFERED];
        let (mut total, mut good, mut first_error) = (0usize, 0usize, None);
        for candidate in candidates() {
            total += 1;
            match candidate {
                Ok(tag) => {
                    if let Some(slot) = decoded.get_mut(good) {
                        *slot = tag;
                    }
                    good += 1;
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if total == 0 {
            return Err(VerifyError::NoMatchingScheme {
                name: target.header,
                expected: target.scheme,
            });
        }
        if good == 0 {
            let reason = first_error.unwrap_or(Malformed::Empty);
            return Err(VerifyError::malformed(target.header, reason));
        }
        let buffered = &decoded[..good.min(MAX_BUFFERED)];

        let mut keys_tried = 0;
        for (index, mac) in self.active(now) {
            keys_tried += 1;
            let tag = tag(mac, parts);
            // Every candidate is compared, so timing does not reveal which one matched.
            let mut matched = false;
            for candidate in buffered {
                matched |= ct_eq(&tag, candidate);
            }
            if good > MAX_BUFFERED {
                for candidate in candidates().flatten().skip(MAX_BUFFERED) {
                    matched |= ct_eq(&tag, &candidate);
                }
            }
            if matched {
                return Ok(KeyMatch {
                    index,
                    fingerprint: Some(fingerprint(&tag)),
                });
            }
        }
        Err(VerifyError::SignatureMismatch {
            keys_tried,
            keys_expired: self.keys.len().saturating_sub(keys_tried),
            signatures: good,
            covers: target.covers,
        })
    }
}

/// Which key of a keyring matched, and a fingerprint of the signature it
/// matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeyMatch {
    pub(crate) index: usize,
    pub(crate) fingerprint: Option<[u8; 16]>,
}

impl From<usize> for KeyMatch {
    /// A match of a scheme with no per-message signature (a static token).
    fn from(index: usize) -> Self {
        KeyMatch {
            index,
            fingerprint: None,
        }
    }
}

/// The first 16 bytes of a signature: HMAC tags and Ed25519 signatures are
/// pseudorandom, so this identifies the signed message without hashing.
pub(crate) fn fingerprint(signature: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (o, s) in out.iter_mut().zip(signature) {
        *o = *s;
    }
    out
}

/// How many decoded signatures [`MacKeys::find`] keeps on the stack.
const MAX_BUFFERED: usize = 8;

/// What a signature search reports on failure.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MatchTarget {
    pub(crate) header: &'static str,
    pub(crate) scheme: &'static str,
    pub(crate) covers: SignedContent,
}

impl<M> std::fmt::Debug for MacKeys<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MacKeys")
            .field("keys", &self.keys.len())
            .finish()
    }
}

fn mac_for<M: Mac + KeyInit>(key: &[u8]) -> M {
    // HMAC accepts keys of any length, so this never takes the fallback.
    <M as KeyInit>::new_from_slice(key).unwrap_or_else(|_| <M as KeyInit>::new(&Default::default()))
}

/// The tag of a pre-keyed MAC over the concatenation of `parts`.
pub(crate) fn tag<M: Mac + Clone>(mac: &M, parts: &[&[u8]]) -> hmac::digest::Output<M> {
    let mut mac = mac.clone();
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes()
}

/// The HMAC-SHA256 of the concatenation of `parts` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    tag(&mac_for::<HmacSha256>(key), parts).into()
}

/// The HMAC-SHA512 of the concatenation of `parts` under `key`.
pub(crate) fn hmac_sha512(key: &[u8], parts: &[&[u8]]) -> [u8; 64] {
    tag(&mac_for::<HmacSha512>(key), parts).into()
}

/// The HMAC-SHA1 of the concatenation of `parts` under `key`.
#[cfg(feature = "sha1")]
pub(crate) fn hmac_sha1(key: &[u8], parts: &[&[u8]]) -> [u8; 20] {
    tag(&mac_for::<HmacSha1>(key), parts).into()
}

/// Standard base64 with padding.
pub(crate) fn base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const_hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
    #[test]
    fn hmac_sha256_rfc4231_case_2() {
        let tag = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex(&tag),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    // RFC 4231, test case 1: a 20-byte key of 0x0b, data "Hi There".
    #[test]
    fn hmac_sha256_rfc4231_case_1() {
        let tag = hmac_sha256(&[0x0b; 20], &[b"Hi There"]);
        assert_eq!(
            hex(&tag),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
    }

    // RFC 2202, test case 2 for HMAC-SHA1.
    #[cfg(feature = "sha1")]
    #[test]
    fn hmac_sha1_rfc2202_case_2() {
        let tag = hmac_sha1(b"Jefe", &[b"what do ya want for nothing?"]);
        assert_eq!(hex(&tag), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    }

    #[test]
    fn decode_tag_checks_encoding_and_length() {
        assert_eq!(decode_tag::<2>(b"0aFF", TagEncoding::Hex), Ok([10, 255]));
        assert_eq!(
            decode_tag::<2>(b"0aF", TagEncoding::Hex),
            Err(Malformed::NotHex)
        );
        assert_eq!(
            decode_tag::<2>(b"0a", TagEncoding::Hex),
            Err(Malformed::WrongLength {
                expected: 2,
                actual: 1
            })
        );
        assert_eq!(
            decode_tag::<2>(b"zz00", TagEncoding::Hex),
            Err(Malformed::NotHex)
        );
        assert_eq!(decode_tag::<3>(b"AQID", TagEncoding::Base64), Ok([1, 2, 3]));
        assert_eq!(
            decode_tag::<3>(b"AQI!", TagEncoding::Base64),
            Err(Malformed::NotBase64)
        );
        assert_eq!(
            decode_tag::<2>(b"AQID", TagEncoding::Base64),
            Err(Malformed::WrongLength {
                expected: 2,
                actual: 3
            })
        );
        let long = [b'A'; 4000];
        assert!(decode_tag::<32>(&long, TagEncoding::Base64).is_err());
    }

    #[test]
    fn ct_eq_needs_equal_length_and_bytes() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
