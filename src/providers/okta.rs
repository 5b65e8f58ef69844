//! Okta event hooks: no MAC. Each request carries the authentication
//! header configured on the hook (`Authorization` unless another name was
//! chosen) with the configured value verbatim; the check is a
//! constant-time comparison of that value (of SHA-256 digests), reported
//! as [`VerifyError::TokenMismatch`].
//!
//! - Handshake: after the hook is created, Okta sends one GET with
//!   `X-Okta-Verification-Challenge`, and the endpoint answers
//!   `{"verification":"<the header's value>"}` ([`Outcome::Handshake`]).
//!   Okta sends the authentication header on that request too, and it is
//!   checked before the reply is given.
//! - No timestamp, so no tolerance. Rotation: several values in the
//!   keyring.
//! - The event id is the body's `eventId` ([`Verified::event_id`]).
//! - `verify` allocates nothing; the handshake reply is one `String`.

use crate::error::{SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::{Provider, VerifierConfig};
use crate::providers::token;
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::{Handshake, Outcome, Request, SignedHeaders, Verified, Verify};

/// The default authentication header.
pub const AUTH_HEADER: &str = "Authorization";
/// The header of the one-time verification request.
pub const CHALLENGE_HEADER: &str = "X-Okta-Verification-Challenge";
/// Okta's id of the request.
pub const REQUEST_ID_HEADER: &str = "X-Okta-Request-Id";

/// Verifies Okta event hook requests by their authentication header.
///
/// ```
/// use webhook_kit::providers::okta;
/// use webhook_kit::{Keyring, Outcome, Request, Secret, Timestamp, Verify};
///
/// let value = Secret::from_text("my-shared-secret")?;
/// let verifier = okta::Verifier::new(Keyring::from(value.clone()));
///
/// let headers = okta::sign(&value).with_header(okta::CHALLENGE_HEADER, "Me_rShK8");
/// let request = Request::new(&headers, b"").with_method("GET");
/// let outcome = verifier.verify_request(&request, Timestamp::UNIX_EPOCH)?;
/// assert_eq!(outcome.handshake().unwrap().body(), r#"{"verification":"Me_rShK8"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    values: Keyring<Secret>,
    header: &'static str,
}

impl Verifier {
    /// A verifier for the authentication header values in `keyring`
    /// (text), sent in `Authorization`.
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            values: keyring,
            header: AUTH_HEADER,
        }
    }

    /// Reads the value from another header: the hook's `auth.key`.
    pub fn with_auth_header(mut self, name: &'static str) -> Self {
        self.header = name;
        self
    }

    /// Verifies an event delivery by its authentication header; the body
    /// is not covered.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the header,
    /// [`VerifyError::TokenMismatch`] when it matches no value.
    pub fn verify(&self, headers: &dyn Headers, now: Timestamp) -> Result<Verified, VerifyError> {
        let presented = headers::required(headers, self.header)?;
        let index = token::find(&self.values, presented, self.header, now)?;
        Ok(Verified::new(Provider::Okta, index).covering(SignedContent::Token))
    }

    /// Answers the one-time verification GET, after checking its
    /// authentication header; `None` when the request is not one.
    ///
    /// # Errors
    ///
    /// As [`Verifier::verify`], and [`VerifyError::InvalidChallenge`] for
    /// an empty challenge.
    pub fn verification_reply(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Option<Handshake>, VerifyError> {
        if !request.method().eq_ignore_ascii_case("GET") {
            return Ok(None);
        }
        let Some(challenge) = headers::single(request.headers(), CHALLENGE_HEADER)? else {
            return Ok(None);
        };
        let verified = self.verify(request.headers(), now)?;
        let challenge = std::str::from_utf8(challenge)
            .ok()
            .filter(|c| !c.is_empty())
            .ok_or(VerifyError::InvalidChallenge {
                reason: "the verification challenge is empty or not text",
            })?;
        let body = serde_json::json!({ "verification": challenge }).to_string();
        Ok(Some(Handshake::json(Provider::Okta, Some(verified), body)))
    }
}

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Okta
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        if let Some(reply) = self.verification_reply(request, now)? {
            return Ok(Outcome::Handshake(reply));
        }
        self.verify(request.headers(), now).map(Outcome::Verified)
    }
}

