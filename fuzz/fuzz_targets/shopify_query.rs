//! Shopify's signed query strings (OAuth redirects and app proxies), and
//! the same query on the request URL of the webhook verifier.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_kit::providers::shopify::{AppProxyVerifier, OAuthVerifier};
use webhook_kit::{Keyring, Secret};
use webhook_kit_fuzz::{FuzzRequest, check_error};

fuzz_target!(|query: &str| {
    let secret = || Keyring::from(Secret::from_text("fuzz-secret-text-0123456789abcdef").unwrap());
    let now = FuzzRequest::fixed_now();
    if let Err(e) = OAuthVerifier::new(secret()).verify(query, now) {
        check_error(&e);
    }
    if let Err(e) = AppProxyVerifier::new(secret()).verify(query, now) {
        check_error(&e);
    }
});
