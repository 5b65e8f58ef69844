//! The error types: one enum per concern, each with a stable `code()`.
//!
//! Messages are written for the operator who has to fix the problem: which
//! header, what was wrong with it, how far off the clock is and in which
//! direction. No error carries a secret, an expected signature or the body.

use std::fmt;
use std::time::Duration;

/// Why a verifier refused a request.
///
/// The variants name what the receiver can act on. [`VerifyError::code`]
/// gives a stable snake_case code for logs and metrics; the codes are the
/// reason codes of the conformance vector format.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The signed content carries a hash of the body (Twilio's `bodySHA256`)
    /// and the body received does not hash to it.
    BodyHashMismatch,
    /// A handshake request (a challenge or URL validation) is not a valid one.
    InvalidChallenge {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A value the scheme needs is present but cannot be parsed.
    MalformedHeader {
        /// The header that holds it (or the query parameter or body field,
        /// for schemes that sign those).
        name: &'static str,
        /// What is wrong with it.
        reason: Malformed,
    },
    /// A header the scheme needs is absent (or a query parameter or body
    /// field, for schemes that sign those).
    MissingHeader {
        /// The header, parameter or field that is missing.
        name: &'static str,
    },
    /// The scheme signs a part of the request that the request view lacks
    /// (the URL, for Twilio and Square): a call that needs fixing, not a
    /// forged request.
    MissingRequestPart {
        /// The part that is missing, such as `url`.
        part: &'static str,
    },
    /// Signatures are present, but none of the scheme or version this
    /// verifier checks (Stripe's `v0` without a `v1`, say).
    NoMatchingScheme {
        /// The header that holds the signatures.
        name: &'static str,
        /// The scheme or version the verifier looked for.
        expected: &'static str,
    },
    /// Well-formed signatures are present and none matches any key.
    SignatureMismatch {
        /// How many keys of the keyring were tried.
        keys_tried: usize,
        /// How many keys were not tried because their not-after time has passed.
        keys_expired: usize,
        /// How many signatures of the expected scheme the request carried.
        signatures: usize,
        /// What the provider signs, to point at the usual cause.
        covers: SignedContent,
    },
    /// The signed timestamp is further in the future than the window allows.
    TimestampInFuture {
        /// How far ahead of `now` it is.
        ahead: Duration,
        /// The window that applies.
        tolerance: Duration,
    },
    /// The signed timestamp is older than the window allows.
    TimestampTooOld {
        /// How far behind `now` it is.
        age: Duration,
        /// The window that applies.
        tolerance: Duration,
    },
    /// A static token or credential scheme, and the value presented differs
    /// from every configured one.
    TokenMismatch {
        /// The header that carried the token.
        name: &'static str,
        /// How many configured tokens were tried.
        keys_tried: usize,
    },
    /// The request asks for an algorithm this verifier refuses.
    UnsupportedAlgorithm {
        /// The header that names the algorithm.
        name: &'static str,
    },
    /// The signature names a key id that no configured key has (Plaid's
    /// JWT `kid`): the provider has rotated, and the new key must be fetched
    /// and added.
    UnknownKey {
        /// The header that names the key.
        name: &'static str,
    },
    /// The request points at a signing certificate outside the provider's
    /// own hosts (PayPal's `PAYPAL-CERT-URL`).
    UntrustedCertUrl {
        /// The header that holds the URL.
        name: &'static str,
    },
}

