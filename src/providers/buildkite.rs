//! Buildkite (Pipelines and Package Registries webhooks): the webhook's
//! token is sent in one of two ways, chosen in its settings.
//!
//! - **Signature** (the safer one): `X-Buildkite-Signature:
//!   timestamp=<unix>,signature=<hex>`, HMAC-SHA256 over
//!   `"{timestamp}.{body}"` keyed with the token as text. The timestamp
//!   must lie within 300 s of `now` in both directions (Buildkite leaves
//!   the window to the receiver; [`DEFAULT_TOLERANCE`]).
//! - **Token**: `X-Buildkite-Token: <token>`, compared in constant time
//!   (SHA-256 digests) and reported as [`VerifyError::TokenMismatch`]. The
//!   body is not covered and there is no timestamp.
//!
//! A request with `X-Buildkite-Signature` is checked by it, whatever else
//! it carries; otherwise the token header decides. One keyring serves
//! both (the token is the HMAC key). `X-Buildkite-Event` names the event;
//! there is no delivery id. `verify` allocates nothing.

use std::time::Duration;

use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::{Provider, VerifierConfig};
use crate::providers::token;
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::{self, Timestamp, TimestampCheck, Tolerance};
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Buildkite-Signature";
/// The plain token header.
pub const TOKEN_HEADER: &str = "X-Buildkite-Token";
/// The event name header (`build.finished`, `ping`, ...).
pub const EVENT_HEADER: &str = "X-Buildkite-Event";

/// The window for signed timestamps; Buildkite names none.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Verifies Buildkite webhooks in either mode.
///
/// ```
/// use webhook_kit::providers::buildkite;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let token = Secret::from_text("buildkite-webhook-token")?;
/// let body = br#"{"event":"build.finished"}"#;
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
/// let verifier = buildkite::Verifier::new(Keyring::from(token.clone()));
///
/// let signed = buildkite::sign(&token, now, body);
/// assert_eq!(verifier.verify(&signed, body, now)?.timestamp(), Some(now));
/// let plain = buildkite::sign_token(&token);
/// assert_eq!(verifier.verify(&plain, body, now)?.timestamp(), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    tokens: Keyring<Secret>,
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the webhook tokens in `keyring` (text).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            tokens: keyring,
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// Verifies a delivery by the header it carries (see the module docs).
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without either header. By signature:
    /// [`VerifyError::MalformedHeader`] without one `timestamp=` of digits
    /// and one `signature=` of 64 hex digits,
    /// [`VerifyError::SignatureMismatch`], and the timestamp errors. By
    /// token: [`VerifyError::TokenMismatch`].
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        if let Some(value) = headers::single(headers, SIGNATURE_HEADER)? {
            return self.verify_signature(value, body, now);
        }
        match headers::single(headers, TOKEN_HEADER)? {
            Some(presented) => {
                let index = token::find(&self.tokens, presented, TOKEN_HEADER, now)?;
                Ok(Verified::new(Provider::Buildkite, index).covering(SignedContent::Token))
            }
            None => Err(VerifyError::MissingHeader {
                name: SIGNATURE_HEADER,
            }),
        }
    }

    fn verify_signature(
        &self,
        value: &[u8],
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let raw_ts = part(value, b"timestamp=", "timestamp")?;
        let signature = part(value, b"signature=", "signature")?;
        let signed_at = time::parse_unix_seconds(raw_ts)
            .map_err(|e| VerifyError::malformed(SIGNATURE_HEADER, e))?;
        let candidate = || std::iter::once(crypto::decode_tag::<32>(signature, TagEncoding::Hex));
        let target = MatchTarget {
            header: SIGNATURE_HEADER,
            scheme: "signature",
            covers: SignedContent::Body,
        };
        let key = self
            .keys
            .find(now, &[raw_ts, b".", body], target, candidate)?;
        self.check.apply(signed_at, now)?;
        Ok(Verified::new(Provider::Buildkite, key).signed_at(signed_at))
    }
}

/// The value of the one `name=` item of the signature header.
fn part<'v>(value: &'v [u8], prefix: &[u8], name: &'static str) -> Result<&'v [u8], VerifyError> {
    let mut found = None;
    for item in value.split(|&b| b == b',').map(headers::trim) {
        if let Some(v) = item.strip_prefix(prefix) {
            if found.is_some() {
                return Err(VerifyError::malformed(
                    SIGNATURE_HEADER,
                    Malformed::DuplicateParam(name),
                ));
            }
            found = Some(v);
        }
    }
    found.ok_or(VerifyError::malformed(
        SIGNATURE_HEADER,
        Malformed::MissingPart(name),
    ))
}

timestamp_options!(Verifier);

verify_headers_and_body!(Provider::Buildkite);

/// Signs `body` as a webhook in signature mode does, at `timestamp`
/// (whole seconds are used).
pub fn sign(token: &Secret, timestamp: Timestamp, body: &[u8]) -> SignedHeaders {
    let t = timestamp.as_unix_seconds().to_string();
    let tag = crypto::hmac_sha256(token.expose_bytes(), &[t.as_bytes(), b".", body]);
    SignedHeaders::new().with(
        SIGNATURE_HEADER,
        format!("timestamp={t},signature={}", crypto::hex(&tag)),
    )
}

