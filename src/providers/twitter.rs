//! X (Twitter) Account Activity webhooks: `x-twitter-webhooks-signature:
//! sha256=<base64>`, HMAC-SHA256 over the raw body, keyed with the app's
//! consumer secret (API secret key) **as text**. No timestamp.
//!
//! - Challenge-Response Check (CRC): X sends a `GET` with a `crc_token`
//!   query parameter when the webhook is registered and about hourly after.
//!   [`Verify::verify_request`] answers it with [`Outcome::Handshake`] and
//!   the JSON `{"response_token": "sha256=<base64>"}`, the HMAC-SHA256 of
//!   the decoded token under the consumer secret ([`crc_response_token`]).
//!   The CRC request itself is unsigned, so the handshake carries no
//!   [`Verified`].
//!
//! # Security
//!
//! The CRC reply is the same HMAC, under the same secret, as an event's
//! signature: anyone who can send a `GET` to the endpoint obtains the
//! signature of any text they pass as `crc_token`. X's scheme makes this
//! inherent, so the verifier closes it from both sides: a `crc_token` is
//! answered only when it is at most [`MAX_CRC_TOKEN_LEN`] bytes of printable
//! ASCII without JSON's structural characters (`{ } [ ] " : ,` and `\`),
//! and an event is accepted only when its body is a JSON object (its first
//! byte after optional whitespace is `{`). No answerable token is therefore
//! an acceptable event body.
//! - No timestamp is signed: replay protection is the caller's. `now` only
//!   decides which keys have expired.
//! - Rotation: several consumer secrets in the keyring are tried in turn
//!   for events; the CRC is answered with the first active one.
//! - No delivery id header.
//!
//! [`Verifier::verify`] allocates nothing; the CRC reply allocates.

use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::Timestamp;
use crate::verify::{Handshake, Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header of event deliveries.
pub const SIGNATURE_HEADER: &str = "x-twitter-webhooks-signature";

/// The query parameter of the Challenge-Response Check.
pub const CRC_PARAM: &str = "crc_token";

/// The longest `crc_token` answered, in bytes. X's tokens are short
/// random strings; a long one is more likely an attempt to have a body
/// signed.
pub const MAX_CRC_TOKEN_LEN: usize = 256;

/// Verifies X Account Activity events and answers the CRC.
///
/// ```
/// use webhook_kit::providers::twitter;
/// use webhook_kit::{Keyring, Request, Secret, Timestamp, Verify};
///
/// let secret = Secret::from_text("consumer-secret")?;
/// let verifier = twitter::Verifier::new(Keyring::from(secret.clone()));
///
/// let none: [(&str, &str); 0] = [];
/// let crc = Request::new(&none, b"")
///     .with_method("GET")
///     .with_url("https://example.com/x?crc_token=abc");
/// let outcome = verifier.verify_request(&crc, Timestamp::now())?;
/// let reply = outcome.handshake().ok_or("not a CRC")?;
/// assert!(reply.body().contains(&twitter::crc_response_token(&secret, "abc")));
///
/// let body = br#"{"for_user_id":"1"}"#;
/// verifier.verify(&twitter::sign(&secret, body), body, Timestamp::now())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
}

impl Verifier {
    /// A verifier for the consumer secrets in `keyring` (each built with
    /// [`Secret::from_text`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
        }
    }

    /// Verifies an event delivery.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the header,
    /// [`VerifyError::MalformedHeader`] for a value that is not
    /// `sha256=<base64 of 32 bytes>`, [`VerifyError::SignatureMismatch`]
    /// when no secret matches. A body that is not a JSON object (first byte
    /// after optional whitespace `{`) is refused as
    /// [`VerifyError::MalformedHeader`] naming `body`, whatever its
    /// signature: X sends only objects, and a signature for anything else
    /// may have come from the CRC reply.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let value = headers::required(headers, SIGNATURE_HEADER)?;
        if !is_json_object(body) {
            return Err(VerifyError::malformed("body", Malformed::BadBody));
        }
        let candidate = || {
            std::iter::once(match value.strip_prefix(b"sha256=") {
                Some(b64) => crypto::decode_tag::<32>(b64, TagEncoding::Base64),
                None => Err(Malformed::MissingPrefix("sha256=")),
            })
        };
        let target = MatchTarget {
            header: SIGNATURE_HEADER,
            scheme: "sha256",
            covers: SignedContent::Body,
        };
        let key_index = self.keys.find(now, &[body], target, candidate)?;
        Ok(Verified::new(Provider::Twitter, key_index))
    }

    /// The CRC reply for a `GET` request's query.
    ///
    /// # Errors
    ///
    /// [`VerifyError::InvalidChallenge`] without a non-empty `crc_token`,
    /// for a token longer than [`MAX_CRC_TOKEN_LEN`] or holding a character
    /// outside printable ASCII or one of JSON's structural characters, or
    /// when every key has expired.
    ///
    /// # Security
    ///
    /// The reply is the signature an event with the token as its body would
    /// carry; the checks on the token keep that body from being one
    /// [`Verifier::verify`] accepts.
    pub fn crc_reply(&self, query: &str, now: Timestamp) -> Result<Handshake, VerifyError> {
        let token = form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == CRC_PARAM)
            .map(|(_, value)| value)
            .filter(|value| !value.is_empty())
            .ok_or(VerifyError::InvalidChallenge {
                reason: "a GET request without a non-empty `crc_token` query parameter",
            })?;
        if token.len() > MAX_CRC_TOKEN_LEN {
            return Err(VerifyError::InvalidChallenge {
                reason: "the `crc_token` is longer than X's tokens",
            });
        }
        if !token.bytes().all(is_token_byte) {
            return Err(VerifyError::InvalidChallenge {
                reason: "the `crc_token` holds a character X's tokens do not \
                         (control, non-ASCII or JSON structural)",
            });
        }
        let (_, mac) = self
            .keys
            .active(now)
            .next()
            .ok_or(VerifyError::InvalidChallenge {
                reason: "every consumer secret of the keyring has expired",
            })?;
        let response = format!(
            "sha256={}",
            crypto::base64(&crypto::tag(mac, &[token.as_bytes()]))
        );
        let body = serde_json::json!({ "response_token": response }).to_string();
        Ok(Handshake::json(Provider::Twitter, None, body))
    }
}

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Twitter
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        if request.method().eq_ignore_ascii_case("GET") {
            let query = request.query().unwrap_or("");
            return self.crc_reply(query, now).map(Outcome::Handshake);
        }
        self.verify(request.headers(), request.body(), now)
            .map(Outcome::Verified)
    }
}

