//! Supabase Auth hooks (HTTP): Standard Webhooks with the unbranded
//! `webhook-*` headers only. The dashboard shows the secret as
//! `v1,whsec_<base64>`; [`parse_secret`] strips that and decodes the rest.
//!
//! Supabase *database* webhooks are not signed; protect them with a header
//! of your own.

use crate::provider::Provider;
use crate::providers::standard_webhooks::{Family, Verifier};
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::Timestamp;
use crate::verify::SignedHeaders;

/// Parses a hook secret as the dashboard shows it (`v1,whsec_...`; both
/// prefixes optional).
///
/// # Errors
///
/// The [`SecretError`](crate::SecretError) of [`Secret::parse`].
pub fn parse_secret(text: &str) -> Result<Secret, crate::SecretError> {
    Secret::parse(text, SecretEncoding::V1WhsecBase64)
}

/// A verifier for Supabase Auth hook requests.
pub fn verifier(keyring: Keyring<Secret>) -> Verifier {
    Verifier::for_provider(Provider::SupabaseAuthHook, Family::Unbranded, &keyring)
}

/// Signs `body` as Supabase Auth does.
pub fn sign(secret: &Secret, id: &str, timestamp: Timestamp, body: &[u8]) -> SignedHeaders {
    super::standard_webhooks::sign(secret, id, timestamp, body)
}
