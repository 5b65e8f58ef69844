//! `Retry-After` in all its forms (delay-seconds and the three HTTP-date
//! formats), and the receiver control header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_kit::Timestamp;
use webhook_kit::retry::{ReceiverControl, RetryAfter};

fuzz_target!(|input: (&[u8], i64)| {
    let (value, now) = input;
    match RetryAfter::parse(value) {
        Ok(parsed) => {
            let _ = parsed.delay_from(Timestamp::from_unix_seconds(now));
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    let _ = ReceiverControl::parse(value);
});
