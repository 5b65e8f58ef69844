//! SendGrid Event Webhook, signed (feature `p256`).
//!
//! - Headers: `X-Twilio-Email-Event-Webhook-Signature` (base64 of a DER
//!   ECDSA signature) and `X-Twilio-Email-Event-Webhook-Timestamp` (unix
//!   seconds).
//! - Signed content: the timestamp header's bytes immediately followed by
//!   the raw body bytes. SendGrid's body ends with `\r\n`; a framework that
//!   trims it breaks the signature.
//! - Algorithm: ECDSA P-256 with SHA-256 under the "verification key"
//!   from Mail Settings, base64 of a DER SubjectPublicKeyInfo
//!   ([`parse_public_key`]; PEM is read too). Parsed once, when the
//!   verifier is built.
//! - Tolerance: none by default. SendGrid documents no window and its SDKs
//!   check none, so the timestamp is only signed bytes; set one with
//!   [`Verifier::with_tolerance`], after which it must be unix seconds.
//! - Rotation: every key of the keyring is tried (one per Event Webhook,
//!   for an endpoint shared by several).
//! - Delivery id: none per request; each event in the body has its own
//!   `sg_event_id`.
//!
//! - Fingerprint ([`Verified::signature_fingerprint`]): taken from the
//!   signature's `r` only. ECDSA is malleable (`(r, n - s)` verifies as
//!   well as `(r, s)`), and a fingerprint of the whole signature would let
//!   the mirrored copy of a captured delivery pass a replay guard as new.
//!
//! Allocations: none. The digest is computed over the two parts in
//! streaming updates and the signature decoded into a stack buffer.

