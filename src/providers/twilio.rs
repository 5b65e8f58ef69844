//! Twilio (feature `sha1`): `X-Twilio-Signature: <base64>`, HMAC-SHA1
//! keyed with the account's Auth Token **as text**.
//!
//! - Form posts: the signed string is the full URL Twilio requested
//!   (scheme, credentials, host, port, path, query), then every POST
//!   parameter as `name` + `value` with no delimiters, sorted by name and
//!   then value (byte order). Values are the decoded form values; a
//!   parameter repeated with the same value counts once.
//! - JSON bodies: Twilio adds `bodySHA256=<hex SHA-256 of the body>` to
//!   the URL's query and signs the URL alone. The verifier checks the
//!   signature, then that the body hashes to that value
//!   ([`VerifyError::BodyHashMismatch`]).
//! - Ports: Twilio is not consistent about signing the port, so the URL is
//!   tried as given, then without its port when it has one, or with the
//!   scheme's default port (443 for https, 80 for http) when it has none.
//! - The URL is signed exactly as given: its percent-encoding is not
//!   changed (Twilio signs `It%27s`, not `It's`). Behind a TLS-terminating
//!   proxy, pass the public URL Twilio called, not the internal one.
//! - SharedKey variant: with `X-Twilio-Webhooks-Signature-Settings:
//!   key=<id>,algorithm=HMAC_SHA256` the same string is signed with
//!   HMAC-SHA256 (32 bytes, base64) under a SharedKey secret. Any other
//!   algorithm is [`VerifyError::UnsupportedAlgorithm`]. The key id is not
//!   used to pick a key: every key of the keyring is tried.
//! - No timestamp, so no tolerance. Rotation: put the primary and
//!   secondary Auth Tokens in the keyring.
//! - The delivery id is `I-Twilio-Idempotency-Token`.
//!
//! # Security
//!
//! With no delimiter between names and values, the signature does not fix
//! where one parameter ends: `Digits=1234From%2B1...` without a `From`
//! signs the same text as `Digits=1234&From=%2B1...`. An attacker cannot
//! change the concatenated text, only regroup it into other parameters, so
//! do not let the presence or absence of a parameter decide anything
//! sensitive on its own. This is Twilio's scheme and cannot be tightened
//! here without refusing genuine requests.
//!
//! Allocations: a form post is parsed, which takes one `Vec` of the
//! parameters and one `String` of their concatenation (both sized up
//! front), plus the decoded copy of each name or value that holds a
//! percent-escape or `+`: one to three allocations each as the decoder
//! grows it. Phone numbers arrive as `%2B1...`, so Twilio's documented
//! example delivery takes 8 in all. A `bodySHA256` request allocates nothing.

use std::borrow::Cow;

use sha2::{Digest as _, Sha256};

use crate::crypto::{self, HmacSha1, HmacSha256, KeyMatch, MacKeys, MatchTarget, TagEncoding};
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::headers::{self, HeaderKey, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::Timestamp;
use crate::verify::{DeliveryId, Outcome, Request, SignedHeaders, Verified, Verify};

mod url;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Twilio-Signature";
/// The header that names a SharedKey and its algorithm.
pub const SIGNATURE_SETTINGS_HEADER: &str = "X-Twilio-Webhooks-Signature-Settings";
/// The delivery id header.
pub const IDEMPOTENCY_HEADER: &str = "I-Twilio-Idempotency-Token";

// The names read on every verify, prepared once.
static SIGNATURE: HeaderKey = HeaderKey::new(SIGNATURE_HEADER, "x-twilio-signature");
static SIGNATURE_SETTINGS: HeaderKey = HeaderKey::new(
    SIGNATURE_SETTINGS_HEADER,
    "x-twilio-webhooks-signature-settings",
);
static IDEMPOTENCY: HeaderKey = HeaderKey::new(IDEMPOTENCY_HEADER, "i-twilio-idempotency-token");
/// The query parameter carrying the body's SHA-256 on JSON deliveries.
pub const BODY_HASH_PARAM: &str = "bodySHA256";

/// The settings header's value for the one SharedKey algorithm.
const SHARED_KEY_ALGORITHM: &[u8] = b"HMAC_SHA256";

/// Verifies Twilio webhooks.
///
/// ```
/// use webhook_kit::providers::twilio;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
/// let body = b"CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234\
///     &From=%2B14158675309&To=%2B18005551212";
/// let headers = [(twilio::SIGNATURE_HEADER, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")];
///
/// let verifier = twilio::Verifier::new(Keyring::from(Secret::from_text("12345")?));
/// verifier.verify(&headers, url, body, Timestamp::UNIX_EPOCH)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    auth_tokens: MacKeys<HmacSha1>,
    shared_keys: MacKeys<HmacSha256>,
}

