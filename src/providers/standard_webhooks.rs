//! Standard Webhooks: `webhook-id`, `webhook-timestamp` and
//! `webhook-signature: v1,<base64> [v1a,<base64>] ...`, signing
//! `"{id}.{timestamp}.{body}"`.
//!
//! - `v1` is HMAC-SHA256 with the secret `whsec_` + base64 (decoded);
//!   `v1a` is Ed25519 (feature `ed25519`) with a `whpk_` public key.
//! - The signature header is a space-separated list: entries of unknown
//!   versions are skipped, an undecodable entry beside a valid one does
//!   not abort, and any match is enough.
//! - Tolerance: 300 s in both directions.
//! - The delivery id is `webhook-id`, meant as the idempotency key.
//!
//! The same verifier serves Svix and the services that send through it
//! (see [`svix`](super::svix)), GitLab's signing tokens and Supabase auth
//! hooks, with their header names and secret forms.

use std::time::Duration;

use crate::crypto::{self, HmacSha256, KeyMatch, MacKeys, MatchTarget, TagEncoding};
#[cfg(feature = "ed25519")]
use crate::ed25519::{Ed25519PublicKey, Ed25519SigningKey};
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::headers::{self, HeaderKey, Headers, Lines};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::{self, Timestamp, TimestampCheck, Tolerance};
use crate::verify::{DeliveryId, Outcome, Request, SignedHeaders, Verified, Verify};

/// The message id header.
pub const ID_HEADER: &str = "webhook-id";
/// The timestamp header (unix seconds).
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// The signature list header.
pub const SIGNATURE_HEADER: &str = "webhook-signature";

/// The most `v1a` entries of one request that are checked; further ones
/// are ignored (a sender has one per active key, rarely more than two).
#[cfg(feature = "ed25519")]
pub const MAX_V1A_ENTRIES: usize = 4;

/// The window of the reference libraries.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Which header names a verifier reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    /// `webhook-*` only.
    Unbranded,
    /// `svix-*`, each falling back to its `webhook-*` twin.
    Svix,
}

impl Family {
    fn names(self) -> [(&'static HeaderKey, Option<&'static HeaderKey>); 3] {
        match self {
            Family::Unbranded => [(&ID, None), (&TIMESTAMP, None), (&SIGNATURE, None)],
            Family::Svix => [
                (&SVIX_ID, Some(&ID)),
                (&SVIX_TIMESTAMP, Some(&TIMESTAMP)),
                (&SVIX_SIGNATURE, Some(&SIGNATURE)),
            ],
        }
    }
}

// The names prepared once for the lookups of every verify.
static ID: HeaderKey = HeaderKey::new(ID_HEADER, "webhook-id");
static TIMESTAMP: HeaderKey = HeaderKey::new(TIMESTAMP_HEADER, "webhook-timestamp");
static SIGNATURE: HeaderKey = HeaderKey::new(SIGNATURE_HEADER, "webhook-signature");
static SVIX_ID: HeaderKey = HeaderKey::new("svix-id", "svix-id");
static SVIX_TIMESTAMP: HeaderKey = HeaderKey::new("svix-timestamp", "svix-timestamp");
static SVIX_SIGNATURE: HeaderKey = HeaderKey::new("svix-signature", "svix-signature");

/// Parses a Standard Webhooks secret: an optional `whsec_`, then base64.
///
/// # Errors
///
/// The [`SecretError`](crate::SecretError) of [`Secret::parse`].
pub fn parse_secret(text: &str) -> Result<Secret, crate::SecretError> {
    Secret::parse(text, SecretEncoding::WhsecBase64)
}

