//! webhook-kit beside other implementations, in one run.
//!
//! - Standard Webhooks verify: `svix` and `standardwebhooks` against this
//!   crate on identical deliveries (same secret, id, timestamp, body and
//!   header map; the timestamp is current, since both peers check it
//!   against the system clock, and this crate reads the clock on each call
//!   too).
//! - For the record: Ed25519 (`ed25519-dalek` `verify_strict`, `ring`)
//!   and ECDSA P-256 (`p256`, `ring`) verify beside `aws-lc-rs`, the
//!   backend this crate uses, keys parsed once.
//!
//! Run with `cargo bench` in this directory.
#![allow(clippy::unwrap_used, reason = "set-up panics on a broken fixture")]

use divan::{Bencher, black_box};
use webhook_kit::providers::standard_webhooks;
use webhook_kit::{Clock, Keyring, SystemClock, Timestamp};

const SIZES: [usize; 2] = [1024, 64 * 1024];
const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID: &str = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";

fn main() {
    divan::main();
}

fn body(size: usize) -> Vec<u8> {
    (0..size)
        .map(|i| b"abcdefghijklmnopqrstuvwxyz{}:,\""[i % 31])
        .collect()
}

/// A delivery signed now, in a header map with the usual request headers;
/// the signature header carries two `v1` entries (a rotation), the
/// matching one second.
fn delivery(size: usize) -> (Vec<u8>, http::HeaderMap) {
    let body = body(size);
    let secret = standard_webhooks::parse_secret(WHSEC).unwrap();
    let now = Timestamp::from_unix_seconds(SystemClock.now().as_unix_seconds());
    let signed = standard_webhooks::sign(&secret, ID, now, &body);
    let mut map = http::HeaderMap::new();
    for (name, value) in [
        ("host", "hooks.example.com"),
        ("user-agent", "Svix-Webhooks/1.0"),
        ("content-type", "application/json"),
        ("accept", "*/*"),
        ("accept-encoding", "gzip"),
        ("x-forwarded-for", "203.0.113.7"),
        ("x-forwarded-proto", "https"),
        ("content-length", "1024"),
    ] {
        map.insert(name, http::HeaderValue::from_static(value));
    }
    for (name, value) in signed.to_header_map().unwrap().iter() {
        if name.as_str() == "webhook-signature" {
            let both = format!(
                "v1,bm90IHRoZSByaWdodCBzaWduYXR1cmUgYXQgYWxsIQ== {}",
                value.to_str().unwrap()
            );
            map.insert(name.clone(), both.parse().unwrap());
        } else {
            map.insert(name.clone(), value.clone());
        }
    }
    (body, map)
}

mod standard_webhooks_verify {
    use super::*;

    #[divan::bench(args = SIZES)]
    fn webhook_kit(bencher: Bencher, size: usize) {
        let (body, headers) = delivery(size);
        let secret = standard_webhooks::parse_secret(WHSEC).unwrap();
        let verifier = standard_webhooks::Verifier::new(Keyring::from(secret));
        bencher.bench_local(|| {
            verifier
                .verify(&headers, black_box(&body), SystemClock.now())
                .unwrap()
        });
    }

    #[divan::bench(args = SIZES)]
    fn svix(bencher: Bencher, size: usize) {
        let (body, headers) = delivery(size);
        let webhook = svix::webhooks::Webhook::new(WHSEC).unwrap();
        bencher.bench_local(|| webhook.verify(black_box(&body), &headers).unwrap());
    }

    #[divan::bench(args = SIZES)]
    fn standardwebhooks(bencher: Bencher, size: usize) {
        let (body, headers) = delivery(size);
        let webhook = standardwebhooks::Webhook::new(WHSEC).unwrap();
        bencher.bench_local(|| webhook.verify(black_box(&body), &headers).unwrap());
    }
}

/// A 1 KiB message signed once by aws-lc-rs; each backend verifies it.
mod ed25519_verify {
    use super::*;
    use aws_lc_rs::signature::{KeyPair as _, UnparsedPublicKey};

    fn fixture() -> (Vec<u8>, [u8; 32], [u8; 64]) {
        let message = body(1024);
        let pair = aws_lc_rs::signature::Ed25519KeyPair::from_seed_unchecked(&[7u8; 32]).unwrap();
        let public: [u8; 32] = pair.public_key().as_ref().try_into().unwrap();
        let signature: [u8; 64] = pair.sign(&message).as_ref().try_into().unwrap();
        (message, public, signature)
    }

    #[divan::bench]
    fn aws_lc_rs(bencher: Bencher) {
        let (message, public, signature) = fixture();
        let key = UnparsedPublicKey::new(&aws_lc_rs::signature::ED25519, public);
        bencher.bench_local(|| key.verify(black_box(&message), &signature).unwrap());
    }

    #[divan::bench]
    fn ring(bencher: Bencher) {
        let (message, public, signature) = fixture();
        let key = ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, public);
        bencher.bench_local(|| key.verify(black_box(&message), &signature).unwrap());
    }

    #[divan::bench]
    fn ed25519_dalek_strict(bencher: Bencher) {
        let (message, public, signature) = fixture();
        let key = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
        let signature = ed25519_dalek::Signature::from_bytes(&signature);
        bencher.bench_local(|| key.verify_strict(black_box(&message), &signature).unwrap());
    }
}

/// ECDSA P-256 / SHA-256 with a DER signature (SendGrid's form), 1 KiB.
mod p256_verify {
    use super::*;
    use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair as _, UnparsedPublicKey};

    fn fixture() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let message = body(1024);
        let pair =
            EcdsaKeyPair::generate(&aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let signature = pair.sign(&rng, &message).unwrap().as_ref().to_vec();
        (message, pair.public_key().as_ref().to_vec(), signature)
    }

    #[divan::bench]
    fn aws_lc_rs(bencher: Bencher) {
        let (message, public, signature) = fixture();
        let key = UnparsedPublicKey::new(&aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1, public);
        bencher.bench_local(|| key.verify(black_box(&message), &signature).unwrap());
    }

    #[divan::bench]
    fn ring(bencher: Bencher) {
        let (message, public, signature) = fixture();
        let key = ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_ASN1,
            public,
        );
        bencher.bench_local(|| key.verify(black_box(&message), &signature).unwrap());
    }

    #[divan::bench]
    fn p256(bencher: Bencher) {
        use p256::ecdsa::signature::Verifier as _;
        let (message, public, signature) = fixture();
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&public).unwrap();
        bencher.bench_local(|| {
            let signature = p256::ecdsa::Signature::from_der(&signature).unwrap();
            key.verify(black_box(&message), &signature).unwrap()
        });
    }
}
