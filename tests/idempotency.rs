//! The idempotency module from outside: key encoding, the in-memory store
//! against a reference model under random operations, the replay guard on
//! real verified deliveries, and what an entry of the in-memory store costs.
#![allow(
    unsafe_code,
    reason = "a byte-counting global allocator needs `unsafe impl GlobalAlloc`"
)]
#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail the test on an unexpected error"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use proptest::prelude::*;
use webhook_kit::idempotency::{
    Claim, FencingToken, Freshness, FreshnessStore, IdempotencyError, IdempotencyKey,
    IdempotencyStore, KeySource, MemoryFreshnessStore, MemoryStore, ReplayGuard, Version,
};
use webhook_kit::providers::{gitlab, square, standard_webhooks, stripe};
use webhook_kit::{Clock, Keyring, Secret, Timestamp};

// ---- a byte-counting allocator, per thread ----

struct Counting;

thread_local! {
    static LIVE_BYTES: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    // `try_with`: the thread-local may already be gone while a thread exits.
    let _ = LIVE_BYTES.try_with(|n| n.set(n.get() + delta));
}

fn signed(size: usize) -> isize {
    isize::try_from(size).unwrap_or(isize::MAX)
}

// SAFETY: every method forwards to `System` unchanged; counting touches only
// a const-initialised thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(signed(layout.size()));
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(signed(layout.size()));
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(signed(new_size) - signed(layout.size()));
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-signed(layout.size()));
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

// ---- helpers ----

#[derive(Clone, Debug)]
struct TestClock(Arc<AtomicI64>);

impl TestClock {
    fn new(millis: i64) -> Self {
        TestClock(Arc::new(AtomicI64::new(millis)))
    }

    fn advance(&self, millis: i64) {
        self.0.fetch_add(millis, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_millis(self.0.load(Ordering::SeqCst))
    }
}

fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

fn key(id: &str) -> IdempotencyKey {
    IdempotencyKey::from_parts(["t", id]).unwrap()
}

// ---- key encoding ----

proptest! {
    #[test]
    fn key_encoding_is_injective_and_reversible(
        a in prop::collection::vec(".{0,12}", 1..5),
        b in prop::collection::vec("[a:0-9]{0,6}", 1..5),
    ) {
        let ka = IdempotencyKey::from_parts(a.iter().map(String::as_str)).unwrap();
        let kb = IdempotencyKey::from_parts(b.iter().map(String::as_str)).unwrap();
        prop_assert_eq!(ka.parts().collect::<Vec<_>>(), a.iter().map(String::as_str).collect::<Vec<_>>());
        prop_assert_eq!(kb.parts().collect::<Vec<_>>(), b.iter().map(String::as_str).collect::<Vec<_>>());
        prop_assert_eq!(ka == kb, a == b);
    }

    #[test]
    fn joined_parts_never_collide(left in "[a:1]{0,8}", right in "[a:1]{0,8}", cut in 0usize..8) {
        // Moving the boundary between two parts always changes the key.
        let joined = format!("{left}{right}");
        let cut = cut.min(joined.len());
        let (l2, r2) = joined.split_at(cut);
        let k1 = IdempotencyKey::from_parts([left.as_str(), right.as_str()]).unwrap();
        let k2 = IdempotencyKey::from_parts([l2, r2]).unwrap();
        prop_assert_eq!(k1 == k2, left == l2);
    }
}

// ---- the in-memory store against a model ----

#[derive(Clone, Debug)]
enum Op {
    Claim { key: usize, lease: i64 },
    Complete { key: usize, stale: bool, ttl: i64 },
    Release { key: usize, stale: bool },
    Advance(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..4usize, 1..30i64).prop_map(|(key, lease)| Op::Claim { key, lease }),
        (0..4usize, any::<bool>(), 1..60i64).prop_map(|(key, stale, ttl)| Op::Complete {
            key,
            stale,
            ttl
        }),
        (0..4usize, any::<bool>()).prop_map(|(key, stale)| Op::Release { key, stale }),
        (0..40i64).prop_map(Op::Advance),
    ]
}

