//! Plaid (feature `p256`): an ES256 JWT in `Plaid-Verification`.
//!
//! - Header: `Plaid-Verification`, a compact JWS (`header.claims.signature`,
//!   each base64url without padding).
//! - Algorithm: ECDSA P-256 with SHA-256 (`ES256`, signature `r || s`) over
//!   `header.claims` as sent. Only `ES256` is accepted: `none`, `HS256` and
//!   every other `alg` are refused as [`VerifyError::UnsupportedAlgorithm`]
//!   before any key is touched, so no key can be used with an algorithm it
//!   was not made for.
//! - Keys: JSON Web Keys, which Plaid returns from
//!   `/webhook_verification_key/get` for the JWT's `kid`. This crate does no
//!   network I/O: the caller fetches them and builds the keyring
//!   ([`parse_jwk`]); a JWT naming a `kid` the keyring lacks is refused as
//!   [`VerifyError::UnknownKey`], the cue to fetch it. A key whose JWK has
//!   an `expired_at` in the past is no longer used.
//! - Signed content: the claims `iat` (unix seconds) and
//!   `request_body_sha256` (hex SHA-256 of the raw body, compared in
//!   constant time; a mismatch is [`VerifyError::BodyHashMismatch`]). Plaid
//!   sends the body pretty-printed: hash the bytes as received.
//! - Tolerance: `iat` at most 5 minutes old, as Plaid says; this crate
//!   also refuses one more than 5 minutes ahead ([`DEFAULT_TOLERANCE`]).
//! - Delivery id: none.
//!
//! - Fingerprint ([`Verified::signature_fingerprint`]): taken from the
//!   signature's `r` only. ECDSA is malleable (`(r, n - s)` verifies as
//!   well as `(r, s)`), and a fingerprint of the whole signature would let
//!   the mirrored copy of a captured delivery pass a replay guard as new.
//!
//! Allocations: none for JWTs of ordinary size. The header and claims are
//! decoded into stack buffers and read with borrowed fields; the signed
//! part is verified in place.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::crypto::{self, KeyMatch};
use crate::error::{Malformed, SecretError, SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::p256::P256PublicKey;
use crate::provider::{KeyFormat, Provider, VerifierConfig};
use crate::secret::Keyring;
use crate::time::{Timestamp, TimestampCheck, Tolerance};
use crate::verify::{Outcome, Request, Verified, Verify};

/// The header holding the JWT.
pub const VERIFICATION_HEADER: &str = "Plaid-Verification";

/// The only JWS algorithm accepted.
pub const ALGORITHM: &str = "ES256";

/// How old (or, by this crate's policy, how far ahead) `iat` may be.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Room for the decoded JWT header and claims; Plaid's are under 200 bytes.
const HEADER_BUFFER: usize = 512;
const CLAIMS_BUFFER: usize = 1024;

/// Verifies Plaid webhooks against JWKs the caller has fetched.
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: Keyring<P256PublicKey>,
    check: TimestampCheck,
}

// Borrowed `&str` fields: nothing is copied. Plaid's values (an algorithm
// name, a UUID, hex) never hold JSON escapes; one that did would be refused
// as malformed rather than unescaped.
#[derive(Deserialize)]
struct JwtHeader<'a> {
    alg: Option<&'a str>,
    kid: Option<&'a str>,
}

#[derive(Deserialize)]
struct Claims<'a> {
    iat: Option<serde_json::Number>,
    request_body_sha256: Option<&'a str>,
}

