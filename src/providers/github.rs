//! GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 over the raw
//! body, keyed with the webhook secret as text. No timestamp.
//!
//! - The legacy `X-Hub-Signature: sha1=<hex>` (HMAC-SHA1) is accepted only
//!   after [`Verifier::allow_legacy_sha1`]; when both headers are present,
//!   the SHA-256 one decides.
//! - Deliveries sent as `application/x-www-form-urlencoded` (the default on
//!   GitHub's settings page) verify over the raw form bytes;
//!   [`Verified::payload`] returns the JSON from the `payload` field. Which
//!   form a delivery has is read from the signed body (a form's starts with
//!   `payload=`, JSON's with `{` or whitespace), never from the unsigned
//!   `Content-Type`, so a JSON delivery replayed as a form still yields its
//!   own body.
//! - The delivery id is `X-GitHub-Delivery`. Rotation: several secrets in
//!   the keyring are tried in turn.

use crate::crypto::{self, HmacSha256, KeyMatch, MacKeys, MatchTarget, TagEncoding};
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::headers::{self, HeaderKey, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::Timestamp;
use crate::verify::{DeliveryId, Outcome, PayloadForm, Request, SignedHeaders, Verified, Verify};

/// The SHA-256 signature header.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";
/// The legacy SHA-1 signature header.
pub const LEGACY_SIGNATURE_HEADER: &str = "X-Hub-Signature";
/// The delivery id header.
pub const DELIVERY_HEADER: &str = "X-GitHub-Delivery";
/// The event name header (`push`, `pull_request`, ...).
pub const EVENT_HEADER: &str = "X-GitHub-Event";

// The names read on every verify, prepared once.
static SIGNATURE: HeaderKey = HeaderKey::new(SIGNATURE_HEADER, "x-hub-signature-256");
static DELIVERY: HeaderKey = HeaderKey::new(DELIVERY_HEADER, "x-github-delivery");

/// Verifies GitHub webhooks.
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
    /// Kept to prepare SHA-1 keys if the caller opts in to the legacy header.
    #[cfg(feature = "sha1")]
    keyring: Keyring<Secret>,
    #[cfg(feature = "sha1")]
    legacy: Option<MacKeys<crypto::HmacSha1>>,
}

impl Verifier {
    /// A verifier for the webhook secrets in `keyring` (text, as configured on GitHub).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            #[cfg(feature = "sha1")]
            keyring,
            #[cfg(feature = "sha1")]
            legacy: None,
        }
    }

    /// Also accepts the legacy `X-Hub-Signature` (HMAC-SHA1) when it is the
    /// only signature header.
    ///
    /// # Security
    ///
    /// SHA-1 HMAC is not broken as a MAC, but GitHub keeps the header only
    /// for old receivers; prefer leaving it off.
    #[cfg(feature = "sha1")]
    pub fn allow_legacy_sha1(mut self) -> Self {
        self.legacy = Some(MacKeys::new(&self.keyring));
        self
    }

    /// Verifies a delivery. GitHub signs no timestamp, so `now` only
    /// decides which keys of the keyring have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] when no signature header is present,
    /// [`VerifyError::MalformedHeader`] for a value that is not
    /// `sha256=<64 hex>`, [`VerifyError::SignatureMismatch`] when no key matches.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let key_index = match headers::single(headers, &SIGNATURE)? {
            Some(value) => {
                let candidate = || {
                    std::iter::once(match value.strip_prefix(b"sha256=") {
                        Some(hex) => crypto::decode_tag::<32>(hex, TagEncoding::Hex),
                        None => Err(Malformed::MissingPrefix("sha256=")),
                    })
                };
                self.keys
                    .find(now, &[body], target(SIGNATURE_HEADER, "sha256"), candidate)?
            }
            None => self.verify_legacy(headers, body, now)?,
        };

        let delivery = headers::single(headers, &DELIVERY)?.and_then(DeliveryId::from_header);
        // Decided from the signed bytes, not the unsigned `Content-Type`:
        // a JSON body never starts with `payload=`, a form delivery always does.
        let form = if body.starts_with(FORM_PREFIX) {
            PayloadForm::FormField
        } else {
            PayloadForm::Body
        };
        Ok(Verified::new(Provider::Github, key_index)
            .with_delivery_id(delivery)
            .with_payload_form(form))
    }

    #[cfg(feature = "sha1")]
    fn verify_legacy(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<KeyMatch, VerifyError> {
        let Some(value) = headers::single(headers, LEGACY_SIGNATURE_HEADER)? else {
            return Err(VerifyError::MissingHeader {
                name: SIGNATURE_HEADER,
            });
        };
        // SHA-1 is refused unless the caller opted in.
        let Some(legacy) = &self.legacy else {
            return Err(VerifyError::UnsupportedAlgorithm {
                name: LEGACY_SIGNATURE_HEADER,
            });
        };
        let candidate = || {
            std::iter::once(match value.strip_prefix(b"sha1=") {
                Some(hex) => crypto::decode_tag::<20>(hex, TagEncoding::Hex),
                None => Err(Malformed::MissingPrefix("sha1=")),
            })
        };
        legacy.find(
            now,
            &[body],
            target(LEGACY_SIGNATURE_HEADER, "sha1"),
            candidate,
        )
    }

    #[cfg(not(feature = "sha1"))]
    fn verify_legacy(
        &self,
        headers: &dyn Headers,
        _body: &[u8],
        _now: Timestamp,
    ) -> Result<KeyMatch, VerifyError> {
        if headers::present(headers, LEGACY_SIGNATURE_HEADER) {
            return Err(VerifyError::UnsupportedAlgorithm {
                name: LEGACY_SIGNATURE_HEADER,
            });
        }
        Err(VerifyError::MissingHeader {
            name: SIGNATURE_HEADER,
        })
    }
}

