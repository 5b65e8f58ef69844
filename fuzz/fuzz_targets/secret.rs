//! The secret parser in every `SecretEncoding`, and key parsing through a
//! verifier configuration in every `KeyFormat`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_kit::{KeyFormat, Provider, Secret, SecretEncoding, VerifierConfig};

const ENCODINGS: [SecretEncoding; 5] = [
    SecretEncoding::Utf8,
    SecretEncoding::WhsecBase64,
    SecretEncoding::V1WhsecBase64,
    SecretEncoding::Base64,
    SecretEncoding::Hex,
];

/// Appended to the input before a second parse: a key holding it must not
/// show it in `Debug`, and no error may echo it.
const MARKER: &str = "Zq9XleakQ7mark";

fn shows_marker(text: &str) -> bool {
    text.contains(MARKER)
}

fuzz_target!(|text: &str| {
    let marked = format!("{text}{MARKER}");
    for encoding in ENCODINGS {
        if let Err(e) = Secret::parse(text, encoding) {
            assert!(!e.to_string().is_empty());
        }
        match Secret::parse(&marked, encoding) {
            Ok(secret) => assert!(!shows_marker(&format!("{secret:?}"))),
            Err(e) => {
                assert!(!shows_marker(&e.to_string()));
                assert!(!shows_marker(&format!("{e:?}")));
            }
        }
    }
    for (provider, format) in [
        (Provider::Discord, KeyFormat::Ed25519Hex),
        (Provider::StandardWebhooks, KeyFormat::Ed25519Whpk),
        (
            Provider::StandardWebhooks,
            KeyFormat::Secret(SecretEncoding::WhsecBase64),
        ),
        (
            Provider::SupabaseAuthHook,
            KeyFormat::Secret(SecretEncoding::V1WhsecBase64),
        ),
    ] {
        let _ = provider.verifier(&VerifierConfig::new().with_key(text, format));
        match provider.verifier(&VerifierConfig::new().with_key(marked.as_str(), format)) {
            Ok(v) => assert!(!shows_marker(&format!("{v:?}"))),
            Err(e) => assert!(!shows_marker(&e.to_string())),
        }
    }
});