impl VerifyError {
    /// A stable snake_case code for this error, one of the reason codes of
    /// the conformance vector format (`signature_mismatch`,
    /// `timestamp_too_old`, ...). [`VerifyError::MissingRequestPart`] has
    /// its own code, `missing_request_part`.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::BodyHashMismatch => "body_hash_mismatch",
            VerifyError::InvalidChallenge { .. } => "invalid_challenge",
            VerifyError::MalformedHeader { .. } => "malformed_header",
            VerifyError::MissingHeader { .. } => "missing_header",
            VerifyError::MissingRequestPart { .. } => "missing_request_part",
            VerifyError::NoMatchingScheme { .. } => "no_matching_scheme",
            VerifyError::SignatureMismatch { .. } => "signature_mismatch",
            VerifyError::TimestampInFuture { .. } => "timestamp_in_future",
            VerifyError::TimestampTooOld { .. } => "timestamp_too_old",
            VerifyError::TokenMismatch { .. } => "token_mismatch",
            VerifyError::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            VerifyError::UnknownKey { .. } => "unknown_key",
            VerifyError::UntrustedCertUrl { .. } => "untrusted_cert_url",
        }
    }

    /// Whether the request was refused because of its timestamp alone.
    pub fn is_timestamp(&self) -> bool {
        matches!(
            self,
            VerifyError::TimestampInFuture { .. } | VerifyError::TimestampTooOld { .. }
        )
    }

    pub(crate) fn malformed(name: &'static str, reason: Malformed) -> Self {
        VerifyError::MalformedHeader { name, reason }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::BodyHashMismatch => f.write_str(
                "the body does not match the hash of it that the signature covers; \
                 pass the raw body bytes exactly as received",
            ),
            VerifyError::InvalidChallenge { reason } => {
                write!(f, "invalid handshake request: {reason}")
            }
            VerifyError::MalformedHeader { name, reason } => {
                write!(f, "`{name}` is malformed: {reason}")
            }
            VerifyError::MissingHeader { name } => {
                write!(f, "`{name}` is missing from the request")
            }
            VerifyError::MissingRequestPart { part } => write!(
                f,
                "this scheme signs the request {part}, and none was given to the verifier"
            ),
            VerifyError::NoMatchingScheme { name, expected } => write!(
                f,
                "header `{name}` carries no signature of scheme `{expected}`"
            ),
            VerifyError::SignatureMismatch {
                keys_tried,
                keys_expired,
                signatures,
                covers,
            } => {
                if *keys_tried == 0 {
                    return match keys_expired {
                        0 => f.write_str("no key is configured to check the signature against"),
                        n => write!(
                            f,
                            "no key is active to check the signature against: {n} key{} expired",
                            plural(*n)
                        ),
                    };
                }
                write!(
                    f,
                    "no signature matched ({signatures} signature{} checked against {keys_tried} key{}",
                    plural(*signatures),
                    plural(*keys_tried),
                )?;
                if *keys_expired > 0 {
                    write!(
                        f,
                        "; {keys_expired} expired key{} not tried",
                        plural(*keys_expired)
                    )?;
                }
                f.write_str("); ")?;
                f.write_str(covers.mismatch_hint())
            }
            VerifyError::TimestampInFuture { ahead, tolerance } => {
                write!(
                    f,
                    "timestamp is {} s in the future, beyond the {} s window; \
                     check the clocks of sender and receiver",
                    ahead.as_secs(),
                    tolerance.as_secs()
                )?;
                units_hint(f, *ahead)
            }
            VerifyError::TimestampTooOld { age, tolerance } => {
                write!(
                    f,
                    "timestamp is {} s old, beyond the {} s window; \
                     a replayed or long-queued delivery, or a slow clock",
                    age.as_secs(),
                    tolerance.as_secs()
                )?;
                units_hint(f, *age)
            }
            VerifyError::TokenMismatch { name, keys_tried } => match keys_tried {
                // An empty value, or every token expired: nothing was compared.
                0 => write!(f, "header `{name}` does not match any configured token"),
                1 => write!(f, "header `{name}` does not match the configured token"),
                n => write!(
                    f,
                    "header `{name}` does not match any of the {n} configured tokens"
                ),
            },
            VerifyError::UnsupportedAlgorithm { name } => {
                write!(
                    f,
                    "header `{name}` names an algorithm this verifier refuses"
                )
            }
            VerifyError::UnknownKey { name } => write!(
                f,
                "header `{name}` names a key id no configured key has; \
                 fetch the provider's current key and add it"
            ),
            VerifyError::UntrustedCertUrl { name } => write!(
                f,
                "header `{name}` points at a certificate outside the provider's own hosts"
            ),
        }
    }
}

impl std::error::Error for VerifyError {}

