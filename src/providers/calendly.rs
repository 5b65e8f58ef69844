//! Calendly: `Calendly-Webhook-Signature: t=<unix>,v1=<hex>`, HMAC-SHA256
//! over `"{t}.{body}"`, keyed with the subscription's webhook signing key
//! as text.
//!
//! - `t` is unix seconds. Calendly's own example refuses signatures older
//!   than 3 minutes; this crate applies 180 s both ways.
//! - A header without `t` or without any `v1` is malformed. Several `v1`
//!   items are accepted, any match being enough.
//! - A subscription created with a personal access token and no
//!   `signing_key` is not signed at all and cannot be verified; OAuth apps
//!   always get a key.
//! - No delivery id header; the body's `payload.uri` identifies the
//!   invitee. Rotation: several keys in the keyring are tried in turn.
//!
//! [`Verifier::verify`] allocates nothing.

use std::time::Duration;

use crate::crypto::{self, HmacSha256, MacKeys};
use crate::error::VerifyError;
use crate::headers::{HeaderKey, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::{Timestamp, TimestampCheck, Tolerance};
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

use super::t_v1::{Scheme, TimeUnit};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "Calendly-Webhook-Signature";

/// Calendly's example window: 3 minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(180);

static SIGNATURE: HeaderKey = HeaderKey::new(SIGNATURE_HEADER, "calendly-webhook-signature");

static SCHEME: Scheme = Scheme {
    key: &SIGNATURE,
    unit: TimeUnit::Seconds,
    v1_required: true,
};

/// Verifies Calendly webhooks.
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the webhook signing keys in `keyring` (text).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// Verifies a delivery.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the header,
    /// [`VerifyError::MalformedHeader`] when `t` or `v1` is missing or
    /// undecodable, [`VerifyError::SignatureMismatch`] when no key matches,
    /// and the timestamp errors.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let (key, signed_at) = SCHEME.verify(&self.keys, &self.check, headers, body, now)?;
        Ok(Verified::new(Provider::Calendly, key).signed_at(signed_at))
    }
}

timestamp_options!(Verifier);

verify_headers_and_body!(Provider::Calendly);

/// Signs `body` as Calendly does, at `timestamp` (whole seconds): the
/// signature header.
pub fn sign(secret: &Secret, timestamp: Timestamp, body: &[u8]) -> SignedHeaders {
    let t = timestamp.as_unix_seconds().to_string();
    let tag = crypto::hmac_sha256(secret.expose_bytes(), &[t.as_bytes(), b".", body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, format!("t={t},v1={}", crypto::hex(&tag)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "calendly-local-signing-key";
    const BODY: &[u8] = br#"{"event":"invitee.created","payload":{"email":"test@example.com"}}"#;
    // Python: hmac.new(SECRET, b"1700000000." + BODY, hashlib.sha256).hexdigest()
    const EXPECTED: &str =
        "t=1700000000,v1=cf1ba63d91342bbcb40da98e3c4f26d7f6a479d2d2443e1383c16d6c79d076e2";

    fn secret() -> Secret {
        Secret::from_text(SECRET).unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(secret()))
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds)
    }

    #[test]
    fn sign_matches_an_independent_hmac_and_verifies() {
        let headers = sign(&secret(), at(1_700_000_000), BODY);
        assert_eq!(headers.get(SIGNATURE_HEADER), Some(EXPECTED));
        let verified = verifier()
            .verify(&headers, BODY, at(1_700_000_010))
            .unwrap();
        assert_eq!(verified.timestamp(), Some(at(1_700_000_000)));
        for changed in bit_flips(BODY) {
            assert!(
                verifier()
                    .verify(&headers, &changed, at(1_700_000_000))
                    .is_err()
            );
        }
    }

    #[test]
    fn three_minute_window_both_ways() {
        let headers = sign(&secret(), at(1_700_000_000), BODY);
        let v = verifier();
        assert!(v.verify(&headers, BODY, at(1_700_000_180)).is_ok());
        assert!(v.verify(&headers, BODY, at(1_699_999_820)).is_ok());
        assert_eq!(
            v.verify(&headers, BODY, at(1_700_000_181))
                .unwrap_err()
                .code(),
            "timestamp_too_old"
        );
        assert_eq!(
            v.verify(&headers, BODY, at(1_699_999_819))
                .unwrap_err()
                .code(),
            "timestamp_in_future"
        );
    }

    #[test]
    fn header_shapes() {
        let now = at(1_700_000_000);
        let v1 = &EXPECTED["t=1700000000,".len()..];
        let cases = [
            ("t=1700000000".to_owned(), "malformed_header"),
            (v1.to_owned(), "malformed_header"),
            (
                format!("t=1700000000, {v1}, v1={}", "0".repeat(64)),
                "valid",
            ),
            (format!("t=1700000000,v1={},{v1}", "0".repeat(64)), "valid"),
            (
                format!("t=1700000000,t=1700000001,{v1}"),
                "malformed_header",
            ),
            (format!("t=17000000.5,{v1}"), "malformed_header"),
            ("t=1700000000,v1=zz".to_owned(), "malformed_header"),
        ];
        for (value, code) in cases {
            let headers = [(SIGNATURE_HEADER, value.as_str())];
            let got = match verifier().verify(&headers, BODY, now) {
                Ok(_) => "valid",
                Err(e) => e.code(),
            };
            assert_eq!(got, code, "{value}");
        }
    }

    #[test]
    fn registry_builds_it() {
        let config = crate::VerifierConfig::new().with_secret(SECRET);
        let v = Provider::Calendly.verifier(&config).unwrap();
        let headers = sign(&secret(), at(1_700_000_000), BODY);
        let outcome = v.verify_request(&Request::new(&headers, BODY), at(1_700_000_000));
        assert!(matches!(outcome, Ok(Outcome::Verified(_))));
    }
}
