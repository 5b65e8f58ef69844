//! Counts heap allocations on the verify paths whose module docs promise a
//! number. One test only, so no other test thread allocates meanwhile.

#![allow(
    unsafe_code,
    reason = "a counting global allocator needs `unsafe impl`"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use webhook_kit::providers::{mailgun, paddle, slack, zoom};
use webhook_kit::{Keyring, Request, Secret, Timestamp, Verify};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed straight to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is forwarded unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as for `dealloc`, and `new_size` is the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn count<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let out = f();
    (ALLOCATIONS.load(Ordering::Relaxed) - before, out)
}

#[test]
fn allocations_on_the_verify_paths() {
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    let secret = Secret::from_text("a-shared-secret-for-counting").unwrap();
    let event = br#"{"type":"event_callback","event_id":"Ev1","event":{"type":"message"}}"#;

    let headers = slack::sign(&secret, now, event);
    let v = slack::Verifier::new(Keyring::from(secret.clone()));
    assert_eq!(count(|| v.verify(&headers, event, now).unwrap()).0, 0);
    let request = Request::new(&headers, event);
    assert_eq!(count(|| v.verify_request(&request, now).unwrap()).0, 0);

    let headers = zoom::sign(&secret, now, event);
    let v = zoom::Verifier::new(Keyring::from(secret.clone()));
    assert_eq!(count(|| v.verify(&headers, event, now).unwrap()).0, 0);
    let request = Request::new(&headers, event);
    assert_eq!(count(|| v.verify_request(&request, now).unwrap()).0, 0);

    let headers = paddle::sign(&secret, now, event);
    let v = paddle::Verifier::new(Keyring::from(secret.clone()));
    assert_eq!(count(|| v.verify(&headers, event, now).unwrap()).0, 0);

    let fields = mailgun::sign(
        &secret,
        now,
        "5egbgr1vjgqxtrnp65xfznchgdccwh5d6i09vijqi3whgowmn6",
    );
    let v = mailgun::Verifier::new(Keyring::from(secret.clone()));
    let flat = format!(
        r#"{{"signature":{},"event":"delivered"}}"#,
        fields.to_json()
    );
    let nested = format!(
        r#"{{"signature":{},"event-data":{{"event":"delivered","envelope":{{"targets":["a@example.com"]}}}}}}"#,
        fields.to_json()
    );
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("event", "delivered")
        .extend_pairs(fields.form_pairs())
        .finish();
    let escaped = flat.replacen("5egb", "\\u0035egb", 1);
    let escaped_form = form.replacen("5egb", "%35egb", 1);
    let escaped_n = count(|| v.verify(escaped.as_bytes(), now).unwrap()).0;
    let escaped_form_n = count(|| v.verify(escaped_form.as_bytes(), now).unwrap()).0;
    println!("mailgun allocations: escaped json {escaped_n}, escaped form {escaped_form_n}");
    // Decoding escapes is the parsers' business; the docs promise only "a few".
    assert!(escaped_n <= 4 && escaped_form_n <= 4);
    let flat_n = count(|| v.verify(flat.as_bytes(), now).unwrap()).0;
    let nested_n = count(|| v.verify(nested.as_bytes(), now).unwrap()).0;
    let form_n = count(|| v.verify(form.as_bytes(), now).unwrap()).0;
    println!("mailgun allocations: flat json {flat_n}, nested json {nested_n}, form {form_n}");
    assert_eq!((flat_n, nested_n, form_n), (0, 1, 0));
}