/// The MAC a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Algorithm {
    /// HMAC-SHA1 under an Auth Token, the default.
    Sha1,
    /// HMAC-SHA256 under a SharedKey.
    Sha256,
}

impl Verifier {
    /// A verifier for the Auth Tokens (or SharedKey secrets) in `keyring`,
    /// each built with [`Secret::from_text`].
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            auth_tokens: MacKeys::new(&keyring),
            shared_keys: MacKeys::new(&keyring),
        }
    }

    /// Verifies a request to `url`, the full URL Twilio called (query
    /// included). Twilio signs no timestamp, so `now` only decides which
    /// keys have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] when the signature header is absent;
    /// [`VerifyError::MissingRequestPart`] when `url` is empty;
    /// [`VerifyError::MalformedHeader`] for a signature of the wrong shape,
    /// a settings header without an algorithm, or a repeated `bodySHA256`;
    /// [`VerifyError::UnsupportedAlgorithm`]; [`VerifyError::SignatureMismatch`];
    /// [`VerifyError::BodyHashMismatch`].
    pub fn verify(
        &self,
        headers: &dyn Headers,
        url: &str,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let value = headers::required(headers, &SIGNATURE)?;
        let algorithm = algorithm(headers)?;
        if url.is_empty() {
            return Err(VerifyError::MissingRequestPart { part: "url" });
        }

        let body_hash = body_hash_param(url)?;
        // A JSON delivery signs the URL alone; `String::new` does not allocate.
        let params = match body_hash {
            Some(_) => String::new(),
            None => signed_params(parse_form(body)),
        };

        let key_index = match algorithm {
            Algorithm::Sha1 => {
                find::<_, 20>(&self.auth_tokens, "hmac-sha1", value, url, &params, now)?
            }
            Algorithm::Sha256 => {
                find::<_, 32>(&self.shared_keys, "hmac-sha256", value, url, &params, now)?
            }
        };

        if let Some(expected) = body_hash {
            check_body_hash(expected, body)?;
        }

        let delivery = headers::single(headers, &IDEMPOTENCY)?.and_then(DeliveryId::from_header);
        let covers = match body_hash {
            Some(_) => SignedContent::UrlAndBody,
            None => SignedContent::UrlAndParams,
        };
        Ok(Verified::new(Provider::Twilio, key_index)
            .with_delivery_id(delivery)
            .covering(covers))
    }
}

/// The algorithm named by the settings header; HMAC-SHA1 without one.
fn algorithm(headers: &dyn Headers) -> Result<Algorithm, VerifyError> {
    let Some(settings) = headers::single(headers, &SIGNATURE_SETTINGS)? else {
        return Ok(Algorithm::Sha1);
    };
    let mut named = None;
    for item in settings.split(|&b| b == b',').map(headers::trim) {
        if let Some(value) = item.strip_prefix(b"algorithm=") {
            if named.is_some() {
                return Err(VerifyError::malformed(
                    SIGNATURE_SETTINGS_HEADER,
                    Malformed::DuplicateParam("algorithm"),
                ));
            }
            named = Some(headers::trim(value));
        }
    }
    match named {
        None => Err(VerifyError::malformed(
            SIGNATURE_SETTINGS_HEADER,
            Malformed::MissingPart("algorithm"),
        )),
        Some(SHARED_KEY_ALGORITHM) => Ok(Algorithm::Sha256),
        Some(_) => Err(VerifyError::UnsupportedAlgorithm {
            name: SIGNATURE_SETTINGS_HEADER,
        }),
    }
}

