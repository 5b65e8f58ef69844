//! Mux: `mux-signature: t=<unix>,v1=<hex>[,v1=<hex>...]`, HMAC-SHA256 over
//! `"{t}.{body}"`, keyed with the webhook signing secret as text.
//!
//! - Any `v1` item may match; other versions are ignored, and a header with
//!   no `v1` is [`VerifyError::NoMatchingScheme`]. A header without `t=`
//!   (a bare digest) is malformed.
//! - Tolerance: 300 s (Mux's SDK default), checked in both directions.
//! - Rotation: keyring. The event id is the body's `id`
//!   ([`Verified::event_id`]).
//! - `verify` allocates nothing.

use std::time::Duration;

use crate::crypto::{self, HmacSha256, MacKeys};
use crate::error::VerifyError;
use crate::headers::{HeaderKey, Headers};
use crate::provider::{Provider, VerifierConfig};
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::{Timestamp, TimestampCheck, Tolerance};
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

use super::t_v1::{Scheme, TimeUnit};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "mux-signature";

/// The window of Mux's SDKs.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

static SIGNATURE: HeaderKey = HeaderKey::new(SIGNATURE_HEADER, "mux-signature");

static SCHEME: Scheme = Scheme {
    key: &SIGNATURE,
    unit: TimeUnit::Seconds,
    v1_required: false,
};

/// Verifies Mux webhooks.
///
/// ```
/// use webhook_kit::providers::mux;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let secret = Secret::from_text("SuperSecret123")?;
/// let body = br#"{"id":"evt_1","type":"video.asset.ready"}"#;
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
/// let headers = mux::sign(&secret, now, body);
/// let verifier = mux::Verifier::new(Keyring::from(secret));
/// assert_eq!(verifier.verify(&headers, body, now)?.timestamp(), Some(now));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the signing secrets in `keyring` (text).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// Verifies a delivery: the signature first, then the window.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the header,
    /// [`VerifyError::MalformedHeader`] without one `t=` of digits,
    /// [`VerifyError::NoMatchingScheme`] without a `v1`,
    /// [`VerifyError::SignatureMismatch`] when none matches, and the
    /// timestamp errors outside the window.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let (key, signed_at) = SCHEME.verify(&self.keys, &self.check, headers, body, now)?;
        Ok(Verified::new(Provider::Mux, key).signed_at(signed_at))
    }
}

timestamp_options!(Verifier);

verify_headers_and_body!(Provider::Mux);

/// Signs `body` as Mux does, at `timestamp` (whole seconds are used).
pub fn sign(secret: &Secret, timestamp: Timestamp, body: &[u8]) -> SignedHeaders {
    let t = timestamp.as_unix_seconds().to_string();
    let tag = crypto::hmac_sha256(secret.expose_bytes(), &[t.as_bytes(), b".", body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, format!("t={t},v1={}", crypto::hex(&tag)))
}

/// The event id in a Mux body (`id`).
pub(crate) fn event_id(body: &[u8]) -> Option<String> {
    crate::provider::json_string_field(body, &["id"])
}

pub(crate) fn from_config(config: &VerifierConfig) -> Result<Verifier, crate::SecretError> {
    use crate::provider::TimestampPolicy as _;
    Ok(
        Verifier::new(config.secrets(Provider::Mux, SecretEncoding::Utf8)?)
            .with_check(config.timestamp_check(DEFAULT_TOLERANCE)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Malformed;
    use crate::test_support::bit_flips;

    const SECRET: &str = "SuperSecret123";
    const BODY: &[u8] = br#"{"test":"body"}"#;
    const T: i64 = 1_565_125_718;
    // From mux-node-sdk's webhook tests, recomputed with Python's hmac.
    const TAG: &str = "854ece4c22acef7c66b57d4e504153bc512595e8e9c772ece2a68150548c19a7";

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(Secret::from_text(SECRET).unwrap()))
    }

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(s)
    }

    #[test]
    fn sign_matches_the_published_value_and_bits_matter() {
        let signed = sign(&Secret::from_text(SECRET).unwrap(), at(T), BODY);
        assert_eq!(
            signed.get(SIGNATURE_HEADER),
            Some(&*format!("t={T},v1={TAG}"))
        );
        let verified = verifier().verify(&signed, BODY, at(T)).unwrap();
        assert_eq!(verified.timestamp(), Some(at(T)));
        for changed in bit_flips(BODY) {
            assert!(verifier().verify(&signed, &changed, at(T)).is_err());
        }
        let other_t = [(SIGNATURE_HEADER, format!("t={},v1={TAG}", T + 1))];
        assert_eq!(
            verifier().verify(&other_t, BODY, at(T)).unwrap_err().code(),
            "signature_mismatch"
        );
    }

    #[test]
    fn window_both_ways_and_options() {
        let h = [(SIGNATURE_HEADER, format!("t={T},v1={TAG}"))];
        let v = verifier();
        assert!(v.verify(&h, BODY, at(T + 300)).is_ok());
        assert!(v.verify(&h, BODY, at(T - 300)).is_ok());
        assert_eq!(
            v.verify(&h, BODY, at(T + 360)).unwrap_err().code(),
            "timestamp_too_old"
        );
        assert_eq!(
            v.verify(&h, BODY, at(T - 301)).unwrap_err().code(),
            "timestamp_in_future"
        );
        let wide = verifier().with_tolerance(Duration::from_secs(600));
        assert!(wide.verify(&h, BODY, at(T + 360)).is_ok());
        let skip = verifier().dangerous_skip_timestamp_check();
        assert!(skip.verify(&h, BODY, at(T + 86_400)).is_ok());
    }

    #[test]
    fn malformed_and_other_versions() {
        let v = verifier();
        let bare = [(SIGNATURE_HEADER, TAG.to_owned())];
        assert_eq!(
            v.verify(&bare, BODY, at(T)).unwrap_err(),
            VerifyError::malformed(SIGNATURE_HEADER, Malformed::MissingPart("t"))
        );
        let v2 = [(SIGNATURE_HEADER, format!("t={T},v2={TAG}"))];
        assert_eq!(
            v.verify(&v2, BODY, at(T)).unwrap_err().code(),
            "no_matching_scheme"
        );
        let two_t = [(SIGNATURE_HEADER, format!("t={T},t=1,v1={TAG}"))];
        assert_eq!(
            v.verify(&two_t, BODY, at(T)).unwrap_err().code(),
            "malformed_header"
        );
        let millis = [(SIGNATURE_HEADER, format!("t={T}000,v1={TAG}"))];
        assert_eq!(
            v.verify(&millis, BODY, at(T)).unwrap_err().code(),
            "malformed_header"
        );
        let multi = [(SIGNATURE_HEADER, format!("t={T},v1=invalid-sig,v1={TAG}"))];
        assert!(v.verify(&multi, BODY, at(T)).is_ok());
    }

    #[test]
    fn registry_applies_the_configured_window() {
        let h = [(SIGNATURE_HEADER, format!("t={T},v1={TAG}"))];
        let request = Request::new(&h, BODY);
        let config = VerifierConfig::new().with_secret(SECRET);
        let v = Provider::Mux.verifier(&config).unwrap();
        assert_eq!(
            v.verify_request(&request, at(T + 301)).unwrap_err().code(),
            "timestamp_too_old"
        );
        let wide = config.with_tolerance(Duration::from_secs(600));
        let v = Provider::Mux.verifier(&wide).unwrap();
        assert!(v.verify_request(&request, at(T + 360)).is_ok());
    }
}