/// The header Okta sends with every request of a hook configured with
/// this value under `Authorization`.
pub fn sign(value: &Secret) -> SignedHeaders {
    SignedHeaders::new().with(AUTH_HEADER, token::text(value))
}

/// The event id in an Okta event hook body (`eventId`).
pub(crate) fn event_id(body: &[u8]) -> Option<String> {
    crate::provider::json_string_field(body, &["eventId"])
}

secrets_from_config!(Provider::Okta, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const VALUE: &str = "okta-event-hook-authorization-value";

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(Secret::from_text(VALUE).unwrap()))
    }

    #[test]
    fn deliveries_compare_the_whole_value() {
        let v = verifier();
        let now = Timestamp::UNIX_EPOCH;
        let body = br#"{"eventType":"com.okta.event_hook","eventId":"b5a188b9-5ece-4636-b041-482ffda96311"}"#;
        let verified = v.verify(&[(AUTH_HEADER, VALUE)], now).unwrap();
        assert_eq!(
            verified.event_id(body).as_deref(),
            Some("b5a188b9-5ece-4636-b041-482ffda96311")
        );
        for changed in bit_flips(VALUE.as_bytes()) {
            assert_eq!(
                v.verify(&[(AUTH_HEADER, changed)], now).unwrap_err().code(),
                "token_mismatch"
            );
        }
        let custom = verifier().with_auth_header("x-okta-secret");
        assert!(custom.verify(&[("X-Okta-Secret", VALUE)], now).is_ok());
        assert_eq!(
            custom.verify(&[(AUTH_HEADER, VALUE)], now).unwrap_err(),
            VerifyError::MissingHeader {
                name: "x-okta-secret"
            }
        );
    }

    #[test]
    fn verification_get_is_answered_only_when_authenticated() {
        let v = verifier();
        let now = Timestamp::UNIX_EPOCH;
        let good = [
            (CHALLENGE_HEADER, "rGSQwk0zDkn3hEe6VfB8E"),
            (AUTH_HEADER, VALUE),
        ];
        let request = Request::new(&good, b"").with_method("GET");
        let outcome = v.verify_request(&request, now).unwrap();
        let reply = outcome.handshake().unwrap();
        assert_eq!(reply.body(), r#"{"verification":"rGSQwk0zDkn3hEe6VfB8E"}"#);
        assert_eq!(reply.content_type(), "application/json");
        assert!(reply.verified().is_some());

        let quoted = [(CHALLENGE_HEADER, r#"a"b\c"#), (AUTH_HEADER, VALUE)];
        let request = Request::new(&quoted, b"").with_method("GET");
        let outcome = v.verify_request(&request, now).unwrap();
        let echoed: serde_json::Value =
            serde_json::from_str(outcome.handshake().unwrap().body()).unwrap();
        assert_eq!(echoed["verification"], r#"a"b\c"#);

        let forged = [(CHALLENGE_HEADER, "x"), (AUTH_HEADER, "guess")];
        let request = Request::new(&forged, b"").with_method("GET");
        assert_eq!(
            v.verify_request(&request, now).unwrap_err().code(),
            "token_mismatch"
        );
        let empty = [(CHALLENGE_HEADER, ""), (AUTH_HEADER, VALUE)];
        let request = Request::new(&empty, b"").with_method("GET");
        assert_eq!(
            v.verify_request(&request, now).unwrap_err().code(),
            "invalid_challenge"
        );
        // A POST carrying the challenge header is an ordinary delivery.
        let request = Request::new(&good, b"{}");
        assert!(matches!(
            v.verify_request(&request, now).unwrap(),
            Outcome::Verified(_)
        ));
    }
}
