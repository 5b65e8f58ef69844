//! PayPal (feature `rsa`): offline verification of webhook signatures.
//!
//! - Headers: `PAYPAL-TRANSMISSION-ID`, `PAYPAL-TRANSMISSION-TIME`,
//!   `PAYPAL-TRANSMISSION-SIG` (base64), `PAYPAL-CERT-URL`,
//!   `PAYPAL-AUTH-ALGO` (`SHA256withRSA`; anything else is refused as
//!   [`VerifyError::UnsupportedAlgorithm`]).
//! - Signed content: `{transmission id}|{transmission time}|{webhook id}|{crc}`,
//!   where the webhook id is the one PayPal assigned to the subscription
//!   (configured, not secret) and `crc` is the CRC-32 (IEEE) of the raw
//!   body as an unsigned decimal.
//! - Algorithm: RSA PKCS#1 v1.5 with SHA-256 under the key of the
//!   certificate served at `PAYPAL-CERT-URL`. This crate does no network
//!   I/O: the caller fetches the certificate (from the URL that
//!   [`trusted_cert_url`] returns, over TLS), keeps it, and builds the
//!   keyring with [`parse_certificate`]. Its subject must be a
//!   `.paypal.com` name, as PayPal's SDK requires, and past its not-after
//!   time the key is no longer tried. The chain to PayPal's CA is not
//!   checked here.
//! - Certificate URL: `https`, on `paypal.com` or a subdomain, default
//!   port; any other is [`VerifyError::UntrustedCertUrl`], checked before
//!   the signature.
//! - Tolerance: none. PayPal documents no window and its SDKs check none;
//!   the transmission time is only signed bytes.
//! - Rotation: every certificate and every configured webhook id are tried.
//! - Delivery id: `PAYPAL-TRANSMISSION-ID`, covered by the signature; the
//!   event id is the body's `id` ([`Verified::event_id`]).
//! - The online alternative, PayPal's `verify-webhook-signature` API, needs
//!   an OAuth token and a round trip per delivery and is not offered.
//!
//! # Security
//!
//! The signature covers the CRC-32 of the body, not the body. CRC-32 is a
//! checksum, not a hash: anyone can write another body with the same
//! CRC-32 (a few free characters suffice), and a captured delivery's
//! headers then verify it. [`Verified::covers`] says
//! [`SignedContent::BodyChecksum`]. Treat a verified PayPal delivery as a
//! genuine notification that *something* happened, and before acting on
//! its contents (amounts, states) fetch the event by its id from PayPal's
//! API (`GET /v1/notifications/webhooks-events/{id}`) and act on that.
//!
//! Allocations: one, the parsed certificate URL ([`trusted_cert_url`]
//! also returns it, serialised). The signed string is
//! hashed in streaming updates and the signature decoded on the stack.