impl Verifier {
    /// A verifier for the JWKs in `keyring` (each built with [`parse_jwk`],
    /// so that it carries its `kid`).
    pub fn new(keyring: Keyring<P256PublicKey>) -> Self {
        Verifier {
            keys: keyring,
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// Verifies a delivery: the JWT's algorithm, key, signature, age, and
    /// the body hash it carries, in that order.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`]; [`VerifyError::MalformedHeader`] for
    /// a value that is not a three-part JWT of base64url JSON, one without a
    /// `kid`, `iat` or `request_body_sha256`, or a signature that is not 64
    /// bytes; [`VerifyError::UnsupportedAlgorithm`] for any `alg` but
    /// `ES256`; [`VerifyError::UnknownKey`]; [`VerifyError::SignatureMismatch`];
    /// the timestamp errors; [`VerifyError::BodyHashMismatch`].
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let malformed = |reason| VerifyError::malformed(VERIFICATION_HEADER, reason);
        let token = headers::required(headers, VERIFICATION_HEADER)?;
        let mut parts = token.splitn(3, |&b| b == b'.');
        let (Some(header_b64), Some(claims_b64), Some(signature_b64)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed(Malformed::MissingPart("signature")));
        };
        if signature_b64.contains(&b'.') {
            return Err(malformed(Malformed::Separator('.')));
        }

        let mut header_buf = [0u8; HEADER_BUFFER];
        let header_json = decode_part(header_b64, &mut header_buf).map_err(malformed)?;
        let header: JwtHeader<'_> =
            serde_json::from_slice(header_json).map_err(|_| malformed(Malformed::NotJson))?;
        if header.alg != Some(ALGORITHM) {
            return Err(VerifyError::UnsupportedAlgorithm {
                name: VERIFICATION_HEADER,
            });
        }
        let kid = header.kid.ok_or(malformed(Malformed::MissingPart("kid")))?;

        let (index, key) = self
            .keys
            .active(now)
            .filter(|(_, key)| key.expires_at().is_none_or(|t| now <= t))
            .find(|(_, key)| key.key_id() == Some(kid))
            .ok_or(VerifyError::UnknownKey {
                name: VERIFICATION_HEADER,
            })?;

        let mut signature_buf = [0u8; 96];
        let signature = decode_part(signature_b64, &mut signature_buf).map_err(malformed)?;
        if signature.len() != 64 {
            return Err(malformed(Malformed::WrongLength {
                expected: 64,
                actual: signature.len(),
            }));
        }
        // The signing input is the first two parts exactly as sent.
        let signing_input = &token[..header_b64.len() + 1 + claims_b64.len()];
        if !key.verify_fixed(signing_input, signature) {
            return Err(VerifyError::SignatureMismatch {
                keys_tried: 1,
                keys_expired: 0,
                signatures: 1,
                covers: SignedContent::Body,
            });
        }

        let mut claims_buf = [0u8; CLAIMS_BUFFER];
        let claims_json = decode_part(claims_b64, &mut claims_buf).map_err(malformed)?;
        let claims: Claims<'_> =
            serde_json::from_slice(claims_json).map_err(|_| malformed(Malformed::NotJson))?;
        let iat = claims
            .iat
            .ok_or(malformed(Malformed::MissingPart("iat")))?
            .as_i64()
            .ok_or(malformed(Malformed::TimestampNotDigits))?;
        let signed_at = Timestamp::from_unix_seconds(iat);
        self.check.apply(signed_at, now)?;

        let claimed = claims
            .request_body_sha256
            .ok_or(malformed(Malformed::MissingPart("request_body_sha256")))?;
        let claimed: [u8; 32] =
            crypto::decode_tag(claimed.as_bytes(), crypto::TagEncoding::Hex).map_err(malformed)?;
        let actual: [u8; 32] = Sha256::digest(body).into();
        if !crypto::ct_eq(&actual, &claimed) {
            return Err(VerifyError::BodyHashMismatch);
        }

        // From `r` only: `(r, n - s)` verifies too, and must not look new.
        let key = KeyMatch {
            index,
            fingerprint: Some(P256PublicKey::fingerprint_r(
                signature.get(..32).unwrap_or(signature),
            )),
        };
        Ok(Verified::new(Provider::Plaid, key).signed_at(signed_at))
    }
}

/// Decodes one base64url part of the JWT into `buffer`.
fn decode_part<'b>(part: &[u8], buffer: &'b mut [u8]) -> Result<&'b [u8], Malformed> {
    if part.is_empty() {
        return Err(Malformed::Empty);
    }
    if part.len() / 4 * 3 > buffer.len() {
        return Err(Malformed::WrongLength {
            expected: buffer.len(),
            actual: part.len() / 4 * 3,
        });
    }
    let len = URL_SAFE_NO_PAD
        .decode_slice(part, buffer)
        .map_err(|_| Malformed::NotBase64)?;
    Ok(&buffer[..len])
}