/// Verifies Standard Webhooks deliveries.
///
/// ```
/// use webhook_kit::providers::standard_webhooks as sw;
/// use webhook_kit::{Keyring, Timestamp};
///
/// let secret = sw::parse_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let headers = [
///     ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
///     ("webhook-timestamp", "1614265330"),
///     ("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
/// ];
/// let verifier = sw::Verifier::new(Keyring::from(secret));
/// let now = Timestamp::from_unix_seconds(1_614_265_330);
/// let verified = verifier.verify(&headers, br#"{"test": 2432232314}"#, now)?;
/// assert_eq!(verified.delivery_id(), Some("msg_p5jXN8AQM9LWM0D4loKWxJek"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    provider: Provider,
    family: Family,
    secrets: MacKeys<HmacSha256>,
    #[cfg(feature = "ed25519")]
    public_keys: Keyring<Ed25519PublicKey>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the `v1` secrets in `keyring` (see [`parse_secret`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Self::for_provider(Provider::StandardWebhooks, Family::Unbranded, &keyring)
    }

    pub(crate) fn for_provider(
        provider: Provider,
        family: Family,
        keyring: &Keyring<Secret>,
    ) -> Self {
        Verifier {
            provider,
            family,
            secrets: MacKeys::new(keyring),
            #[cfg(feature = "ed25519")]
            public_keys: Keyring::new(),
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// Also accepts `v1a` (Ed25519) signatures under these public keys.
    /// Their key indexes in [`Verified::key_index`] follow the secrets'.
    #[cfg(feature = "ed25519")]
    pub fn with_public_keys(mut self, keys: Keyring<Ed25519PublicKey>) -> Self {
        self.public_keys = keys;
        self
    }

    /// Verifies a delivery.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] or [`VerifyError::MalformedHeader`]
    /// for the id, timestamp and signature headers;
    /// [`VerifyError::NoMatchingScheme`] when the list holds no entry of a
    /// version this verifier has keys for; [`VerifyError::SignatureMismatch`];
    /// and the timestamp errors.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let [id_names, ts_names, sig_names] = self.family.names();
        let id = lookup(headers, id_names)?;
        // The id is part of the dot-separated signed content: one holding a
        // dot could be re-split with the body (the specification forbids it).
        if id.contains(&b'.') {
            return Err(VerifyError::malformed(
                id_names.0.as_str(),
                Malformed::Separator('.'),
            ));
        }
        let raw_ts = lookup(headers, ts_names)?;
        let signed_at = time::parse_unix_seconds(raw_ts)
            .map_err(|e| VerifyError::malformed(ts_names.0.as_str(), e))?;
        let (sig_name, sig_lines) = pick(headers, sig_names).ok_or(VerifyError::MissingHeader {
            name: sig_names.0.as_str(),
        })?;

        let parts: [&[u8]; 5] = [id, b".", raw_ts, b".", body];
        let key_index = self.match_signature(sig_lines, sig_name, &parts, now)?;

        self.check.apply(signed_at, now)?;
        let delivery = DeliveryId::from_header(id);
        Ok(Verified::new(self.provider, key_index)
            .signed_at(signed_at)
            .with_signed_delivery_id(delivery))
    }

    fn match_signature(
        &self,
        headers: Lines<'_>,
        name: &'static str,
        parts: &[&[u8]; 5],
        now: Timestamp,
    ) -> Result<KeyMatch, VerifyError> {
        let target = MatchTarget {
            header: name,
            scheme: "v1",
            covers: SignedContent::Body,
        };
        let hmac = (!self.secrets.is_empty_keys()).then(|| {
            self.secrets.find(now, parts, target, || {
                entries(headers, b"v1").map(|v| crypto::decode_tag::<32>(v?, TagEncoding::Base64))
            })
        });
        if let Some(Ok(index)) = hmac {
            return Ok(index);
        }

        #[cfg(feature = "ed25519")]
        if !self.public_keys.is_empty() {
            let signed = self
                .match_ed25519(headers, name, parts, now)
                .map(|m| KeyMatch {
                    index: m.index + self.secrets.len(),
                    ..m
                });
            return match (signed, hmac) {
                (Ok(index), _) => Ok(index),
                // Report the HMAC result unless it only says "no v1 entries".
                (Err(e), Some(Err(h))) if !matches!(h, VerifyError::NoMatchingScheme { .. }) => {
                    Err(pick_error(h, e))
                }
                (Err(e), _) => Err(e),
            };
        }

        match hmac {
            Some(result) => result,
            None => Err(VerifyError::NoMatchingScheme {
                name,
                expected: "v1",
            }),
        }
    }

    #[cfg(feature = "ed25519")]
    fn match_ed25519(
        &self,
        headers: Lines<'_>,
        name: &'static str,
        parts: &[&[u8]; 5],
        now: Timestamp,
    ) -> Result<KeyMatch, VerifyError> {
        // Each entry costs a full Ed25519 verification per key, so an
        // unauthenticated request may make only a few of them count.
        let decode = || {
            entries(headers, b"v1a")
                .take(MAX_V1A_ENTRIES)
                .map(|v| crypto::decode_tag::<64>(v?, TagEncoding::Base64))
        };
        let (mut total, mut good, mut first_error) = (0, 0, None);
        for candidate in decode() {
            total += 1;
            match candidate {
                Ok(_) => good += 1,
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if total == 0 {
            return Err(VerifyError::NoMatchingScheme {
                name,
                expected: "v1a",
            });
        }
        if good == 0 {
            return Err(VerifyError::malformed(
                name,
                first_error.unwrap_or(Malformed::Empty),
            ));
        }

        // Ed25519 needs the message in one piece: the one allocation here.
        let message = parts.concat();
        let mut keys_tried = 0;
        for (index, key) in self.public_keys.active(now) {
            keys_tried += 1;
            if let Some(sig) = decode().flatten().find(|sig| key.verify(&message, sig)) {
                return Ok(KeyMatch {
                    index,
                    fingerprint: Some(crypto::fingerprint(&sig)),
                });
            }
        }
        Err(VerifyError::SignatureMismatch {
            keys_tried,
            keys_expired: self.public_keys.len().saturating_sub(keys_tried),
            signatures: good,
            covers: SignedContent::Body,
        })
    }
}

/// Of two failures, the one that tells more: a mismatch over a malformed value.
#[cfg(feature = "ed25519")]
fn pick_error(hmac: VerifyError, ed: VerifyError) -> VerifyError {
    match (&hmac, &ed) {
        (VerifyError::SignatureMismatch { .. }, _) => hmac,
        (_, VerifyError::SignatureMismatch { .. }) => ed,
        _ => hmac,
    }
}

/// The value of the first header name present, trying the fallback name second.
fn lookup<'h>(
    headers: &'h dyn Headers,
    (key, fallback): (&'static HeaderKey, Option<&'static HeaderKey>),
) -> Result<&'h [u8], VerifyError> {
    if let Some(value) = headers::single(headers, key)? {
        return Ok(value);
    }
    let name = key.as_str();
    match fallback {
        Some(other) => headers::single(headers, other)?.ok_or(VerifyError::MissingHeader { name }),
        None => Err(VerifyError::MissingHeader { name }),
    }
}

fn pick<'h>(
    headers: &'h dyn Headers,
    (key, fallback): (&'static HeaderKey, Option<&'static HeaderKey>),
) -> Option<(&'static str, Lines<'h>)> {
    let lines = Lines::get(headers, key);
    if !lines.is_empty() {
        return Some((key.as_str(), lines));
    }
    let other = fallback?;
    let lines = Lines::get(headers, other);
    (!lines.is_empty()).then_some((other.as_str(), lines))
}

