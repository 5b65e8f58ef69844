//! DocuSign Connect (HMAC security): one header per active Connect key,
//! `X-DocuSign-Signature-1`, `X-DocuSign-Signature-2`, ..., each the base64
//! HMAC-SHA256 of the raw body, keyed with the Connect key **as text** (the
//! key looks like base64 but is not decoded).
//!
//! - Every byte of the body is signed, line endings included.
//! - No timestamp is signed: replay protection is the caller's. `now` only
//!   decides which keys of the keyring have expired.
//! - Rotation: DocuSign signs with every active key (up to
//!   [`MAX_SIGNATURES`]), so one matching header is enough; the keyring may
//!   hold several keys as well.
//! - `X-Authorization-Digest` (the algorithm's name) is not needed. No
//!   delivery id header; the body carries the envelope id, which repeats
//!   across events, so none is reported.
//!
//! [`Verifier::verify`] allocates nothing: the numbered header names are
//! written into a stack buffer.

use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The first signature header; the others count up from it.
pub const SIGNATURE_HEADER: &str = "X-DocuSign-Signature-1";

/// How many numbered signature headers are read.
pub const MAX_SIGNATURES: usize = 100;

const PREFIX: &[u8] = b"X-DocuSign-Signature-";

/// A numbered header name, built on the stack.
#[derive(Clone, Copy)]
struct HeaderName {
    bytes: [u8; PREFIX.len() + 3],
    len: usize,
}

impl HeaderName {
    /// `X-DocuSign-Signature-{n}` for `n` in `1..=999`.
    fn new(n: usize) -> Self {
        let mut bytes = [0u8; PREFIX.len() + 3];
        bytes[..PREFIX.len()].copy_from_slice(PREFIX);
        let mut len = PREFIX.len();
        let digits = [n / 100 % 10, n / 10 % 10, n % 10];
        let skip = if n >= 100 {
            0
        } else if n >= 10 {
            1
        } else {
            2
        };
        for d in &digits[skip..] {
            // `d` is a single decimal digit.
            bytes[len] = b'0' + *d as u8;
            len += 1;
        }
        HeaderName { bytes, len }
    }

    fn as_str(&self) -> &str {
        // Only ASCII was written.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

/// Every value of every numbered signature header, in number order.
fn signature_values<'h>(headers: &'h dyn Headers) -> impl Iterator<Item = &'h [u8]> + 'h {
    (1..=MAX_SIGNATURES).flat_map(move |n| {
        let name = HeaderName::new(n);
        (0..).map_while(move |i| headers.value(name.as_str(), i))
    })
}

/// Verifies DocuSign Connect messages signed with HMAC.
///
/// ```
/// use webhook_kit::providers::docusign;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let key = Secret::from_text("connect-hmac-key")?;
/// let body = br#"{"event":"envelope-completed"}"#;
/// let headers = docusign::sign(&[&key], body);
///
/// let verifier = docusign::Verifier::new(Keyring::from(key));
/// verifier.verify(&headers, body, Timestamp::now())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
}

impl Verifier {
    /// A verifier for the Connect keys in `keyring` (each built with
    /// [`Secret::from_text`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
        }
    }

    /// Verifies a message.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] when no numbered signature header is
    /// present, [`VerifyError::MalformedHeader`] when none holds base64 of
    /// 32 bytes, [`VerifyError::SignatureMismatch`] when no key matches.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        if signature_values(headers).next().is_none() {
            return Err(VerifyError::MissingHeader {
                name: SIGNATURE_HEADER,
            });
        }
        let candidates = || {
            signature_values(headers)
                .map(|value| crypto::decode_tag::<32>(headers::trim(value), TagEncoding::Base64))
        };
        let target = MatchTarget {
            header: SIGNATURE_HEADER,
            scheme: "HMACSHA256",
            covers: SignedContent::Body,
        };
        let key_index = self.keys.find(now, &[body], target, candidates)?;
        Ok(Verified::new(Provider::Docusign, key_index))
    }
}

verify_headers_and_body!(Provider::Docusign);

/// Signs `body` as DocuSign Connect does with each of `keys`: the headers
/// `X-DocuSign-Signature-1`, `-2`, ... in key order, and
/// `X-Authorization-Digest: HMACSHA256`. Keys past [`MAX_SIGNATURES`] are
/// left out.
pub fn sign(keys: &[&Secret], body: &[u8]) -> SignedHeaders {
    let mut headers = SignedHeaders::new().with("X-Authorization-Digest", "HMACSHA256".to_owned());
    for (i, key) in keys.iter().take(MAX_SIGNATURES).enumerate() {
        let tag = crypto::hmac_sha256(key.expose_bytes(), &[body]);
        headers = headers.with_header(
            HeaderName::new(i + 1).as_str().to_owned(),
            crypto::base64(&tag),
        );
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const BODY: &[u8] = b"{\"event\":\"envelope-sent\"}\r\n";

    fn key(text: &str) -> Secret {
        Secret::from_text(text).unwrap()
    }

    #[test]
    fn header_names_count_up() {
        assert_eq!(HeaderName::new(1).as_str(), SIGNATURE_HEADER);
        assert_eq!(HeaderName::new(42).as_str(), "X-DocuSign-Signature-42");
        assert_eq!(HeaderName::new(100).as_str(), "X-DocuSign-Signature-100");
    }

    #[test]
    fn round_trip_and_single_bit_changes() {
        let k = key("docusign-unit-key");
        let verifier = Verifier::new(Keyring::from(k.clone()));
        let signed = sign(&[&k], BODY);
        let now = Timestamp::UNIX_EPOCH;
        assert!(verifier.verify(&signed, BODY, now).is_ok());
        for changed in bit_flips(BODY) {
            assert!(verifier.verify(&signed, &changed, now).is_err());
        }
    }

    #[test]
    fn any_numbered_header_may_match() {
        let keys: Vec<Secret> = (0..12).map(|i| key(&format!("key-{i}"))).collect();
        let refs: Vec<&Secret> = keys.iter().collect();
        let signed = sign(&refs, BODY);
        assert_eq!(
            signed.get("X-DocuSign-Signature-12"),
            Some(crypto::base64(&crypto::hmac_sha256(b"key-11", &[BODY])).as_str())
        );
        // The last key is past the stack buffer of decoded candidates.
        let verifier = Verifier::new(Keyring::from(keys[11].clone()));
        assert!(
            verifier
                .verify(&signed, BODY, Timestamp::UNIX_EPOCH)
                .is_ok()
        );
    }

    #[test]
    fn missing_and_malformed() {
        let verifier = Verifier::new(Keyring::from(key("docusign-unit-key")));
        let now = Timestamp::UNIX_EPOCH;
        let digest_only = [("X-Authorization-Digest", "HMACSHA256")];
        assert_eq!(
            verifier.verify(&digest_only, BODY, now).unwrap_err().code(),
            "missing_header"
        );
        let bad = [(SIGNATURE_HEADER, "###")];
        assert_eq!(
            verifier.verify(&bad, BODY, now).unwrap_err().code(),
            "malformed_header"
        );
    }
}
