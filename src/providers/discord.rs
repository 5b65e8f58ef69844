//! Discord (feature `ed25519`): interactions endpoint and webhook events,
//! both signed with `X-Signature-Ed25519` and `X-Signature-Timestamp`.
//!
//! - Signed content: the timestamp header's bytes immediately followed by
//!   the raw body bytes, no separator.
//! - Algorithm: Ed25519 under the application's public key, shown in the
//!   Developer Portal as 64 hex characters ([`parse_public_key`]; it is not
//!   base64). The signature is 128 hex characters, either case.
//! - Tolerance: Discord publishes none and its SDK checks no age. This
//!   crate applies its default policy of 300 s in both directions
//!   ([`DEFAULT_TOLERANCE`]); change it with [`Verifier::with_tolerance`].
//!   The timestamp is unix seconds, parsed strictly.
//! - Rotation: several public keys in the keyring are tried in turn (one
//!   per application, for an endpoint shared by several apps).
//! - Handshake: a verified PING interaction (`"type": 1`) is answered with
//!   `{"type":1}` by [`Verifier::verify_interaction`]. The signature is
//!   checked first: Discord sends badly signed PINGs on purpose and drops
//!   endpoints that do not refuse them. Webhook-event bodies are never
//!   taken for one: they carry an `event` object, and their own PING is
//!   `"type": 0`; they come back as [`Outcome::Verified`], and the caller
//!   answers each, PING included, with 204.
//! - Delivery id: none in the headers; the interaction id is the body's
//!   `id` ([`Verified::event_id`]).
//!
//! Allocations: Ed25519 needs the message in one piece, so `verify` makes
//! one (timestamp and body concatenated). [`Verifier::verify_interaction`]
//! adds one for a PING (the reply string) and none otherwise: the PING
//! check parses the body into a two-field struct with no owned strings.

use std::time::Duration;

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::crypto::{self, TagEncoding};
use crate::ed25519::{Ed25519PublicKey, Ed25519SigningKey};
use crate::error::{SecretError, SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::{KeyFormat, Provider, VerifierConfig};
use crate::secret::Keyring;
use crate::time::{self, Timestamp, TimestampCheck, Tolerance};
use crate::verify::{Handshake, Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header (hex).
pub const SIGNATURE_HEADER: &str = "X-Signature-Ed25519";
/// The timestamp header (unix seconds).
pub const TIMESTAMP_HEADER: &str = "X-Signature-Timestamp";

/// The window this crate applies; Discord documents none.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// The reply to a PING interaction (a PONG, `type` 1).
pub const PING_REPLY: &str = r#"{"type":1}"#;

/// The interaction type of a PING.
const PING_TYPE: u64 = 1;

/// Verifies Discord interactions and webhook events.
///
/// ```
/// use webhook_kit::providers::discord;
/// use webhook_kit::{Ed25519SigningKey, Keyring, Timestamp};
///
/// let key = Ed25519SigningKey::from_seed(&[7; 32])?;
/// let body = br#"{"id":"1","type":1,"version":1}"#;
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
/// let headers = discord::sign(&key, now, body);
///
/// let verifier = discord::Verifier::new(Keyring::from(key.public_key()));
/// let outcome = verifier.verify_interaction(&headers, body, now)?;
/// assert_eq!(outcome.handshake().map(|h| h.body()), Some(r#"{"type":1}"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: Keyring<Ed25519PublicKey>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the application public keys in `keyring` (each built
    /// with [`parse_public_key`]).
    pub fn new(keyring: Keyring<Ed25519PublicKey>) -> Self {
        Verifier {
            keys: keyring,
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// Verifies a delivery's signature and timestamp. A PING is verified
    /// like any other body and not answered; see [`Verifier::verify_interaction`].
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] for either header,
    /// [`VerifyError::MalformedHeader`] for a timestamp that is not unix
    /// seconds or a signature that is not 128 hex characters,
    /// [`VerifyError::SignatureMismatch`] when no key verifies it, and the
    /// timestamp errors.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let raw_signature = headers::required(headers, SIGNATURE_HEADER)?;
        let raw_ts = headers::required(headers, TIMESTAMP_HEADER)?;
        let signed_at = time::parse_unix_seconds(raw_ts)
            .map_err(|e| VerifyError::malformed(TIMESTAMP_HEADER, e))?;
        let signature = crypto::decode_tag::<64>(raw_signature, TagEncoding::Hex)
            .map_err(|e| VerifyError::malformed(SIGNATURE_HEADER, e))?;

        // Ed25519 takes the message in one piece: the one allocation.
        let message = [raw_ts, body].concat();

        let mut keys_tried = 0;
        let mut matched = None;
        for (index, key) in self.keys.active(now) {
            keys_tried += 1;
            if key.verify(&message, &signature) {
                matched = Some(index);
                break;
            }
        }
        let key_index = matched.ok_or(VerifyError::SignatureMismatch {
            keys_tried,
            keys_expired: self.keys.len().saturating_sub(keys_tried),
            signatures: 1,
            covers: SignedContent::Body,
        })?;

        self.check.apply(signed_at, now)?;
        let key = crate::crypto::KeyMatch {
            index: key_index,
            fingerprint: Some(crate::crypto::fingerprint(&signature)),
        };
        Ok(Verified::new(Provider::Discord, key).signed_at(signed_at))
    }

    /// Verifies a delivery and, when it is a PING interaction, returns the
    /// reply Discord expects ([`PING_REPLY`]) as [`Outcome::Handshake`].
    ///
    /// # Errors
    ///
    /// As [`Verifier::verify`]: a PING with a bad signature is refused.
    pub fn verify_interaction(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        let verified = self.verify(headers, body, now)?;
        if is_ping(body) {
            let reply = Handshake::json(Provider::Discord, Some(verified), PING_REPLY.to_owned());
            return Ok(Outcome::Handshake(reply));
        }
        Ok(Outcome::Verified(verified))
    }
}

/// The two top-level fields that tell a PING interaction apart.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: Option<u64>,
    event: Option<IgnoredAny>,
}

