//! The `v0=` scheme that Slack and Zoom share: a signature header
//! `v0=<hex>` holding HMAC-SHA256 over `"v0:{timestamp}:{body}"`, where the
//! timestamp is a second header's value, verbatim.
//!
//! Only the header names differ between the two providers, so both
//! verifiers call [`verify`] with their own [`Names`].

use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::Provider;
use crate::secret::Secret;
use crate::time::{self, Timestamp, TimestampCheck};
use crate::verify::Verified;

/// The two headers a provider of this scheme sends.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Names {
    pub(crate) signature: &'static str,
    pub(crate) timestamp: &'static str,
}

/// Checks the signature, then the timestamp window.
///
/// Allocates nothing: the signed bytes are fed to the MAC in three pieces.
pub(crate) fn verify(
    provider: Provider,
    keys: &MacKeys<HmacSha256>,
    check: TimestampCheck,
    names: Names,
    headers: &dyn Headers,
    body: &[u8],
    now: Timestamp,
) -> Result<Verified, VerifyError> {
    let signature = headers::required(headers, names.signature)?;
    let raw_ts = headers::required(headers, names.timestamp)?;
    let signed_at =
        time::parse_unix_seconds(raw_ts).map_err(|e| VerifyError::malformed(names.timestamp, e))?;

    let candidate = || {
        std::iter::once(match signature.strip_prefix(b"v0=") {
            Some(hex) => crypto::decode_tag::<32>(hex, TagEncoding::Hex),
            None => Err(Malformed::MissingPrefix("v0=")),
        })
    };
    let target = MatchTarget {
        header: names.signature,
        scheme: "v0",
        covers: SignedContent::Body,
    };
    let key_index = keys.find(now, &[b"v0:", raw_ts, b":", body], target, candidate)?;

    check.apply(signed_at, now)?;
    Ok(Verified::new(provider, key_index).signed_at(signed_at))
}

/// The header value `v0=<hex>` for `body` signed at `timestamp` (unix seconds, as text).
pub(crate) fn signature(secret: &Secret, timestamp: &str, body: &[u8]) -> String {
    let tag = crypto::hmac_sha256(
        secret.expose_bytes(),
        &[b"v0:", timestamp.as_bytes(), b":", body],
    );
    format!("v0={}", crypto::hex(&tag))
}

/// Whether `body` holds the bytes of `needle`: the cheap test both
/// providers run before parsing a body that may be a handshake.
pub(crate) fn mentions(body: &[u8], needle: &str) -> bool {
    body.windows(needle.len()).any(|w| w == needle.as_bytes())
}