/// How the body of a form delivery starts: its one field is `payload`.
const FORM_PREFIX: &[u8] = b"payload=";

fn target(header: &'static str, scheme: &'static str) -> MatchTarget {
    MatchTarget {
        header,
        scheme,
        covers: SignedContent::Body,
    }
}

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Github
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        self.verify(request.headers(), request.body(), now)
            .map(Outcome::Verified)
    }
}

/// Signs `body` as GitHub does: both the SHA-256 header and, with the
/// `sha1` feature, the legacy SHA-1 one.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha256(secret.expose_bytes(), &[body]);
    let headers =
        SignedHeaders::new().with(SIGNATURE_HEADER, format!("sha256={}", crypto::hex(&tag)));
    #[cfg(feature = "sha1")]
    let headers = {
        let legacy = crypto::hmac_sha1(secret.expose_bytes(), &[body]);
        headers.with(
            LEGACY_SIGNATURE_HEADER,
            format!("sha1={}", crypto::hex(&legacy)),
        )
    };
    headers
}

pub(crate) fn from_config(
    config: &crate::provider::VerifierConfig,
) -> Result<Verifier, crate::SecretError> {
    let keyring = config.secrets(Provider::Github, crate::SecretEncoding::Utf8)?;
    if !config.allow_legacy_sha1 {
        return Ok(Verifier::new(keyring));
    }
    #[cfg(feature = "sha1")]
    return Ok(Verifier::new(keyring).allow_legacy_sha1());
    #[cfg(not(feature = "sha1"))]
    Err(crate::SecretError::FeatureDisabled("sha1"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    fn setup() -> (Secret, Verifier) {
        let secret = Secret::from_text("It's a Secret to Everybody").unwrap();
        (secret.clone(), Verifier::new(Keyring::from(secret)))
    }

    #[test]
    fn docs_example_and_single_bit_changes() {
        let (secret, verifier) = setup();
        let body = b"Hello, World!";
        let signed = sign(&secret, body);
        assert_eq!(
            signed.get(SIGNATURE_HEADER),
            Some("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
        );
        let now = Timestamp::UNIX_EPOCH;
        assert!(verifier.verify(&signed, body, now).is_ok());
        for changed in bit_flips(body) {
            assert!(verifier.verify(&signed, &changed, now).is_err());
        }
        let tag = crypto::hmac_sha256(secret.expose_bytes(), &[body]);
        for changed in bit_flips(&tag) {
            let headers = [(
                SIGNATURE_HEADER,
                format!("sha256={}", crypto::hex(&changed)),
            )];
            assert!(verifier.verify(&headers, body, now).is_err());
        }
        for changed in bit_flips(secret.expose_bytes()) {
            let other = Verifier::new(Keyring::from(Secret::from_bytes(changed)));
            assert!(other.verify(&signed, body, now).is_err());
        }
    }

    #[test]
    fn delivery_id_and_form_payload() {
        let (secret, verifier) = setup();
        let body = b"payload=%7B%22zen%22%3A%22Keep+it+logically+awesome.%22%7D";
        let headers = sign(&secret, body)
            .with_header(DELIVERY_HEADER, "72d3162e-cc78-11e3-81ab-4c9367dc0958")
            .with_header(
                "Content-Type",
                "Application/X-WWW-Form-Urlencoded; charset=utf-8",
            );
        let verified = verifier
            .verify(&headers, body, Timestamp::UNIX_EPOCH)
            .unwrap();
        assert_eq!(
            verified.delivery_id(),
            Some("72d3162e-cc78-11e3-81ab-4c9367dc0958")
        );
        assert_eq!(
            &*verified.payload(body).unwrap(),
            br#"{"zen":"Keep it logically awesome."}"#
        );

        // A JSON delivery's payload is the body itself.
        let json = br#"{"zen":"x"}"#;
        let verified = verifier
            .verify(&sign(&secret, json), json, Timestamp::UNIX_EPOCH)
            .unwrap();
        assert_eq!(&*verified.payload(json).unwrap(), json);

        // The unsigned `Content-Type` changes nothing either way.
        let as_form =
            sign(&secret, json).with_header("Content-Type", "application/x-www-form-urlencoded");
        let verified = verifier
            .verify(&as_form, json, Timestamp::UNIX_EPOCH)
            .unwrap();
        assert_eq!(&*verified.payload(json).unwrap(), json);
        let as_json = sign(&secret, body).with_header("Content-Type", "application/json");
        let verified = verifier
            .verify(&as_json, body, Timestamp::UNIX_EPOCH)
            .unwrap();
        assert_eq!(
            &*verified.payload(body).unwrap(),
            br#"{"zen":"Keep it logically awesome."}"#
        );
    }

    #[cfg(feature = "sha1")]
    #[test]
    fn legacy_sha1_needs_opt_in_and_sha256_decides() {
        let (secret, verifier) = setup();
        let body = b"Hello, World!";
        let signed = sign(&secret, body);
        let legacy_only = [(
            LEGACY_SIGNATURE_HEADER,
            signed.get(LEGACY_SIGNATURE_HEADER).unwrap(),
        )];

        let error = verifier
            .verify(&legacy_only, body, Timestamp::UNIX_EPOCH)
            .unwrap_err();
        assert_eq!(error.code(), "unsupported_algorithm");

        let opted_in = verifier.clone().allow_legacy_sha1();
        assert!(
            opted_in
                .verify(&legacy_only, body, Timestamp::UNIX_EPOCH)
                .is_ok()
        );

        // Both headers: a bad SHA-256 is refused even though SHA-1 is good.
        let both = [
            (SIGNATURE_HEADER, format!("sha256={}", "0".repeat(64))),
            (
                LEGACY_SIGNATURE_HEADER,
                signed.get(LEGACY_SIGNATURE_HEADER).unwrap().to_owned(),
            ),
        ];
        assert_eq!(
            opted_in
                .verify(&both, body, Timestamp::UNIX_EPOCH)
                .unwrap_err()
                .code(),
            "signature_mismatch"
        );
    }

    #[test]
    fn repeated_signature_header() {
        let (secret, verifier) = setup();
        let body = b"x";
        let value = sign(&secret, body)
            .get(SIGNATURE_HEADER)
            .unwrap()
            .to_owned();
        let same = [
            (SIGNATURE_HEADER, value.clone()),
            (SIGNATURE_HEADER, value.clone()),
        ];
        assert!(verifier.verify(&same, body, Timestamp::UNIX_EPOCH).is_ok());
        let different = [
            (SIGNATURE_HEADER, value),
            (SIGNATURE_HEADER, format!("sha256={}", "0".repeat(64))),
        ];
        assert_eq!(
            verifier
                .verify(&different, body, Timestamp::UNIX_EPOCH)
                .unwrap_err()
                .code(),
            "malformed_header"
        );
    }
}