use aws_lc_rs::digest::{Context, SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::crypto::{self, KeyMatch};
use crate::error::{Malformed, SecretError, SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::{KeyFormat, Provider, VerifierConfig};
use crate::public_key;
use crate::rsa::RsaPublicKey;
use crate::secret::Keyring;
use crate::time::Timestamp;
use crate::verify::{DeliveryId, Outcome, Request, Verified, Verify};

/// The transmission id, also the delivery id.
pub const TRANSMISSION_ID_HEADER: &str = "PAYPAL-TRANSMISSION-ID";
/// The transmission time (RFC 3339).
pub const TRANSMISSION_TIME_HEADER: &str = "PAYPAL-TRANSMISSION-TIME";
/// The signature (base64).
pub const TRANSMISSION_SIG_HEADER: &str = "PAYPAL-TRANSMISSION-SIG";
/// Where the signing certificate is served.
pub const CERT_URL_HEADER: &str = "PAYPAL-CERT-URL";
/// The signature algorithm.
pub const AUTH_ALGO_HEADER: &str = "PAYPAL-AUTH-ALGO";

/// The one algorithm accepted in `PAYPAL-AUTH-ALGO`.
pub const AUTH_ALGO: &str = "SHA256withRSA";

/// The longest RSA signature accepted, 8192 bits.
const MAX_SIGNATURE: usize = 1024;
/// The decode buffer: base64's length estimate rounds up by a few bytes.
const SIGNATURE_BUFFER: usize = MAX_SIGNATURE + 4;

/// Verifies PayPal webhooks against certificates the caller has fetched.
#[derive(Debug, Clone)]
pub struct Verifier {
    webhook_ids: Vec<String>,
    keys: Keyring<RsaPublicKey>,
}

impl Verifier {
    /// A verifier for the subscription `webhook_id` and the signing keys in
    /// `keyring` (each built with [`parse_certificate`]).
    ///
    /// # Errors
    ///
    /// [`SecretError::Empty`] or [`SecretError::Whitespace`] for an
    /// unusable webhook id.
    pub fn new(
        webhook_id: impl Into<String>,
        keyring: Keyring<RsaPublicKey>,
    ) -> Result<Self, SecretError> {
        let webhook_id = webhook_id.into();
        public_key::check_text(&webhook_id)?;
        Ok(Verifier {
            webhook_ids: vec![webhook_id],
            keys: keyring,
        })
    }

    /// Also accepts deliveries for another webhook id (an endpoint that
    /// several subscriptions share).
    ///
    /// # Errors
    ///
    /// As [`Verifier::new`].
    pub fn with_webhook_id(mut self, webhook_id: impl Into<String>) -> Result<Self, SecretError> {
        let webhook_id = webhook_id.into();
        public_key::check_text(&webhook_id)?;
        self.webhook_ids.push(webhook_id);
        Ok(self)
    }

    /// Verifies a delivery.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] for any of the five headers;
    /// [`VerifyError::UnsupportedAlgorithm`];
    /// [`VerifyError::UntrustedCertUrl`]; [`VerifyError::MalformedHeader`]
    /// for a signature that is not base64 or too long, or a certificate URL
    /// that is not a URL; [`VerifyError::SignatureMismatch`].
    ///
    /// # Security
    ///
    /// The transmission time is not checked against the clock: deduplicate
    /// on the transmission id ([`Verified::delivery_id`]).
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let id = headers::required(headers, TRANSMISSION_ID_HEADER)?;
        let time = headers::required(headers, TRANSMISSION_TIME_HEADER)?;
        let raw_signature = headers::required(headers, TRANSMISSION_SIG_HEADER)?;
        headers::required(headers, CERT_URL_HEADER)?;
        let algo = headers::required(headers, AUTH_ALGO_HEADER)?;
        if algo != AUTH_ALGO.as_bytes() {
            return Err(VerifyError::UnsupportedAlgorithm {
                name: AUTH_ALGO_HEADER,
            });
        }
        check_cert_url(headers)?;

        let mut buffer = [0u8; SIGNATURE_BUFFER];
        let signature = decode_signature(raw_signature, &mut buffer)
            .map_err(|e| VerifyError::malformed(TRANSMISSION_SIG_HEADER, e))?;

        let crc = crc32fast::hash(body);
        let mut crc_text = [0u8; 10];
        let crc_text = decimal(crc, &mut crc_text);

        let mut keys_tried = 0;
        // A key read from a certificate stops at the certificate's not-after time.
        let active = self
            .keys
            .active(now)
            .filter(|(_, key)| key.not_after().is_none_or(|t| now <= t));
        for (index, key) in active {
            keys_tried += 1;
            for webhook_id in &self.webhook_ids {
                let mut context = Context::new(&SHA256);
                for part in [id, b"|", time, b"|", webhook_id.as_bytes(), b"|", crc_text] {
                    context.update(part);
                }
                if key.verify_digest(&context.finish(), signature) {
                    // A PKCS#1 v1.5 signature has no fixed header: its bytes look random.
                    let key = KeyMatch {
                        index,
                        fingerprint: Some(crypto::fingerprint(signature)),
                    };
                    return Ok(Verified::new(Provider::Paypal, key)
                        .covering(SignedContent::BodyChecksum)
                        .with_signed_delivery_id(DeliveryId::from_header(id)));
                }
            }
        }
        Err(VerifyError::SignatureMismatch {
            keys_tried,
            keys_expired: self.keys.len().saturating_sub(keys_tried),
            signatures: 1,
            covers: SignedContent::BodyChecksum,
        })
    }
}

/// `value` in decimal, written into `out`.
fn decimal(mut value: u32, out: &mut [u8; 10]) -> &[u8] {
    let mut start = out.len();
    loop {
        start -= 1;
        // `value % 10` is a single digit.
        out[start] = b'0' + u8::try_from(value % 10).unwrap_or(0);
        value /= 10;
        if value == 0 {
            break;
        }
    }
    &out[start..]
}

fn decode_signature<'b>(
    value: &[u8],
    buffer: &'b mut [u8; SIGNATURE_BUFFER],
) -> Result<&'b [u8], Malformed> {
    if value.is_empty() {
        return Err(Malformed::Empty);
    }
    // 1024 bytes are 1368 base64 characters.
    if value.len() > 1368 {
        return Err(Malformed::WrongLength {
            expected: MAX_SIGNATURE,
            actual: value.len() / 4 * 3,
        });
    }
    let len = STANDARD
        .decode_slice(value, buffer)
        .map_err(|_| Malformed::NotBase64)?;
    if len > MAX_SIGNATURE {
        return Err(Malformed::WrongLength {
            expected: MAX_SIGNATURE,
            actual: len,
        });
    }
    Ok(&buffer[..len])
}