/// Whether `body` is a PING interaction: a JSON object whose top-level
/// `type` is 1 and that has no `event` (webhook events use `type` 1 for
/// real events, and carry them in `event`).
pub fn is_ping(body: &[u8]) -> bool {
    serde_json::from_slice::<Envelope>(body)
        .is_ok_and(|e| e.kind == Some(PING_TYPE) && e.event.is_none())
}

/// Parses an application public key as the Developer Portal shows it: 64
/// hex characters, either case.
///
/// # Errors
///
/// [`SecretError::NotHex`] (a base64 key, say), [`SecretError::WrongKeyLength`],
/// [`SecretError::InvalidKey`], and the empty and whitespace errors.
pub fn parse_public_key(text: &str) -> Result<Ed25519PublicKey, SecretError> {
    Ed25519PublicKey::from_hex(text)
}

timestamp_options!(Verifier);

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Discord
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        self.verify_interaction(request.headers(), request.body(), now)
    }
}

/// Signs `body` as Discord does, at `timestamp` (whole seconds are used).
pub fn sign(key: &Ed25519SigningKey, timestamp: Timestamp, body: &[u8]) -> SignedHeaders {
    let ts = timestamp.as_unix_seconds().to_string();
    let signature = key.sign(&[ts.as_bytes(), body].concat());
    SignedHeaders::new()
        .with(SIGNATURE_HEADER, crypto::hex(&signature))
        .with(TIMESTAMP_HEADER, ts)
}

