//! Meta (Facebook Pages, Messenger, Instagram, WhatsApp Cloud API):
//! `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 over the raw body,
//! keyed with the **App Secret** (App Dashboard → Basic settings) as text.
//!
//! - Meta signs the body as it sends it, with non-ASCII characters escaped
//!   as `\uXXXX`: re-serialising the parsed JSON breaks the signature.
//! - The older `X-Hub-Signature: sha1=<hex>` (HMAC-SHA1) may come too. It
//!   is accepted only after [`Verifier::allow_legacy_sha1`] (feature
//!   `sha1`) and only when the SHA-256 header is absent.
//! - Verification GET: when a subscription is set up, Meta calls the
//!   callback with `hub.mode=subscribe`, `hub.verify_token` (a string you
//!   chose, not the App Secret) and `hub.challenge`.
//!   [`Verify::verify_request`] checks the mode and compares the token in
//!   constant time with the configured ones
//!   ([`Verifier::with_verify_tokens`]), then answers with
//!   [`Outcome::Handshake`]: the challenge as `text/plain`. The GET is not
//!   signed, so the reply carries no [`Verified`].
//! - No timestamp is signed and there is no delivery id header; one POST
//!   can batch several entries. Rotation: several App Secrets in the
//!   keyring are tried in turn.
//!
//! [`Verifier::verify`] allocates nothing.

use crate::crypto::{HmacSha256, KeyMatch, MacKeys, TagEncoding};
use crate::error::{SecretError, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::{Provider, VerifierConfig};
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::{Handshake, Outcome, Request, SignedHeaders, Verified, Verify};

use super::body_hmac::Scheme;

/// The SHA-256 signature header.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";
/// The legacy SHA-1 signature header.
pub const LEGACY_SIGNATURE_HEADER: &str = "X-Hub-Signature";
/// The verification GET's mode parameter; its value must be `subscribe`.
pub const MODE_PARAM: &str = "hub.mode";
/// The verification GET's token parameter.
pub const VERIFY_TOKEN_PARAM: &str = "hub.verify_token";
/// The verification GET's challenge parameter.
pub const CHALLENGE_PARAM: &str = "hub.challenge";

const SCHEME: Scheme = Scheme {
    header: SIGNATURE_HEADER,
    prefix: "sha256=",
    encoding: TagEncoding::Hex,
    name: "sha256",
};

#[cfg(feature = "sha1")]
const LEGACY: Scheme = Scheme {
    header: LEGACY_SIGNATURE_HEADER,
    prefix: "sha1=",
    encoding: TagEncoding::Hex,
    name: "sha1",
};

/// Verifies Meta webhook events and answers the verification GET.
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
    verify_tokens: Keyring<Secret>,
    /// Kept to prepare SHA-1 keys if the caller opts in to the legacy header.
    #[cfg(feature = "sha1")]
    keyring: Keyring<Secret>,
    #[cfg(feature = "sha1")]
    legacy: Option<MacKeys<crate::crypto::HmacSha1>>,
}