/// The header a webhook in token mode sends.
pub fn sign_token(token: &Secret) -> SignedHeaders {
    SignedHeaders::new().with(TOKEN_HEADER, token::text(token))
}

pub(crate) fn from_config(config: &VerifierConfig) -> Result<Verifier, crate::SecretError> {
    use crate::provider::TimestampPolicy as _;
    Ok(
        Verifier::new(config.secrets(Provider::Buildkite, SecretEncoding::Utf8)?)
            .with_check(config.timestamp_check(DEFAULT_TOLERANCE)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const TOKEN: &str = "buildkite-webhook-token";
    const BODY: &[u8] = br#"{"event":"build.finished","build":{"id":"f62a1b4d-10f9-4790-bc1c-e2c3a0c80983","state":"passed"},"sender":{"name":"Some Person"}}"#;
    const TS: i64 = 1_700_000_000;
    // Computed with Python: hmac.new(TOKEN, b"1700000000." + BODY, sha256).
    const TAG: &str = "b64f6f2b8e2af66f95bdc43168b538fcef6467000889113fe264f41a4454094f";

    fn token() -> Secret {
        Secret::from_text(TOKEN).unwrap()
    }

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(s)
    }

    #[test]
    fn signature_mode_matches_and_bits_matter() {
        let signed = sign(&token(), at(TS), BODY);
        assert_eq!(
            signed.get(SIGNATURE_HEADER),
            Some(&*format!("timestamp={TS},signature={TAG}"))
        );
        let v = Verifier::new(Keyring::from(token()));
        assert_eq!(
            v.verify(&signed, BODY, at(TS)).unwrap().timestamp(),
            Some(at(TS))
        );
        for changed in bit_flips(BODY) {
            assert!(v.verify(&signed, &changed, at(TS)).is_err());
        }
        let moved = [(
            SIGNATURE_HEADER,
            format!("timestamp={},signature={TAG}", TS + 1),
        )];
        assert_eq!(
            v.verify(&moved, BODY, at(TS)).unwrap_err().code(),
            "signature_mismatch"
        );
        // The order of the two items does not matter.
        let swapped = [(SIGNATURE_HEADER, format!("signature={TAG}, timestamp={TS}"))];
        assert!(v.verify(&swapped, BODY, at(TS)).is_ok());
    }

    #[test]
    fn window_and_malformed_signatures() {
        let v = Verifier::new(Keyring::from(token()));
        let h = sign(&token(), at(TS), BODY);
        assert!(v.verify(&h, BODY, at(TS + 300)).is_ok());
        assert_eq!(
            v.verify(&h, BODY, at(TS + 301)).unwrap_err().code(),
            "timestamp_too_old"
        );
        assert_eq!(
            v.verify(&h, BODY, at(TS - 301)).unwrap_err().code(),
            "timestamp_in_future"
        );
        let narrow = Verifier::new(Keyring::from(token())).with_tolerance(Duration::from_secs(5));
        assert!(narrow.verify(&h, BODY, at(TS + 6)).is_err());
        for value in [
            format!("signature={TAG}"),
            format!("timestamp={TS}"),
            format!("timestamp=-{TS},signature={TAG}"),
            format!("timestamp={TS},signature={TAG},signature={TAG}"),
            format!("timestamp={TS},signature=xyz"),
        ] {
            let h = [(SIGNATURE_HEADER, value.clone())];
            assert_eq!(
                v.verify(&h, BODY, at(TS)).unwrap_err().code(),
                "malformed_header",
                "{value}"
            );
        }
    }

    #[test]
    fn token_mode_and_which_header_decides() {
        let v = Verifier::new(Keyring::from(token()));
        let now = at(0);
        assert!(v.verify(&sign_token(&token()), BODY, now).is_ok());
        for changed in bit_flips(TOKEN.as_bytes()) {
            assert_eq!(
                v.verify(&[(TOKEN_HEADER, changed)], BODY, now)
                    .unwrap_err()
                    .code(),
                "token_mismatch"
            );
        }
        // A bad signature is not rescued by a good token.
        let both = [
            (
                SIGNATURE_HEADER,
                format!("timestamp={TS},signature={}", "0".repeat(64)),
            ),
            (TOKEN_HEADER, TOKEN.to_owned()),
        ];
        assert_eq!(
            v.verify(&both, BODY, at(TS)).unwrap_err().code(),
            "signature_mismatch"
        );
        let none: [(&str, &str); 0] = [];
        assert_eq!(
            v.verify(&none, BODY, now).unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_HEADER
            }
        );
    }

    #[test]
    fn registry_applies_the_configured_window() {
        let h = sign(&token(), at(TS), BODY);
        let request = Request::new(&h, BODY);
        let config = VerifierConfig::new().with_secret(TOKEN);
        let v = Provider::Buildkite.verifier(&config).unwrap();
        assert!(v.verify_request(&request, at(TS + 300)).is_ok());
        let narrow = config.clone().with_tolerance(Duration::from_secs(10));
        let v = Provider::Buildkite.verifier(&narrow).unwrap();
        assert_eq!(
            v.verify_request(&request, at(TS + 11)).unwrap_err().code(),
            "timestamp_too_old"
        );
        let skip = config.dangerous_skip_timestamp_check();
        let v = Provider::Buildkite.verifier(&skip).unwrap();
        assert!(v.verify_request(&request, at(TS + 86_400)).is_ok());
    }
}