/// The certificate URL of a delivery, once it is known to point at PayPal:
/// `https`, on `paypal.com` or one of its subdomains, on the default port.
/// Fetch the certificate from the URL this returns (and only from it)
/// before verifying.
///
/// The text returned is the URL as parsed and serialised again (scheme and
/// host lower-cased, a default `:443` dropped), not the header's text, so
/// the fetch goes where the check looked.
///
/// # Errors
///
/// [`VerifyError::MissingHeader`], [`VerifyError::MalformedHeader`] for a
/// value that is not UTF-8 or not a URL, [`VerifyError::UntrustedCertUrl`].
///
/// # Security
///
/// URL parsers disagree on some texts: the WHATWG parser this crate uses
/// reads `https://api.paypal.com\@evil.test/` as on `api.paypal.com`, an
/// RFC 3986 parser as on `evil.test`. A value holding a backslash, an `@`,
/// a space, a control or non-ASCII character anywhere, or a `%` in its
/// authority is refused rather than judged by one parser's reading.
pub fn trusted_cert_url(headers: &dyn Headers) -> Result<String, VerifyError> {
    check_cert_url(headers).map(String::from)
}

/// The parsed certificate URL, once it is known to point at PayPal.
fn check_cert_url(headers: &dyn Headers) -> Result<url::Url, VerifyError> {
    let raw = headers::required(headers, CERT_URL_HEADER)?;
    let text = std::str::from_utf8(raw)
        .map_err(|_| VerifyError::malformed(CERT_URL_HEADER, Malformed::NotUtf8))?;
    let untrusted = VerifyError::UntrustedCertUrl {
        name: CERT_URL_HEADER,
    };
    if !unambiguous(text) {
        return Err(untrusted);
    }
    let url = url::Url::parse(text)
        .map_err(|_| VerifyError::malformed(CERT_URL_HEADER, Malformed::MissingPart("host")))?;
    let trusted = url.scheme() == "https"
        && url.port().is_none()
        && url.username().is_empty()
        && url.password().is_none()
        && matches!(url.host(), Some(url::Host::Domain(host))
            if host == "paypal.com" || host.ends_with(".paypal.com"));
    if !trusted {
        return Err(untrusted);
    }
    Ok(url)
}

/// Whether every URL parser reads the same host from `text`: visible
/// ASCII only, no backslash (WHATWG reads it as `/`, RFC 3986 does not), no
/// `@` (userinfo), and no percent-encoding in the authority (a parser that
/// decodes it finds another host).
fn unambiguous(text: &str) -> bool {
    let visible = text
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'\\' && b != b'@');
    let after_scheme = text.split_once("://").map_or(text, |(_, rest)| rest);
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or(after_scheme);
    visible && !authority.contains('%')
}

/// Parses the signing certificate served at `PAYPAL-CERT-URL` (PEM).
///
/// # Errors
///
/// [`SecretError::UntrustedCertificate`] when its subject common name is
/// not a `.paypal.com` name, and the errors of [`RsaPublicKey::from_pem`].
pub fn parse_certificate(pem: &str) -> Result<RsaPublicKey, SecretError> {
    let key = RsaPublicKey::from_pem(pem)?;
    let paypal = key
        .subject_common_name()
        .map(str::to_ascii_lowercase)
        .is_some_and(|cn| cn.ends_with(".paypal.com"));
    if !paypal {
        return Err(SecretError::UntrustedCertificate);
    }
    Ok(key)
}