/// Builds a verifier from a configuration: every key is a hex public key
/// (the default when a key names no format).
pub(crate) fn from_config(config: &VerifierConfig) -> Result<Verifier, SecretError> {
    use crate::provider::TimestampPolicy as _;

    let mut keys = Keyring::new();
    for spec in &config.keys {
        match spec.format {
            None | Some(KeyFormat::Ed25519Hex) => {
                keys.push(parse_public_key(&spec.text)?, spec.not_after);
            }
            Some(other) => {
                return Err(SecretError::UnsupportedEncoding {
                    provider: Provider::Discord.id(),
                    encoding: other.id(),
                });
            }
        }
    }
    Ok(Verifier::new(keys).with_check(config.timestamp_check(DEFAULT_TOLERANCE)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Malformed;

    // The fixed seed, public key and signature of the conformance vectors
    // (tests/vectors/discord.json, case `ping_valid`).
    const SEED: &str = "55d4120bb3004591a4c4aa7c3dd784ba01bcd61071df6c43ecd2c8b1c776e76d";
    const PUBLIC_KEY: &str = "13c35d72c36926e4ad1bafb201ddfcc7ebddad3fda542f42a2c94499cb8d7d4c";
    const SIGNATURE: &str = "136d4d2a3707e781faf6cf6b76e9193693b350906a3c3447d365afd27af624fa\
                             5636c1e749adfac641fd2e6d3399416c151da4223cc07780301d74c317b49708";
    const BODY: &[u8] =
        br#"{"id":"1","application_id":"123456789012345678","type":1,"version":1,"token":"x"}"#;
    const COMMAND: &[u8] = br#"{"id":"2","type":2,"token":"x","data":{"name":"ping"}}"#;
    const TS: i64 = 1_700_000_000;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds)
    }

    fn signing_key() -> Ed25519SigningKey {
        Ed25519SigningKey::from_seed(&const_hex::decode(SEED).unwrap()).unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(parse_public_key(PUBLIC_KEY).unwrap()))
    }

    fn headers(signature: &str, ts: &str) -> Vec<(&'static str, String)> {
        vec![
            (SIGNATURE_HEADER, signature.to_owned()),
            (TIMESTAMP_HEADER, ts.to_owned()),
        ]
    }

    #[test]
    fn reproduces_the_vector_signature_from_its_seed() {
        let key = signing_key();
        assert_eq!(crypto::hex(key.public_key().as_bytes()), PUBLIC_KEY);
        let signed = sign(&key, at(TS), BODY);
        assert_eq!(signed.get(SIGNATURE_HEADER), Some(SIGNATURE));
        assert_eq!(signed.get(TIMESTAMP_HEADER), Some("1700000000"));
    }

    #[test]
    fn round_trip() {
        let signed = sign(&signing_key(), at(TS), COMMAND);
        let verified = verifier().verify(&signed, COMMAND, at(TS + 1)).unwrap();
        assert_eq!(verified.provider(), Provider::Discord);
        assert_eq!(verified.key_index(), 0);
        assert_eq!(verified.timestamp(), Some(at(TS)));
        assert_eq!(verified.delivery_id(), None);
        assert_eq!(verified.event_id(COMMAND).as_deref(), Some("2"));
    }

    #[test]
    fn flipping_any_bit_of_the_body_fails() {
        let v = verifier();
        let h = headers(SIGNATURE, "1700000000");
        for bit in 0..BODY.len() * 8 {
            let mut body = BODY.to_vec();
            body[bit / 8] ^= 1 << (bit % 8);
            let err = v.verify(&h, &body, at(TS)).unwrap_err();
            assert_eq!(err.code(), "signature_mismatch", "bit {bit}");
        }
    }

    #[test]
    fn flipping_any_bit_of_the_signature_fails() {
        let v = verifier();
        let raw = const_hex::decode(SIGNATURE).unwrap();
        for bit in 0..raw.len() * 8 {
            let mut sig = raw.clone();
            sig[bit / 8] ^= 1 << (bit % 8);
            let h = headers(&crypto::hex(&sig), "1700000000");
            assert!(v.verify(&h, BODY, at(TS)).is_err(), "bit {bit}");
        }
    }

    #[test]
    fn flipping_any_bit_of_the_timestamp_fails() {
        let v = verifier().dangerous_skip_timestamp_check();
        for bit in 0..10 * 8 {
            let mut ts = b"1700000000".to_vec();
            ts[bit / 8] ^= 1 << (bit % 8);
            let Ok(text) = String::from_utf8(ts) else {
                continue;
            };
            let h = headers(SIGNATURE, &text);
            assert!(v.verify(&h, BODY, at(TS)).is_err(), "bit {bit}: {text:?}");
        }
    }

    #[test]
    fn flipping_any_bit_of_the_key_fails() {
        let h = headers(SIGNATURE, "1700000000");
        let seed = const_hex::decode(SEED).unwrap();
        let public = const_hex::decode(PUBLIC_KEY).unwrap();
        for bit in 0..256 {
            let mut other_seed = seed.clone();
            other_seed[bit / 8] ^= 1 << (bit % 8);
            let other = Ed25519SigningKey::from_seed(&other_seed).unwrap();
            let v = Verifier::new(Keyring::from(other.public_key()));
            assert!(v.verify(&h, BODY, at(TS)).is_err(), "seed bit {bit}");

            // A flipped public key is either no curve point or another key.
            let mut other_public = public.clone();
            other_public[bit / 8] ^= 1 << (bit % 8);
            if let Ok(key) = Ed25519PublicKey::from_bytes(&other_public) {
                let v = Verifier::new(Keyring::from(key));
                assert!(v.verify(&h, BODY, at(TS)).is_err(), "public bit {bit}");
            }
        }
    }

    #[test]
    fn ping_gets_a_pong_after_verification() {
        let h = headers(SIGNATURE, "1700000000");
        let outcome = verifier().verify_interaction(&h, BODY, at(TS + 1)).unwrap();
        let Outcome::Handshake(reply) = outcome else {
            panic!("expected a handshake, got {outcome:?}");
        };
        assert_eq!(reply.body(), PING_REPLY);
        assert_eq!(reply.body(), r#"{"type":1}"#);
        assert_eq!(reply.status(), 200);
        assert_eq!(reply.content_type(), "application/json");
        assert_eq!(reply.verified().map(Verified::key_index), Some(0));
    }

    // Discord probes endpoints with badly signed PINGs and removes those
    // that answer them.
    #[test]
    fn badly_signed_ping_is_refused_not_answered() {
        let mut sig = const_hex::decode(SIGNATURE).unwrap();
        sig[0] ^= 1;
        let h = headers(&crypto::hex(&sig), "1700000000");
        let err = verifier().verify_interaction(&h, BODY, at(TS)).unwrap_err();
        assert_eq!(err.code(), "signature_mismatch");
    }

    #[test]
    fn only_interaction_pings_are_handshakes() {
        assert!(is_ping(BODY));
        assert!(is_ping(br#" {"type" : 1} "#));
        assert!(!is_ping(COMMAND));
        // Webhook events: `type` 0 is their PING (answered 204 by the
        // caller), `type` 1 a real event.
        assert!(!is_ping(br#"{"version":1,"application_id":"1","type":0}"#));
        assert!(!is_ping(
            br#"{"version":1,"application_id":"1","type":1,"event":{"type":"APPLICATION_AUTHORIZED"}}"#
        ));
        assert!(!is_ping(br#"{"type":"1"}"#));
        assert!(!is_ping(br#"{"data":{"type":1}}"#));
        assert!(!is_ping(b"not json"));
        assert!(!is_ping(b""));

        let signed = sign(&signing_key(), at(TS), COMMAND);
        let outcome = verifier()
            .verify_interaction(&signed, COMMAND, at(TS))
            .unwrap();
        assert!(matches!(outcome, Outcome::Verified(_)));
    }

    // Users verify `JSON.stringify(req.body)` instead of the raw body.
    #[test]
    fn reserialised_body_fails() {
        let value: serde_json::Value = serde_json::from_slice(BODY).unwrap();
        let pretty = serde_json::to_vec_pretty(&value).unwrap();
        let h = headers(SIGNATURE, "1700000000");
        let err = verifier().verify(&h, &pretty, at(TS)).unwrap_err();
        assert!(matches!(
            err,
            VerifyError::SignatureMismatch {
                covers: SignedContent::Body,
                ..
            }
        ));
        assert!(err.to_string().contains("raw body"), "{err}");
    }

    // The key and the signature are hex; base64 forms are refused.
    #[test]
    fn base64_key_or_signature_is_refused() {
        let public = const_hex::decode(PUBLIC_KEY).unwrap();
        let b64_key = crypto::base64(&public);
        assert_eq!(parse_public_key(&b64_key).unwrap_err(), SecretError::NotHex);

        let b64_sig = crypto::base64(&const_hex::decode(SIGNATURE).unwrap());
        let err = verifier()
            .verify(&headers(&b64_sig, "1700000000"), BODY, at(TS))
            .unwrap_err();
        assert_eq!(err.code(), "malformed_header");
    }

    #[test]
    fn signature_hex_is_case_insensitive() {
        let upper = SIGNATURE.to_ascii_uppercase();
        let key_upper = PUBLIC_KEY.to_ascii_uppercase();
        let v = Verifier::new(Keyring::from(parse_public_key(&key_upper).unwrap()));
        assert!(
            v.verify(&headers(&upper, "1700000000"), BODY, at(TS))
                .is_ok()
        );
    }

    #[test]
    fn missing_and_malformed_headers() {
        let v = verifier();
        let only_ts = [(TIMESTAMP_HEADER, "1700000000")];
        assert_eq!(
            v.verify(&only_ts, BODY, at(TS)).unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_HEADER
            }
        );
        let only_sig = [(SIGNATURE_HEADER, SIGNATURE)];
        assert_eq!(
            v.verify(&only_sig, BODY, at(TS)).unwrap_err(),
            VerifyError::MissingHeader {
                name: TIMESTAMP_HEADER
            }
        );
        assert_eq!(
            v.verify(&headers(&SIGNATURE[..126], "1700000000"), BODY, at(TS))
                .unwrap_err(),
            VerifyError::malformed(
                SIGNATURE_HEADER,
                Malformed::WrongLength {
                    expected: 64,
                    actual: 63
                }
            )
        );
        for bad in ["1700000000000", "+1700000000", "1700000000.5", ""] {
            let err = v
                .verify(&headers(SIGNATURE, bad), BODY, at(TS))
                .unwrap_err();
            assert_eq!(err.code(), "malformed_header", "{bad:?}");
        }
        let repeated = [
            (SIGNATURE_HEADER, SIGNATURE),
            (TIMESTAMP_HEADER, "1700000000"),
            (TIMESTAMP_HEADER, "1700000001"),
        ];
        assert_eq!(
            v.verify(&repeated, BODY, at(TS)).unwrap_err(),
            VerifyError::malformed(TIMESTAMP_HEADER, Malformed::Repeated)
        );
    }

    #[test]
    fn window_is_300_seconds_both_ways_and_configurable() {
        let v = verifier();
        let h = headers(SIGNATURE, "1700000000");
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

        let wide = verifier().with_tolerance(Duration::from_secs(3600));
        assert!(wide.verify(&h, BODY, at(TS + 3600)).is_ok());
        let skip = verifier().dangerous_skip_timestamp_check();
        assert!(skip.verify(&h, BODY, at(TS + 86_400)).is_ok());
    }

    #[test]
    fn rotation_reports_the_matching_key() {
        let other = Ed25519SigningKey::from_seed(&[9; 32]).unwrap();
        let keyring =
            Keyring::from(other.public_key()).with_key(parse_public_key(PUBLIC_KEY).unwrap());
        let v = Verifier::new(keyring);
        let verified = v
            .verify(&headers(SIGNATURE, "1700000000"), BODY, at(TS))
            .unwrap();
        assert_eq!(verified.key_index(), 1);

        let expired =
            Keyring::new().with_key_until(parse_public_key(PUBLIC_KEY).unwrap(), at(TS - 1));
        let err = Verifier::new(expired)
            .verify(&headers(SIGNATURE, "1700000000"), BODY, at(TS))
            .unwrap_err();
        assert_eq!(
            err,
            VerifyError::SignatureMismatch {
                keys_tried: 0,
                keys_expired: 1,
                signatures: 1,
                covers: SignedContent::Body
            }
        );
    }

    #[test]
    fn registry_takes_hex_public_keys_only() {
        use crate::secret::SecretEncoding;

        let h = headers(SIGNATURE, "1700000000");
        let request = Request::new(&h, BODY);
        for config in [
            VerifierConfig::new().with_secret(PUBLIC_KEY),
            VerifierConfig::new().with_key(PUBLIC_KEY, KeyFormat::Ed25519Hex),
        ] {
            let v = Provider::Discord.verifier(&config).unwrap();
            let outcome = v.verify_request(&request, at(TS)).unwrap();
            assert_eq!(outcome.handshake().map(Handshake::body), Some(PING_REPLY));
        }
        for format in [
            KeyFormat::Secret(SecretEncoding::Hex),
            KeyFormat::Secret(SecretEncoding::Utf8),
            KeyFormat::Ed25519Whpk,
        ] {
            let config = VerifierConfig::new().with_key(PUBLIC_KEY, format);
            assert!(matches!(
                Provider::Discord.verifier(&config).unwrap_err(),
                SecretError::UnsupportedEncoding {
                    provider: "discord",
                    ..
                }
            ));
        }
        let config = VerifierConfig::new().with_secret(format!("{PUBLIC_KEY}\n"));
        assert_eq!(
            Provider::Discord.verifier(&config).unwrap_err(),
            SecretError::Whitespace
        );
        let config = VerifierConfig::new()
            .with_secret(PUBLIC_KEY)
            .with_tolerance(Duration::from_secs(10));
        let v = Provider::Discord.verifier(&config).unwrap();
        assert_eq!(
            v.verify_request(&request, at(TS + 11)).unwrap_err().code(),
            "timestamp_too_old"
        );
    }
}
