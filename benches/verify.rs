//! Verify cost per provider against a bare, pre-keyed HMAC over exactly the
//! bytes the scheme signs, measured in the same run.
//!
//! Every verify reads an `http::HeaderMap` holding eight ordinary request
//! headers beside the provider's own (with the delivery id headers GitHub
//! and Shopify send), as a server framework hands it over.
//! Run with `cargo bench --bench verify`; `benches/ratios.py` turns divan's
//! table into verify/bare ratios.
#![allow(clippy::unwrap_used, reason = "set-up panics on a broken fixture")]

use divan::{Bencher, black_box};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use webhook_kit::providers::{github, shopify, slack, standard_webhooks, stripe, twilio};
use webhook_kit::{Keyring, Secret, SignedHeaders, Timestamp};

const SIZES: [usize; 3] = [1024, 64 * 1024, 1024 * 1024];
const NOW: i64 = 1_700_000_000;
const TEXT_SECRET: &str = "whsec_bench_secret_0123456789";
const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TWILIO_URL: &str = "https://example.com/twilio/hook";

fn main() {
    divan::main();
}

/// A JSON-like ASCII body of `size` bytes.
fn body(size: usize) -> Vec<u8> {
    (0..size)
        .map(|i| b"abcdefghijklmnopqrstuvwxyz{}:,\""[i % 31])
        .collect()
}

fn now() -> Timestamp {
    Timestamp::from_unix_seconds(NOW)
}

/// The signed headers in a map with the headers every request carries.
fn header_map(signed: &SignedHeaders) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for (name, value) in [
        ("host", "hooks.example.com"),
        ("user-agent", "Provider-Webhooks/1.0"),
        ("content-type", "application/json"),
        ("accept", "*/*"),
        ("accept-encoding", "gzip"),
        ("x-forwarded-for", "203.0.113.7"),
        ("x-forwarded-proto", "https"),
        ("content-length", "1024"),
    ] {
        map.insert(name, value.parse().unwrap());
    }
    for (name, value) in signed.to_header_map().unwrap() {
        map.append(name.unwrap(), value);
    }
    map
}

fn keyed_sha256(key: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(key).unwrap()
}

/// One pre-keyed HMAC-SHA256 over the concatenation of `parts`.
fn bare(keyed: &Hmac<Sha256>, parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = keyed.clone();
    for part in parts {
        mac.update(black_box(part));
    }
    mac.finalize().into_bytes().into()
}

mod stripe_bench {
    use super::*;

    #[divan::bench(args = SIZES)]
    fn bare_hmac(bencher: Bencher, size: usize) {
        let body = body(size);
        let keyed = keyed_sha256(TEXT_SECRET.as_bytes());
        bencher.bench_local(|| bare(&keyed, &[b"1700000000", b".", &body]));
    }

    #[divan::bench(args = SIZES)]
    fn verify(bencher: Bencher, size: usize) {
        let body = body(size);
        let secret = Secret::from_text(TEXT_SECRET).unwrap();
        let headers = header_map(&stripe::sign(&secret, now(), &body));
        let verifier = stripe::Verifier::new(Keyring::from(secret));
        bencher.bench_local(|| verifier.verify(&headers, black_box(&body), now()).unwrap());
    }
}

mod github_bench {
    use super::*;

    #[divan::bench(args = SIZES)]
    fn bare_hmac(bencher: Bencher, size: usize) {
        let body = body(size);
        let keyed = keyed_sha256(TEXT_SECRET.as_bytes());
        bencher.bench_local(|| bare(&keyed, &[&body]));
    }

    #[divan::bench(args = SIZES)]
    fn verify(bencher: Bencher, size: usize) {
        let body = body(size);
        let secret = Secret::from_text(TEXT_SECRET).unwrap();
        // The legacy SHA-1 header GitHub also sends is not read by default.
        let signed = github::sign(&secret, &body).with_header(
            github::DELIVERY_HEADER,
            "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        );
        let headers = header_map(&signed);
        let verifier = github::Verifier::new(Keyring::from(secret));
        bencher.bench_local(|| verifier.verify(&headers, black_box(&body), now()).unwrap());
    }
}

mod slack_bench {
    use super::*;

