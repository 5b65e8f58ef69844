//! GitLab: two mechanisms, which one hook may use together.
//!
//! - **Secret token** (every GitLab): `X-Gitlab-Token` carries the
//!   configured token in plain text. There is no HMAC and no timestamp;
//!   the check is a constant-time comparison (of SHA-256 digests, so the
//!   token's length does not show either). Tokens are text
//!   ([`Secret::from_text`]).
//! - **Signing token** (newer GitLab, behind a feature flag at first):
//!   Standard Webhooks. `webhook-signature: v1,<base64>` is HMAC-SHA256
//!   over `"{webhook-id}.{webhook-timestamp}.{body}"`, keyed with the
//!   signing token `whsec_` + base64 (decoded: [`parse_signing_token`]).
//!   Checked by the [Standard Webhooks verifier](super::standard_webhooks).
//!
//! Which one decides: when signing tokens are configured and the request
//! carries `webhook-signature`, the signature does; otherwise the secret
//! token does. GitLab sends `webhook-id` and `webhook-timestamp` on every
//! delivery, and `webhook-signature` only when the hook has a signing
//! token, so the id and timestamp headers alone prove nothing. With both
//! mechanisms configured, either one is enough (for a migration);
//! configure signing tokens only to require signatures.
//!
//! - Tolerance: GitLab publishes none; signed timestamps get this crate's
//!   300 s in both directions ([`DEFAULT_TOLERANCE`]). Secret tokens carry
//!   no time.
//! - Rotation: several tokens of either kind in their keyrings;
//!   [`Verified::key_index`] indexes the keyring of the mechanism that
//!   verified.
//! - Delivery id: `webhook-id` for signed deliveries; for secret-token
//!   deliveries `X-Gitlab-Event-UUID`, else `Idempotency-Key`.
//!
//! `verify` allocates nothing.

