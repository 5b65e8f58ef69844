//! Runs one kind of verify N times, for profilers and instruction counts:
//! `cargo run --release --example verify_loop -- <case> <n> [size]`, where
//! `<case>` is `stripe`, `github`, `standard_webhooks`, or `bare_stripe`,
//! `bare_github`, `bare_standard_webhooks` for the pre-keyed HMAC over the
//! same signed bytes. See BENCHMARKS.md for the callgrind recipe.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::hint::black_box;
use webhook_kit::providers::{github, standard_webhooks, stripe};
use webhook_kit::{Keyring, Secret, SignedHeaders, Timestamp};

const TEXT_SECRET: &str = "whsec_bench_secret_0123456789";
const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

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
        map.insert(name, http::HeaderValue::from_static(value));
    }
    let signed = signed.to_header_map().expect("valid signed headers");
    for (name, value) in signed.iter() {
        map.append(name.clone(), value.clone());
    }
    map
}

fn bare(key: &[u8], parts: &[&[u8]], n: usize) {
    let keyed = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    for _ in 0..n {
        let mut mac = keyed.clone();
        for part in parts {
            mac.update(black_box(part));
        }
        black_box(mac.finalize().into_bytes());
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "stripe".to_owned());
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let size: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1024);
    let body: Vec<u8> = (0..size)
        .map(|i| b"abcdefghijklmnopqrstuvwxyz{}:,\""[i % 31])
        .collect();
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    let text = Secret::from_text(TEXT_SECRET).expect("valid secret");
    let whsec = standard_webhooks::parse_secret(WHSEC).expect("valid secret");

    match case.as_str() {
        "stripe" => {
            let headers = header_map(&stripe::sign(&text, now, &body));
            let verifier = stripe::Verifier::new(Keyring::from(text));
            for _ in 0..n {
                black_box(verifier.verify(&headers, black_box(&body), now)).expect("verifies");
            }
        }
        "github" => {
            let headers = header_map(&github::sign(&text, &body));
            let verifier = github::Verifier::new(Keyring::from(text));
            for _ in 0..n {
                black_box(verifier.verify(&headers, black_box(&body), now)).expect("verifies");
            }
        }
        "standard_webhooks" => {
            let signed = standard_webhooks::sign(&whsec, "msg_bench", now, &body);
            let headers = header_map(&signed);
            let verifier = standard_webhooks::Verifier::new(Keyring::from(whsec));
            for _ in 0..n {
                black_box(verifier.verify(&headers, black_box(&body), now)).expect("verifies");
            }
        }
        "bare_stripe" => bare(text.expose_bytes(), &[b"1700000000", b".", &body], n),
        "bare_github" => bare(text.expose_bytes(), &[&body], n),
        "bare_standard_webhooks" => bare(
            whsec.expose_bytes(),
            &[b"msg_bench", b".", b"1700000000", b".", &body],
            n,
        ),
        other => {
            eprintln!("unknown case {other}");
            std::process::exit(2);
        }
    }
}
