//! WooCommerce: `X-WC-Webhook-Signature: <base64>`, HMAC-SHA256 over the
//! raw body, keyed with the webhook's secret **after WordPress decodes its
//! HTML entities** (`&amp;` → `&`, `&#039;` → `'`, ...).
//!
//! - WordPress may store the secret entity-encoded (what an export or the
//!   database shows) while signing with the decoded text; this verifier
//!   decodes every configured secret the same way ([`parse_secret`]), so
//!   either form works. The decoding is WordPress's `wp_specialchars_decode`
//!   with quotes: `&amp; &lt; &gt; &quot;`, and the numeric forms of
//!   `& < > " '`, in one pass.
//! - The tag is standard base64, not hex. A shop can swap the algorithm
//!   with the `woocommerce_webhook_hash_algorithm` filter; only SHA-256 is
//!   verified here.
//! - No timestamp is signed. Delivery id: `X-WC-Webhook-Delivery-ID`
//!   (not signed); `X-WC-Webhook-Topic` names the event.
//! - The ping WooCommerce sends when a webhook is created is a form body
//!   `webhook_id=N` without a signature: it is refused as missing the
//!   header, and a 4xx answer to it does not disable the webhook.
//! - Rotation: several secrets in the keyring are tried in turn.
//!
//! [`Verifier::verify`] allocates nothing.

use crate::crypto::{HmacSha256, MacKeys, TagEncoding};
use crate::error::{SecretError, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::{Provider, VerifierConfig};
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::{DeliveryId, Outcome, Request, SignedHeaders, Verified, Verify};

use super::body_hmac::Scheme;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-WC-Webhook-Signature";
/// The delivery id header.
pub const DELIVERY_HEADER: &str = "X-WC-Webhook-Delivery-ID";
/// The topic header (`order.created`, ...).
pub const TOPIC_HEADER: &str = "X-WC-Webhook-Topic";

const SCHEME: Scheme = Scheme {
    header: SIGNATURE_HEADER,
    prefix: "",
    encoding: TagEncoding::Base64,
    name: "base64",
};

body_hmac_verifier! {
    /// Verifies WooCommerce webhooks.
    struct for Provider::Woocommerce, keys HmacSha256, tag 32, scheme SCHEME;
    /// A verifier for the keys in `keyring`, used as they are: build each
    /// with [`parse_secret`] so entity-encoded secrets are decoded.
    fn new;
    /// Verifies a delivery; `now` only decides which keys have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the signature header (the
    /// creation ping has none), [`VerifyError::MalformedHeader`] when it is
    /// not a base64 SHA-256 tag, [`VerifyError::SignatureMismatch`] when no
    /// secret matches.
    fn verify, delivery id in DELIVERY_HEADER;
}

verify_headers_and_body!(Provider::Woocommerce);

/// The key WooCommerce signs with for a secret as typed or as stored.
///
/// # Errors
///
/// As [`Secret::from_text`]: empty, or padded with whitespace.
pub fn parse_secret(text: &str) -> Result<Secret, SecretError> {
    Secret::from_text(text).map(|s| decode_entities(&s))
}

/// Decodes the HTML entities WordPress decodes before signing, in one pass
/// (so `&amp;lt;` becomes `&lt;`, not `<`).
fn decode_entities(secret: &Secret) -> Secret {
    let text = secret.expose_bytes();
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while let Some(&byte) = text.get(i) {
        match entity_at(&text[i..]) {
            Some((decoded, len)) => {
                out.push(decoded);
                i += len;
            }
            None => {
                out.push(byte);
                i += 1;
            }
        }
    }
    Secret::from_bytes(out)
}

/// The character an entity at the start of `text` stands for, and the
/// entity's length.
fn entity_at(text: &[u8]) -> Option<(u8, usize)> {
    if text.first() != Some(&b'&') {
        return None;
    }
    let end = text.iter().position(|&b| b == b';')?;
    let name = &text[1..end];
    let decoded = match name {
        b"amp" => b'&',
        b"lt" => b'<',
        b"gt" => b'>',
        b"quot" => b'"',
        _ => numeric(name)?,
    };
    Some((decoded, end + 1))
}

/// `#39`, `#039`, `#x27`, ... for the five characters WordPress decodes
/// (decimal for all five, hexadecimal for `'`, `"` and `&` only).
fn numeric(name: &[u8]) -> Option<u8> {
    let digits = name.strip_prefix(b"#")?;
    let (digits, radix, allowed): (&[u8], u32, &[u8]) = match digits.first() {
        Some(b'x' | b'X') => (&digits[1..], 16, b"'\"&"),
        _ => (digits, 10, b"'\"&<>"),
    };
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    let text = std::str::from_utf8(digits).ok()?;
    let value = u8::try_from(u32::from_str_radix(text, radix).ok()?).ok()?;
    allowed.contains(&value).then_some(value)
}

/// Signs `body` as WooCommerce does with `secret` (already decoded): the
/// signature header.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    SignedHeaders::new().with(SIGNATURE_HEADER, SCHEME.sign_sha256(secret, body))
}