use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::crypto;
use crate::error::{SecretError, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::{KeyFormat, Provider, VerifierConfig};
use crate::providers::standard_webhooks::{self as sw, Family};
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::{Timestamp, TimestampCheck, Tolerance};
use crate::verify::{DeliveryId, Outcome, Request, SignedHeaders, Verified, Verify};

/// The secret token header.
pub const TOKEN_HEADER: &str = "X-Gitlab-Token";
/// The event name header (`Push Hook`, `Merge Request Hook`, ...).
pub const EVENT_HEADER: &str = "X-Gitlab-Event";
/// The event's unique id.
pub const EVENT_UUID_HEADER: &str = "X-Gitlab-Event-UUID";
/// The hook's unique id.
pub const WEBHOOK_UUID_HEADER: &str = "X-Gitlab-Webhook-UUID";
/// The sending instance's URL.
pub const INSTANCE_HEADER: &str = "X-Gitlab-Instance";
/// The idempotency key (equal to `webhook-id` where both are sent).
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";
/// The signed message id header (signing tokens).
pub const ID_HEADER: &str = sw::ID_HEADER;
/// The signed timestamp header (signing tokens).
pub const TIMESTAMP_HEADER: &str = sw::TIMESTAMP_HEADER;
/// The signature header, sent only by hooks with a signing token.
pub const SIGNATURE_HEADER: &str = sw::SIGNATURE_HEADER;

/// The window for signed timestamps; GitLab documents none.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Verifies GitLab webhooks by secret token, signing token, or either.
///
/// ```
/// use webhook_kit::providers::gitlab;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let token = Secret::from_text("my-gitlab-secret-token")?;
/// let signing = gitlab::parse_signing_token("whsec_Orxu1X8FQS+THBbTEcsGyyEgKxBH6u9/WDn31zhaagM=")?;
/// let verifier = gitlab::Verifier::new(Keyring::from(token.clone()))
///     .with_signing_tokens(Keyring::from(signing.clone()));
///
/// let body = br#"{"object_kind":"push"}"#;
/// let now = Timestamp::from_unix_seconds(1_780_000_000);
///
/// let classic = gitlab::sign_token(&token, "13792a34-cac6-4fda-95a8-c58e00a3954e");
/// let verified = verifier.verify(&classic, body, now)?;
/// assert_eq!(verified.delivery_id(), Some("13792a34-cac6-4fda-95a8-c58e00a3954e"));
///
/// let signed = gitlab::sign(&signing, "4f9d2a7e", now, body);
/// assert_eq!(verifier.verify(&signed, body, now)?.delivery_id(), Some("4f9d2a7e"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    tokens: Keyring<Secret>,
    signing: Option<sw::Verifier>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the secret tokens in `keyring` (text, as configured
    /// on the hook).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            tokens: keyring,
            signing: None,
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// A verifier for signing tokens only: every delivery must carry a
    /// valid `webhook-signature`.
    pub fn new_signing(keyring: Keyring<Secret>) -> Self {
        Verifier::new(Keyring::new()).with_signing_tokens(keyring)
    }

    /// Also accepts `webhook-signature` under these signing tokens (each
    /// built with [`parse_signing_token`]).
    pub fn with_signing_tokens(mut self, keyring: Keyring<Secret>) -> Self {
        // The window is applied here after the signature check, so that
        // this verifier's own setters govern it.
        let inner = sw::Verifier::for_provider(Provider::Gitlab, Family::Unbranded, &keyring)
            .dangerous_skip_timestamp_check();
        self.signing = Some(inner);
        self
    }

    /// Verifies a delivery by the mechanism that applies (see the module docs).
    ///
    /// # Errors
    ///
    /// By secret token: [`VerifyError::MissingHeader`] without
    /// `X-Gitlab-Token`, [`VerifyError::TokenMismatch`] when it matches no
    /// token. By signing token: the errors of
    /// [`standard_webhooks::Verifier::verify`](super::standard_webhooks::Verifier::verify).
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        if let Some(signing) = &self.signing {
            if self.tokens.is_empty() || headers::present(headers, SIGNATURE_HEADER) {
                let verified = signing.verify(headers, body, now)?;
                if let Some(signed_at) = verified.timestamp() {
                    self.check.apply(signed_at, now)?;
                }
                return Ok(verified);
            }
        }
        self.verify_token(headers, now)
    }

    fn verify_token(&self, headers: &dyn Headers, now: Timestamp) -> Result<Verified, VerifyError> {
        let presented = headers::required(headers, TOKEN_HEADER)?;
        if presented.is_empty() {
            // An empty token proves nothing, even against an empty configured one.
            return Err(VerifyError::TokenMismatch {
                name: TOKEN_HEADER,
                keys_tried: 0,
            });
        }

        // Digests have one length whatever the tokens', so the comparison
        // reveals neither the bytes nor the length of a configured token.
        let presented = Sha256::digest(presented);
        let mut keys_tried = 0;
        let mut matched = None;
        for (index, token) in self.tokens.active(now) {
            keys_tried += 1;
            let expected = Sha256::digest(token.expose_bytes());
            if crypto::ct_eq(&expected, &presented) {
                matched = Some(index);
                break;
            }
        }
        let key_index = matched.ok_or(VerifyError::TokenMismatch {
            name: TOKEN_HEADER,
            keys_tried,
        })?;

        let delivery = match headers::single(headers, EVENT_UUID_HEADER)? {
            Some(uuid) => Some(uuid),
            None => headers::single(headers, IDEMPOTENCY_KEY_HEADER)?,
        };
        Ok(Verified::new(Provider::Gitlab, key_index)
            .with_delivery_id(delivery.and_then(DeliveryId::from_header)))
    }
}

/// Parses a signing token as GitLab shows it: `whsec_` + base64 (the
/// prefix is optional).
///
/// # Errors
///
/// The [`SecretError`] of [`Secret::parse`].
pub fn parse_signing_token(text: &str) -> Result<Secret, SecretError> {
    Secret::parse(text, SecretEncoding::WhsecBase64)
}

timestamp_options!(Verifier);

verify_headers_and_body!(Provider::Gitlab);

/// The headers of a secret-token delivery: `X-Gitlab-Token` with the token
/// verbatim, and `X-Gitlab-Event-UUID`.
pub fn sign_token(token: &Secret, event_uuid: &str) -> SignedHeaders {
    SignedHeaders::new()
        .with(
            TOKEN_HEADER,
            String::from_utf8_lossy(token.expose_bytes()).into_owned(),
        )
        .with(EVENT_UUID_HEADER, event_uuid.to_owned())
}