#[derive(Clone, Debug, PartialEq)]
enum ModelState {
    Leased(FencingToken),
    Done(Vec<u8>),
}

/// What the store should do, with unbounded memory and exact expiry.
#[derive(Default)]
struct Model {
    now: i64,
    entries: BTreeMap<usize, (ModelState, i64)>,
    tokens: BTreeMap<usize, Vec<FencingToken>>,
}

impl Model {
    fn live(&self, key: usize) -> Option<&ModelState> {
        self.entries
            .get(&key)
            .filter(|(_, expires)| *expires > self.now)
            .map(|(state, _)| state)
    }

    fn live_count(&self) -> usize {
        (0..4).filter(|k| self.live(*k).is_some()).count()
    }

    fn holds(&self, key: usize, token: FencingToken) -> bool {
        self.live(key) == Some(&ModelState::Leased(token))
    }

    /// The current token of `key`, or a stale one it was given before.
    fn token(&self, key: usize, stale: bool) -> FencingToken {
        let tokens = self.tokens.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        match (stale, tokens) {
            (_, []) => FencingToken::new(u64::MAX),
            (false, [.., last]) => *last,
            (true, [first, ..]) => *first,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn memory_store_matches_the_model(ops in prop::collection::vec(op(), 1..80)) {
        const CAPACITY: usize = 2;
        let clock = TestClock::new(0);
        let store = MemoryStore::new(clock.clone(), CAPACITY);
        let mut model = Model::default();
        let mut last_token = 0u64;

        for op in ops {
            match op {
                Op::Claim { key: k, lease } => {
                    let got = block_on(store.claim(&key(&k.to_string()), Duration::from_millis(lease as u64)));
                    match model.live(k).cloned() {
                        Some(ModelState::Leased(_)) => prop_assert_eq!(got.unwrap(), Claim::InProgress),
                        Some(ModelState::Done(outcome)) => prop_assert_eq!(got.unwrap(), Claim::Done { outcome }),
                        None if model.live_count() >= CAPACITY => {
                            prop_assert!(matches!(got, Err(IdempotencyError::StoreFull { .. })), "{:?}", got);
                        }
                        None => {
                            let Ok(Claim::New { token }) = got else {
                                return Err(TestCaseError::fail(format!("expected New, got {got:?}")));
                            };
                            prop_assert!(token.get() > last_token, "tokens increase");
                            last_token = token.get();
                            model.entries.insert(k, (ModelState::Leased(token), model.now + lease));
                            model.tokens.entry(k).or_default().push(token);
                        }
                    }
                }
                Op::Complete { key: k, stale, ttl } => {
                    let token = model.token(k, stale);
                    let outcome = format!("done-{k}-{}", model.now).into_bytes();
                    let got = block_on(store.complete(&key(&k.to_string()), token, &outcome, Duration::from_millis(ttl as u64)));
                    if model.holds(k, token) {
                        prop_assert!(got.is_ok(), "{:?}", got);
                        model.entries.insert(k, (ModelState::Done(outcome), model.now + ttl));
                    } else {
                        prop_assert!(matches!(got, Err(IdempotencyError::StaleToken)), "{:?}", got);
                    }
                }
                Op::Release { key: k, stale } => {
                    let token = model.token(k, stale);
                    let got = block_on(store.release(&key(&k.to_string()), token));
                    if model.holds(k, token) {
                        prop_assert!(got.is_ok(), "{:?}", got);
                        model.entries.remove(&k);
                    } else {
                        prop_assert!(matches!(got, Err(IdempotencyError::StaleToken)), "{:?}", got);
                    }
                }
                Op::Advance(ms) => {
                    clock.advance(ms);
                    model.now += ms;
                }
            }
            prop_assert!(store.len().unwrap() <= CAPACITY);
        }
    }

    #[test]
    fn freshness_keeps_the_maximum(versions in prop::collection::vec(0..20u64, 1..40)) {
        let store = MemoryFreshnessStore::new(TestClock::new(0), 4);
        let entity = key("entity");
        let mut max: Option<u64> = None;
        for v in versions {
            let got = block_on(store.advance(&entity, Version::new(v), Duration::from_secs(60))).unwrap();
            let expected = match max {
                None => Freshness::Newer { previous: None },
                Some(m) if v > m => Freshness::Newer { previous: Some(Version::new(m)) },
                Some(m) if v == m => Freshness::Same,
                Some(m) => Freshness::Older { latest: Version::new(m) },
            };
            prop_assert_eq!(got, expected);
            max = Some(max.map_or(v, |m| m.max(v)));
        }
    }
}

// ---- the replay guard on real deliveries ----

const NOW: i64 = 1_700_000_000;

fn guard() -> ReplayGuard<MemoryStore<TestClock>> {
    ReplayGuard::new(MemoryStore::new(TestClock::new(NOW * 1000), 1000))
}

#[test]
fn standard_webhooks_keys_on_the_delivery_id_across_retries() {
    let secret = standard_webhooks::parse_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let verifier = standard_webhooks::Verifier::new(Keyring::from(secret.clone()));
    let body = br#"{"type":"x"}"#;
    let guard = guard();

    let first_at = Timestamp::from_unix_seconds(NOW);
    let retry_at = Timestamp::from_unix_seconds(NOW + 5 * 3600);
    let first = verifier
        .verify(
            &standard_webhooks::sign(&secret, "msg_1", first_at, body),
            body,
            first_at,
        )
        .unwrap();
    let retry = verifier
        .verify(
            &standard_webhooks::sign(&secret, "msg_1", retry_at, body),
            body,
            retry_at,
        )
        .unwrap();

    let key = guard.key(&first).unwrap();
    assert_eq!(key.source(), KeySource::DeliveryId);
    assert_eq!(
        key.key().parts().collect::<Vec<_>>(),
        ["webhook", "standard_webhooks", "delivery", "msg_1"]
    );
    assert_eq!(guard.key(&retry).unwrap(), key);

    let Claim::New { token } = block_on(guard.claim(&key)).unwrap() else {
        panic!("first claim");
    };
    block_on(guard.complete(&key, token, b"ok")).unwrap();
    assert!(matches!(
        block_on(guard.claim(&guard.key(&retry).unwrap())).unwrap(),
        Claim::Done { .. }
    ));
}

#[test]
fn square_keys_on_the_signature_fingerprint() {
    let secret = Secret::from_text("square-signature-key").unwrap();
    let verifier = square::Verifier::new(Keyring::from(secret.clone()));
    let url = "https://example.com/square";
    let now = Timestamp::from_unix_seconds(NOW);
    let guard = guard();

    let body = br#"{"event_id":"e1"}"#;
    let verified = verifier
        .verify(&square::sign(&secret, url, body), url, body, now)
        .unwrap();
    let key = guard.key(&verified).unwrap();
    assert_eq!(key.source(), KeySource::SignatureFingerprint);
    let hex = key.key().parts().nth(3).unwrap().to_owned();
    assert_eq!(hex.len(), 32);
    assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));