/// Decades off is not clock drift: `now` was likely built from the wrong unit.
fn units_hint(f: &mut fmt::Formatter<'_>, off: Duration) -> fmt::Result {
    const TWENTY_YEARS: Duration = Duration::from_secs(20 * 365 * 24 * 3600);
    if off > TWENTY_YEARS {
        f.write_str(
            " (decades off: was `now` built from milliseconds as seconds, or the reverse? \
             see `Timestamp::from_unix_seconds` and `Timestamp::from_unix_millis`)",
        )?;
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// What a provider's signature covers, so a mismatch can name the usual cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignedContent {
    /// The raw body, possibly with header parts such as a timestamp or id.
    Body,
    /// The URL the provider called, then the raw body (Square).
    UrlAndBody,
    /// The URL the provider called, then the decoded form parameters (Twilio).
    UrlAndParams,
    /// The query parameters of the request (Shopify OAuth and app proxy).
    Query,
    /// Fields inside the body, not the body as a whole (Mailgun).
    BodyFields,
    /// Only a prefix of the signed content: the scheme hashes the secret
    /// and the content with plain SHA-256 (HubSpot v1 and v2, not an
    /// HMAC), so anyone holding one genuine signature can append to the
    /// body (a length extension) and compute a valid one. The start of the
    /// body is genuine; what follows it may not be.
    Prefix,
    /// A checksum of the body, not the body (PayPal signs its CRC-32):
    /// anyone can make another body with the same checksum, so the body of
    /// a verified request is not proven genuine.
    BodyChecksum,
    /// Nothing but a static token or credential the provider repeats on
    /// every request (Telegram, Cloudflare, Okta, Postmark's basic auth,
    /// Figma's passcode): neither the body nor a time is covered.
    Token,
}

impl SignedContent {
    fn mismatch_hint(self) -> &'static str {
        match self {
            SignedContent::Body => {
                "if the secret is right and decoded as the provider's own form (a \
                 Standard Webhooks, Svix, Clerk or Resend `whsec_` secret is base64, \
                 not text: `standard_webhooks::parse_secret`), the body was most likely \
                 re-serialised or altered before verification: pass the raw body bytes"
            }
            SignedContent::UrlAndBody => {
                "check that the URL is exactly the configured notification URL \
                 and that the body is passed as raw bytes"
            }
            SignedContent::UrlAndParams => {
                "check that the URL is the public one the provider called \
                 (scheme, host, port, query) and that no form parameter was changed"
            }
            SignedContent::Query => {
                "check that the query parameters are passed exactly as received"
            }
            SignedContent::BodyFields => {
                "check the signing key: this provider signs fields of the body, not the body"
            }
            SignedContent::Prefix => {
                "check the client secret and that the body (and for v2 the method \
                 and URL) are passed exactly as received"
            }
            SignedContent::BodyChecksum => {
                "check the configured ids and keys and that the body is passed as raw bytes"
            }
            SignedContent::Token => "check the configured token",
        }
    }
}

/// What is wrong with a malformed value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// The timestamp is empty.
    EmptyTimestamp,
    /// The timestamp holds something other than ASCII digits (a sign, a
    /// space, a fraction, an exponent).
    TimestampNotDigits,
    /// A 13-digit value where unix seconds are due: it looks like milliseconds.
    TimestampLooksLikeMillis,
    /// The timestamp is too large to be a plausible time.
    TimestampOutOfRange,
    /// The timestamp is not an RFC 3339 date-time (`2023-07-19T14:56:51.634234626Z`).
    TimestampNotRfc3339,
    /// The value is not valid hexadecimal.
    NotHex,
    /// The value is not valid standard base64.
    NotBase64,
    /// The value decodes to the wrong number of bytes.
    WrongLength {
        /// The length the scheme produces.
        expected: usize,
        /// The length presented.
        actual: usize,
    },
    /// The value lacks the prefix the scheme puts in front of it.
    MissingPrefix(&'static str),
    /// A required part of a structured value is absent.
    MissingPart(&'static str),
    /// A header that must appear once arrived several times with different values.
    Repeated,
    /// The value is not valid UTF-8 where text is required.
    NotUtf8,
    /// The body is not the JSON or form document the scheme requires.
    BadBody,
    /// A parameter that must appear once appears several times.
    DuplicateParam(&'static str),
    /// The value is empty.
    Empty,
    /// The value holds the character the signed content uses as a separator.
    Separator(char),
    /// A list holds more items than the verifier reads.
    TooManyItems {
        /// The most it reads.
        max: usize,
    },
    /// The value is not the JSON document the scheme puts there (a JWT's
    /// header or claims).
    NotJson,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Malformed::EmptyTimestamp => f.write_str("the timestamp is empty"),
            Malformed::TimestampNotDigits => f.write_str(
                "a unix timestamp must be ASCII digits only (no sign, spaces or fraction)",
            ),
            Malformed::TimestampLooksLikeMillis => f.write_str(
                "the timestamp has 13 digits and looks like milliseconds; seconds are expected",
            ),
            Malformed::TimestampOutOfRange => f.write_str("the timestamp is out of range"),
            Malformed::TimestampNotRfc3339 => f.write_str(
                "the timestamp is not an RFC 3339 date-time such as 2023-07-19T14:56:51.634234626Z",
            ),
            Malformed::NotHex => f.write_str("the signature is not valid hex"),
            Malformed::NotBase64 => f.write_str("the signature is not valid base64"),
            Malformed::WrongLength { expected, actual } => write!(
                f,
                "the signature decodes to {actual} byte{}, the scheme produces {expected}",
                plural(*actual)
            ),
            Malformed::MissingPrefix(prefix) => {
                write!(f, "the value does not start with `{prefix}`")
            }
            Malformed::MissingPart(part) => write!(f, "`{part}` is missing from the value"),
            Malformed::Repeated => {
                f.write_str("the header appears several times with different values")
            }
            Malformed::NotUtf8 => f.write_str("the value is not valid UTF-8"),
            Malformed::BadBody => f.write_str("the body is not the document this scheme expects"),
            Malformed::DuplicateParam(name) => {
                write!(f, "the parameter `{name}` appears more than once")
            }
            Malformed::Empty => f.write_str("the value is empty"),
            Malformed::NotJson => {
                f.write_str("the value is not the JSON document this scheme expects")
            }
            Malformed::Separator(c) => write!(
                f,
                "the value holds `{c}`, which separates the parts of the signed content"
            ),
            Malformed::TooManyItems { max } => {
                write!(f, "the list holds more than {max} items")
            }
        }
    }
}