/// Signs `body` as a hook with a signing token does: `webhook-id`,
/// `webhook-timestamp`, `webhook-signature`, and `Idempotency-Key` equal
/// to the id. A hook with both tokens also sends [`sign_token`]'s header.
pub fn sign(signing_token: &Secret, id: &str, timestamp: Timestamp, body: &[u8]) -> SignedHeaders {
    sw::sign(signing_token, id, timestamp, body).with(IDEMPOTENCY_KEY_HEADER, id.to_owned())
}

/// Which mechanism a configured key belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mechanism {
    SecretToken,
    SigningToken,
}

/// Text keys (`utf8`, or no format) are secret tokens; base64 keys
/// (`whsec_base64`, `base64`) are signing tokens.
fn mechanism(format: Option<KeyFormat>) -> Result<Mechanism, SecretError> {
    match format {
        None | Some(KeyFormat::Secret(SecretEncoding::Utf8)) => Ok(Mechanism::SecretToken),
        Some(KeyFormat::Secret(SecretEncoding::WhsecBase64 | SecretEncoding::Base64)) => {
            Ok(Mechanism::SigningToken)
        }
        Some(other) => Err(SecretError::UnsupportedEncoding {
            provider: Provider::Gitlab.id(),
            encoding: other.id(),
        }),
    }
}