/// Parses a webhook verification key as Plaid returns it (the `key`
/// object of `/webhook_verification_key/get`, as JSON text).
///
/// # Errors
///
/// The errors of [`P256PublicKey::from_jwk`], and
/// [`SecretError::InvalidKey`] for a JWK without a `kid`, which no JWT
/// could name.
pub fn parse_jwk(text: &str) -> Result<P256PublicKey, SecretError> {
    let key = P256PublicKey::from_jwk(text)?;
    if key.key_id().is_none() {
        return Err(SecretError::InvalidKey);
    }
    Ok(key)
}

timestamp_options!(Verifier);

verify_headers_and_body!(Provider::Plaid);

/// Builds a verifier from a configuration: every key is a JWK.
pub(crate) fn from_config(config: &VerifierConfig) -> Result<Verifier, SecretError> {
    let mut keys = Keyring::new();
    for spec in &config.keys {
        match spec.format {
            None | Some(KeyFormat::Jwk) => {
                keys.push(parse_jwk(&spec.text)?, spec.not_after);
            }
            Some(other) => {
                return Err(SecretError::UnsupportedEncoding {
                    provider: "plaid",
                    encoding: other.id(),
                });
            }
        }
    }
    Ok(Verifier::new(keys))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> serde_json::Value {
        let f: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/asymmetric.json")).unwrap();
        f["plaid"].clone()
    }

    fn text(f: &serde_json::Value, name: &str) -> String {
        f[name].as_str().unwrap().to_owned()
    }

    fn verifier(f: &serde_json::Value) -> Verifier {
        Verifier::new(Keyring::from(parse_jwk(&text(f, "jwk")).unwrap()))
    }

    fn check(f: &serde_json::Value, jwt: &str, now: i64) -> Result<Verified, VerifyError> {
        let headers = [(VERIFICATION_HEADER, jwt)];
        verifier(f).verify(
            &headers,
            text(f, "body").as_bytes(),
            Timestamp::from_unix_seconds(now),
        )
    }

    const IAT: i64 = 1_700_000_000;

    #[test]
    fn valid_jwt_verifies() {
        let f = fixture();
        let verified = check(&f, &text(&f, "valid"), IAT + 60).unwrap();
        assert_eq!(verified.provider(), Provider::Plaid);
        assert_eq!(
            verified.timestamp(),
            Some(Timestamp::from_unix_seconds(IAT))
        );
        assert_eq!(verified.key_index(), 0);
    }

    #[test]
    fn each_refusal_has_its_reason() {
        let f = fixture();
        let code = |name: &str| check(&f, &text(&f, name), IAT).unwrap_err().code();
        assert_eq!(code("hs256"), "unsupported_algorithm");
        assert_eq!(code("none"), "unsupported_algorithm");
        assert_eq!(code("unknown_kid"), "unknown_key");
        assert_eq!(code("other_key"), "signature_mismatch");
        assert_eq!(code("other_body_hash"), "body_hash_mismatch");
        assert_eq!(code("no_body_hash"), "malformed_header");
    }

    #[test]
    fn iat_window_is_five_minutes_both_ways() {
        let f = fixture();
        let jwt = text(&f, "valid");
        assert!(check(&f, &jwt, IAT + 300).is_ok());
        assert!(check(&f, &jwt, IAT - 300).is_ok());
        assert_eq!(
            check(&f, &jwt, IAT + 301).unwrap_err().code(),
            "timestamp_too_old"
        );
        assert_eq!(
            check(&f, &jwt, IAT - 301).unwrap_err().code(),
            "timestamp_in_future"
        );
        let wide = verifier(&f).with_tolerance(Duration::from_secs(3600));
        let h = [(VERIFICATION_HEADER, jwt.as_str())];
        let body = text(&f, "body");
        assert!(
            wide.verify(
                &h,
                body.as_bytes(),
                Timestamp::from_unix_seconds(IAT + 3600)
            )
            .is_ok()
        );
    }

    #[test]
    fn the_body_is_hashed_as_received() {
        let f = fixture();
        let headers = [(VERIFICATION_HEADER, text(&f, "valid"))];
        let compact = text(&f, "body").replace(['\n', ' '], "");
        let err = verifier(&f)
            .verify(
                &headers,
                compact.as_bytes(),
                Timestamp::from_unix_seconds(IAT),
            )
            .unwrap_err();
        assert_eq!(err, VerifyError::BodyHashMismatch);
    }

    #[test]
    fn tampered_parts_fail() {
        let f = fixture();
        let jwt = text(&f, "valid");
        let parts: Vec<&str> = jwt.split('.').collect();
        // Claims of the other-body JWT under this JWT's signature.
        let other = text(&f, "other_body_hash");
        let other_claims = other.split('.').nth(1).unwrap();
        let spliced = format!("{}.{}.{}", parts[0], other_claims, parts[2]);
        assert_eq!(
            check(&f, &spliced, IAT).unwrap_err().code(),
            "signature_mismatch"
        );
        for bad in [
            "",
            "abc",
            "a.b",
            &format!("{}.{}", parts[0], parts[1]),
            &format!("{}.{}.{}.x", parts[0], parts[1], parts[2]),
            &format!("!!.{}.{}", parts[1], parts[2]),
            &format!("{}.{}.AAAA", parts[0], parts[1]),
            &format!(
                "{}.{}.{}",
                URL_SAFE_NO_PAD.encode("not json"),
                parts[1],
                parts[2]
            ),
        ] {
            let err = check(&f, bad, IAT).unwrap_err();
            assert_eq!(err.code(), "malformed_header", "{bad:?}: {err}");
        }
        let no_kid = URL_SAFE_NO_PAD.encode(r#"{"alg":"ES256"}"#);
        let err = check(&f, &format!("{no_kid}.{}.{}", parts[1], parts[2]), IAT).unwrap_err();
        assert_eq!(
            err,
            VerifyError::malformed(VERIFICATION_HEADER, Malformed::MissingPart("kid"))
        );
        let missing = verifier(&f)
            .verify(&[("X", "y")], b"", Timestamp::from_unix_seconds(IAT))
            .unwrap_err();
        assert_eq!(
            missing,
            VerifyError::MissingHeader {
                name: VERIFICATION_HEADER
            }
        );
    }

    #[test]
    fn retired_keys_are_unknown_and_registry_reads_jwks() {
        let f = fixture();
        let jwk = text(&f, "jwk");
        let mut retired: serde_json::Value = serde_json::from_str(&jwk).unwrap();
        retired["expired_at"] = (IAT - 1).into();
        let config = VerifierConfig::new().with_key(retired.to_string(), KeyFormat::Jwk);
        let v = Provider::Plaid.verifier(&config).unwrap();
        let headers = [(VERIFICATION_HEADER, text(&f, "valid"))];
        let body = text(&f, "body");
        let request = Request::new(&headers, body.as_bytes());
        let now = Timestamp::from_unix_seconds(IAT);
        assert_eq!(
            v.verify_request(&request, now).unwrap_err().code(),
            "unknown_key"
        );

        let v = Provider::Plaid
            .verifier(&VerifierConfig::new().with_secret(jwk.clone()))
            .unwrap();
        assert!(v.verify_request(&request, now).is_ok());
        let pem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
        assert!(matches!(
            Provider::Plaid
                .verifier(&VerifierConfig::new().with_key(pem, KeyFormat::Pem))
                .unwrap_err(),
            SecretError::UnsupportedEncoding { .. }
        ));
        let mut no_kid: serde_json::Value = serde_json::from_str(&jwk).unwrap();
        no_kid.as_object_mut().unwrap().remove("kid");
        assert_eq!(
            parse_jwk(&no_kid.to_string()).unwrap_err(),
            SecretError::InvalidKey
        );
    }
}
