//! Paddle's `ts=...;h1=...` signature header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_kit::Provider;
use webhook_kit_fuzz::{FuzzRequest, check_error, verifier};

fuzz_target!(|input: (Vec<Vec<u8>>, Vec<u8>)| {
    let (lines, body) = input;
    let headers: Vec<(&str, Vec<u8>)> =
        lines.into_iter().map(|l| ("Paddle-Signature", l)).collect();
    let request = webhook_kit::Request::new(&headers, &body);
    if let Some(Err(e)) =
        verifier(Provider::Paddle).map(|v| v.verify_request(&request, FuzzRequest::fixed_now()))
    {
        check_error(&e);
    }
});