pub(crate) fn from_config(config: &VerifierConfig) -> Result<Verifier, SecretError> {
    let keyring = config.secrets(Provider::Woocommerce, SecretEncoding::Utf8)?;
    let decoded = keyring.try_map(|s| Ok::<_, SecretError>(decode_entities(s)))?;
    Ok(Verifier::new(decoded))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SECRET: &str = "woo&local'secret";
    const BODY: &[u8] = br#"{"id":"evt_local_1","type":"test","data":{"n":1}}"#;
    // Python: base64.b64encode(hmac.new(SECRET, BODY, hashlib.sha256).digest())
    const EXPECTED: &str = "yL5u0KzlZOaBGKnbsdGmRQO8u/3ffEw08Qg6piH/rhA=";

    fn decoded(text: &str) -> Vec<u8> {
        parse_secret(text).unwrap().expose_bytes().to_vec()
    }

    #[test]
    fn sign_matches_an_independent_hmac_and_verifies() {
        let secret = parse_secret(SECRET).unwrap();
        let headers = sign(&secret, BODY).with_header(DELIVERY_HEADER, "b2f8c2b8d8f1e0a1");
        assert_eq!(headers.get(SIGNATURE_HEADER), Some(EXPECTED));
        let verifier = Verifier::new(Keyring::from(secret));
        let verified = verifier
            .verify(&headers, BODY, Timestamp::UNIX_EPOCH)
            .unwrap();
        assert_eq!(verified.delivery_id(), Some("b2f8c2b8d8f1e0a1"));
        for changed in bit_flips(BODY) {
            assert!(
                verifier
                    .verify(&headers, &changed, Timestamp::UNIX_EPOCH)
                    .is_err()
            );
        }
    }

    #[test]
    fn entities_decode_as_wordpress_does() {
        assert_eq!(decoded("woo&amp;local&#039;secret"), SECRET.as_bytes());
        assert_eq!(decoded("a&#38;b&#0039;c&#x27;d&#X26;e"), b"a&b'c'd&e");
        assert_eq!(
            decoded("&lt;&gt;&quot;&#60;&#062;&#34;&#x22;"),
            b"<>\"<>\"\""
        );
        // One pass, and only the listed entities.
        assert_eq!(decoded("&amp;lt;"), b"&lt;");
        assert_eq!(
            decoded("&nbsp;&#65;&#x3c;&;&#;&#x;&amp"),
            b"&nbsp;&#65;&#x3c;&;&#;&#x;&amp"
        );
        assert_eq!(decoded("plain-secret"), b"plain-secret");
    }

    #[test]
    fn the_registry_decodes_stored_secrets() {
        for stored in [SECRET, "woo&amp;local&#039;secret"] {
            let config = VerifierConfig::new().with_secret(stored);
            let v = Provider::Woocommerce.verifier(&config).unwrap();
            let headers = [(SIGNATURE_HEADER, EXPECTED)];
            let outcome = v.verify_request(&Request::new(&headers, BODY), Timestamp::UNIX_EPOCH);
            assert!(matches!(outcome, Ok(Outcome::Verified(_))), "{stored}");
        }
    }

    #[test]
    fn the_unsigned_ping_is_refused() {
        let verifier = Verifier::new(Keyring::from(parse_secret(SECRET).unwrap()));
        let none: [(&str, &str); 0] = [];
        assert_eq!(
            verifier
                .verify(&none, b"webhook_id=142", Timestamp::UNIX_EPOCH)
                .unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_HEADER
            }
        );
    }
}
