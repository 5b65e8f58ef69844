//! Verify cost per provider against a bare pre-keyed HMAC over the same
//! bytes, measured in the same run. Run with `cargo bench --bench verify`.
#![allow(clippy::unwrap_used, reason = "set-up panics on a broken fixture")]

use divan::{Bencher, black_box};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use webhook_kit::providers::{github, standard_webhooks, stripe};
use webhook_kit::{Keyring, Secret, Timestamp};

const SIZES: [usize; 3] = [1024, 64 * 1024, 1024 * 1024];
const NOW: i64 = 1_700_000_000;

fn body(size: usize) -> Vec<u8> {
    (0..size)
        .map(|i| b"abcdefghijklmnopqrstuvwxyz{}:,\""[i % 31])
        .collect()
}

fn main() {
    divan::main();
}

/// The baseline: one HMAC-SHA256, keyed once, over `prefix || body`.
#[divan::bench(args = SIZES)]
fn bare_hmac_sha256(bencher: Bencher, size: usize) {
    let body = body(size);
    let keyed = Hmac::<Sha256>::new_from_slice(b"whsec_bench_secret").unwrap();
    bencher.bench_local(|| {
        let mut mac = keyed.clone();
        mac.update(b"1700000000.");
        mac.update(black_box(&body));
        mac.finalize().into_bytes()
    });
}

#[divan::bench(args = SIZES)]
fn stripe_verify(bencher: Bencher, size: usize) {
    let body = body(size);
    let secret = Secret::from_text("whsec_bench_secret").unwrap();
    let now = Timestamp::from_unix_seconds(NOW);
    let headers = stripe::sign(&secret, now, &body);
    let verifier = stripe::Verifier::new(Keyring::from(secret));
    bencher.bench_local(|| verifier.verify(&headers, black_box(&body), now).unwrap());
}

#[divan::bench(args = SIZES)]
fn github_verify(bencher: Bencher, size: usize) {
    let body = body(size);
    let secret = Secret::from_text("bench-secret").unwrap();
    let headers = github::sign(&secret, &body);
    let verifier = github::Verifier::new(Keyring::from(secret));
    let now = Timestamp::from_unix_seconds(NOW);
    bencher.bench_local(|| verifier.verify(&headers, black_box(&body), now).unwrap());
}

#[divan::bench(args = SIZES)]
fn standard_webhooks_verify(bencher: Bencher, size: usize) {
    let body = body(size);
    let secret = standard_webhooks::parse_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let now = Timestamp::from_unix_seconds(NOW);
    let headers = standard_webhooks::sign(&secret, "msg_bench", now, &body);
    let verifier = standard_webhooks::Verifier::new(Keyring::from(secret));
    bencher.bench_local(|| verifier.verify(&headers, black_box(&body), now).unwrap());
}
