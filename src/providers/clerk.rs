//! Clerk: sends its webhooks through Svix, so deliveries carry the `svix-*`
//! headers (the unbranded `webhook-*` names are accepted too) and the
//! signing secret is `whsec_` + base64, as shown in the Clerk dashboard.

use crate::provider::Provider;
use crate::providers::standard_webhooks::Verifier;
use crate::secret::{Keyring, Secret};
use crate::time::Timestamp;
use crate::verify::SignedHeaders;

pub use crate::providers::standard_webhooks::parse_secret;

/// A verifier for Clerk webhooks.
pub fn verifier(keyring: Keyring<Secret>) -> Verifier {
    super::svix::branded(Provider::Clerk, &keyring)
}

/// Signs `body` as Clerk (through Svix) does.
pub fn sign(secret: &Secret, id: &str, timestamp: Timestamp, body: &[u8]) -> SignedHeaders {
    super::svix::sign_branded(secret, id, timestamp, body)
}