/// Why a configured secret or key cannot be used.
///
/// Returned when a [`Secret`](crate::Secret) or a public key is built, so a
/// bad configuration fails at start-up rather than as a signature mismatch
/// on every request. The code of every variant is `invalid_secret`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretError {
    /// The secret is empty (after removing its prefix, if it has one).
    Empty,
    /// The secret starts or ends with whitespace, usually a newline from an
    /// env file or a copy and paste.
    Whitespace,
    /// The secret is not valid base64.
    NotBase64,
    /// The secret is not valid hex.
    NotHex,
    /// The encoding requires a prefix the secret lacks.
    MissingPrefix(&'static str),
    /// A signature, or a whole signature header, was pasted in place of a secret.
    LooksLikeSignature,
    /// A long hex string where base64 is due, without the `whsec_` prefix
    /// that would make it base64 for sure: name its encoding explicitly.
    LooksLikeHex,
    /// A Standard Webhooks public key (`whpk_...`, for `v1a` Ed25519
    /// signatures) where a `whsec_` signing secret is due: configure it as a
    /// public key (`KeyFormat::Ed25519Whpk`) instead.
    LooksLikePublicKey,
    /// A signing secret shorter than the minimum.
    TooShort {
        /// The minimum number of key bytes.
        min: usize,
        /// The number of key bytes given.
        actual: usize,
    },
    /// A key that must have a fixed length (an Ed25519 public key) does not.
    WrongKeyLength {
        /// The required length in bytes.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// The key is not a valid key of its algorithm.
    InvalidKey,
    /// The encoding is not one this provider uses.
    UnsupportedEncoding {
        /// The provider id.
        provider: &'static str,
        /// The encoding asked for.
        encoding: &'static str,
    },
    /// The key needs a crate feature that is not enabled.
    FeatureDisabled(&'static str),
    /// A signing certificate that is not the provider's (its subject names
    /// another host).
    UntrustedCertificate,
    /// No secret was configured.
    NoSecrets,
}

impl SecretError {
    /// The stable code: `invalid_secret`.
    pub fn code(&self) -> &'static str {
        "invalid_secret"
    }
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretError::Empty => f.write_str("the secret is empty"),
            SecretError::Whitespace => f.write_str(
                "the secret starts or ends with whitespace (a trailing newline from an env file?)",
            ),
            SecretError::NotBase64 => f.write_str("the secret is not valid base64"),
            SecretError::NotHex => f.write_str("the secret is not valid hex"),
            SecretError::MissingPrefix(prefix) => {
                write!(f, "the secret should start with `{prefix}`")
            }
            SecretError::LooksLikeSignature => {
                f.write_str("this looks like a signature, not a secret")
            }
            SecretError::LooksLikeHex => f.write_str(
                "this looks like a hex key, not a base64 secret: configure its encoding explicitly",
            ),
            SecretError::LooksLikePublicKey => f.write_str(
                "this is a `whpk_` public key, not a `whsec_` secret: configure it as a public key \
                 (`KeyFormat::Ed25519Whpk`, `whpk_base64_ed25519_public_key`)",
            ),
            SecretError::TooShort { min, actual } => write!(
                f,
                "a signing secret needs at least {min} bytes of key, this one has {actual}"
            ),
            SecretError::WrongKeyLength { expected, actual } => {
                write!(f, "the key must be {expected} bytes, this one is {actual}")
            }
            SecretError::InvalidKey => f.write_str("the key is not valid for its algorithm"),
            SecretError::UnsupportedEncoding { provider, encoding } => {
                write!(
                    f,
                    "`{provider}` does not use keys in the `{encoding}` encoding"
                )
            }
            SecretError::FeatureDisabled(feature) => {
                write!(f, "this key needs the `{feature}` feature of webhook-kit")
            }
            SecretError::NoSecrets => f.write_str("no secret is configured"),
            SecretError::UntrustedCertificate => {
                f.write_str("the certificate's subject is not one of the provider's hosts")
            }
        }
    }
}

