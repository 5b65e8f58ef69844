//! Svix: the Standard Webhooks scheme under `svix-id`, `svix-timestamp`
//! and `svix-signature`. Each header falls back to its unbranded
//! `webhook-*` twin when the branded one is absent, as Svix's libraries do.
//! Secrets are `whsec_` + base64.

use crate::provider::Provider;
use crate::providers::standard_webhooks::{Family, Verifier};
use crate::secret::{Keyring, Secret};
use crate::time::Timestamp;
use crate::verify::SignedHeaders;

pub use crate::providers::standard_webhooks::parse_secret;

/// A verifier for Svix deliveries.
pub fn verifier(keyring: Keyring<Secret>) -> Verifier {
    Verifier::for_provider(Provider::Svix, Family::Svix, &keyring)
}

/// Signs `body` as Svix does, with the `svix-*` headers.
pub fn sign(secret: &Secret, id: &str, timestamp: Timestamp, body: &[u8]) -> SignedHeaders {
    sign_branded(secret, id, timestamp, body)
}

pub(crate) fn sign_branded(
    secret: &Secret,
    id: &str,
    timestamp: Timestamp,
    body: &[u8],
) -> SignedHeaders {
    let ts = timestamp.as_unix_seconds();
    SignedHeaders::new()
        .with("svix-id", id.to_owned())
        .with("svix-timestamp", ts.to_string())
        .with(
            "svix-signature",
            super::standard_webhooks::v1_signature(secret, id, ts, body),
        )
}

pub(crate) fn branded(provider: Provider, keyring: &Keyring<Secret>) -> Verifier {
    Verifier::for_provider(provider, Family::Svix, keyring)
}