/// Builds a verifier from a configuration, sorting keys by their format.
pub(crate) fn from_config(config: &VerifierConfig) -> Result<Verifier, SecretError> {
    use crate::provider::TimestampPolicy as _;

    for spec in &config.keys {
        mechanism(spec.format)?;
    }
    let of = |wanted: Mechanism| {
        move |k: &crate::provider::KeySpec| mechanism(k.format).is_ok_and(|m| m == wanted)
    };
    let tokens = config.secrets_where(
        Provider::Gitlab,
        SecretEncoding::Utf8,
        of(Mechanism::SecretToken),
    )?;
    let signing = config.secrets_where(
        Provider::Gitlab,
        SecretEncoding::WhsecBase64,
        of(Mechanism::SigningToken),
    )?;

    let verifier = Verifier::new(tokens);
    let verifier = if signing.is_empty() {
        verifier
    } else {
        verifier.with_signing_tokens(signing)
    };
    Ok(verifier.with_check(config.timestamp_check(DEFAULT_TOLERANCE)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Malformed;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    const TOKEN: &str = "my-gitlab-secret-token";
    const SIGNING: &str = "whsec_Orxu1X8FQS+THBbTEcsGyyEgKxBH6u9/WDn31zhaagM=";
    const BODY: &[u8] = br#"{"object_kind":"push","ref":"refs/heads/main"}"#;
    const ID: &str = "4f9d2a7e-0b1c-4d3e-9f8a-7b6c5d4e3f21";
    const UUID: &str = "13792a34-cac6-4fda-95a8-c58e00a3954e";
    // The signature of the `signing_token_valid` vector.
    const SIGNATURE: &str = "v1,pt0kuanNc+khKyLbcQM+gBOvebKH8E6VJLjWW0rBQW4=";
    const TS: i64 = 1_780_000_000;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds)
    }

    fn token() -> Secret {
        Secret::from_text(TOKEN).unwrap()
    }

    fn signing() -> Secret {
        parse_signing_token(SIGNING).unwrap()
    }

    fn both() -> Verifier {
        Verifier::new(Keyring::from(token())).with_signing_tokens(Keyring::from(signing()))
    }

    fn signed_headers(signature: &str, ts: &str) -> Vec<(&'static str, String)> {
        vec![
            (ID_HEADER, ID.to_owned()),
            (TIMESTAMP_HEADER, ts.to_owned()),
            (SIGNATURE_HEADER, signature.to_owned()),
            (IDEMPOTENCY_KEY_HEADER, ID.to_owned()),
        ]
    }

    #[test]
    fn sign_reproduces_the_vector_signature() {
        let signed = sign(&signing(), ID, at(TS), BODY);
        assert_eq!(signed.get(SIGNATURE_HEADER), Some(SIGNATURE));
        assert_eq!(signed.get(ID_HEADER), Some(ID));
        assert_eq!(signed.get(IDEMPOTENCY_KEY_HEADER), Some(ID));
        assert_eq!(signed.get(TIMESTAMP_HEADER), Some("1780000000"));
        assert_eq!(signing().len(), 32);
    }

    #[test]
    fn round_trips_of_both_mechanisms() {
        let v = both();

        let classic = sign_token(&token(), UUID);
        assert_eq!(classic.get(TOKEN_HEADER), Some(TOKEN));
        let verified = v.verify(&classic, BODY, at(TS)).unwrap();
        assert_eq!(verified.provider(), Provider::Gitlab);
        assert_eq!(verified.delivery_id(), Some(UUID));
        assert_eq!(verified.timestamp(), None);

        let signed = sign(&signing(), ID, at(TS), BODY);
        let verified = v.verify(&signed, BODY, at(TS + 3)).unwrap();
        assert_eq!(verified.provider(), Provider::Gitlab);
        assert_eq!(verified.delivery_id(), Some(ID));
        assert_eq!(verified.timestamp(), Some(at(TS)));
    }

    #[test]
    fn flipping_any_bit_of_the_token_fails() {
        let v = Verifier::new(Keyring::from(token()));
        for bit in 0..TOKEN.len() * 8 {
            let mut presented = TOKEN.as_bytes().to_vec();
            presented[bit / 8] ^= 1 << (bit % 8);
            let h = [(TOKEN_HEADER, presented)];
            assert!(v.verify(&h, BODY, at(TS)).is_err(), "bit {bit}");
        }
        let err = v
            .verify(&[(TOKEN_HEADER, "nope")], BODY, at(TS))
            .unwrap_err();
        assert_eq!(
            err,
            VerifyError::TokenMismatch {
                name: TOKEN_HEADER,
                keys_tried: 1
            }
        );
        assert!(!err.to_string().contains(TOKEN));
    }

    #[test]
    fn token_must_match_whole() {
        let v = Verifier::new(Keyring::from(token()));
        for presented in [
            "my-gitlab-secret-toke",
            "my-gitlab-secret-tokenX",
            "",
            "MY-GITLAB-SECRET-TOKEN",
        ] {
            let err = v
                .verify(&[(TOKEN_HEADER, presented)], BODY, at(TS))
                .unwrap_err();
            assert_eq!(err.code(), "token_mismatch", "{presented:?}");
        }
    }

    #[test]
    fn flipping_any_bit_of_a_signed_delivery_fails() {
        let v = Verifier::new_signing(Keyring::from(signing()));
        let good = signed_headers(SIGNATURE, "1780000000");
        assert!(v.verify(&good, BODY, at(TS)).is_ok());

        for bit in 0..BODY.len() * 8 {
            let mut body = BODY.to_vec();
            body[bit / 8] ^= 1 << (bit % 8);
            assert!(v.verify(&good, &body, at(TS)).is_err(), "body bit {bit}");
        }

        let tag = STANDARD.decode(&SIGNATURE[3..]).unwrap();
        for bit in 0..tag.len() * 8 {
            let mut flipped = tag.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            let h = signed_headers(&format!("v1,{}", crypto::base64(&flipped)), "1780000000");
            assert!(v.verify(&h, BODY, at(TS)).is_err(), "signature bit {bit}");
        }

        let unchecked =
            Verifier::new_signing(Keyring::from(signing())).dangerous_skip_timestamp_check();
        for bit in 0..10 * 8 {
            let mut ts = b"1780000000".to_vec();
            ts[bit / 8] ^= 1 << (bit % 8);
            let h = [
                (ID_HEADER, ID.as_bytes().to_vec()),
                (TIMESTAMP_HEADER, ts),
                (SIGNATURE_HEADER, SIGNATURE.as_bytes().to_vec()),
            ];
            assert!(
                unchecked.verify(&h, BODY, at(TS)).is_err(),
                "timestamp bit {bit}"
            );
        }

        let key = signing().expose_bytes().to_vec();
        for bit in 0..key.len() * 8 {
            let mut flipped = key.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            let v = Verifier::new_signing(Keyring::from(Secret::from_bytes(flipped)));
            assert_eq!(
                v.verify(&good, BODY, at(TS)).unwrap_err().code(),
                "signature_mismatch",
                "key bit {bit}"
            );
        }
    }

    // `webhook-id` and `webhook-timestamp` arrive on every delivery; only
    // `webhook-signature` means the delivery is signed.
    #[test]
    fn id_and_timestamp_alone_are_not_a_signature() {
        let h = [
            (TOKEN_HEADER, TOKEN),
            (ID_HEADER, ID),
            (TIMESTAMP_HEADER, "1780000000"),
            (IDEMPOTENCY_KEY_HEADER, ID),
        ];
        // The secret token decides, and the delivery id falls back to
        // `Idempotency-Key` when there is no event UUID.
        let verified = both().verify(&h, BODY, at(TS)).unwrap();
        assert_eq!(verified.timestamp(), None);
        assert_eq!(verified.delivery_id(), Some(ID));

        // A verifier with signing tokens only demands the signature.
        let err = Verifier::new_signing(Keyring::from(signing()))
            .verify(&h, BODY, at(TS))
            .unwrap_err();
        assert_eq!(
            err,
            VerifyError::MissingHeader {
                name: SIGNATURE_HEADER
            }
        );
    }

    #[test]
    fn a_present_signature_decides_over_the_token() {
        let mut h = signed_headers(
            "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "1780000000",
        );
        h.push((TOKEN_HEADER, TOKEN.to_owned()));
        let err = both().verify(&h, BODY, at(TS)).unwrap_err();
        assert_eq!(err.code(), "signature_mismatch");

        // Without signing tokens configured, the token decides.
        let v = Verifier::new(Keyring::from(token()));
        assert!(v.verify(&h, BODY, at(TS)).is_ok());
    }

    // Treating `X-Gitlab-Token` as an HMAC of the body does not verify.
    #[test]
    fn token_is_not_an_hmac() {
        let hmac = crypto::hex(&crypto::hmac_sha256(TOKEN.as_bytes(), &[BODY]));
        let v = Verifier::new(Keyring::from(token()));
        let err = v.verify(&[(TOKEN_HEADER, hmac)], BODY, at(TS)).unwrap_err();
        assert_eq!(err.code(), "token_mismatch");
    }

    // Using the `whsec_` text itself as the HMAC key does not verify.
    #[test]
    fn signing_token_must_be_base64_decoded() {
        let undecoded = Secret::from_text(SIGNING).unwrap();
        let v = Verifier::new_signing(Keyring::from(undecoded));
        let err = v
            .verify(&signed_headers(SIGNATURE, "1780000000"), BODY, at(TS))
            .unwrap_err();
        assert_eq!(err.code(), "signature_mismatch");
        assert_eq!(
            parse_signing_token("whsec_not base64").unwrap_err(),
            SecretError::NotBase64
        );
    }

    #[test]
    fn missing_and_repeated_headers() {
        let v = Verifier::new(Keyring::from(token()));
        let no_token = [(EVENT_HEADER, "Push Hook"), (EVENT_UUID_HEADER, UUID)];
        assert_eq!(
            v.verify(&no_token, BODY, at(TS)).unwrap_err(),
            VerifyError::MissingHeader { name: TOKEN_HEADER }
        );
        let twice = [(TOKEN_HEADER, TOKEN), (TOKEN_HEADER, "other")];
        assert_eq!(
            v.verify(&twice, BODY, at(TS)).unwrap_err(),
            VerifyError::malformed(TOKEN_HEADER, Malformed::Repeated)
        );
        let malformed = signed_headers(
            "v1=pt0kuanNc+khKyLbcQM+gBOvebKH8E6VJLjWW0rBQW4=",
            "1780000000",
        );
        assert_eq!(
            both().verify(&malformed, BODY, at(TS)).unwrap_err().code(),
            "malformed_header"
        );
    }

    #[test]
    fn window_applies_to_signed_deliveries_only() {
        let h = signed_headers(SIGNATURE, "1780000000");
        let v = both();
        assert!(v.verify(&h, BODY, at(TS + 300)).is_ok());
        assert!(v.verify(&h, BODY, at(TS - 300)).is_ok());
        assert_eq!(
            v.verify(&h, BODY, at(TS + 301)).unwrap_err().code(),
            "timestamp_too_old"
        );
        assert_eq!(
            v.verify(&h, BODY, at(TS - 301)).unwrap_err().code(),
            "timestamp_in_future"
        );

        // Set before or after the signing tokens, the window is the same.
        let narrow = Verifier::new(Keyring::new())
            .with_tolerance(Duration::from_secs(5))
            .with_signing_tokens(Keyring::from(signing()));
        assert_eq!(
            narrow.verify(&h, BODY, at(TS + 6)).unwrap_err().code(),
            "timestamp_too_old"
        );
        let skip = both().dangerous_skip_timestamp_check();
        assert!(skip.verify(&h, BODY, at(TS + 86_400)).is_ok());

        let classic = sign_token(&token(), UUID);
        assert!(v.verify(&classic, BODY, at(0)).is_ok());
    }

    #[test]
    fn rotation_reports_the_matching_key() {
        let tokens = Keyring::from(Secret::from_text("old-token").unwrap()).with_key(token());
        let v = Verifier::new(tokens);
        let verified = v.verify(&[(TOKEN_HEADER, TOKEN)], BODY, at(TS)).unwrap();
        assert_eq!(verified.key_index(), 1);

        let expired = Keyring::new().with_key_until(token(), at(TS - 1));
        let err = Verifier::new(expired)
            .verify(&[(TOKEN_HEADER, TOKEN)], BODY, at(TS))
            .unwrap_err();
        assert_eq!(
            err,
            VerifyError::TokenMismatch {
                name: TOKEN_HEADER,
                keys_tried: 0
            }
        );
    }

    #[test]
    fn registry_sorts_keys_by_format() {
        let h = signed_headers(SIGNATURE, "1780000000");
        let classic = sign_token(&token(), UUID);
        let config = VerifierConfig::new()
            .with_secret(TOKEN)
            .with_key(SIGNING, KeyFormat::Secret(SecretEncoding::WhsecBase64));
        let v = Provider::Gitlab.verifier(&config).unwrap();
        assert!(v.verify_request(&Request::new(&h, BODY), at(TS)).is_ok());
        assert!(
            v.verify_request(&Request::new(&classic, BODY), at(TS))
                .is_ok()
        );

        let raw_b64 = &SIGNING["whsec_".len()..];
        let config =
            VerifierConfig::new().with_key(raw_b64, KeyFormat::Secret(SecretEncoding::Base64));
        let v = Provider::Gitlab.verifier(&config).unwrap();
        assert!(v.verify_request(&Request::new(&h, BODY), at(TS)).is_ok());

        // A signing token without a format is taken for a secret token.
        let config = VerifierConfig::new().with_secret(SIGNING);
        let v = Provider::Gitlab.verifier(&config).unwrap();
        assert_eq!(
            v.verify_request(&Request::new(&h, BODY), at(TS))
                .unwrap_err()
                .code(),
            "missing_header"
        );

        for format in [
            KeyFormat::Secret(SecretEncoding::Hex),
            KeyFormat::Ed25519Hex,
        ] {
            let config = VerifierConfig::new()
                .with_secret(TOKEN)
                .with_key("00", format);
            assert!(matches!(
                Provider::Gitlab.verifier(&config).unwrap_err(),
                SecretError::UnsupportedEncoding {
                    provider: "gitlab",
                    ..
                }
            ));
        }

        let config = VerifierConfig::new()
            .with_key(SIGNING, KeyFormat::Secret(SecretEncoding::WhsecBase64))
            .with_tolerance(Duration::from_secs(1));
        let v = Provider::Gitlab.verifier(&config).unwrap();
        assert_eq!(
            v.verify_request(&Request::new(&h, BODY), at(TS + 2))
                .unwrap_err()
                .code(),
            "timestamp_too_old"
        );
    }

    #[test]
    fn debug_shows_no_token() {
        let shown = format!("{:?}", both());
        assert!(!shown.contains(TOKEN), "{shown}");
        assert!(!shown.contains("Orxu1X8"), "{shown}");
    }
}