    // Square signs no timestamp: a resend of the same body has the same key.
    let again = verifier
        .verify(&square::sign(&secret, url, body), url, body, now)
        .unwrap();
    assert_eq!(guard.key(&again).unwrap(), key);
    let other_body = br#"{"event_id":"e2"}"#;
    let other = verifier
        .verify(
            &square::sign(&secret, url, other_body),
            url,
            other_body,
            now,
        )
        .unwrap();
    assert_ne!(guard.key(&other).unwrap(), key);

    // With the body, the event id is preferred.
    assert_eq!(
        guard.key_with_body(&verified, body).unwrap().source(),
        KeySource::EventId
    );
}

#[test]
fn stripe_retries_need_the_body_event_id() {
    let secret = Secret::from_text("whsec_test_secret").unwrap();
    let verifier = stripe::Verifier::new(Keyring::from(secret.clone()));
    let body = br#"{"id":"evt_1","object":"event"}"#;
    let guard = guard();

    let first_at = Timestamp::from_unix_seconds(NOW);
    let retry_at = Timestamp::from_unix_seconds(NOW + 3600);
    let first = verifier
        .verify(&stripe::sign(&secret, first_at, body), body, first_at)
        .unwrap();
    let retry = verifier
        .verify(&stripe::sign(&secret, retry_at, body), body, retry_at)
        .unwrap();

    // The fingerprint changes with the fresh timestamp of a retry...
    assert_ne!(guard.key(&first).unwrap(), guard.key(&retry).unwrap());
    // ...the event id does not.
    let key = guard.key_with_body(&first, body).unwrap();
    assert_eq!(key.source(), KeySource::EventId);
    assert_eq!(key, guard.key_with_body(&retry, body).unwrap());
}