use aws_lc_rs::digest::{Context, SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::crypto::KeyMatch;
use crate::error::{Malformed, SecretError, SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::p256::P256PublicKey;
use crate::provider::{KeyFormat, Provider, VerifierConfig};
use crate::secret::Keyring;
use crate::time::{self, Timestamp, TimestampCheck};
use crate::verify::{Outcome, Request, Verified, Verify};

/// The signature header (base64 of DER).
pub const SIGNATURE_HEADER: &str = "X-Twilio-Email-Event-Webhook-Signature";
/// The timestamp header (unix seconds).
pub const TIMESTAMP_HEADER: &str = "X-Twilio-Email-Event-Webhook-Timestamp";

/// The longest DER encoding of a P-256 ECDSA signature.
const MAX_DER_SIGNATURE: usize = 72;

/// Verifies SendGrid's signed Event Webhook.
///
/// ```
/// use webhook_kit::providers::sendgrid;
/// use webhook_kit::{Keyring, Timestamp};
///
/// // SendGrid's published test key and delivery.
/// let key = sendgrid::parse_public_key(
///     "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==",
/// )?;
/// let headers = [
///     (sendgrid::SIGNATURE_HEADER, "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM="),
///     (sendgrid::TIMESTAMP_HEADER, "1600112502"),
/// ];
/// let body = concat!(
///     r#"[{"email":"hello@world.com","event":"dropped","reason":"Bounced Address","#,
///     r#""sg_event_id":"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA","#,
///     r#""sg_message_id":"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0","#,
///     r#""smtp-id":"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>","timestamp":1600112492}]"#,
///     "\r\n",
/// );
/// let verifier = sendgrid::Verifier::new(Keyring::from(key));
/// let verified = verifier.verify(&headers, body.as_bytes(), Timestamp::now())?;
/// assert_eq!(verified.timestamp(), Some(Timestamp::from_unix_seconds(1_600_112_502)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: Keyring<P256PublicKey>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the verification keys in `keyring` (each built with
    /// [`parse_public_key`]), with no timestamp window.
    pub fn new(keyring: Keyring<P256PublicKey>) -> Self {
        Verifier {
            keys: keyring,
            check: TimestampCheck::Skip,
        }
    }

    /// Verifies a delivery.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] for either header;
    /// [`VerifyError::MalformedHeader`] for a signature that is not base64
    /// or too long for a P-256 signature, and, once a window is set, for a
    /// timestamp that is not unix seconds; [`VerifyError::SignatureMismatch`]
    /// when no key verifies it; the timestamp errors once a window is set.
    ///
    /// # Security
    ///
    /// Without a window (the default, as in SendGrid's own libraries) a
    /// captured delivery verifies forever: deduplicate on the events'
    /// `sg_event_id`, or set a window.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let raw_signature = headers::required(headers, SIGNATURE_HEADER)?;
        let raw_ts = headers::required(headers, TIMESTAMP_HEADER)?;
        let signed_at = time::parse_unix_seconds(raw_ts);
        if matches!(self.check, TimestampCheck::Window(_)) {
            signed_at.map_err(|e| VerifyError::malformed(TIMESTAMP_HEADER, e))?;
        }
        let mut buffer = [0u8; MAX_DER_SIGNATURE];
        let signature = decode_signature(raw_signature, &mut buffer)
            .map_err(|e| VerifyError::malformed(SIGNATURE_HEADER, e))?;

        let mut context = Context::new(&SHA256);
        context.update(raw_ts);
        context.update(body);
        let digest = context.finish();

        let mut keys_tried = 0;
        let mut matched = None;
        for (index, key) in self.keys.active(now) {
            keys_tried += 1;
            if key.verify_der_digest(&digest, signature) {
                matched = Some(index);
                break;
            }
        }
        let index = matched.ok_or(VerifyError::SignatureMismatch {
            keys_tried,
            keys_expired: self.keys.len().saturating_sub(keys_tried),
            signatures: 1,
            covers: SignedContent::Body,
        })?;

        if let (Ok(at), TimestampCheck::Window(_)) = (signed_at, &self.check) {
            self.check.apply(at, now)?;
        }
        // From `r` only: `(r, n - s)` verifies too, and must not look new.
        let fingerprint =
            P256PublicKey::der_signature_r(signature).map(P256PublicKey::fingerprint_r);
        let key = KeyMatch { index, fingerprint };
        let verified = Verified::new(Provider::Sendgrid, key);
        Ok(match signed_at {
            Ok(at) => verified.signed_at(at),
            Err(_) => verified,
        })
    }
}

/// Decodes base64 into `buffer`, refusing what cannot be a P-256 signature.
fn decode_signature<'b>(
    value: &[u8],
    buffer: &'b mut [u8; MAX_DER_SIGNATURE],
) -> Result<&'b [u8], Malformed> {
    if value.is_empty() {
        return Err(Malformed::Empty);
    }
    // 72 bytes are 96 base64 characters.
    if value.len() > 96 {
        return Err(Malformed::WrongLength {
            expected: MAX_DER_SIGNATURE,
            actual: value.len() / 4 * 3,
        });
    }
    let len = STANDARD
        .decode_slice(value, buffer)
        .map_err(|_| Malformed::NotBase64)?;
    Ok(&buffer[..len])
}

/// Parses a verification key as SendGrid shows it: base64 of the DER
/// SubjectPublicKeyInfo (PEM, hex and JWK are read too).
///
/// # Errors
///
/// The errors of [`P256PublicKey::parse`].
pub fn parse_public_key(text: &str) -> Result<P256PublicKey, SecretError> {
    P256PublicKey::parse(text)
}

timestamp_options!(Verifier);

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Sendgrid
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