/// The values of the list entries of `version`; an entry with no comma
/// is reported as malformed, since it cannot be told apart from a bad one.
fn entries<'h>(
    lines: Lines<'h>,
    version: &'h [u8],
) -> impl Iterator<Item = Result<&'h [u8], Malformed>> + 'h {
    lines
        .items(b' ')
        .filter_map(move |item| match item.iter().position(|&b| b == b',') {
            Some(comma) if &item[..comma] == version => Some(Ok(&item[comma + 1..])),
            Some(_) => None,
            None => Some(Err(Malformed::MissingPart(","))),
        })
}

timestamp_options!(Verifier);

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        self.provider
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

/// The `v1` signature value (`v1,<base64>`) of a message.
pub(crate) fn v1_signature(secret: &Secret, id: &str, timestamp: i64, body: &[u8]) -> String {
    let ts = timestamp.to_string();
    let tag = crypto::hmac_sha256(
        secret.expose_bytes(),
        &[id.as_bytes(), b".", ts.as_bytes(), b".", body],
    );
    format!("v1,{}", crypto::base64(&tag))
}

/// Signs `body` as a Standard Webhooks sender does, with the `webhook-*`
/// headers, at `timestamp` (whole seconds are used).
pub fn sign(secret: &Secret, id: &str, timestamp: Timestamp, body: &[u8]) -> SignedHeaders {
    let ts = timestamp.as_unix_seconds();
    SignedHeaders::new()
        .with(ID_HEADER, id.to_owned())
        .with(TIMESTAMP_HEADER, ts.to_string())
        .with(SIGNATURE_HEADER, v1_signature(secret, id, ts, body))
}

/// Signs `body` with Ed25519 (`v1a`).
#[cfg(feature = "ed25519")]
pub fn sign_ed25519(
    key: &Ed25519SigningKey,
    id: &str,
    timestamp: Timestamp,
    body: &[u8],
) -> SignedHeaders {
    let ts = timestamp.as_unix_seconds().to_string();
    let message = [id.as_bytes(), b".", ts.as_bytes(), b".", body].concat();
    let signature = crypto::base64(&key.sign(&message));
    SignedHeaders::new()
        .with(ID_HEADER, id.to_owned())
        .with(TIMESTAMP_HEADER, ts)
        .with(SIGNATURE_HEADER, format!("v1a,{signature}"))
}

