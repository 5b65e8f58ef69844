//! HubSpot request signatures, all three versions, keyed with the app's
//! **client secret** as text.
//!
//! - **v3** (preferred whenever present): `X-HubSpot-Signature-v3:
//!   <base64>` and `X-HubSpot-Request-Timestamp` (unix **milliseconds**).
//!   HMAC-SHA256 over method ‖ URI ‖ raw body ‖ timestamp text. Before
//!   hashing, HubSpot's documentation has receivers decode these escapes
//!   in the URI (either hex case): `%3A %2F %3F %40 %21 %24 %27 %28 %29
//!   %2A %2C %3B`; every other escape stays as sent. Tolerance: HubSpot
//!   refuses nothing older than 5 minutes on its side and tells receivers
//!   to; this crate applies 300 s both ways.
//! - **v2**: `X-HubSpot-Signature: <hex>` with `X-HubSpot-Signature-Version:
//!   v2`: plain SHA-256 (not an HMAC) of client secret ‖ method ‖ URI ‖ raw
//!   body, the URI exactly as called.
//! - **v1**: the same headers with `v1`: SHA-256 of client secret ‖ raw body.
//! - v1 and v2 sign no timestamp: a captured request verifies again later.
//! - v1 and v2 are accepted by default, as HubSpot still sends them for
//!   some request kinds; [`Verifier::require_v3`] (or
//!   [`VerifierConfig::require_hubspot_v3`]) refuses them.
//!
//! # Security
//!
//! v1 and v2 are `SHA-256(client secret ‖ content)`, not an HMAC, and
//! SHA-256 can be continued from its output: from one captured v1 or v2
//! request, anyone who guesses the secret's length (HubSpot's are UUIDs)
//! signs the same body followed by SHA-256 padding and any text they
//! choose. A v1/v2 [`Verified`] therefore reports
//! [`SignedContent::Prefix`]: only the start of the body is proven. Use v3
//! wherever HubSpot offers it and call [`Verifier::require_v3`].
//! - The URI is the full URL HubSpot called (scheme, host, path, query in
//!   its original order): the configured notification URL
//!   ([`Verifier::with_notification_url`]) or else the request's URL, which
//!   differs behind a proxy that rewrites it.
//! - Never URL-decode the v3 header: its base64 holds `+`, which a form
//!   decoder turns into a space.
//! - No delivery id header; the body's events carry `eventId`. Rotation:
//!   several client secrets in the keyring are tried in turn.
//!
//! [`Verifier::verify`] allocates nothing, except for v3 when the URL holds
//! one of the escapes to decode (one buffer for the decoded URL).

use std::borrow::Cow;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::{Provider, VerifierConfig};
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::{self, Timestamp, TimestampCheck, Tolerance};
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The v3 signature header.
pub const SIGNATURE_V3_HEADER: &str = "X-HubSpot-Signature-v3";
/// The v3 timestamp header (unix milliseconds).
pub const TIMESTAMP_HEADER: &str = "X-HubSpot-Request-Timestamp";
/// The v1 and v2 signature header.
pub const SIGNATURE_HEADER: &str = "X-HubSpot-Signature";
/// The header naming v1 or v2.
pub const VERSION_HEADER: &str = "X-HubSpot-Signature-Version";

/// HubSpot's window for v3 timestamps.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Which of HubSpot's signatures a request carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Version {
    /// SHA-256 of secret and body.
    V1,
    /// SHA-256 of secret, method, URI and body.
    V2,
    /// HMAC-SHA256 of method, URI, body and timestamp.
    V3,
}

/// Verifies HubSpot webhook, workflow and CRM card requests.
#[derive(Debug, Clone)]
pub struct Verifier {
    /// v1 and v2 hash the secret itself, so the plain keys are kept.
    secrets: Keyring<Secret>,
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
    notification_url: Option<String>,
    v3_only: bool,
}