/// Builds a verifier from a configuration: every key is a public key.
pub(crate) fn from_config(config: &VerifierConfig) -> Result<Verifier, SecretError> {
    let mut keys = Keyring::new();
    for spec in &config.keys {
        let key = match spec.format {
            None => P256PublicKey::parse(&spec.text)?,
            Some(KeyFormat::SpkiBase64) => P256PublicKey::from_base64_der(&spec.text)?,
            Some(KeyFormat::Pem) => P256PublicKey::from_pem(&spec.text)?,
            Some(KeyFormat::PublicKeyHex) => P256PublicKey::from_hex(&spec.text)?,
            Some(KeyFormat::Jwk) => P256PublicKey::from_jwk(&spec.text)?,
            Some(other) => {
                return Err(SecretError::UnsupportedEncoding {
                    provider: "sendgrid",
                    encoding: other.id(),
                });
            }
        };
        keys.push(key, spec.not_after);
    }
    Ok(Verifier::new(keys))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const KEY: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==";
    const SIGNATURE: &str = "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=";
    const TS: &str = "1600112502";
    const BODY: &str = "[{\"email\":\"hello@world.com\",\"event\":\"dropped\",\"reason\":\"Bounced Address\",\"sg_event_id\":\"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA\",\"sg_message_id\":\"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0\",\"smtp-id\":\"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>\",\"timestamp\":1600112492}]\r\n";

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(parse_public_key(KEY).unwrap()))
    }

    fn headers<'a>(sig: &'a str, ts: &'a str) -> [(&'static str, &'a str); 2] {
        [(SIGNATURE_HEADER, sig), (TIMESTAMP_HEADER, ts)]
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds)
    }

    #[test]
    fn published_delivery_verifies() {
        let v = verifier()
            .verify(&headers(SIGNATURE, TS), BODY.as_bytes(), at(0))
            .unwrap();
        assert_eq!(v.provider(), Provider::Sendgrid);
        assert_eq!(v.key_index(), 0);
        assert_eq!(v.timestamp(), Some(at(1_600_112_502)));
        assert!(v.signature_fingerprint().is_some());
    }

    // The published test warns that the trailing CRLF is signed.
    #[test]
    fn stripping_the_trailing_crlf_fails() {
        let trimmed = BODY.trim_end();
        let err = verifier()
            .verify(&headers(SIGNATURE, TS), trimmed.as_bytes(), at(0))
            .unwrap_err();
        assert_eq!(err.code(), "signature_mismatch");
    }

    #[test]
    fn fixture_from_python_verifies_in_every_key_form() {
        let f: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/asymmetric.json")).unwrap();
        let sg = &f["sendgrid"];
        let h = headers(
            sg["signature"].as_str().unwrap(),
            sg["timestamp"].as_str().unwrap(),
        );
        let body = sg["body"].as_str().unwrap().as_bytes();
        for form in [
            "public_key_base64_der",
            "public_key_pem",
            "public_key_hex_point",
        ] {
            let key = parse_public_key(sg[form].as_str().unwrap()).unwrap();
            let v = Verifier::new(Keyring::from(key));
            assert!(v.verify(&h, body, at(0)).is_ok(), "{form}");
        }
    }

    #[test]
    fn flipping_any_bit_of_the_body_or_timestamp_fails() {
        let v = verifier();
        for bit in 0..BODY.len() * 8 {
            let mut body = BODY.as_bytes().to_vec();
            body[bit / 8] ^= 1 << (bit % 8);
            let err = v.verify(&headers(SIGNATURE, TS), &body, at(0)).unwrap_err();
            assert_eq!(err.code(), "signature_mismatch", "bit {bit}");
        }
        for bit in 0..TS.len() * 8 {
            let mut ts = TS.as_bytes().to_vec();
            ts[bit / 8] ^= 1 << (bit % 8);
            let Ok(text) = String::from_utf8(ts) else {
                continue;
            };
            let h = headers(SIGNATURE, &text);
            assert!(v.verify(&h, BODY.as_bytes(), at(0)).is_err(), "{text:?}");
        }
    }

    #[test]
    fn flipping_any_bit_of_the_signature_fails() {
        let v = verifier();
        let raw = STANDARD.decode(SIGNATURE).unwrap();
        for bit in 0..raw.len() * 8 {
            let mut sig = raw.clone();
            sig[bit / 8] ^= 1 << (bit % 8);
            let encoded = STANDARD.encode(&sig);
            let h = headers(&encoded, TS);
            assert!(v.verify(&h, BODY.as_bytes(), at(0)).is_err(), "bit {bit}");
        }
    }

    #[test]
    fn missing_and_malformed_headers() {
        let v = verifier();
        let only_ts = [(TIMESTAMP_HEADER, TS)];
        assert_eq!(
            v.verify(&only_ts, BODY.as_bytes(), at(0)).unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_HEADER
            }
        );
        let only_sig = [(SIGNATURE_HEADER, SIGNATURE)];
        assert_eq!(
            v.verify(&only_sig, BODY.as_bytes(), at(0)).unwrap_err(),
            VerifyError::MissingHeader {
                name: TIMESTAMP_HEADER
            }
        );
        for bad in ["not base64!", "", &"A".repeat(100)] {
            let err = v
                .verify(&headers(bad, TS), BODY.as_bytes(), at(0))
                .unwrap_err();
            assert_eq!(err.code(), "malformed_header", "{bad:?}");
        }
        // A raw r||s signature in place of DER is refused, not accepted.
        let err = v
            .verify(
                &headers(&STANDARD.encode([1u8; 64]), TS),
                BODY.as_bytes(),
                at(0),
            )
            .unwrap_err();
        assert_eq!(err.code(), "signature_mismatch");
    }

    #[test]
    fn window_is_opt_in_and_then_strict() {
        let h = headers(SIGNATURE, TS);
        let body = BODY.as_bytes();
        assert!(verifier().verify(&h, body, at(2_000_000_000)).is_ok());

        let timed = verifier().with_tolerance(Duration::from_secs(300));
        assert!(timed.verify(&h, body, at(1_600_112_802)).is_ok());
        assert_eq!(
            timed
                .verify(&h, body, at(1_600_112_803))
                .unwrap_err()
                .code(),
            "timestamp_too_old"
        );
        assert_eq!(
            timed
                .verify(&h, body, at(1_600_112_000))
                .unwrap_err()
                .code(),
            "timestamp_in_future"
        );
        let err = timed
            .verify(&headers(SIGNATURE, "timestamp"), body, at(0))
            .unwrap_err();
        assert_eq!(err.code(), "malformed_header");
    }

    #[test]
    fn rotation_and_registry() {
        let f: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/asymmetric.json")).unwrap();
        let other = parse_public_key(f["sendgrid"]["public_key_pem"].as_str().unwrap()).unwrap();
        let keyring = Keyring::from(other).with_key(parse_public_key(KEY).unwrap());
        let verified = Verifier::new(keyring)
            .verify(&headers(SIGNATURE, TS), BODY.as_bytes(), at(0))
            .unwrap();
        assert_eq!(verified.key_index(), 1);

        let h = headers(SIGNATURE, TS);
        let request = Request::new(&h, BODY.as_bytes());
        for config in [
            VerifierConfig::new().with_secret(KEY),
            VerifierConfig::new().with_key(KEY, KeyFormat::SpkiBase64),
        ] {
            let v = Provider::Sendgrid.verifier(&config).unwrap();
            assert!(v.verify_request(&request, at(0)).is_ok());
        }
        let config = VerifierConfig::new().with_key(KEY, KeyFormat::Ed25519Hex);
        assert!(matches!(
            Provider::Sendgrid.verifier(&config).unwrap_err(),
            SecretError::UnsupportedEncoding { .. }
        ));
        let config = VerifierConfig::new()
            .with_secret(KEY)
            .with_tolerance(Duration::from_secs(10));
        let v = Provider::Sendgrid.verifier(&config).unwrap();
        assert_eq!(
            v.verify_request(&request, at(1_600_112_513))
                .unwrap_err()
                .code(),
            "timestamp_too_old"
        );
    }
}