/// Whether `body` is a JSON object, judged by its first byte after JSON
/// whitespace. The body itself is not parsed: the point is only that no
/// answerable `crc_token` can pass, and none starts with `{`.
fn is_json_object(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .is_some_and(|b| *b == b'{')
}

/// Whether a decoded `crc_token` may hold `b`: printable ASCII (space
/// included) except JSON's structural characters and the string escape.
fn is_token_byte(b: u8) -> bool {
    (b' '..=b'~').contains(&b) && !b"{}[]\":,\\".contains(&b)
}

/// The `response_token` of a CRC reply: `sha256=` and the base64
/// HMAC-SHA256 of `crc_token` under the consumer secret.
pub fn crc_response_token(secret: &Secret, crc_token: &str) -> String {
    let tag = crypto::hmac_sha256(secret.expose_bytes(), &[crc_token.as_bytes()]);
    format!("sha256={}", crypto::base64(&tag))
}

/// Signs `body` as X does: the `x-twitter-webhooks-signature` header.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha256(secret.expose_bytes(), &[body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, format!("sha256={}", crypto::base64(&tag)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const BODY: &[u8] = br#"{"for_user_id":"2244994945","favorite_events":[]}"#;

    fn secret() -> Secret {
        Secret::from_text("x-unit-consumer-secret").unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(secret()))
    }

    #[test]
    fn events_round_trip_and_single_bit_changes() {
        let signed = sign(&secret(), BODY);
        let now = Timestamp::UNIX_EPOCH;
        assert!(verifier().verify(&signed, BODY, now).is_ok());
        for changed in bit_flips(BODY) {
            assert!(verifier().verify(&signed, &changed, now).is_err());
        }
    }

    #[test]
    fn crc_reply_is_the_documented_json() {
        let none: [(&str, &str); 0] = [];
        let request = Request::new(&none, b"")
            .with_method("get")
            .with_url("https://example.com/hook?nonce=9&crc_token=tok%2Ben");
        let outcome = verifier()
            .verify_request(&request, Timestamp::UNIX_EPOCH)
            .unwrap();
        let reply = outcome.handshake().unwrap();
        assert!(reply.verified().is_none());
        assert_eq!(reply.content_type(), "application/json");
        let json: serde_json::Value = serde_json::from_str(reply.body()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "response_token": crc_response_token(&secret(), "tok+en") })
        );
    }

    #[test]
    fn bad_crc_and_bad_headers() {
        let none: [(&str, &str); 0] = [];
        let now = Timestamp::UNIX_EPOCH;
        for url in [
            "https://example.com/hook",
            "https://example.com/hook?crc_token=",
        ] {
            let request = Request::new(&none, b"").with_method("GET").with_url(url);
            assert_eq!(
                verifier().verify_request(&request, now).unwrap_err().code(),
                "invalid_challenge"
            );
        }
        assert_eq!(
            verifier().verify(&none, BODY, now).unwrap_err().code(),
            "missing_header"
        );
        let unprefixed = [(SIGNATURE_HEADER, "AAAA")];
        assert_eq!(
            verifier()
                .verify(&unprefixed, BODY, now)
                .unwrap_err()
                .code(),
            "malformed_header"
        );
    }

    #[test]
    fn crc_tokens_that_could_be_a_body_are_refused() {
        let none: [(&str, &str); 0] = [];
        let now = Timestamp::UNIX_EPOCH;
        let long = "a".repeat(MAX_CRC_TOKEN_LEN + 1);
        for token in [
            "%7B%7D", "x%22y", "a%5Bb", "a%3Ab", "a%2Cb", "a%5Cb", "a%0Ab", "%C3%A9", &long,
        ] {
            let url = format!("https://example.com/hook?crc_token={token}");
            let request = Request::new(&none, b"").with_method("GET").with_url(&url);
            assert_eq!(
                verifier().verify_request(&request, now).unwrap_err().code(),
                "invalid_challenge",
                "{token}"
            );
        }
        let longest = "a".repeat(MAX_CRC_TOKEN_LEN);
        let url = format!("https://example.com/hook?crc_token={longest}");
        let request = Request::new(&none, b"").with_method("GET").with_url(&url);
        assert!(verifier().verify_request(&request, now).is_ok());
    }

    #[test]
    fn a_signed_body_that_is_not_a_json_object_is_refused() {
        let now = Timestamp::UNIX_EPOCH;
        for body in [&b"challenge_string"[..], b"", b"  ", b"[1]", b"\"{\""] {
            let signed = sign(&secret(), body);
            assert_eq!(
                verifier().verify(&signed, body, now).unwrap_err(),
                VerifyError::malformed("body", Malformed::BadBody)
            );
        }
        let spaced = b" \r\n\t{}";
        assert!(
            verifier()
                .verify(&sign(&secret(), spaced), spaced, now)
                .is_ok()
        );
    }
}
