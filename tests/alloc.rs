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
    clerk, github, gitlab, mailgun, paddle, resend, slack, standard_webhooks, stripe,
    supabase_auth_hook, svix, zoom,
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
    let headers = github::sign(&secret, BODY)
        .with_header("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958");
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

#[test]
fn slack_zoom_paddle_allocate_nothing() {
    let secret = Secret::from_text("a-shared-secret-for-counting").unwrap();
    let now = Timestamp::from_unix_seconds(NOW);
    let event = br#"{"type":"event_callback","event_id":"Ev1","event":{"type":"message"}}"#;

    // Through `dyn Verify`, so the handshake detection is counted too.
    zero(
        &slack::Verifier::new(Keyring::from(secret.clone())),
        &slack::sign(&secret, now, event),
        event,
    );
    zero(
        &zoom::Verifier::new(Keyring::from(secret.clone())),
        &zoom::sign(&secret, now, event),
        event,
    );
    zero(
        &paddle::Verifier::new(Keyring::from(secret.clone())),
        &paddle::sign(&secret, now, event),
        event,
    );
}

#[test]
fn gitlab_allocates_nothing_in_either_mode() {
    let token = Secret::from_text("my-gitlab-secret-token").unwrap();
    let headers = gitlab::sign_token(&token, "13792a34-cac6-4fda-95a8-c58e00a3954e");
    zero(&gitlab::Verifier::new(Keyring::from(token)), &headers, BODY);

    let signing =
        gitlab::parse_signing_token("whsec_Orxu1X8FQS+THBbTEcsGyyEgKxBH6u9/WDn31zhaagM=").unwrap();
    let now = Timestamp::from_unix_seconds(NOW);
    let headers = gitlab::sign(&signing, "4f9d2a7e-0b1c-4d3e-9f8a-7b6c5d4e3f21", now, BODY);
    zero(
        &gitlab::Verifier::new_signing(Keyring::from(signing)),
        &headers,
        BODY,
    );
}

/// Mailgun signs fields inside the body, so the body is parsed: the count
/// depends on its shape (serde_json needs a scratch buffer for nested
/// values and for escapes).
#[test]
fn mailgun_counts() {
    let secret = Secret::from_text("a-shared-secret-for-counting").unwrap();
    let now = Timestamp::from_unix_seconds(NOW);
    let fields = mailgun::sign(
        &secret,
        now,
        "5egbgr1vjgqxtrnp65xfznchgdccwh5d6i09vijqi3whgowmn6",
    );
    let verifier = mailgun::Verifier::new(Keyring::from(secret));

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
    let counted = |body: &str| {
        let (result, n) = allocations(|| verifier.verify(body.as_bytes(), now));
        assert!(result.is_ok(), "{result:?}");
        n
    };
    let (flat_n, nested_n, form_n) = (counted(&flat), counted(&nested), counted(&form));
    let escaped_n = counted(&flat.replacen("5egb", "\\u0035egb", 1));
    let escaped_form_n = counted(&form.replacen("5egb", "%35egb", 1));
    println!(
        "mailgun: flat json {flat_n}, nested json {nested_n}, form {form_n}, escaped json {escaped_n}, escaped form {escaped_form_n}"
    );
    assert_eq!((flat_n, nested_n, form_n), (0, 1, 0));
    assert!(escaped_n <= 4 && escaped_form_n <= 4);
}

#[cfg(feature = "ed25519")]
#[test]
fn discord_needs_one_allocation() {
    use webhook_kit::Ed25519SigningKey;
    use webhook_kit::providers::discord;

    let key = Ed25519SigningKey::from_seed(&[9u8; 32]).unwrap();
    let now = Timestamp::from_unix_seconds(NOW);
    let body = br#"{"id":"1","type":2}"#;
    let headers = discord::sign(&key, now, body);
    let verifier = discord::Verifier::new(Keyring::from(key.public_key()));
    // Ed25519 signs the timestamp and body as one message: one buffer joins them.
    let n = count(&verifier, &headers, body);
    println!("discord: {n} allocations");
    assert_eq!(n, 1);
}

#[cfg(feature = "ed25519")]
#[test]
fn standard_webhooks_v1a_needs_one_allocation() {
    use webhook_kit::Ed25519SigningKey;

    let key = Ed25519SigningKey::from_seed(&[9u8; 32]).unwrap();
    let now = Timestamp::from_unix_seconds(NOW);
    let headers = standard_webhooks::sign_ed25519(&key, "msg_1", now, BODY);
    let verifier = standard_webhooks::Verifier::new(Keyring::new())
        .with_public_keys(Keyring::from(key.public_key()));
    let n = count(&verifier, &headers, BODY);
    println!("standard_webhooks v1a: {n} allocations");
    assert_eq!(n, 1);
}

// The asymmetric checks below count Rust heap allocations only: what
// aws-lc does inside its C code goes through its own allocator.
#[cfg(any(feature = "p256", feature = "rsa"))]
#[allow(clippy::unwrap_used, reason = "a broken fixture fails the test")]
fn fixture(provider: &str, name: &str) -> String {
    let all: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/asymmetric.json")).unwrap();
    all[provider][name].as_str().unwrap().to_owned()
}

#[cfg(feature = "p256")]
#[test]
fn sendgrid_allocates_nothing() {
    use webhook_kit::providers::sendgrid;

    let key = sendgrid::parse_public_key(&fixture("sendgrid", "public_key_base64_der")).unwrap();
    let verifier = sendgrid::Verifier::new(Keyring::from(key));
    let headers = [
        (sendgrid::SIGNATURE_HEADER, fixture("sendgrid", "signature")),
        (sendgrid::TIMESTAMP_HEADER, fixture("sendgrid", "timestamp")),
    ];
    zero(&verifier, &headers, fixture("sendgrid", "body").as_bytes());
}

#[cfg(feature = "p256")]
#[test]
fn plaid_allocates_nothing() {
    use webhook_kit::providers::plaid;

    let key = plaid::parse_jwk(&fixture("plaid", "jwk")).unwrap();
    // The fixture's `iat` is `NOW`.
    let verifier = plaid::Verifier::new(Keyring::from(key));
    let headers = [(plaid::VERIFICATION_HEADER, fixture("plaid", "valid"))];
    zero(&verifier, &headers, fixture("plaid", "body").as_bytes());
}

#[cfg(feature = "rsa")]
#[test]
fn paypal_needs_one_allocation() {
    use webhook_kit::providers::paypal;

    let key = paypal::parse_certificate(&fixture("paypal", "certificate_pem")).unwrap();
    let verifier =
        paypal::Verifier::new(fixture("paypal", "webhook_id"), Keyring::from(key)).unwrap();
    let headers = [
        (
            paypal::TRANSMISSION_ID_HEADER,
            fixture("paypal", "transmission_id"),
        ),
        (
            paypal::TRANSMISSION_TIME_HEADER,
            fixture("paypal", "transmission_time"),
        ),
        (
            paypal::TRANSMISSION_SIG_HEADER,
            fixture("paypal", "signature"),
        ),
        (
            paypal::CERT_URL_HEADER,
            "https://api.paypal.com/v1/notifications/certs/CERT-1".to_owned(),
        ),
        (paypal::AUTH_ALGO_HEADER, paypal::AUTH_ALGO.to_owned()),
    ];
    // The certificate URL is parsed (one `String`) to check its host.
    let n = count(&verifier, &headers, fixture("paypal", "body").as_bytes());
    println!("paypal: {n} allocations");
    assert_eq!(n, 1);
}
