//! Twilio's URL and form handling: an arbitrary URL (its `bodySHA256`
//! query parameter included), form or JSON body, signature and settings
//! header, through the Twilio verifier and the Square one (also URL-signed).
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_kit::Provider;
use webhook_kit_fuzz::{FuzzRequest, check_error, verifier};

fuzz_target!(|input: (String, Vec<u8>, Vec<u8>, Option<Vec<u8>>)| {
    let (url, body, signature, settings) = input;
    let mut headers = vec![("X-Twilio-Signature", signature.clone())];
    if let Some(settings) = settings {
        headers.push(("X-Twilio-Webhooks-Signature-Settings", settings));
    }
    headers.push(("x-square-hmacsha256-signature", signature));
    for provider in [Provider::Twilio, Provider::Square] {
        let request = webhook_kit::Request::new(&headers, &body).with_url(&url);
        if let Some(Err(e)) =
            verifier(provider).map(|v| v.verify_request(&request, FuzzRequest::fixed_now()))
        {
            check_error(&e);
        }
    }
});