/// Tries the URL as given, then its other port form, under every key.
fn find<M, const N: usize>(
    keys: &MacKeys<M>,
    scheme: &'static str,
    value: &[u8],
    url: &str,
    params: &str,
    now: Timestamp,
) -> Result<KeyMatch, VerifyError>
where
    M: hmac::Mac + hmac::digest::KeyInit + Clone,
{
    let target = MatchTarget {
        header: SIGNATURE_HEADER,
        scheme,
        covers: SignedContent::UrlAndParams,
    };
    let candidate = || std::iter::once(crypto::decode_tag::<N>(value, TagEncoding::Base64));
    let attempt = |form: url::UrlForm<'_>| {
        let [head, port, tail] = form.parts();
        keys.find(
            now,
            &[head, port, tail, params.as_bytes()],
            target,
            candidate,
        )
    };

    let result = attempt(url::UrlForm::given(url));
    // The other port form is worked out only when the given one failed.
    if matches!(result, Err(VerifyError::SignatureMismatch { .. })) {
        if let (_, Some(form)) = url::forms(url) {
            return attempt(form);
        }
    }
    result
}

/// The raw value of the URL's `bodySHA256` query parameter, if any.
fn body_hash_param(url: &str) -> Result<Option<&str>, VerifyError> {
    let Some((_, after)) = url.split_once('?') else {
        return Ok(None);
    };
    let query = after.split('#').next().unwrap_or(after);
    let mut found = None;
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if name == BODY_HASH_PARAM {
            if found.is_some() {
                return Err(VerifyError::malformed(
                    BODY_HASH_PARAM,
                    Malformed::DuplicateParam(BODY_HASH_PARAM),
                ));
            }
            found = Some(value);
        }
    }
    Ok(found)
}

/// Checks the body against the signed `bodySHA256`. The value was signed
/// by Twilio, so one that is not 64 hex digits can match no body.
fn check_body_hash(expected: &str, body: &[u8]) -> Result<(), VerifyError> {
    let expected = crypto::decode_tag::<32>(expected.as_bytes(), TagEncoding::Hex)
        .map_err(|_| VerifyError::BodyHashMismatch)?;
    let actual: [u8; 32] = Sha256::digest(body).into();
    if crypto::ct_eq(&actual, &expected) {
        Ok(())
    } else {
        Err(VerifyError::BodyHashMismatch)
    }
}

/// A decoded form parameter: name, value.
type Param<'p> = (Cow<'p, str>, Cow<'p, str>);

/// Decodes a form body into its parameters.
fn parse_form(body: &[u8]) -> Vec<Param<'_>> {
    // The parser yields one pair per non-empty `&`-separated segment: sized
    // exactly, the vector never grows.
    let count = body
        .split(|&b| b == b'&')
        .filter(|segment| !segment.is_empty())
        .count();
    let mut pairs = Vec::with_capacity(count);
    pairs.extend(form_urlencoded::parse(body));
    pairs
}

/// `name` + `value` of every parameter, sorted by name then value (byte
/// order), each distinct pair once.
fn signed_params(mut pairs: Vec<Param<'_>>) -> String {
    pairs.sort_unstable();
    pairs.dedup();

    let len = pairs.iter().map(|(n, v)| n.len() + v.len()).sum();
    let mut out = String::with_capacity(len);
    for (name, value) in &pairs {
        out.push_str(name);
        out.push_str(value);
    }
    out
}

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Twilio
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        // A missing signature says "not a Twilio request" before a missing URL does.
        headers::required(request.headers(), SIGNATURE_HEADER)?;
        let url = request.require_url()?;
        self.verify(request.headers(), url, request.body(), now)
            .map(Outcome::Verified)
    }
}

/// The signed string of a form post: `url`, then the sorted parameters.
fn signed_string(url: &str, params: &[(&str, &str)]) -> String {
    let pairs = params
        .iter()
        .map(|(n, v)| (Cow::Borrowed(*n), Cow::Borrowed(*v)))
        .collect();
    let mut out = String::from(url);
    out.push_str(&signed_params(pairs));
    out
}

/// Signs a form post to `url` with decoded `params`, as Twilio does with
/// an Auth Token. For a `GET`, pass the query in `url` and no `params`.
pub fn sign(auth_token: &Secret, url: &str, params: &[(&str, &str)]) -> SignedHeaders {
    let signed = signed_string(url, params);
    let tag = crypto::hmac_sha1(auth_token.expose_bytes(), &[signed.as_bytes()]);
    SignedHeaders::new().with(SIGNATURE_HEADER, crypto::base64(&tag))
}