    #[divan::bench(args = SIZES)]
    fn bare_hmac(bencher: Bencher, size: usize) {
        let body = body(size);
        let keyed = keyed_sha256(TEXT_SECRET.as_bytes());
        bencher.bench_local(|| bare(&keyed, &[b"v0:", b"1700000000", b":", &body]));
    }

    #[divan::bench(args = SIZES)]
    fn verify(bencher: Bencher, size: usize) {
        let body = body(size);
        let secret = Secret::from_text(TEXT_SECRET).unwrap();
        let headers = header_map(&slack::sign(&secret, now(), &body));
        let verifier = slack::Verifier::new(Keyring::from(secret));
        bencher.bench_local(|| verifier.verify(&headers, black_box(&body), now()).unwrap());
    }
}

mod shopify_bench {
    use super::*;

    #[divan::bench(args = SIZES)]
    fn bare_hmac(bencher: Bencher, size: usize) {
        let body = body(size);
        let keyed = keyed_sha256(TEXT_SECRET.as_bytes());
        bencher.bench_local(|| bare(&keyed, &[&body]));
    }

    #[divan::bench(args = SIZES)]
    fn verify(bencher: Bencher, size: usize) {
        let body = body(size);
        let secret = Secret::from_text(TEXT_SECRET).unwrap();
        let signed = shopify::sign(&secret, &body).with_header(
            shopify::WEBHOOK_ID_HEADER,
            "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        );
        let headers = header_map(&signed);
        let verifier = shopify::Verifier::new(Keyring::from(secret));
        bencher.bench_local(|| verifier.verify(&headers, black_box(&body), now()).unwrap());
    }
}

/// Twilio's JSON deliveries: SHA-256 of the body in the URL's `bodySHA256`,
/// and HMAC-SHA1 over the URL.
mod twilio_bench {
    use super::*;

    #[divan::bench(args = SIZES)]
    fn bare_hmac(bencher: Bencher, size: usize) {
        let body = body(size);
        let secret = Secret::from_text(TEXT_SECRET).unwrap();
        let (url, _) = twilio::sign_json(&secret, TWILIO_URL, &body);
        let keyed = Hmac::<sha1::Sha1>::new_from_slice(TEXT_SECRET.as_bytes()).unwrap();
        bencher.bench_local(|| {
            let hash = Sha256::digest(black_box(&body));
            let mut mac = keyed.clone();
            mac.update(black_box(url.as_bytes()));
            (hash, mac.finalize().into_bytes())
        });
    }

    #[divan::bench(args = SIZES)]
    fn verify(bencher: Bencher, size: usize) {
        let body = body(size);
        let secret = Secret::from_text(TEXT_SECRET).unwrap();
        let (url, signed) = twilio::sign_json(&secret, TWILIO_URL, &body);
        let headers = header_map(&signed);
        let verifier = twilio::Verifier::new(Keyring::from(secret));
        bencher.bench_local(|| {
            verifier
                .verify(&headers, &url, black_box(&body), now())
                .unwrap()
        });
    }
}

mod standard_webhooks_bench {
    use super::*;

    #[divan::bench(args = SIZES)]
    fn bare_hmac(bencher: Bencher, size: usize) {
        let body = body(size);
        let secret = standard_webhooks::parse_secret(WHSEC).unwrap();
        let keyed = keyed_sha256(secret.expose_bytes());
        bencher.bench_local(|| bare(&keyed, &[b"msg_bench", b".", b"1700000000", b".", &body]));
    }

    #[divan::bench(args = SIZES)]
    fn verify(bencher: Bencher, size: usize) {
        let body = body(size);
        let secret = standard_webhooks::parse_secret(WHSEC).unwrap();
        let headers = header_map(&standard_webhooks::sign(&secret, "msg_bench", now(), &body));
        let verifier = standard_webhooks::Verifier::new(Keyring::from(secret));
        bencher.bench_local(|| verifier.verify(&headers, black_box(&body), now()).unwrap());
    }
}
