//! Asana: `X-Hook-Signature: <hex>`, HMAC-SHA256 over the raw body, keyed
//! with the webhook's secret **as text** — the `X-Hook-Secret` value Asana
//! sent in the handshake. No timestamp.
//!
//! - Handshake: when a webhook is created, Asana POSTs to the target with
//!   an `X-Hook-Secret` header and no signature; the target must answer
//!   200 or 204 with the same `X-Hook-Secret` header. [`Verify::verify_request`]
//!   answers such a request with [`Outcome::Handshake`], whose
//!   [`Handshake::headers`] carry the echo; [`handshake_reply`] does the same
//!   before any secret is configured. A request that carries
//!   `X-Hook-Signature` is always treated as an event.
//! - No timestamp is signed: replay protection is the caller's. `now` only
//!   decides which keys have expired.
//! - Each webhook has its own secret; a keyring with several is tried in
//!   turn. No delivery id header.
//!
//! # Security
//!
//! The handshake is not signed: anyone who knows the URL can send one. Store
//! the echoed secret only while your own request to create the webhook is
//! in flight, and never replace a stored secret on an unsolicited handshake.
//!
//! [`Verifier::verify`] allocates nothing; the handshake reply allocates.

use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::Timestamp;
use crate::verify::{Handshake, Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header of event deliveries.
pub const SIGNATURE_HEADER: &str = "X-Hook-Signature";

/// The handshake header, sent by Asana and echoed in the reply.
pub const SECRET_HEADER: &str = "X-Hook-Secret";

/// Verifies Asana webhook events and answers the handshake.
///
/// ```
/// use webhook_kit::providers::asana;
/// use webhook_kit::{Keyring, Request, Secret, Timestamp, Verify};
///
/// // The handshake: echo the secret, and store it.
/// let handshake = [("X-Hook-Secret", "b537207f20cbfa02")];
/// let reply = asana::handshake_reply(&handshake)?.ok_or("not a handshake")?;
/// assert_eq!(
///     reply.headers().collect::<Vec<_>>(),
///     [("X-Hook-Secret", "b537207f20cbfa02")]
/// );
///
/// // Later events are signed with it.
/// let secret = Secret::from_text("b537207f20cbfa02")?;
/// let body = br#"{"events":[]}"#;
/// let verifier = asana::Verifier::new(Keyring::from(secret.clone()));
/// verifier.verify(&asana::sign(&secret, body), body, Timestamp::now())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
}

impl Verifier {
    /// A verifier for the webhook secrets in `keyring` (each built with
    /// [`Secret::from_text`] from an `X-Hook-Secret` value).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
        }
    }

    /// Verifies an event delivery.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without `X-Hook-Signature`,
    /// [`VerifyError::MalformedHeader`] when it is not 64 hex digits,
    /// [`VerifyError::SignatureMismatch`] when no secret matches.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let value = headers::required(headers, SIGNATURE_HEADER)?;
        let candidate = || std::iter::once(crypto::decode_tag::<32>(value, TagEncoding::Hex));
        let target = MatchTarget {
            header: SIGNATURE_HEADER,
            scheme: "sha256",
            covers: SignedContent::Body,
        };
        let key_index = self.keys.find(now, &[body], target, candidate)?;
        Ok(Verified::new(Provider::Asana, key_index))
    }
}

/// The handshake reply when `headers` are those of Asana's handshake (an
/// `X-Hook-Secret` and no `X-Hook-Signature`); `None` otherwise.
///
/// # Errors
///
/// [`VerifyError::InvalidChallenge`] for an empty `X-Hook-Secret` or one
/// that is not visible ASCII (it could not be echoed as a header), and
/// [`VerifyError::MalformedHeader`] when it is repeated with different values.
///
/// # Security
///
/// The handshake is unsigned; see the [module docs](self).
pub fn handshake_reply(headers: &dyn Headers) -> Result<Option<Handshake>, VerifyError> {
    if headers::present(headers, SIGNATURE_HEADER) {
        return Ok(None);
    }
    let Some(value) = headers::single(headers, SECRET_HEADER)? else {
        return Ok(None);
    };
    if value.is_empty() {
        return Err(VerifyError::InvalidChallenge {
            reason: "an empty `X-Hook-Secret` header",
        });
    }
    // Echoed into a response header: visible ASCII only.
    if !value.iter().all(|b| b.is_ascii_graphic()) {
        return Err(VerifyError::InvalidChallenge {
            reason: "an `X-Hook-Secret` with bytes other than visible ASCII, which cannot be echoed",
        });
    }
    let text = String::from_utf8_lossy(value).into_owned();
    Ok(Some(Handshake::with_header(
        Provider::Asana,
        SECRET_HEADER,
        text,
    )))
}

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Asana
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        if let Some(reply) = handshake_reply(request.headers())? {
            return Ok(Outcome::Handshake(reply));
        }
        self.verify(request.headers(), request.body(), now)
            .map(Outcome::Verified)
    }
}

/// Signs `body` as Asana does: the `X-Hook-Signature` header.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha256(secret.expose_bytes(), &[body]);
    SignedHeaders::new().with(SIGNATURE_HEADER, crypto::hex(&tag))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e81";
    const BODY: &[u8] = br#"{"events":[{"action":"added","resource":{"gid":"1"}}]}"#;

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(Secret::from_text(SECRET).unwrap()))
    }

    #[test]
    fn events_round_trip_and_single_bit_changes() {
        let signed = sign(&Secret::from_text(SECRET).unwrap(), BODY);
        let now = Timestamp::UNIX_EPOCH;
        let outcome = verifier()
            .verify_request(&Request::new(&signed, BODY), now)
            .unwrap();
        assert_eq!(outcome.verified().unwrap().provider(), Provider::Asana);
        for changed in bit_flips(BODY) {
            assert!(verifier().verify(&signed, &changed, now).is_err());
        }
    }

    #[test]
    fn handshake_echoes_the_secret() {
        let headers = [("x-hook-secret", SECRET)];
        let outcome = verifier()
            .verify_request(&Request::new(&headers, b""), Timestamp::UNIX_EPOCH)
            .unwrap();
        let reply = outcome.handshake().unwrap();
        assert_eq!(
            reply.headers().collect::<Vec<_>>(),
            [(SECRET_HEADER, SECRET)]
        );
        assert_eq!(reply.body(), "");
        assert!(reply.verified().is_none());
    }

    #[test]
    fn odd_handshakes_are_refused() {
        for (value, code) in [("", "invalid_challenge"), ("a\u{7f}b", "invalid_challenge")] {
            let headers = [(SECRET_HEADER, value)];
            assert_eq!(handshake_reply(&headers).unwrap_err().code(), code);
        }
        let repeated = [(SECRET_HEADER, "a"), (SECRET_HEADER, "b")];
        assert_eq!(
            handshake_reply(&repeated).unwrap_err().code(),
            "malformed_header"
        );
        let none: [(&str, &str); 0] = [];
        assert!(handshake_reply(&none).unwrap().is_none());
        assert_eq!(
            verifier()
                .verify(&none, BODY, Timestamp::UNIX_EPOCH)
                .unwrap_err()
                .code(),
            "missing_header"
        );
    }
}