/// Signs a JSON `body` as Twilio does: returns `url` with `bodySHA256`
/// added to its query (the URL to call), and the headers.
pub fn sign_json(auth_token: &Secret, url: &str, body: &[u8]) -> (String, SignedHeaders) {
    let hash = crypto::hex(&Sha256::digest(body));
    let (base, fragment) = match url.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (url, None),
    };
    let separator = if base.contains('?') { '&' } else { '?' };
    let mut signed_url = format!("{base}{separator}{BODY_HASH_PARAM}={hash}");
    if let Some(fragment) = fragment {
        signed_url.push('#');
        signed_url.push_str(fragment);
    }
    let headers = sign(auth_token, &signed_url, &[]);
    (signed_url, headers)
}

/// Signs a form post with a SharedKey secret (HMAC-SHA256), with the
/// settings header naming `key_id`.
pub fn sign_shared_key(
    key: &Secret,
    key_id: &str,
    url: &str,
    params: &[(&str, &str)],
) -> SignedHeaders {
    let signed = signed_string(url, params);
    let tag = crypto::hmac_sha256(key.expose_bytes(), &[signed.as_bytes()]);
    SignedHeaders::new()
        .with(SIGNATURE_HEADER, crypto::base64(&tag))
        .with(
            SIGNATURE_SETTINGS_HEADER,
            format!("key={key_id},algorithm=HMAC_SHA256"),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "12345";
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const PARAMS: [(&str, &str); 5] = [
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+14158675309"),
        ("Digits", "1234"),
        ("From", "+14158675309"),
        ("To", "+18005551212"),
    ];
    const SIGNATURE: &str = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
    const JSON: &[u8] = br#"{"property": "value", "boolean": true}"#;
    const JSON_HASH: &str = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
    const NOW: Timestamp = Timestamp::UNIX_EPOCH;

    fn token() -> Secret {
        Secret::from_text(TOKEN).unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(token()))
    }

    fn form(params: &[(&str, &str)]) -> Vec<u8> {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish()
            .into_bytes()
    }

    fn signature_of(headers: &SignedHeaders) -> &str {
        headers.get(SIGNATURE_HEADER).unwrap()
    }

    fn check(signature: &str, url: &str, body: &[u8]) -> Result<Verified, VerifyError> {
        verifier().verify(&[(SIGNATURE_HEADER, signature)], url, body, NOW)
    }

    #[test]
    fn published_vectors_exactly() {
        assert_eq!(
            signed_string(URL, &PARAMS),
            "https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDE\
             Caller+14158675309Digits1234From+14158675309To+18005551212"
        );
        assert_eq!(signature_of(&sign(&token(), URL, &PARAMS)), SIGNATURE);
        assert!(check(SIGNATURE, URL, &form(&PARAMS)).is_ok());

        let (url, headers) = sign_json(&token(), URL, JSON);
        assert_eq!(url, format!("{URL}&bodySHA256={JSON_HASH}"));
        assert_eq!(signature_of(&headers), "a9nBmqA0ju/hNViExpshrM61xv4=");
        assert!(check("a9nBmqA0ju/hNViExpshrM61xv4=", &url, JSON).is_ok());
    }

    #[test]
    fn sdk_spec_vectors_exactly() {
        let t = token();
        let cases = [
            (
                "https://mycompany.com:443/myapp.php?foo=1&bar=2",
                "kvajT1Ptam85bY51eRf/AJRuM3w=",
            ),
            (
                "http://mycompany.com:1234/myapp.php?foo=1&bar=2",
                "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=",
            ),
            (
                "http://mycompany.com:80/myapp.php?foo=1&bar=2",
                "0ZXoZLH/DfblKGATFgpif+LLRf4=",
            ),
            (
                "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2",
                "CukzLTc1tT5dXEDIHm/tKBanW10=",
            ),
            (
                "https://mycompany.com/myapp.php?foo=1&bar=2&Body=It%27s+amazing",
                "TfZzewPq8wqrGlMfyAud8+/IvJ0=",
            ),
        ];
        for (url, expected) in cases {
            assert_eq!(signature_of(&sign(&t, url, &PARAMS)), expected, "{url}");
            assert!(check(expected, url, &form(&PARAMS)).is_ok(), "{url}");
        }

        let array = [
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
            ("Digits", "1234"),
        ];
        assert_eq!(
            signature_of(&sign(&t, URL, &array)),
            "IK+Dwps556ElfBT0I3Rgjkr1wJU="
        );

        let (url, headers) = sign_json(&t, "https://mycompany.com/myapp.php", JSON);
        assert_eq!(
            url,
            format!("https://mycompany.com/myapp.php?bodySHA256={JSON_HASH}")
        );
        assert_eq!(signature_of(&headers), "y77kIzt2vzLz71DgmJGsen2scGs=");

        let (url, headers) =
            sign_json(&t, "https://mycompany.com:443/myapp.php?foo=1&bar=2", b"{}");
        assert!(url.ends_with(
            "bodySHA256=44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        ));
        assert_eq!(signature_of(&headers), "Ldidvp12m26NI7eqEvxnEpkd9Hc=");
    }

    #[test]
    fn round_trip_and_single_bit_flips() {
        let body = form(&PARAMS);
        assert!(check(SIGNATURE, URL, &body).is_ok());

        let decoded = signed_params(parse_form(&body));
        for i in 0..body.len() * 8 {
            let mut flipped = body.clone();
            flipped[i / 8] ^= 1 << (i % 8);
            // `%2B` and `%2b` decode alike: only the decoded values are signed.
            let same = signed_params(parse_form(&flipped)) == decoded;
            assert_eq!(
                check(SIGNATURE, URL, &flipped).is_ok(),
                same,
                "body bit {i}"
            );
        }

        for i in 0..URL.len() * 8 {
            let mut flipped = URL.as_bytes().to_vec();
            flipped[i / 8] ^= 1 << (i % 8);
            let Ok(url) = String::from_utf8(flipped) else {
                continue;
            };
            assert!(check(SIGNATURE, &url, &body).is_err(), "url bit {i}: {url}");
        }

        let tag = crypto::decode_tag::<20>(SIGNATURE.as_bytes(), TagEncoding::Base64).unwrap();
        for i in 0..tag.len() * 8 {
            let mut flipped = tag;
            flipped[i / 8] ^= 1 << (i % 8);
            let err = check(&crypto::base64(&flipped), URL, &body).unwrap_err();
            assert_eq!(err.code(), "signature_mismatch", "signature bit {i}");
        }

        for i in 0..TOKEN.len() * 8 {
            let mut key = TOKEN.as_bytes().to_vec();
            key[i / 8] ^= 1 << (i % 8);
            let wrong = Verifier::new(Keyring::from(Secret::from_bytes(key)));
            let result = wrong.verify(&[(SIGNATURE_HEADER, SIGNATURE)], URL, &body, NOW);
            assert!(result.is_err(), "key bit {i}");
        }
    }

    #[test]
    fn port_forms() {
        let body = form(&PARAMS);
        // Signed without a port: verifies given with :443, not with another port.
        assert!(
            check(
                SIGNATURE,
                "https://mycompany.com:443/myapp.php?foo=1&bar=2",
                &body
            )
            .is_ok()
        );
        assert!(
            check(
                SIGNATURE,
                "https://mycompany.com:1234/myapp.php?foo=1&bar=2",
                &body
            )
            .is_ok()
        );
        let signed_with_443 = "kvajT1Ptam85bY51eRf/AJRuM3w=";
        assert!(check(signed_with_443, URL, &body).is_ok());
        let signed_with_1234 = "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=";
        assert!(
            check(
                signed_with_1234,
                "http://mycompany.com:1234/myapp.php?foo=1&bar=2",
                &body
            )
            .is_ok()
        );
        assert!(
            check(
                signed_with_1234,
                "http://mycompany.com/myapp.php?foo=1&bar=2",
                &body
            )
            .is_err()
        );
        assert!(
            check(
                signed_with_1234,
                "http://mycompany.com:4321/myapp.php?foo=1&bar=2",
                &body
            )
            .is_err()
        );
    }

    #[test]
    fn proxy_rewritten_url_fails() {
        let body = form(&PARAMS);
        for url in [
            "http://mycompany.com/myapp.php?foo=1&bar=2",
            "https://10.0.0.7/myapp.php?foo=1&bar=2",
            "https://mycompany.com/myapp.php",
            "https://mycompany.com/myapp.php?bar=2&foo=1",
        ] {
            let err = check(SIGNATURE, url, &body).unwrap_err();
            assert!(
                matches!(
                    err,
                    VerifyError::SignatureMismatch {
                        covers: SignedContent::UrlAndParams,
                        ..
                    }
                ),
                "{url}"
            );
        }
    }

    #[test]
    fn query_encoding_is_not_normalised() {
        let body = form(&PARAMS);
        let signature = "TfZzewPq8wqrGlMfyAud8+/IvJ0=";
        let encoded = "https://mycompany.com/myapp.php?foo=1&bar=2&Body=It%27s+amazing";
        assert!(check(signature, encoded, &body).is_ok());
        let raw_quote = "https://mycompany.com/myapp.php?foo=1&bar=2&Body=It's+amazing";
        assert_eq!(
            check(signature, raw_quote, &body).unwrap_err().code(),
            "signature_mismatch"
        );
    }

    #[test]
    fn decoded_values_are_signed() {
        // Signing the still-encoded `%2B...` is the usual receiver mistake.
        let encoded: Vec<(&str, &str)> = PARAMS
            .iter()
            .map(|&(n, v)| {
                (
                    n,
                    if v.starts_with('+') {
                        "%2B14158675309"
                    } else {
                        v
                    },
                )
            })
            .collect();
        let wrong = sign(&token(), URL, &encoded);
        assert_eq!(
            check(signature_of(&wrong), URL, &form(&PARAMS))
                .unwrap_err()
                .code(),
            "signature_mismatch"
        );
        // `+` and `%20` both decode to a space.
        let body = b"Body=a+b&To=x";
        let sig = sign(&token(), URL, &[("Body", "a b"), ("To", "x")]);
        assert!(check(signature_of(&sig), URL, body).is_ok());
        assert!(check(signature_of(&sig), URL, b"To=x&Body=a%20b").is_ok());
    }

    #[test]
    fn params_sort_by_name_then_value_and_dedupe() {
        assert_eq!(
            signed_string(
                "u",
                &[("b", "2"), ("a", "9"), ("B", "1"), ("b", "1"), ("b", "2")]
            ),
            "uB1a9b1b2"
        );
        let body = b"Digits=1234&Sid=CA123&Digits=5678&SidAccount=AC123&Digits=1234";
        assert!(check("IK+Dwps556ElfBT0I3Rgjkr1wJU=", URL, body).is_ok());
    }

    #[test]
    fn body_hash_variant() {
        let (url, headers) = sign_json(&token(), URL, JSON);
        let sig = signature_of(&headers);
        assert!(check(sig, &url, JSON).is_ok());

        let mut tampered = JSON.to_vec();
        tampered[5] ^= 1;
        assert_eq!(
            check(sig, &url, &tampered).unwrap_err(),
            VerifyError::BodyHashMismatch
        );
        assert_eq!(
            check(sig, &url, b"").unwrap_err(),
            VerifyError::BodyHashMismatch
        );
        // The URL (hash included) is what is signed.
        let other_hash = url.replacen("0a1ff", "0a1fe", 1);
        assert_eq!(
            check(sig, &other_hash, JSON).unwrap_err().code(),
            "signature_mismatch"
        );
        // The body of a JSON delivery is not parsed as form parameters.
        let (url, headers) = sign_json(&token(), URL, b"a=1&b=2");
        assert!(check(signature_of(&headers), &url, b"a=1&b=2").is_ok());

        let upper = format!("{URL}&bodySHA256={}", JSON_HASH.to_uppercase());
        let headers = sign(&token(), &upper, &[]);
        assert!(check(signature_of(&headers), &upper, JSON).is_ok());

        let garbage = format!("{URL}&bodySHA256=nothex");
        let headers = sign(&token(), &garbage, &[]);
        assert_eq!(
            check(signature_of(&headers), &garbage, JSON).unwrap_err(),
            VerifyError::BodyHashMismatch
        );

        let twice = format!("{URL}&bodySHA256={JSON_HASH}&bodySHA256={JSON_HASH}");
        assert_eq!(
            check(sig, &twice, JSON).unwrap_err(),
            VerifyError::malformed(BODY_HASH_PARAM, Malformed::DuplicateParam(BODY_HASH_PARAM))
        );

        let (url, _) = sign_json(&token(), "https://h/p#top", b"{}");
        assert!(url.starts_with("https://h/p?bodySHA256=44136fa3"));
        assert!(url.ends_with("#top"));
    }

    #[test]
    fn shared_key_variant() {
        let key = Secret::from_text("constructed_sharedkey_secret_0001").unwrap();
        let headers = sign_shared_key(&key, "webhooks_sharedkey_0001", URL, &PARAMS);
        assert_eq!(
            signature_of(&headers),
            "azPvR20vE4G1CUa7aAvTK9IudXmMmvFdhikRLOSm6vo="
        );
        assert_eq!(
            headers.get(SIGNATURE_SETTINGS_HEADER),
            Some("key=webhooks_sharedkey_0001,algorithm=HMAC_SHA256")
        );

        let v = Verifier::new(Keyring::from(token()).with_key(key));
        let body = form(&PARAMS);
        assert_eq!(v.verify(&headers, URL, &body, NOW).unwrap().key_index(), 1);

        // Without the settings header, the 32-byte signature is not SHA-1 sized.
        let bare = [(SIGNATURE_HEADER, signature_of(&headers))];
        assert!(matches!(
            v.verify(&bare, URL, &body, NOW),
            Err(VerifyError::MalformedHeader {
                reason: Malformed::WrongLength {
                    expected: 20,
                    actual: 32
                },
                ..
            })
        ));

        let with_settings = |settings: &str| {
            let headers = [
                (SIGNATURE_HEADER, signature_of(&headers)),
                (SIGNATURE_SETTINGS_HEADER, settings),
            ];
            v.verify(&headers, URL, &body, NOW)
        };
        assert!(with_settings(" key=k , algorithm=HMAC_SHA256 ").is_ok());
        for other in [
            "key=k,algorithm=HMAC_SHA512",
            "algorithm=HMAC_SHA1",
            "algorithm=",
        ] {
            assert_eq!(
                with_settings(other).unwrap_err(),
                VerifyError::UnsupportedAlgorithm {
                    name: SIGNATURE_SETTINGS_HEADER
                },
                "{other}"
            );
        }
        assert_eq!(
            with_settings("key=k").unwrap_err(),
            VerifyError::malformed(
                SIGNATURE_SETTINGS_HEADER,
                Malformed::MissingPart("algorithm")
            )
        );
        assert_eq!(
            with_settings("algorithm=HMAC_SHA256,algorithm=HMAC_SHA256").unwrap_err(),
            VerifyError::malformed(
                SIGNATURE_SETTINGS_HEADER,
                Malformed::DuplicateParam("algorithm")
            )
        );
    }

    #[test]
    fn rotation_delivery_id_and_missing_parts() {
        let keyring = Keyring::from(Secret::from_text("old-token").unwrap()).with_key(token());
        let v = Verifier::new(keyring);
        let body = form(&PARAMS);
        let headers = [
            ("x-twilio-signature", SIGNATURE),
            ("I-Twilio-Idempotency-Token", "idem-1"),
        ];
        let verified = v.verify(&headers, URL, &body, NOW).unwrap();
        assert_eq!(verified.key_index(), 1);
        assert_eq!(verified.delivery_id(), Some("idem-1"));
        assert_eq!(verified.provider(), Provider::Twilio);

        let request = Request::new(&headers, &body).with_url(URL);
        assert!(v.verify_request(&request, NOW).is_ok());
        assert_eq!(
            v.verify_request(&Request::new(&headers, &body), NOW)
                .unwrap_err(),
            VerifyError::MissingRequestPart { part: "url" }
        );
        assert_eq!(
            v.verify(&headers, "", &body, NOW).unwrap_err(),
            VerifyError::MissingRequestPart { part: "url" }
        );
        let none: [(&str, &str); 0] = [];
        assert_eq!(
            v.verify_request(&Request::new(&none, &body).with_url(URL), NOW)
                .unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_HEADER
            }
        );
    }

    #[test]
    fn get_requests_sign_the_url_only() {
        let url = "https://mycompany.com/voice?CallSid=CA1&From=%2B1415";
        let headers = sign(&token(), url, &[]);
        assert!(check(signature_of(&headers), url, b"").is_ok());
    }

    #[test]
    fn odd_bodies_do_not_panic() {
        for body in [
            &b"&&&"[..],
            b"=",
            b"%",
            b"%zz=%",
            b"\xff\xfe=\x00",
            b"a=%FF",
        ] {
            assert!(check(SIGNATURE, URL, body).is_err());
        }
        for url in ["x", "?", "?&&=", "https://", "https://?bodySHA256", "://?#"] {
            assert!(check(SIGNATURE, url, b"").is_err(), "{url}");
        }
    }
}
