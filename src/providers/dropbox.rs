//! Dropbox: `X-Dropbox-Signature: <hex>`, HMAC-SHA256 over the raw body,
//! keyed with the **app secret** (App Console) as text.
//!
//! - Verification GET: when the webhook URL is registered, Dropbox calls it
//!   with `?challenge=<value>` and expects the value back within about ten
//!   seconds. [`Verify::verify_request`] answers such a GET with
//!   [`Outcome::Handshake`]: status 200, `text/plain`, and
//!   `X-Content-Type-Options: nosniff` ([`Handshake::headers`]). The GET is
//!   not signed, so the reply proves nothing and carries no [`Verified`].
//! - No timestamp is signed and there is no delivery id: the body only
//!   lists the accounts that changed, so processing it twice is harmless.
//! - Not Dropbox Sign (HelloSign), which signs differently.
//! - Rotation: several app secrets in the keyring are tried in turn.
//!
//! [`Verifier::verify`] allocates nothing.

use crate::crypto::{HmacSha256, MacKeys, TagEncoding};
use crate::error::VerifyError;
use crate::headers::Headers;
use crate::provider::{Provider, VerifierConfig};
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::{Handshake, Outcome, Request, SignedHeaders, Verified, Verify};

use super::body_hmac::Scheme;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Dropbox-Signature";
/// The query parameter of the verification GET.
pub const CHALLENGE_PARAM: &str = "challenge";

/// The longest challenge echoed; Dropbox's are short random strings.
const MAX_CHALLENGE: usize = 1024;

const SCHEME: Scheme = Scheme {
    header: SIGNATURE_HEADER,
    prefix: "",
    encoding: TagEncoding::Hex,
    name: "hex",
};

body_hmac_verifier! {
    /// Verifies Dropbox webhook notifications and answers the challenge GET.
    struct for Provider::Dropbox, keys HmacSha256, tag 32, scheme SCHEME;
    /// A verifier for the app secrets in `keyring` (text).
    fn new;
    /// Verifies a notification POST; `now` only decides which keys have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the signature header,
    /// [`VerifyError::MalformedHeader`] when it is not 64 hex digits,
    /// [`VerifyError::SignatureMismatch`] when no secret matches.
    fn verify;
}

/// The reply to a verification GET whose query is `query`, or `None` when
/// the query has no `challenge`.
///
/// # Errors
///
/// [`VerifyError::InvalidChallenge`] for an empty, repeated, overlong or
/// control-character challenge.
pub fn challenge_reply(query: &str) -> Result<Option<Handshake>, VerifyError> {
    let mut values = form_urlencoded::parse(query.as_bytes())
        .filter(|(name, _)| name == CHALLENGE_PARAM)
        .map(|(_, value)| value);
    let Some(challenge) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(VerifyError::InvalidChallenge {
            reason: "`challenge` appears more than once",
        });
    }
    if challenge.is_empty() || challenge.len() > MAX_CHALLENGE {
        return Err(VerifyError::InvalidChallenge {
            reason: "`challenge` is empty or longer than 1024 bytes",
        });
    }
    if challenge.chars().any(char::is_control) {
        return Err(VerifyError::InvalidChallenge {
            reason: "`challenge` holds control characters",
        });
    }
    Ok(Some(Handshake::text(
        Provider::Dropbox,
        None,
        challenge.into_owned(),
    )))
}

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Dropbox
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        if request.method().eq_ignore_ascii_case("GET")
            && let Some(reply) = challenge_reply(request.query().unwrap_or_default())?
        {
            return Ok(Outcome::Handshake(reply));
        }
        self.verify(request.headers(), request.body(), now)
            .map(Outcome::Verified)
    }
}

/// Signs `body` as Dropbox does: the signature header.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    SignedHeaders::new().with(SIGNATURE_HEADER, SCHEME.sign_sha256(secret, body))
}

secrets_from_config!(Provider::Dropbox, SecretEncoding::Utf8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "dropbox-local-app-secret";
    const BODY: &[u8] = br#"{"id":"evt_local_1","type":"test","data":{"n":1}}"#;
    // Python: hmac.new(SECRET, BODY, hashlib.sha256).hexdigest()
    const EXPECTED: &str = "cdd54f6194b12a0f6e1e173c687a53e89016be14db4ed5cdc8de3e84935c562b";

    fn secret() -> Secret {
        Secret::from_text(SECRET).unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(secret()))
    }

    fn get(url: &str) -> Result<Outcome, VerifyError> {
        let none: [(&str, &str); 0] = [];
        let request = Request::new(&none, b"").with_method("GET").with_url(url);
        verifier().verify_request(&request, Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn sign_matches_an_independent_hmac_and_verifies() {
        let headers = sign(&secret(), BODY);
        assert_eq!(headers.get(SIGNATURE_HEADER), Some(EXPECTED));
        assert!(
            verifier()
                .verify(&headers, BODY, Timestamp::UNIX_EPOCH)
                .is_ok()
        );
        for changed in bit_flips(BODY) {
            assert!(
                verifier()
                    .verify(&headers, &changed, Timestamp::UNIX_EPOCH)
                    .is_err()
            );
        }
    }

    // The notification vector of the `hapi-dropbox-webhooks` package's
    // tests, recomputed with Python's hmac.
    #[test]
    fn published_notification_vector() {
        let body = br#"{"delta": {"users": [12345]}}"#;
        let headers = [(
            SIGNATURE_HEADER,
            "0a8c16b085420b960dc78664279fe09e936a2a01b1f91064869d9e77dfd64529",
        )];
        let v = Verifier::new(Keyring::from(Secret::from_text("the_secret").unwrap()));
        assert!(v.verify(&headers, body, Timestamp::UNIX_EPOCH).is_ok());
    }

    #[test]
    fn challenge_is_echoed_as_plain_text() {
        let outcome = get("https://127.0.0.1/hook?challenge=AbC%2B123").unwrap();
        let reply = outcome.handshake().unwrap();
        assert_eq!(reply.body(), "AbC+123");
        assert_eq!(reply.content_type(), "text/plain");
        assert_eq!(
            reply.headers().collect::<Vec<_>>(),
            [("X-Content-Type-Options", "nosniff")]
        );
        assert!(reply.verified().is_none());
    }

    #[test]
    fn bad_challenges_are_refused() {
        for url in [
            "https://127.0.0.1/hook?challenge=",
            "https://127.0.0.1/hook?challenge=a&challenge=b",
            "https://127.0.0.1/hook?challenge=a%0Ab",
        ] {
            assert_eq!(get(url).unwrap_err().code(), "invalid_challenge", "{url}");
        }
        let long = format!("https://127.0.0.1/hook?challenge={}", "a".repeat(1025));
        assert_eq!(get(&long).unwrap_err().code(), "invalid_challenge");
    }

    #[test]
    fn a_get_without_a_challenge_needs_a_signature() {
        assert_eq!(
            get("https://127.0.0.1/hook?other=1").unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_HEADER
            }
        );
    }

    #[test]
    fn a_post_with_a_challenge_query_is_still_verified() {
        let none: [(&str, &str); 0] = [];
        let request = Request::new(&none, BODY).with_url("https://127.0.0.1/hook?challenge=x");
        let error = verifier()
            .verify_request(&request, Timestamp::UNIX_EPOCH)
            .unwrap_err();
        assert_eq!(error.code(), "missing_header");
    }
}