impl Verifier {
    /// A verifier for the App Secrets in `keyring` (text), with no verify
    /// token: verification GETs are refused until one is added.
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            verify_tokens: Keyring::new(),
            #[cfg(feature = "sha1")]
            keyring,
            #[cfg(feature = "sha1")]
            legacy: None,
        }
    }

    /// The verify tokens a verification GET may present (each built with
    /// [`Secret::from_text`]).
    pub fn with_verify_tokens(mut self, tokens: Keyring<Secret>) -> Self {
        self.verify_tokens = tokens;
        self
    }

    /// Also accepts the legacy `X-Hub-Signature` (HMAC-SHA1) when it is the
    /// only signature header.
    ///
    /// # Security
    ///
    /// HMAC-SHA1 is not broken as a MAC, but Meta sends the SHA-256 header
    /// to every receiver; prefer leaving this off.
    #[cfg(feature = "sha1")]
    pub fn allow_legacy_sha1(mut self) -> Self {
        self.legacy = Some(MacKeys::new(&self.keyring));
        self
    }

    /// Verifies an event POST; `now` only decides which keys have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without `X-Hub-Signature-256`,
    /// [`VerifyError::UnsupportedAlgorithm`] when only the SHA-1 header came
    /// and it was not allowed, [`VerifyError::MalformedHeader`] for a value
    /// that is not `sha256=<64 hex>`, [`VerifyError::SignatureMismatch`] when
    /// no App Secret matches.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let key = if headers::present(headers, SIGNATURE_HEADER) {
            SCHEME.verify::<_, 32>(&self.keys, headers, body, now)?
        } else {
            self.verify_legacy(headers, body, now)?
        };
        Ok(Verified::new(Provider::Meta, key))
    }

    #[cfg(feature = "sha1")]
    fn verify_legacy(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<KeyMatch, VerifyError> {
        match (
            &self.legacy,
            headers::present(headers, LEGACY_SIGNATURE_HEADER),
        ) {
            (Some(legacy), true) => LEGACY.verify::<_, 20>(legacy, headers, body, now),
            (None, true) => Err(VerifyError::UnsupportedAlgorithm {
                name: LEGACY_SIGNATURE_HEADER,
            }),
            (_, false) => Err(VerifyError::MissingHeader {
                name: SIGNATURE_HEADER,
            }),
        }
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

    /// The reply to a verification GET whose query is `query`.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] naming the missing parameter,
    /// [`VerifyError::TokenMismatch`] when the token matches no configured
    /// one, [`VerifyError::InvalidChallenge`] when the mode is not
    /// `subscribe`, the challenge is empty, or a parameter is repeated.
    pub fn answer_verification(
        &self,
        query: &str,
        now: Timestamp,
    ) -> Result<Handshake, VerifyError> {
        let token = param(query, VERIFY_TOKEN_PARAM)?;
        // Digests compared in constant time: neither bytes nor length leak.
        super::token::find(
            &self.verify_tokens,
            token.as_bytes(),
            VERIFY_TOKEN_PARAM,
            now,
        )?;
        if param(query, MODE_PARAM)? != "subscribe" {
            return Err(VerifyError::InvalidChallenge {
                reason: "`hub.mode` is not `subscribe`",
            });
        }
        let challenge = param(query, CHALLENGE_PARAM)?;
        if challenge.is_empty() || challenge.chars().any(char::is_control) {
            return Err(VerifyError::InvalidChallenge {
                reason: "`hub.challenge` is empty or holds control characters",
            });
        }
        Ok(Handshake::text(Provider::Meta, None, challenge))
    }
}

/// The one value of query parameter `name`.
fn param(query: &str, name: &'static str) -> Result<String, VerifyError> {
    let mut values = form_urlencoded::parse(query.as_bytes())
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v);
    let value = values.next().ok_or(VerifyError::MissingHeader { name })?;
    if values.next().is_some() {
        return Err(VerifyError::InvalidChallenge {
            reason: "a `hub.*` parameter appears more than once",
        });
    }
    Ok(value.into_owned())
}

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Meta
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        if request.method().eq_ignore_ascii_case("GET") {
            let query = request.query().unwrap_or_default();
            return self.answer_verification(query, now).map(Outcome::Handshake);
        }
        self.verify(request.headers(), request.body(), now)
            .map(Outcome::Verified)
    }
}

/// Signs `body` as Meta does: the SHA-256 header and, with the `sha1`
/// feature, the legacy SHA-1 one.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    let headers = SignedHeaders::new().with(SIGNATURE_HEADER, SCHEME.sign_sha256(secret, body));
    #[cfg(feature = "sha1")]
    let headers = headers.with(
        LEGACY_SIGNATURE_HEADER,
        LEGACY.header_value(&crate::crypto::hmac_sha1(secret.expose_bytes(), &[body])),
    );
    headers
}