#[test]
fn gitlab_token_without_uuid_needs_an_explicit_key() {
    let token = Secret::from_text("gitlab-secret-token").unwrap();
    let verifier = gitlab::Verifier::new(Keyring::from(token));
    let now = Timestamp::from_unix_seconds(NOW);
    let guard = guard();

    let bare = [("X-Gitlab-Token", "gitlab-secret-token")];
    let verified = verifier.verify(&bare, b"{}", now).unwrap();
    assert_eq!(verified.signature_fingerprint(), None);
    let err = guard.key(&verified).unwrap_err();
    assert_eq!(err.code(), "key_required");
    assert!(err.to_string().contains("gitlab"), "{err}");
    let explicit = guard.explicit_key(&verified, "push:9f1c").unwrap();
    assert_eq!(explicit.source(), KeySource::Explicit);

    let with_uuid = [
        ("X-Gitlab-Token", "gitlab-secret-token"),
        (
            "X-Gitlab-Event-UUID",
            "13792a34-cac6-4fda-95a8-c58e00a3954e",
        ),
    ];
    let verified = verifier.verify(&with_uuid, b"{}", now).unwrap();
    assert_eq!(
        guard.key(&verified).unwrap().source(),
        KeySource::DeliveryId
    );
}

// ---- what an entry costs ----

/// Net heap bytes the store holds per key, leased and then done with a
/// 3-byte outcome, for `N` 36-byte ids (UUID-shaped) claimed in `order`.
/// Runs on one thread, so the per-thread counter sees only this store.
fn bytes_per_key(order: impl Fn(usize) -> usize) -> (isize, isize, usize) {
    const N: usize = 100_000;
    let keys: Vec<IdempotencyKey> = (0..N)
        .map(|i| key(&format!("{:08x}-0000-4000-8000-000000000000", order(i))))
        .collect();
    let mut tokens = Vec::with_capacity(N);
    let store = MemoryStore::new(TestClock::new(0), N);

    let before = LIVE_BYTES.with(Cell::get);
    for k in &keys {
        match block_on(store.claim(k, Duration::from_secs(60))).unwrap() {
            Claim::New { token } => tokens.push(token),
            other => panic!("{other:?}"),
        }
    }
    let leased = LIVE_BYTES.with(Cell::get) - before;
    for (k, token) in keys.iter().zip(&tokens) {
        block_on(store.complete(k, *token, b"200", Duration::from_secs(3600))).unwrap();
    }
    let done = LIVE_BYTES.with(Cell::get) - before;
    (leased / signed(N), done / signed(N), keys[0].as_str().len())
}

#[test]
fn bytes_per_entry() {
    let (seq_leased, seq_done, encoded) = bytes_per_key(|i| i);
    // 7919 is prime and does not divide 100 000: a scrambled permutation.
    let (rnd_leased, rnd_done, _) = bytes_per_key(|i| (i * 7919) % 100_000);
    println!(
        "memory store, keys of {encoded} bytes encoded, counted as requested sizes: \
         in key order {seq_leased} bytes per leased key, {seq_done} per done key (3-byte outcome); \
         in scrambled order {rnd_leased} and {rnd_done}"
    );
    for per_key in [seq_leased, seq_done, rnd_leased, rnd_done] {
        assert!(per_key < 300, "{per_key}");
    }
}