/// Parses a bare RSA public key (PEM or base64 DER), for a key pinned by
/// other means than the certificate.
///
/// # Errors
///
/// The errors of [`RsaPublicKey::from_pem`] and [`RsaPublicKey::from_base64_der`].
pub fn parse_public_key(text: &str) -> Result<RsaPublicKey, SecretError> {
    if public_key::is_pem(text) {
        match public_key::pem(text)? {
            ("CERTIFICATE", _) => parse_certificate(text),
            _ => RsaPublicKey::from_pem(text),
        }
    } else {
        RsaPublicKey::from_base64_der(text)
    }
}

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Paypal
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

/// Builds a verifier from a configuration: text keys are webhook ids, PEM
/// and base64 DER keys are certificates or public keys.
pub(crate) fn from_config(config: &VerifierConfig) -> Result<Verifier, SecretError> {
    use crate::secret::SecretEncoding;

    let mut webhook_ids = Vec::new();
    let mut keys = Keyring::new();
    for spec in &config.keys {
        let key = match spec.format {
            None if public_key::is_pem(&spec.text) => parse_public_key(&spec.text)?,
            Some(KeyFormat::Pem) => parse_public_key(&spec.text)?,
            Some(KeyFormat::SpkiBase64) => RsaPublicKey::from_base64_der(&spec.text)?,
            None | Some(KeyFormat::Secret(SecretEncoding::Utf8)) => {
                webhook_ids.push(spec.text.to_string());
                continue;
            }
            Some(other) => {
                return Err(SecretError::UnsupportedEncoding {
                    provider: "paypal",
                    encoding: other.id(),
                });
            }
        };
        keys.push(key, spec.not_after);
    }
    let mut ids = webhook_ids.into_iter();
    let first = ids.next().ok_or(SecretError::NoSecrets)?;
    if keys.is_empty() {
        return Err(SecretError::NoSecrets);
    }
    ids.try_fold(Verifier::new(first, keys)?, Verifier::with_webhook_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixture(serde_json::Value);

    impl Fixture {
        fn load() -> Self {
            let f: serde_json::Value =
                serde_json::from_str(include_str!("../../tests/fixtures/asymmetric.json")).unwrap();
            Fixture(f["paypal"].clone())
        }

        fn get(&self, name: &str) -> String {
            self.0[name].as_str().unwrap().to_owned()
        }

        fn headers(&self) -> Vec<(String, String)> {
            vec![
                (TRANSMISSION_ID_HEADER.into(), self.get("transmission_id")),
                (
                    TRANSMISSION_TIME_HEADER.into(),
                    self.get("transmission_time"),
                ),
                (TRANSMISSION_SIG_HEADER.into(), self.get("signature")),
                (
                    CERT_URL_HEADER.into(),
                    "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270"
                        .into(),
                ),
                (AUTH_ALGO_HEADER.into(), AUTH_ALGO.into()),
            ]
        }

        fn verifier(&self) -> Verifier {
            let key = parse_certificate(&self.get("certificate_pem")).unwrap();
            Verifier::new(self.get("webhook_id"), Keyring::from(key)).unwrap()
        }
    }

    fn with(headers: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(n, v)| {
                let v = if n == name { value } else { v.as_str() };
                (n.clone(), v.to_owned())
            })
            .collect()
    }

    const NOW: Timestamp = Timestamp::from_unix_seconds(1_656_590_400);

    #[test]
    fn signatures_up_to_8192_bits_decode() {
        let mut buffer = [0u8; SIGNATURE_BUFFER];
        let longest = STANDARD.encode([7u8; MAX_SIGNATURE]);
        assert_eq!(longest.len(), 1368);
        assert_eq!(
            decode_signature(longest.as_bytes(), &mut buffer).unwrap(),
            &[7u8; MAX_SIGNATURE][..]
        );
        let longer = STANDARD.encode([7u8; MAX_SIGNATURE + 1]);
        assert!(decode_signature(longer.as_bytes(), &mut buffer).is_err());
    }

    #[test]
    fn crc_is_unsigned_decimal() {
        let f = Fixture::load();
        assert_eq!(
            u64::from(crc32fast::hash(f.get("body").as_bytes())),
            f.0["crc32"].as_u64().unwrap()
        );
        let mut out = [0u8; 10];
        assert_eq!(decimal(0, &mut out), b"0");
        assert_eq!(decimal(u32::MAX, &mut out), b"4294967295");
    }

    #[test]
    fn fixture_delivery_verifies() {
        let f = Fixture::load();
        let verified = f
            .verifier()
            .verify(&f.headers(), f.get("body").as_bytes(), NOW)
            .unwrap();
        assert_eq!(verified.provider(), Provider::Paypal);
        assert_eq!(
            verified.delivery_id(),
            Some(f.get("transmission_id").as_str())
        );
        assert!(verified.delivery_id_is_signed());
        assert_eq!(verified.covers(), SignedContent::BodyChecksum);
        assert_eq!(
            verified.event_id(f.get("body").as_bytes()).as_deref(),
            Some("WH-1AB23456CD789012E-3FG45678HI901234J")
        );
    }

    #[test]
    fn every_signed_part_matters() {
        let f = Fixture::load();
        let v = f.verifier();
        let body = f.get("body");
        let h = f.headers();
        for (name, value) in [
            (
                TRANSMISSION_ID_HEADER,
                "b2384410-f8d2-11ec-8b7e-b9e0c3fdc1a3",
            ),
            (TRANSMISSION_TIME_HEADER, "2022-06-30T12:00:01Z"),
        ] {
            let err = v
                .verify(&with(&h, name, value), body.as_bytes(), NOW)
                .unwrap_err();
            assert_eq!(err.code(), "signature_mismatch", "{name}");
        }
        let err = v
            .verify(&h, body.replace("APPROVED", "DENIED").as_bytes(), NOW)
            .unwrap_err();
        assert_eq!(err.code(), "signature_mismatch");
        let other_id = Verifier::new(
            "WRONGWEBHOOKID",
            Keyring::from(parse_certificate(&f.get("certificate_pem")).unwrap()),
        )
        .unwrap();
        assert_eq!(
            other_id
                .verify(&h, body.as_bytes(), NOW)
                .unwrap_err()
                .code(),
            "signature_mismatch"
        );
        // A second webhook id is tried too.
        let both = other_id.with_webhook_id(f.get("webhook_id")).unwrap();
        assert!(both.verify(&h, body.as_bytes(), NOW).is_ok());
    }

    #[test]
    fn cert_url_must_be_paypal_https() {
        let f = Fixture::load();
        let v = f.verifier();
        let body = f.get("body");
        for url in [
            "https://evil.example/cert.pem",
            "http://api.paypal.com/v1/notifications/certs/CERT-1",
            "https://api.paypal.com.evil.example/cert",
            "https://evilpaypal.com/cert",
            "https://api.paypal.com@evil.example/cert",
            "https://api.paypal.com:8443/cert",
            "https://127.0.0.1/cert",
        ] {
            let err = v
                .verify(
                    &with(&f.headers(), CERT_URL_HEADER, url),
                    body.as_bytes(),
                    NOW,
                )
                .unwrap_err();
            assert_eq!(err.code(), "untrusted_cert_url", "{url}");
        }
        for url in [
            "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1",
            "https://API.PayPal.com/v1/notifications/certs/CERT-1",
            "https://paypal.com/cert",
        ] {
            let h = with(&f.headers(), CERT_URL_HEADER, url);
            assert!(v.verify(&h, body.as_bytes(), NOW).is_ok(), "{url}");
        }
        // Texts URL parsers read differently are refused, whatever the host.
        for url in [
            "https://api.paypal.com\\@evil.example/cert",
            "https://evil.example\\.api.paypal.com/cert",
            "https://api.pay\tpal.com/cert",
            "https://api.paypal.com/ce rt",
            "https://api.paypal.com%2eevil.example/cert",
            "https://api.paypal.com/v1/certs/\u{e9}",
        ] {
            let h = with(&f.headers(), CERT_URL_HEADER, url);
            assert_eq!(
                trusted_cert_url(&h).unwrap_err().code(),
                "untrusted_cert_url",
                "{url:?}"
            );
        }
        // What comes back is the parsed URL, serialised.
        let h = with(
            &f.headers(),
            CERT_URL_HEADER,
            "HTTPS://API.PayPal.com:443/v1/notifications/certs/CERT-1?x=%41",
        );
        assert_eq!(
            trusted_cert_url(&h).unwrap(),
            "https://api.paypal.com/v1/notifications/certs/CERT-1?x=%41"
        );
        let h = with(&f.headers(), CERT_URL_HEADER, "not-a-url");
        assert_eq!(
            v.verify(&h, body.as_bytes(), NOW).unwrap_err().code(),
            "malformed_header"
        );
    }

    #[test]
    fn algorithm_and_header_errors() {
        let f = Fixture::load();
        let v = f.verifier();
        let body = f.get("body");
        for algo in ["SHA1withRSA", "sha256withrsa", "none"] {
            let h = with(&f.headers(), AUTH_ALGO_HEADER, algo);
            assert_eq!(
                v.verify(&h, body.as_bytes(), NOW).unwrap_err(),
                VerifyError::UnsupportedAlgorithm {
                    name: AUTH_ALGO_HEADER
                }
            );
        }
        for name in [
            TRANSMISSION_ID_HEADER,
            TRANSMISSION_TIME_HEADER,
            TRANSMISSION_SIG_HEADER,
            CERT_URL_HEADER,
            AUTH_ALGO_HEADER,
        ] {
            let h: Vec<_> = f.headers().into_iter().filter(|(n, _)| n != name).collect();
            assert_eq!(
                v.verify(&h, body.as_bytes(), NOW).unwrap_err(),
                VerifyError::MissingHeader { name }
            );
        }
        for sig in ["not base64!", &"A".repeat(2000)] {
            let h = with(&f.headers(), TRANSMISSION_SIG_HEADER, sig);
            assert_eq!(
                v.verify(&h, body.as_bytes(), NOW).unwrap_err().code(),
                "malformed_header"
            );
        }
    }

    #[test]
    fn certificates_are_checked_when_built() {
        let f = Fixture::load();
        assert_eq!(
            parse_certificate(&f.get("other_cn_certificate_pem")).unwrap_err(),
            SecretError::UntrustedCertificate
        );
        assert_eq!(
            parse_certificate(&f.get("public_key_pem")).unwrap_err(),
            SecretError::UntrustedCertificate
        );
        // A bare public key is read as such; a certificate is checked.
        assert!(parse_public_key(&f.get("public_key_pem")).is_ok());
        assert_eq!(
            parse_public_key(&f.get("other_cn_certificate_pem")).unwrap_err(),
            SecretError::UntrustedCertificate
        );
        // Past the certificate's not-after time, no key is active.
        let after = Timestamp::from_unix_seconds(1_893_456_001);
        let err = f
            .verifier()
            .verify(&f.headers(), f.get("body").as_bytes(), after)
            .unwrap_err();
        assert_eq!(
            err,
            VerifyError::SignatureMismatch {
                keys_tried: 0,
                keys_expired: 1,
                signatures: 1,
                covers: SignedContent::BodyChecksum
            }
        );
    }

    #[test]
    fn registry_takes_webhook_ids_and_certificates() {
        let f = Fixture::load();
        let h = f.headers();
        let body = f.get("body");
        let request = Request::new(&h, body.as_bytes());
        let config = VerifierConfig::new()
            .with_secret(f.get("webhook_id"))
            .with_secret(f.get("certificate_pem"));
        let v = Provider::Paypal.verifier(&config).unwrap();
        assert!(v.verify_request(&request, NOW).is_ok());
        // Expiry from the certificate carries through the registry.
        let after = Timestamp::from_unix_seconds(1_893_456_001);
        assert!(v.verify_request(&request, after).is_err());

        let config = VerifierConfig::new()
            .with_secret(f.get("webhook_id"))
            .with_key(f.get("public_key_pem"), KeyFormat::Pem);
        let v = Provider::Paypal.verifier(&config).unwrap();
        assert!(v.verify_request(&request, NOW).is_ok());

        let only_id = VerifierConfig::new().with_secret(f.get("webhook_id"));
        assert_eq!(
            Provider::Paypal.verifier(&only_id).unwrap_err(),
            SecretError::NoSecrets
        );
        let only_cert = VerifierConfig::new().with_key(f.get("certificate_pem"), KeyFormat::Pem);
        assert_eq!(
            Provider::Paypal.verifier(&only_cert).unwrap_err(),
            SecretError::NoSecrets
        );
        let padded = VerifierConfig::new()
            .with_secret(format!("{}\n", f.get("webhook_id")))
            .with_secret(f.get("certificate_pem"));
        assert_eq!(
            Provider::Paypal.verifier(&padded).unwrap_err(),
            SecretError::Whitespace
        );
    }
}