/// Builds a verifier from a configuration: secrets for `v1`, public keys
/// (`whpk_...`) for `v1a`.
pub(crate) fn from_config(
    config: &crate::provider::VerifierConfig,
) -> Result<Verifier, crate::SecretError> {
    use crate::provider::{KeyFormat, TimestampPolicy as _};

    let is_public = |k: &crate::provider::KeySpec| {
        matches!(
            k.format,
            Some(KeyFormat::Ed25519Whpk | KeyFormat::Ed25519Hex)
        )
    };
    let secrets = config.secrets_where(
        Provider::StandardWebhooks,
        SecretEncoding::WhsecBase64,
        |k| !is_public(k),
    )?;
    let verifier = Verifier::new(secrets).with_check(config.timestamp_check(DEFAULT_TOLERANCE));

    let public: Vec<_> = config.keys.iter().filter(|k| is_public(k)).collect();
    if public.is_empty() {
        return Ok(verifier);
    }
    #[cfg(feature = "ed25519")]
    {
        let mut keys = Keyring::new();
        for spec in public {
            let key = match spec.format {
                Some(KeyFormat::Ed25519Hex) => Ed25519PublicKey::from_hex(&spec.text)?,
                _ => Ed25519PublicKey::from_whpk(&spec.text)?,
            };
            keys.push(key, spec.not_after);
        }
        Ok(verifier.with_public_keys(keys))
    }
    #[cfg(not(feature = "ed25519"))]
    Err(crate::SecretError::FeatureDisabled("ed25519"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const BODY: &[u8] = br#"{"test": 2432232314}"#;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds)
    }

    #[test]
    fn published_library_vector() {
        let secret = parse_secret(SECRET).unwrap();
        let signed = sign(&secret, ID, at(1_614_265_330), BODY);
        assert_eq!(
            signed.get(SIGNATURE_HEADER),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn round_trip_and_single_bit_changes() {
        let secret = parse_secret(SECRET).unwrap();
        let verifier = Verifier::new(Keyring::from(secret.clone()));
        let now = at(1_700_000_000);
        let signed = sign(&secret, ID, now, BODY);
        let verified = verifier.verify(&signed, BODY, now).unwrap();
        assert_eq!(verified.delivery_id(), Some(ID));
        assert_eq!(verified.timestamp(), Some(now));

        for changed in bit_flips(BODY) {
            assert!(verifier.verify(&signed, &changed, now).is_err());
        }
        let tag = crypto::hmac_sha256(
            secret.expose_bytes(),
            &[ID.as_bytes(), b".1700000000.", BODY],
        );
        for changed in bit_flips(&tag) {
            let headers = [
                (ID_HEADER, ID.to_owned()),
                (TIMESTAMP_HEADER, "1700000000".to_owned()),
                (SIGNATURE_HEADER, format!("v1,{}", crypto::base64(&changed))),
            ];
            assert!(verifier.verify(&headers, BODY, now).is_err());
        }
        let later = [
            (ID_HEADER, ID.to_owned()),
            (TIMESTAMP_HEADER, "1700000001".to_owned()),
            (
                SIGNATURE_HEADER,
                signed.get(SIGNATURE_HEADER).unwrap().to_owned(),
            ),
        ];
        assert!(verifier.verify(&later, BODY, now).is_err());
        for changed in bit_flips(secret.expose_bytes()) {
            let other = Verifier::new(Keyring::from(Secret::from_bytes(changed)));
            assert!(other.verify(&signed, BODY, now).is_err());
        }
    }

    #[test]
    fn list_parsing() {
        let secret = parse_secret(SECRET).unwrap();
        let verifier = Verifier::new(Keyring::from(secret.clone()));
        let now = at(1_614_265_330);
        let good = sign(&secret, ID, now, BODY)
            .get(SIGNATURE_HEADER)
            .unwrap()
            .to_owned();
        let with = |sig: &str| {
            [
                (ID_HEADER, ID.to_owned()),
                (TIMESTAMP_HEADER, "1614265330".to_owned()),
                (SIGNATURE_HEADER, sig.to_owned()),
            ]
        };

        // Undecodable and unknown entries beside a good one, and extra spaces.
        assert!(
            verifier
                .verify(&with(&format!("v1,!!!  v9,abc {good} ")), BODY, now)
                .is_ok()
        );
        // Only unknown versions: nothing of the scheme.
        assert_eq!(
            verifier
                .verify(&with("v2,abc v1a,def"), BODY, now)
                .unwrap_err()
                .code(),
            "no_matching_scheme"
        );
        // Only an undecodable v1.
        assert_eq!(
            verifier
                .verify(&with("v1,***"), BODY, now)
                .unwrap_err()
                .code(),
            "malformed_header"
        );
        // A wrong-length v1 is malformed.
        assert_eq!(
            verifier
                .verify(&with("v1,AAAA"), BODY, now)
                .unwrap_err()
                .code(),
            "malformed_header"
        );
    }

    #[test]
    fn ids_with_the_separator_are_refused() {
        let secret = parse_secret(SECRET).unwrap();
        let verifier = Verifier::new(Keyring::from(secret.clone()));
        let now = at(1_614_265_330);
        let signed = sign(&secret, "msg.1", now, BODY);
        assert_eq!(
            verifier.verify(&signed, BODY, now).unwrap_err(),
            VerifyError::malformed(ID_HEADER, Malformed::Separator('.'))
        );
    }

    #[test]
    fn tolerance_both_ways_and_inclusive() {
        let secret = parse_secret(SECRET).unwrap();
        let verifier = Verifier::new(Keyring::from(secret.clone()));
        let signed = sign(&secret, ID, at(1000), BODY);
        assert!(verifier.verify(&signed, BODY, at(1300)).is_ok());
        assert!(verifier.verify(&signed, BODY, at(700)).is_ok());
        assert_eq!(
            verifier.verify(&signed, BODY, at(1301)).unwrap_err().code(),
            "timestamp_too_old"
        );
        let error = verifier.verify(&signed, BODY, at(699)).unwrap_err();
        assert_eq!(error.code(), "timestamp_in_future");
        assert!(error.to_string().contains("301 s in the future"), "{error}");

        let asymmetric = verifier.with_tolerance_window(Tolerance::asymmetric(
            Duration::from_secs(600),
            Duration::from_secs(0),
        ));
        assert!(asymmetric.verify(&signed, BODY, at(1600)).is_ok());
        assert!(asymmetric.verify(&signed, BODY, at(999)).is_err());
    }

    #[test]
    fn svix_headers_fall_back_to_unbranded() {
        let secret = parse_secret(SECRET).unwrap();
        let verifier = crate::providers::svix::verifier(Keyring::from(secret.clone()));
        let now = at(1_614_265_330);
        let unbranded = sign(&secret, ID, now, BODY);
        assert!(verifier.verify(&unbranded, BODY, now).is_ok());
        let branded = crate::providers::svix::sign(&secret, ID, now, BODY);
        assert_eq!(
            verifier.verify(&branded, BODY, now).unwrap().provider(),
            Provider::Svix
        );
        // The strict unbranded verifier does not read svix-* names.
        let strict = Verifier::new(Keyring::from(secret));
        assert_eq!(
            strict.verify(&branded, BODY, now).unwrap_err(),
            VerifyError::MissingHeader { name: ID_HEADER }
        );
    }

    #[cfg(feature = "ed25519")]
    #[test]
    fn v1a_round_trip() {
        let key = Ed25519SigningKey::from_seed(&[7u8; 32]).unwrap();
        let secret = parse_secret(SECRET).unwrap();
        let verifier =
            Verifier::new(Keyring::from(secret)).with_public_keys(Keyring::from(key.public_key()));
        let now = at(1_700_000_000);
        let signed = sign_ed25519(&key, ID, now, BODY);
        let verified = verifier.verify(&signed, BODY, now).unwrap();
        // Public keys are numbered after the one secret.
        assert_eq!(verified.key_index(), 1);
        for changed in bit_flips(BODY) {
            assert!(verifier.verify(&signed, &changed, now).is_err());
        }
        let other = Ed25519SigningKey::from_seed(&[8u8; 32]).unwrap();
        assert_eq!(
            verifier
                .verify(&sign_ed25519(&other, ID, now, BODY), BODY, now)
                .unwrap_err()
                .code(),
            "signature_mismatch"
        );
    }

    #[cfg(feature = "ed25519")]
    #[test]
    fn a_public_key_given_as_a_secret_is_named_as_one() {
        use crate::provider::{KeyFormat, VerifierConfig};
        let key = Ed25519SigningKey::from_seed(&[7u8; 32]).unwrap();
        let whpk = format!(
            "whpk_{}",
            crate::crypto::base64(key.public_key().as_bytes())
        );
        for provider in [Provider::StandardWebhooks, Provider::Svix] {
            let config = VerifierConfig::new().with_secret(whpk.clone());
            assert_eq!(
                provider.verifier(&config).unwrap_err(),
                crate::SecretError::LooksLikePublicKey,
                "{provider}"
            );
        }
        let config = VerifierConfig::new()
            .with_secret(SECRET)
            .with_key(whpk, KeyFormat::Ed25519Whpk);
        assert!(Provider::StandardWebhooks.verifier(&config).is_ok());
    }
}
