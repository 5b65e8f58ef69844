#![doc = include_str!("docs/guide.md")]
#![doc = include_str!("docs/providers.md")]
#![doc = include_str!("docs/features.md")]
#![doc = include_str!("docs/limitations.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod conformance;
mod crypto;
pub mod delivery;
#[cfg(feature = "ed25519")]
mod ed25519;
mod error;
pub mod guard;
mod headers;
pub mod idempotency;
#[cfg(feature = "p256")]
mod p256;
mod provider;
#[cfg(any(feature = "p256", feature = "rsa"))]
mod public_key;
#[macro_use]
pub mod providers;
pub mod retry;
#[cfg(feature = "rsa")]
mod rsa;
mod secret;
#[cfg(feature = "sender")]
pub mod send;
pub mod sign;
#[cfg(test)]
mod test_support;
mod time;
mod verify;

#[cfg(feature = "ed25519")]
pub use crate::ed25519::{Ed25519PublicKey, Ed25519SigningKey};
pub use crate::error::{
    Error, Malformed, SecretError, SignedContent, UnknownProvider, VerifyError,
};
pub use crate::headers::{HeaderKey, Headers};
#[cfg(feature = "p256")]
pub use crate::p256::P256PublicKey;
pub use crate::provider::{KeyFormat, Provider, VerifierConfig, verify};
#[cfg(feature = "rsa")]
pub use crate::rsa::RsaPublicKey;
pub use crate::secret::{Keyring, Secret, SecretEncoding};
pub use crate::time::{Clock, FixedClock, SystemClock, Timestamp, Tolerance};
pub use crate::verify::{DeliveryId, Handshake, Outcome, Request, SignedHeaders, Verified, Verify};

/// The README's examples, compiled and run as doctests.
#[cfg(all(doctest, feature = "http"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
