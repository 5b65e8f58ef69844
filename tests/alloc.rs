//! Heap allocations on the verify path, counted by a global allocator.
//!
//! The counter is per thread, so tests running in parallel in this binary
//! do not pollute each other's counts. Schemes that sign header parts plus
//! the raw body must allocate nothing; the others' counts are printed.
#![allow(
    unsafe_code,
    reason = "a counting global allocator needs `unsafe impl GlobalAlloc`"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use webhook_kit::providers::{
    clerk, github, resend, standard_webhooks, stripe, supabase_auth_hook, svix,
};
use webhook_kit::{Headers, Keyring, Request, Secret, Timestamp, Verify};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn bump() {
    // `try_with`: the thread-local may already be gone while a thread exits.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every method forwards to `System` unchanged; counting touches only
// a const-initialised thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` and returns how many allocations it made on this thread.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let out = f();
    let after = ALLOCATIONS.with(Cell::get);
    (out, after - before)
}

const NOW: i64 = 1_700_000_000;
const BODY: &[u8] = br#"{"id":"evt_1","object":"event","data":{"amount":1000}}"#;

/// Verifies through both the inherent `verify` and `dyn Verify`, and
/// returns the larger allocation count.
fn count(verifier: &dyn Verify, headers: &dyn Headers, body: &[u8]) -> usize {
    let now = Timestamp::from_unix_seconds(NOW);
    let request = Request::new(headers, body).with_url("https://example.com/hooks");
    let (result, n) = allocations(|| verifier.verify_request(&request, now));
    assert!(result.is_ok(), "{}: {result:?}", verifier.provider());
    n
}

fn zero(verifier: &dyn Verify, headers: &dyn Headers, body: &[u8]) {
    let n = count(verifier, headers, body);
    println!("{}: {n} allocations", verifier.provider());
    assert_eq!(n, 0, "{} allocated on the verify path", verifier.provider());
}

#[test]
fn the_counter_counts() {
    let (_, n) = allocations(|| vec![1u8; 16]);
    assert_eq!(n, 1);
}

#[test]
fn stripe_allocates_nothing() {
    let secret = Secret::from_text("whsec_alloc_test").unwrap();
    let now = Timestamp::from_unix_seconds(NOW);
    let headers = stripe::sign(&secret, now, BODY);
    zero(
        &stripe::Verifier::new(Keyring::from(secret.clone())),
        &headers,
        BODY,
    );
    zero(
        &stripe::Verifier::new_thin(Keyring::from(secret)),
        &headers,
        BODY,
    );
}

#[test]
fn stripe_with_rotation_and_errors_allocates_nothing() {
    let old = Secret::from_text("whsec_old").unwrap();
    let new = Secret::from_text("whsec_new").unwrap();
    let now = Timestamp::from_unix_seconds(NOW);
    let signed = stripe::sign(&new, now, BODY);
    let value = signed.get("Stripe-Signature").unwrap();
    let header = format!("{value},v1={},v0=00", "0".repeat(64));
    let headers = [("Stripe-Signature", header.as_str())];
    let verifier = stripe::Verifier::new([old, new].into_iter().collect());
    zero(&verifier, &headers, BODY);

    // Refusals allocate nothing either: errors are plain data.
    let (result, n) = allocations(|| verifier.verify(&headers, b"tampered", now));
    assert!(result.is_err());
    assert_eq!(n, 0);
}

#[test]
fn github_allocates_nothing() {
    let secret = Secret::from_text("github-alloc-secret").unwrap();
    let mut headers = github::sign(&secret, BODY).into_vec();
    headers.push((
        "X-GitHub-Delivery",
        "72d3162e-cc78-11e3-81ab-4c9367dc0958".to_owned(),
    ));
    zero(
        &github::Verifier::new(Keyring::from(secret)),
        &headers,
        BODY,
    );
}

#[test]
fn standard_webhooks_family_allocates_nothing() {
    let secret = standard_webhooks::parse_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let now = Timestamp::from_unix_seconds(NOW);
    let keyring = Keyring::from(secret.clone());

    let unbranded = standard_webhooks::sign(&secret, "msg_alloc", now, BODY);
    zero(
        &standard_webhooks::Verifier::new(keyring.clone()),
        &unbranded,
        BODY,
    );
    zero(
        &supabase_auth_hook::verifier(keyring.clone()),
        &unbranded,
        BODY,
    );

    let branded = svix::sign(&secret, "msg_alloc", now, BODY);
    zero(&svix::verifier(keyring.clone()), &branded, BODY);
    zero(&clerk::verifier(keyring.clone()), &branded, BODY);
    zero(&resend::verifier(keyring), &branded, BODY);
}

#[cfg(feature = "http")]
#[test]
fn http_header_map_lookup_allocates_nothing() {
    let secret = Secret::from_text("whsec_alloc_test").unwrap();
    let now = Timestamp::from_unix_seconds(NOW);
    let map = stripe::sign(&secret, now, BODY).to_header_map().unwrap();
    zero(&stripe::Verifier::new(Keyring::from(secret)), &map, BODY);
}
