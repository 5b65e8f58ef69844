use std::fmt;

use crate::error::SecretError;

/// Why a message could not be signed, or a signer not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignError {
    /// A message id is empty, too long, or holds a character that cannot
    /// go into a header or that the signed content uses as a separator.
    InvalidMessageId(&'static str),
    /// No key of the signer is active at the signing time.
    NoActiveKey,
    /// The signing time is before 1970 or has more than 12 digits of
    /// seconds, which no verifier accepts.
    TimestampOutOfRange,
    /// More Ed25519 keys are active than a receiver checks (4).
    TooManyKeys,
    /// A signing key is unusable (too short, badly encoded).
    Secret(SecretError),
    /// A custom scheme's configuration is not usable.
    InvalidScheme(&'static str),
    /// The random bytes given for a new secret are not 24 to 64 bytes.
    RandomLength(usize),
    /// The operating system's random source failed.
    Random,
}

impl SignError {
    /// A stable snake_case code for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            SignError::InvalidMessageId(_) => "invalid_message_id",
            SignError::NoActiveKey => "no_active_key",
            SignError::TimestampOutOfRange => "timestamp_out_of_range",
            SignError::TooManyKeys => "too_many_keys",
            SignError::Secret(e) => e.code(),
            SignError::InvalidScheme(_) => "invalid_scheme",
            SignError::RandomLength(_) => "invalid_random_length",
            SignError::Random => "random_unavailable",
        }
    }
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignError::InvalidMessageId(why) => write!(f, "invalid message id: {why}"),
            SignError::NoActiveKey => {
                f.write_str("no signing key is active at the signing time (all expired?)")
            }
            SignError::TimestampOutOfRange => {
                f.write_str("the signing time is before 1970 or beyond 12 digits of seconds")
            }
            SignError::TooManyKeys => {
                f.write_str("more Ed25519 keys are active than a receiver checks (at most 4)")
            }
            SignError::Secret(e) => write!(f, "signing key: {e}"),
            SignError::InvalidScheme(why) => write!(f, "invalid signature scheme: {why}"),
            SignError::RandomLength(n) => write!(
                f,
                "a new secret needs {} to {} random bytes, {n} were given",
                super::MIN_SECRET_LEN,
                super::MAX_SECRET_LEN
            ),
            SignError::Random => f.write_str("the operating system's random source failed"),
        }
    }
}

impl std::error::Error for SignError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SignError::Secret(e) => Some(e),
            _ => None,
        }
    }
}

impl From<SecretError> for SignError {
    fn from(e: SecretError) -> Self {
        SignError::Secret(e)
    }
}