pub(crate) fn from_config(config: &VerifierConfig) -> Result<Verifier, SecretError> {
    // A configuration may hold only verify tokens, to answer the GET.
    let keyring = if config.keys.is_empty() {
        Keyring::new()
    } else {
        config.secrets(Provider::Meta, SecretEncoding::Utf8)?
    };
    let mut tokens = Keyring::new();
    for token in &config.verify_tokens {
        tokens.push(Secret::from_text(token)?, None);
    }
    let verifier = Verifier::new(keyring).with_verify_tokens(tokens);
    if !config.allow_legacy_sha1 {
        return Ok(verifier);
    }
    #[cfg(feature = "sha1")]
    return Ok(verifier.allow_legacy_sha1());
    #[cfg(not(feature = "sha1"))]
    Err(SecretError::FeatureDisabled("sha1"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "meta-local-app-secret";
    const BODY: &[u8] = br#"{"id":"evt_local_1","type":"test","data":{"n":1}}"#;
    // Python: hmac.new(SECRET, BODY, hashlib.sha256 / hashlib.sha1).hexdigest()
    const EXPECTED: &str =
        "sha256=84ea2150dabf5437dba352a4e7ff4692da4c1cc32b2bddae0ceaefba960b623d";
    const EXPECTED_SHA1: &str = "sha1=66107ddf0e9e4992cf68c628127c7e726082018d";
    const TOKEN: &str = "my-chosen-verify-token";

    fn secret() -> Secret {
        Secret::from_text(SECRET).unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(secret()))
            .with_verify_tokens(Keyring::from(Secret::from_text(TOKEN).unwrap()))
    }

    fn get(v: &Verifier, query: &str) -> Result<Outcome, VerifyError> {
        let none: [(&str, &str); 0] = [];
        let url = format!("https://127.0.0.1/meta?{query}");
        let request = Request::new(&none, b"").with_method("GET").with_url(&url);
        v.verify_request(&request, Timestamp::UNIX_EPOCH)
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

    #[test]
    fn escaped_unicode_is_what_is_signed() {
        let sent = br#"{"text":"caf\u00e9"}"#;
        let headers = sign(&secret(), sent);
        let reserialised = "{\"text\":\"caf\u{e9}\"}";
        let error = verifier()
            .verify(&headers, reserialised.as_bytes(), Timestamp::UNIX_EPOCH)
            .unwrap_err();
        assert_eq!(error.code(), "signature_mismatch");
    }

    #[test]
    fn legacy_sha1_needs_opt_in() {
        let legacy_only = [(LEGACY_SIGNATURE_HEADER, EXPECTED_SHA1)];
        assert_eq!(
            verifier()
                .verify(&legacy_only, BODY, Timestamp::UNIX_EPOCH)
                .unwrap_err()
                .code(),
            "unsupported_algorithm"
        );
        #[cfg(feature = "sha1")]
        {
            assert_eq!(
                sign(&secret(), BODY).get(LEGACY_SIGNATURE_HEADER),
                Some(EXPECTED_SHA1)
            );
            let opted_in = verifier().allow_legacy_sha1();
            assert!(
                opted_in
                    .verify(&legacy_only, BODY, Timestamp::UNIX_EPOCH)
                    .is_ok()
            );
            // The SHA-256 header decides when both are present.
            let both = [
                (SIGNATURE_HEADER, format!("sha256={}", "0".repeat(64))),
                (LEGACY_SIGNATURE_HEADER, EXPECTED_SHA1.to_owned()),
            ];
            assert_eq!(
                opted_in
                    .verify(&both, BODY, Timestamp::UNIX_EPOCH)
                    .unwrap_err()
                    .code(),
                "signature_mismatch"
            );
        }
    }

    #[test]
    fn verification_get_echoes_the_challenge() {
        let outcome = get(
            &verifier(),
            "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=my-chosen-verify-token",
        )
        .unwrap();
        let reply = outcome.handshake().unwrap();
        assert_eq!(reply.body(), "1158201444");
        assert_eq!(reply.content_type(), "text/plain");
        assert!(reply.verified().is_none());
    }

    #[test]
    fn verification_get_refusals() {
        let cases = [
            (
                "hub.mode=subscribe&hub.challenge=1&hub.verify_token=other",
                "token_mismatch",
            ),
            (
                "hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=my-chosen-verify-token",
                "invalid_challenge",
            ),
            (
                "hub.mode=subscribe&hub.challenge=&hub.verify_token=my-chosen-verify-token",
                "invalid_challenge",
            ),
            ("hub.mode=subscribe&hub.challenge=1", "missing_header"),
            (
                "hub.mode=subscribe&hub.verify_token=my-chosen-verify-token",
                "missing_header",
            ),
            (
                "hub.mode=subscribe&hub.challenge=1&hub.verify_token=my-chosen-verify-token&hub.challenge=2",
                "invalid_challenge",
            ),
        ];
        for (query, code) in cases {
            assert_eq!(get(&verifier(), query).unwrap_err().code(), code, "{query}");
        }
        // The App Secret is not a verify token.
        let query = "hub.mode=subscribe&hub.challenge=1&hub.verify_token=meta-local-app-secret";
        let no_tokens = Verifier::new(Keyring::from(secret()));
        assert_eq!(get(&no_tokens, query).unwrap_err().code(), "token_mismatch");
    }

    #[test]
    fn registry_keeps_tokens_apart_from_secrets() {
        let config = VerifierConfig::new()
            .with_secret(SECRET)
            .with_verify_token(TOKEN);
        assert!(!format!("{config:?}").contains(TOKEN));
        let v = Provider::Meta.verifier(&config).unwrap();
        assert!(!format!("{v:?}").contains(TOKEN) && !format!("{v:?}").contains(SECRET));
        let headers = sign(&secret(), BODY);
        let post = v.verify_request(&Request::new(&headers, BODY), Timestamp::UNIX_EPOCH);
        assert!(matches!(post, Ok(Outcome::Verified(_))));

        let only_token = VerifierConfig::new().with_verify_token(TOKEN);
        let v = Provider::Meta.verifier(&only_token).unwrap();
        let post = v.verify_request(&Request::new(&headers, BODY), Timestamp::UNIX_EPOCH);
        assert_eq!(post.unwrap_err().code(), "signature_mismatch");
        // Other providers still need a signing key.
        assert!(Provider::Dropbox.verifier(&only_token).is_err());
    }
}
