//! Every provider's verify entry point with arbitrary headers, body, URL
//! and method. The first byte picks the provider from `Provider::ALL`, so
//! providers added later are fuzzed without editing this target.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_kit_fuzz::{request, verifiers, verify};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let all = verifiers();
    let (_, verifier) = &all[usize::from(pick) % all.len()];
    let Some(req) = request(rest) else {
        return;
    };
    let headers = req.header_list();
    verify(verifier.as_ref(), &headers, &req);
});
