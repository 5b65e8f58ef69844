//! Standard Webhooks' space-separated `v1,`/`v1a,` signature lists, with
//! arbitrary id and timestamp, for the unbranded and Svix header names.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_kit::Provider;
use webhook_kit_fuzz::{FuzzRequest, check_error, verifier};

fuzz_target!(|input: (Vec<u8>, Vec<u8>, Vec<Vec<u8>>, Vec<u8>)| {
    let (id, timestamp, signatures, body) = input;
    for (provider, prefix) in [
        (Provider::StandardWebhooks, "webhook"),
        (Provider::Svix, "svix"),
        (Provider::Clerk, "svix"),
    ] {
        let mut headers = vec![
            (format!("{prefix}-id"), id.clone()),
            (format!("{prefix}-timestamp"), timestamp.clone()),
        ];
        headers.extend(
            signatures
                .iter()
                .map(|s| (format!("{prefix}-signature"), s.clone())),
        );
        let request = webhook_kit::Request::new(&headers, &body);
        if let Some(Err(e)) =
            verifier(provider).map(|v| v.verify_request(&request, FuzzRequest::fixed_now()))
        {
            check_error(&e);
        }
    }
});
