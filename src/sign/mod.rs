//! Signing outgoing webhooks.
//!
//! - [`Signer`]: Standard Webhooks (`webhook-id`, `webhook-timestamp`,
//!   `webhook-signature`), or the `svix-*` header set on request; `v1`
//!   HMAC-SHA256 and, with the `ed25519` feature, `v1a` Ed25519; one
//!   signature per active key, so receivers keep verifying during rotation.
//! - [`CustomScheme`]: the common single-header style
//!   (`X-Webhook-Timestamp` and `X-Webhook-Signature: v1=<hex>`), with its
//!   header names, signed-content layout, encoding and prefix configurable;
//!   [`CustomScheme::verifier`] gives the matching verifier, so the
//!   receivers of such a sender can verify with this crate too.
//! - [`SigningSecret`]: `whsec_` + base64 secrets, built from random bytes
//!   the caller supplies (or, with the `getrandom` feature, drawn from the
//!   operating system), and validation of secrets users bring.
//!
//! The message id belongs to the message, not to the attempt: every attempt
//! of one message sends the same id and body, and only the timestamp, and
//! so the signature, changes. The signing calls take a [`MessageId`], so
//! they cannot be made without one.

mod custom;
mod error;
mod message_id;
mod secret;
mod signer;

pub use custom::{CustomScheme, CustomVerifier, SignatureEncoding};
pub use error::SignError;
pub use message_id::MessageId;
pub use secret::SigningSecret;
pub use signer::{HeaderSet, Signer};

/// The shortest signing secret accepted, in bytes (the Standard Webhooks
/// specification's lower bound).
pub const MIN_SECRET_LEN: usize = 24;

/// The longest generated signing secret, in bytes.
pub const MAX_SECRET_LEN: usize = 64;

/// The signing time as the decimal seconds every emitted timestamp uses.
fn signed_seconds(timestamp: crate::Timestamp) -> Result<String, SignError> {
    // Verifiers parse at most 12 digits of seconds, and no sign.
    const MAX: i64 = 999_999_999_999;
    match timestamp.as_unix_seconds() {
        s @ 0..=MAX => Ok(s.to_string()),
        _ => Err(SignError::TimestampOutOfRange),
    }
}