impl Verifier {
    /// A verifier for the client secrets in `keyring` (text).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            secrets: keyring,
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
            notification_url: None,
            v3_only: false,
        }
    }

    /// Refuses v1 and v2 signatures: a request without a v3 signature
    /// fails with [`VerifyError::NoMatchingScheme`].
    ///
    /// # Security
    ///
    /// v1 and v2 are open to length extension (see the module docs); with
    /// this set only v3's HMAC is accepted.
    pub fn require_v3(mut self) -> Self {
        self.v3_only = true;
        self
    }

    /// Uses `url` as the signed URI instead of the request's URL.
    pub fn with_notification_url(mut self, url: impl Into<String>) -> Self {
        self.notification_url = Some(url.into());
        self
    }

    /// Verifies a request that HubSpot sent with `method` to `uri`.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] when neither signature (or v3's
    /// timestamp, or v1/v2's version) is present,
    /// [`VerifyError::NoMatchingScheme`] for a version other than `v1` and
    /// `v2`, [`VerifyError::MalformedHeader`] for undecodable values,
    /// [`VerifyError::SignatureMismatch`] when no secret matches, and the
    /// timestamp errors for v3. After [`Verifier::require_v3`], a request
    /// without a v3 signature is [`VerifyError::NoMatchingScheme`] when it
    /// carries a v1/v2 one and [`VerifyError::MissingHeader`] otherwise.
    ///
    /// # Security
    ///
    /// A v1 or v2 match proves only a prefix of the body
    /// ([`SignedContent::Prefix`]); see the module docs.
    pub fn verify(
        &self,
        method: &str,
        uri: &str,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        if let Some(signature) = headers::single(headers, SIGNATURE_V3_HEADER)? {
            return self.verify_v3(method, uri, signature, headers, body, now);
        }
        let signature =
            headers::single(headers, SIGNATURE_HEADER)?.ok_or(VerifyError::MissingHeader {
                name: SIGNATURE_V3_HEADER,
            })?;
        if self.v3_only {
            return Err(VerifyError::NoMatchingScheme {
                name: SIGNATURE_HEADER,
                expected: "v3",
            });
        }
        let version = match headers::required(headers, VERSION_HEADER)? {
            b"v1" => Version::V1,
            b"v2" => Version::V2,
            _ => {
                return Err(VerifyError::NoMatchingScheme {
                    name: VERSION_HEADER,
                    expected: "v1 or v2",
                });
            }
        };
        let presented = crypto::decode_tag::<32>(signature, TagEncoding::Hex)
            .map_err(|e| VerifyError::malformed(SIGNATURE_HEADER, e))?;

        let mut keys_tried = 0;
        for (index, secret) in self.secrets.active(now) {
            keys_tried += 1;
            let mut hash = Sha256::new();
            hash.update(secret.expose_bytes());
            if version == Version::V2 {
                hash.update(method.as_bytes());
                hash.update(uri.as_bytes());
            }
            hash.update(body);
            let digest: [u8; 32] = hash.finalize().into();
            if crypto::ct_eq(&digest, &presented) {
                let key = crypto::KeyMatch {
                    index,
                    fingerprint: Some(crypto::fingerprint(&digest)),
                };
                // Length extension: only a prefix of what was hashed is proven.
                return Ok(Verified::new(Provider::Hubspot, key).covering(SignedContent::Prefix));
            }
        }
        Err(VerifyError::SignatureMismatch {
            keys_tried,
            keys_expired: self.secrets.len().saturating_sub(keys_tried),
            signatures: 1,
            covers: covers(version),
        })
    }

    fn verify_v3(
        &self,
        method: &str,
        uri: &str,
        signature: &[u8],
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let raw_ts = headers::required(headers, TIMESTAMP_HEADER)?;
        let signed_at = time::parse_unix_millis(raw_ts)
            .map_err(|e| VerifyError::malformed(TIMESTAMP_HEADER, e))?;
        let uri = decode_uri(uri);
        let candidate =
            || std::iter::once(crypto::decode_tag::<32>(signature, TagEncoding::Base64));
        let target = MatchTarget {
            header: SIGNATURE_V3_HEADER,
            scheme: "v3",
            covers: SignedContent::UrlAndBody,
        };
        let parts: [&[u8]; 4] = [method.as_bytes(), &uri, body, raw_ts];
        let key = self.keys.find(now, &parts, target, candidate)?;
        self.check.apply(signed_at, now)?;
        Ok(Verified::new(Provider::Hubspot, key)
            .signed_at(signed_at)
            .covering(SignedContent::UrlAndBody))
    }
}

timestamp_options!(Verifier);

/// What a v1/v2 mismatch names as hashed, to point at the usual cause.
fn covers(version: Version) -> SignedContent {
    match version {
        Version::V1 => SignedContent::Body,
        Version::V2 | Version::V3 => SignedContent::UrlAndBody,
    }
}

