//! The `v0=` scheme that Slack and Zoom share: a signature header
//! `v0=<hex>` holding HMAC-SHA256 over `"v0:{timestamp}:{body}"`, where the
//! timestamp is a second header's value, verbatim.
//!
//! Only the header names differ between the two providers, so both
//! verifiers call [`verify`] with their own [`Names`], and spot their
//! signed handshakes with [`handshake_fields`].

use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::headers::{self, HeaderKey, Headers};
use crate::provider::Provider;
use crate::secret::Secret;
use crate::time::{self, Timestamp, TimestampCheck};
use crate::verify::Verified;

/// The two headers a provider of this scheme sends.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Names {
    pub(crate) signature: &'static HeaderKey,
    pub(crate) timestamp: &'static HeaderKey,
}

/// Checks the signature, then the timestamp window.
///
/// Allocates nothing: the signed bytes are fed to the MAC piece by piece.
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
    let signed_at = time::parse_unix_seconds(raw_ts)
        .map_err(|e| VerifyError::malformed(names.timestamp.as_str(), e))?;

    let candidate = || {
        std::iter::once(match signature.strip_prefix(b"v0=") {
            Some(hex) => crypto::decode_tag::<32>(hex, TagEncoding::Hex),
            None => Err(Malformed::MissingPrefix("v0=")),
        })
    };
    let target = MatchTarget {
        header: names.signature.as_str(),
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

/// The fields of a JSON object body whose `field` is the string `kind`:
/// how both providers spot their handshake.
///
/// The body is parsed only when it holds the bytes of `kind`, so ordinary
/// deliveries are not parsed (and do not allocate).
pub(crate) fn handshake_fields(
    body: &[u8],
    field: &str,
    kind: &str,
) -> Option<serde_json::Map<String, serde_json::Value>> {
    // `windows(0)` would panic; no handshake kind is empty anyway.
    if !body
        .windows(kind.len().max(1))
        .any(|w| w == kind.as_bytes())
    {
        return None;
    }
    match serde_json::from_slice(body) {
        Ok(serde_json::Value::Object(fields))
            if fields.get(field).and_then(serde_json::Value::as_str) == Some(kind) =>
        {
            Some(fields)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Keyring;
    use crate::test_support::bit_flips;

    static SLACK_SIGNATURE: HeaderKey = HeaderKey::new("X-Slack-Signature", "x-slack-signature");
    static SLACK_TIMESTAMP: HeaderKey =
        HeaderKey::new("X-Slack-Request-Timestamp", "x-slack-request-timestamp");
    static ZOOM_SIGNATURE: HeaderKey = HeaderKey::new("x-zm-signature", "x-zm-signature");
    static ZOOM_TIMESTAMP: HeaderKey =
        HeaderKey::new("x-zm-request-timestamp", "x-zm-request-timestamp");
    static SLACK: Names = Names {
        signature: &SLACK_SIGNATURE,
        timestamp: &SLACK_TIMESTAMP,
    };
    static ZOOM: Names = Names {
        signature: &ZOOM_SIGNATURE,
        timestamp: &ZOOM_TIMESTAMP,
    };

    fn check() -> TimestampCheck {
        TimestampCheck::Window(crate::time::Tolerance::symmetric(
            std::time::Duration::from_secs(300),
        ))
    }

    fn run(
        secret: &Secret,
        names: Names,
        ts: &str,
        signature: &str,
        body: &[u8],
    ) -> Result<Verified, VerifyError> {
        let keys = MacKeys::new(&Keyring::from(secret.clone()));
        let headers = [
            (names.signature.as_str(), signature),
            (names.timestamp.as_str(), ts),
        ];
        let now = Timestamp::from_unix_seconds(1_700_000_000);
        verify(Provider::Slack, &keys, check(), names, &headers, body, now)
    }

    #[test]
    fn any_flipped_bit_fails_for_both_header_sets() {
        let secret = Secret::from_text("a-signing-secret").unwrap();
        let body = br#"{"a":1}"#;
        let ts = "1700000000";
        for names in [SLACK, ZOOM] {
            let good = signature(&secret, ts, body);
            assert!(run(&secret, names, ts, &good, body).is_ok());

            for bad_body in bit_flips(body) {
                assert!(run(&secret, names, ts, &good, &bad_body).is_err());
            }
            let tag = const_hex::decode(&good["v0=".len()..]).unwrap();
            for bad_tag in bit_flips(&tag) {
                let bad = format!("v0={}", crypto::hex(&bad_tag));
                assert!(run(&secret, names, ts, &bad, body).is_err());
            }
            for bad_ts in bit_flips(ts.as_bytes()) {
                // A flipped bit may leave a digit string or not: either way, refused.
                let Ok(bad_ts) = String::from_utf8(bad_ts) else {
                    continue;
                };
                assert!(run(&secret, names, &bad_ts, &good, body).is_err());
            }
            for bad_key in bit_flips(secret.expose_bytes()) {
                let other = Secret::from_bytes(bad_key);
                assert!(run(&other, names, ts, &good, body).is_err());
            }
        }
    }

    #[test]
    fn signs_version_colon_timestamp_colon_body() {
        let secret = Secret::from_text("k").unwrap();
        let direct = crypto::hmac_sha256(b"k", &[b"v0:123:body"]);
        assert_eq!(
            signature(&secret, "123", b"body"),
            format!("v0={}", crypto::hex(&direct))
        );
    }

    #[test]
    fn handshake_fields_need_the_value_in_the_named_field() {
        let body = br#"{"type":"url_verification","challenge":"c"}"#;
        let fields = handshake_fields(body, "type", "url_verification").unwrap();
        assert_eq!(fields.get("challenge"), Some(&serde_json::json!("c")));

        assert!(handshake_fields(body, "event", "url_verification").is_none());
        assert!(
            handshake_fields(br#"{"type":"url_verificatio"}"#, "type", "url_verification")
                .is_none()
        );
        assert!(handshake_fields(b"type=url_verification", "type", "url_verification").is_none());
        assert!(handshake_fields(br#"["url_verification"]"#, "type", "url_verification").is_none());
    }
}
