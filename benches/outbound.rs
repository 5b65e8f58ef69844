//! The sending side's per-message costs: Standard Webhooks signing with one
//! and three keys (against bare pre-keyed HMACs over the same bytes), one
//! retry decision, and in-memory idempotency claims on one and two threads.
//! Run with `cargo bench --bench outbound`.
#![allow(clippy::unwrap_used, reason = "set-up panics on a broken fixture")]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use divan::{Bencher, black_box};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use webhook_kit::idempotency::{IdempotencyKey, IdempotencyStore, MemoryStore};
use webhook_kit::retry::{AttemptInput, AttemptOutcome, FailureKind, Preset};
use webhook_kit::sign::{MessageId, Signer, SigningSecret};
use webhook_kit::{Keyring, SystemClock, Timestamp};

fn main() {
    divan::main();
}

const NOW: i64 = 1_700_000_000;

fn body() -> Vec<u8> {
    (0..1024)
        .map(|i| b"abcdefghijklmnopqrstuvwxyz{}:,\""[i % 31])
        .collect()
}

fn secrets(n: u8) -> Vec<SigningSecret> {
    (0..n)
        .map(|i| SigningSecret::from_random_bytes(&[i + 1; 32]).unwrap())
        .collect()
}

/// Polls a future that is ready at once (the in-memory stores' are).
fn ready<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => unreachable!("in-memory futures are ready at once"),
    }
}

mod sign {
    use super::*;

    /// `keys` pre-keyed HMACs over `id.timestamp.body`, each base64-encoded,
    /// which is the cryptographic part of signing.
    #[divan::bench(args = [1, 3])]
    fn bare_hmac(bencher: Bencher, keys: u8) {
        use base64::Engine as _;
        let body = body();
        let keyed: Vec<_> = (0..keys)
            .map(|i| Hmac::<Sha256>::new_from_slice(&[i + 1; 32]).unwrap())
            .collect();
        bencher.bench_local(|| {
            let mut out = [[0u8; 44]; 3];
            for (mac, slot) in keyed.iter().zip(&mut out) {
                let mut mac = mac.clone();
                mac.update(b"msg_bench.1700000000.");
                mac.update(black_box(&body));
                let tag = mac.finalize().into_bytes();
                base64::engine::general_purpose::STANDARD
                    .encode_slice(tag, slot)
                    .unwrap();
            }
            out
        });
    }

    #[divan::bench(args = [1, 3])]
    fn signer(bencher: Bencher, keys: u8) {
        let body = body();
        let signer = Signer::new(secrets(keys).into_iter().collect::<Keyring<_>>());
        let id = MessageId::new("msg_bench").unwrap();
        let now = Timestamp::from_unix_seconds(NOW);
        bencher.bench_local(|| signer.sign(&id, now, black_box(&body)).unwrap());
    }
}

/// What follows a 503 with `Retry-After: 120` on the fourth attempt.
#[divan::bench]
fn retry_decision(bencher: Bencher) {
    let policy = Preset::StandardWebhooks.policy();
    let start = Timestamp::from_unix_seconds(NOW);
    let now = Timestamp::from_unix_seconds(NOW + 600);
    bencher.bench_local(|| {
        let input = AttemptInput::new("dlv_2KWPBgLlAfxdpx2AI54pPJ85f4W", 4, start, now)
            .with_retry_after(b"120");
        let outcome = AttemptOutcome::Throttled {
            failure: FailureKind::Status(503),
        };
        policy.decide(black_box(outcome), &input)
    });
}

/// Claims of fresh keys (a new delivery each time) on a shared store.
#[divan::bench(threads = [1, 2])]
fn idempotency_claim(bencher: Bencher) {
    static STORE: std::sync::OnceLock<MemoryStore<SystemClock>> = std::sync::OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let store = STORE.get_or_init(|| MemoryStore::new(SystemClock, 50_000_000));
    bencher
        .with_inputs(|| {
            let n = NEXT.fetch_add(1, Ordering::Relaxed).to_string();
            IdempotencyKey::from_parts(["stripe", n.as_str()]).unwrap()
        })
        .bench_values(|key| ready(store.claim(&key, Duration::from_secs(30))).unwrap());
}