/// The characters whose escapes v3 decodes.
const DECODED: &[u8] = b":/?@!$'()*,;";

/// The URI as v3 signs it: the listed escapes decoded, the rest untouched.
fn decode_uri(uri: &str) -> Cow<'_, [u8]> {
    let bytes = uri.as_bytes();
    if !(0..bytes.len()).any(|i| escape_at(bytes, i).is_some()) {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match escape_at(bytes, i) {
            Some(decoded) => {
                out.push(decoded);
                i += 3;
            }
            None => {
                out.push(byte);
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

/// The character a listed `%XX` escape at `at` stands for.
fn escape_at(bytes: &[u8], at: usize) -> Option<u8> {
    let [b'%', high, low] = *bytes.get(at..at + 3)? else {
        return None;
    };
    let hex = |b: u8| char::from(b).to_digit(16);
    let value = u8::try_from(hex(high)? * 16 + hex(low)?).ok()?;
    DECODED.contains(&value).then_some(value)
}

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Hubspot
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        let headers = request.headers();
        // v1 signs no URL, so a request view without one can still verify.
        let v1_only = !headers::present(headers, SIGNATURE_V3_HEADER)
            && headers::single(headers, VERSION_HEADER)? == Some(b"v1");
        let uri = match (&self.notification_url, v1_only) {
            (Some(url), _) => url.as_str(),
            (None, true) => request.url().unwrap_or_default(),
            (None, false) => request.require_url()?,
        };
        self.verify(request.method(), uri, headers, request.body(), now)
            .map(Outcome::Verified)
    }
}

/// Signs a request as HubSpot's v3 does, at `timestamp`: the v3 signature
/// and timestamp headers. `uri` is signed after the v3 decoding.
pub fn sign_v3(
    secret: &Secret,
    method: &str,
    uri: &str,
    timestamp: Timestamp,
    body: &[u8],
) -> SignedHeaders {
    let ts = timestamp.as_unix_millis().to_string();
    let tag = crypto::hmac_sha256(
        secret.expose_bytes(),
        &[method.as_bytes(), &decode_uri(uri), body, ts.as_bytes()],
    );
    SignedHeaders::new()
        .with(SIGNATURE_V3_HEADER, crypto::base64(&tag))
        .with(TIMESTAMP_HEADER, ts)
}

/// Signs a request as HubSpot's v2 does: the signature and version headers.
pub fn sign_v2(secret: &Secret, method: &str, uri: &str, body: &[u8]) -> SignedHeaders {
    let digest = Sha256::new()
        .chain_update(secret.expose_bytes())
        .chain_update(method.as_bytes())
        .chain_update(uri.as_bytes())
        .chain_update(body)
        .finalize();
    SignedHeaders::new()
        .with(SIGNATURE_HEADER, crypto::hex(&digest))
        .with(VERSION_HEADER, "v2".to_owned())
}

/// Signs a body as HubSpot's v1 does: the signature and version headers.
pub fn sign_v1(secret: &Secret, body: &[u8]) -> SignedHeaders {
    let digest = Sha256::new()
        .chain_update(secret.expose_bytes())
        .chain_update(body)
        .finalize();
    SignedHeaders::new()
        .with(SIGNATURE_HEADER, crypto::hex(&digest))
        .with(VERSION_HEADER, "v1".to_owned())
}

pub(crate) fn from_config(config: &VerifierConfig) -> Result<Verifier, crate::SecretError> {
    let mut verifier = Verifier::new(config.secrets(Provider::Hubspot, SecretEncoding::Utf8)?);
    if config.require_hubspot_v3 {
        verifier = verifier.require_v3();
    }
    Ok(match &config.notification_url {
        Some(url) => verifier.with_notification_url(url.clone()),
        None => verifier,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "hubspot-local-client-secret";
    const BODY: &[u8] = br#"[{"eventId":1,"subscriptionType":"contact.creation"}]"#;
    const URL: &str =
        "https://hooks.example.com/hubspot?portal=62515&next=%2Fdeals%3Fa%3D1&name=caf%C3%A9";
    // Python, with the listed escapes replaced in URL first:
    // base64(hmac.new(SECRET, b"POST" + url + BODY + b"1700000000123", sha256).digest())
    const V3: &str = "RgRIkxjIOAfHewu9O+A3utQgOU5j0PpdkJaWxC1+7bc=";
    // The same over the URL as sent, undecoded.
    const V3_UNDECODED: &str = "xI0sBS5IKp95Ljmt5ubwCySSZqUzQWOQL3XwxNQLHKQ=";
    // Python: sha256(SECRET + BODY) and sha256(SECRET + b"POST" + URL + BODY).
    const V1: &str = "f445f09677a4fe8dfb427b595ec91d64a027e853c0400cde5b991c003528b139";
    const V2: &str = "70431dc7736fa67f1b2fa737d0ce1de45d6ecbfe675707b51665891f816f30cd";

    fn secret() -> Secret {
        Secret::from_text(SECRET).unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(secret()))
    }

    fn ms(millis: i64) -> Timestamp {
        Timestamp::from_unix_millis(millis)
    }

    #[test]
    fn v3_decodes_the_listed_escapes_only() {
        assert_eq!(
            &*decode_uri(URL),
            b"https://hooks.example.com/hubspot?portal=62515&next=/deals?a%3D1&name=caf%C3%A9"
        );
        assert_eq!(&*decode_uri("/a%2fb%2Cc%25"), b"/a/b,c%25");
        assert!(matches!(decode_uri("https://a/b?c=d"), Cow::Borrowed(_)));
        assert_eq!(&*decode_uri("%"), b"%");
        assert_eq!(&*decode_uri("%3"), b"%3");

        let headers = sign_v3(&secret(), "POST", URL, ms(1_700_000_000_123), BODY);
        assert_eq!(headers.get(SIGNATURE_V3_HEADER), Some(V3));
        let verified = verifier()
            .verify("POST", URL, &headers, BODY, ms(1_700_000_010_000))
            .unwrap();
        assert_eq!(verified.timestamp(), Some(ms(1_700_000_000_123)));
        assert_eq!(verified.covers(), SignedContent::UrlAndBody);

        let undecoded = [
            (SIGNATURE_V3_HEADER, V3_UNDECODED),
            (TIMESTAMP_HEADER, "1700000000123"),
        ];
        assert_eq!(
            verifier()
                .verify("POST", URL, &undecoded, BODY, ms(1_700_000_010_000))
                .unwrap_err()
                .code(),
            "signature_mismatch"
        );
    }

    #[test]
    fn v3_window_and_tampering() {
        let headers = sign_v3(&secret(), "POST", URL, ms(1_700_000_000_000), BODY);
        let v = verifier();
        assert!(
            v.verify("POST", URL, &headers, BODY, ms(1_700_000_300_000))
                .is_ok()
        );
        assert_eq!(
            v.verify("POST", URL, &headers, BODY, ms(1_700_000_300_001))
                .unwrap_err()
                .code(),
            "timestamp_too_old"
        );
        assert_eq!(
            v.verify("POST", URL, &headers, BODY, ms(1_699_999_699_999))
                .unwrap_err()
                .code(),
            "timestamp_in_future"
        );
        let now = ms(1_700_000_000_000);
        for changed in bit_flips(BODY) {
            assert!(v.verify("POST", URL, &headers, &changed, now).is_err());
        }
        assert!(v.verify("PUT", URL, &headers, BODY, now).is_err());
        assert!(
            v.verify(
                "POST",
                "https://hooks.example.com/other",
                &headers,
                BODY,
                now
            )
            .is_err()
        );
        let seconds = [
            (
                SIGNATURE_V3_HEADER,
                headers.get(SIGNATURE_V3_HEADER).unwrap(),
            ),
            (TIMESTAMP_HEADER, "17000000.5"),
        ];
        assert_eq!(
            v.verify("POST", URL, &seconds, BODY, now)
                .unwrap_err()
                .code(),
            "malformed_header"
        );
    }

    #[test]
    fn v1_and_v2_match_independent_hashes() {
        let v1 = sign_v1(&secret(), BODY);
        assert_eq!(v1.get(SIGNATURE_HEADER), Some(V1));
        let verified = verifier()
            .verify("POST", "", &v1, BODY, Timestamp::UNIX_EPOCH)
            .unwrap();
        assert_eq!(verified.covers(), SignedContent::Prefix);

        let v2 = sign_v2(&secret(), "POST", URL, BODY);
        assert_eq!(v2.get(SIGNATURE_HEADER), Some(V2));
        let verified = verifier()
            .verify("POST", URL, &v2, BODY, Timestamp::UNIX_EPOCH)
            .unwrap();
        assert_eq!(verified.covers(), SignedContent::Prefix);
        assert_eq!(
            verifier()
                .verify("GET", URL, &v2, BODY, Timestamp::UNIX_EPOCH)
                .unwrap_err()
                .code(),
            "signature_mismatch"
        );
    }

    #[test]
    fn require_v3_refuses_v1_and_v2() {
        let strict = verifier().require_v3();
        let now = ms(1_700_000_000_000);
        for headers in [
            sign_v1(&secret(), BODY),
            sign_v2(&secret(), "POST", URL, BODY),
        ] {
            assert!(verifier().verify("POST", URL, &headers, BODY, now).is_ok());
            assert_eq!(
                strict.verify("POST", URL, &headers, BODY, now).unwrap_err(),
                VerifyError::NoMatchingScheme {
                    name: SIGNATURE_HEADER,
                    expected: "v3"
                }
            );
        }
        let v3 = sign_v3(&secret(), "POST", URL, now, BODY);
        let verified = strict.verify("POST", URL, &v3, BODY, now).unwrap();
        assert_eq!(verified.covers(), SignedContent::UrlAndBody);
        let none: [(&str, &str); 0] = [];
        assert_eq!(
            strict.verify("POST", URL, &none, BODY, now).unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_V3_HEADER
            }
        );
        // The registry carries the switch.
        let config = VerifierConfig::new()
            .with_secret(SECRET)
            .require_hubspot_v3();
        let v1 = sign_v1(&secret(), BODY);
        let request = Request::new(&v1, BODY).with_url(URL);
        assert_eq!(
            Provider::Hubspot
                .verifier(&config)
                .unwrap()
                .verify_request(&request, now)
                .unwrap_err()
                .code(),
            "no_matching_scheme"
        );
    }

    #[test]
    fn v3_is_preferred_and_versions_are_checked() {
        let now = ms(1_700_000_000_000);
        // A good v1 beside a bad v3: the v3 decides.
        let mut both = sign_v1(&secret(), BODY).into_vec();
        both.push((SIGNATURE_V3_HEADER.to_owned(), crypto::base64(&[0; 32])));
        both.push((TIMESTAMP_HEADER.to_owned(), "1700000000000".to_owned()));
        assert_eq!(
            verifier()
                .verify("POST", URL, &both, BODY, now)
                .unwrap_err()
                .code(),
            "signature_mismatch"
        );

        let v3_header = [(SIGNATURE_HEADER, V1), (VERSION_HEADER, "v3")];
        assert_eq!(
            verifier()
                .verify("POST", URL, &v3_header, BODY, now)
                .unwrap_err()
                .code(),
            "no_matching_scheme"
        );
        let unversioned = [(SIGNATURE_HEADER, V1)];
        assert_eq!(
            verifier()
                .verify("POST", URL, &unversioned, BODY, now)
                .unwrap_err(),
            VerifyError::MissingHeader {
                name: VERSION_HEADER
            }
        );
        let none: [(&str, &str); 0] = [];
        assert_eq!(
            verifier()
                .verify("POST", URL, &none, BODY, now)
                .unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_V3_HEADER
            }
        );
    }

    #[test]
    fn request_url_or_configured_url() {
        let now = ms(1_700_000_000_000);
        let headers = sign_v3(&secret(), "POST", URL, now, BODY);
        let without_url = Request::new(&headers, BODY);
        assert_eq!(
            verifier()
                .verify_request(&without_url, now)
                .unwrap_err()
                .code(),
            "missing_request_part"
        );
        let proxied = Request::new(&headers, BODY).with_url("http://10.0.0.5:8080/hubspot");
        assert!(verifier().verify_request(&proxied, now).is_err());
        let configured = verifier().with_notification_url(URL);
        assert!(configured.verify_request(&proxied, now).is_ok());

        // v1 needs no URL at all.
        let v1 = sign_v1(&secret(), BODY);
        assert!(
            verifier()
                .verify_request(&Request::new(&v1, BODY), now)
                .is_ok()
        );
    }

    #[test]
    fn registry_builds_it() {
        let now = ms(1_700_000_000_000);
        let config = VerifierConfig::new()
            .with_secret(SECRET)
            .with_notification_url(URL);
        let v = Provider::Hubspot.verifier(&config).unwrap();
        let headers = sign_v3(&secret(), "POST", URL, now, BODY);
        assert!(v.verify_request(&Request::new(&headers, BODY), now).is_ok());
    }
}