impl std::error::Error for SecretError {}

/// An error of the config-driven entry point: an unknown provider, an
/// unusable secret, or a refused request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The provider id is not one this crate knows.
    UnknownProvider(UnknownProvider),
    /// A configured secret cannot be used.
    Secret(SecretError),
    /// The request was refused.
    Verify(VerifyError),
}

impl Error {
    /// The stable code: `unknown_provider`, `invalid_secret`, or the code of
    /// the [`VerifyError`].
    pub fn code(&self) -> &'static str {
        match self {
            Error::UnknownProvider(_) => "unknown_provider",
            Error::Secret(e) => e.code(),
            Error::Verify(e) => e.code(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownProvider(e) => e.fmt(f),
            Error::Secret(e) => e.fmt(f),
            Error::Verify(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::UnknownProvider(e) => Some(e),
            Error::Secret(e) => Some(e),
            Error::Verify(e) => Some(e),
        }
    }
}

impl From<SecretError> for Error {
    fn from(e: SecretError) -> Self {
        Error::Secret(e)
    }
}

impl From<VerifyError> for Error {
    fn from(e: VerifyError) -> Self {
        Error::Verify(e)
    }
}

impl From<UnknownProvider> for Error {
    fn from(e: UnknownProvider) -> Self {
        Error::UnknownProvider(e)
    }
}

/// A provider id that is not one this crate knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownProvider {
    pub(crate) id: String,
}

impl UnknownProvider {
    /// The id that was asked for.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Display for UnknownProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown provider `{}` (`webhook-kit providers` lists the known ids)",
            self.id.escape_debug()
        )
    }
}

impl std::error::Error for UnknownProvider {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn far_off_timestamps_hint_at_units() {
        let near = VerifyError::TimestampTooOld {
            age: Duration::from_secs(400),
            tolerance: Duration::from_secs(300),
        };
        assert!(!near.to_string().contains("milliseconds"));
        let far = VerifyError::TimestampInFuture {
            ahead: Duration::from_secs(1_698_300_000),
            tolerance: Duration::from_secs(300),
        };
        assert!(far.to_string().contains("milliseconds"), "{far}");
    }

    #[test]
    fn counts_agree_in_number() {
        let tokens = |keys_tried| {
            VerifyError::TokenMismatch {
                name: "hub.verify_token",
                keys_tried,
            }
            .to_string()
        };
        assert_eq!(
            tokens(1),
            "header `hub.verify_token` does not match the configured token"
        );
        assert_eq!(
            tokens(2),
            "header `hub.verify_token` does not match any of the 2 configured tokens"
        );
        assert_eq!(
            tokens(0),
            "header `hub.verify_token` does not match any configured token"
        );

        let one = Malformed::WrongLength {
            expected: 32,
            actual: 1,
        };
        assert_eq!(
            one.to_string(),
            "the signature decodes to 1 byte, the scheme produces 32"
        );
        let many = Malformed::WrongLength {
            expected: 32,
            actual: 20,
        };
        assert!(many.to_string().contains("decodes to 20 bytes"), "{many}");
    }

    #[test]
    fn a_body_mismatch_points_at_the_secret_encoding_and_the_raw_body() {
        let e = VerifyError::SignatureMismatch {
            keys_tried: 1,
            keys_expired: 0,
            signatures: 1,
            covers: SignedContent::Body,
        };
        let text = e.to_string();
        assert!(text.contains("`whsec_` secret is base64"), "{text}");
        assert!(text.contains("re-serialised"), "{text}");
    }
}
