//! Attacks on inbound verification by someone without the provider's
//! secret: each test states what such an attacker must not be able to do,
//! or, where a provider's own scheme allows it (PayPal's CRC-32, HubSpot
//! v1/v2 length extension, parameters joined without delimiters), that the
//! crate says so (`Verified::covers()`) and offers the opt-in refusal.
#![allow(
    clippy::unwrap_used,
    reason = "fixtures and hand-built values are known good; a failure is a bug to see"
)]

use webhook_kit::{Outcome, Provider, Request, SignedContent, Timestamp, VerifierConfig};

fn percent_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for b in bytes {
        if b.is_ascii_alphanumeric() {
            out.push(char::from(*b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// X's Challenge-Response Check answers an unsigned GET with the HMAC of an
/// attacker-chosen `crc_token` under the consumer secret, and an event's
/// signature is the HMAC of the body under the same secret: asking for the
/// CRC of a forged body yields that body's signature.
#[test]
fn twitter_crc_is_not_a_signing_oracle_for_events() {
    let config = VerifierConfig::new().with_secret("x-consumer-secret-only-x-knows");
    let verifier = Provider::Twitter.verifier(&config).unwrap();
    let now = Timestamp::from_unix_seconds(1_700_000_000);

    let forged = br#"{"for_user_id":"2244994945","direct_message_events":[{"type":"message_create","message_create":{"message_data":{"text":"wire the money"}}}]}"#;
    let url = format!(
        "https://hooks.example.com/x?crc_token={}",
        percent_encode(forged)
    );
    let no_headers: [(&str, &str); 0] = [];
    let crc = Request::new(&no_headers, b"")
        .with_method("GET")
        .with_url(&url);
    let reply = match verifier.verify_request(&crc, now) {
        // Refusing such a token is a fix; nothing more to try.
        Err(_) => return,
        Ok(Outcome::Handshake(h)) => h,
        Ok(other) => panic!("unexpected outcome {other:?}"),
    };
    let json: serde_json::Value = serde_json::from_str(reply.body()).unwrap();
    let token = json["response_token"].as_str().unwrap().to_owned();

    let headers = [("x-twitter-webhooks-signature", token.as_str())];
    let event = Request::new(&headers, forged);
    let result = verifier.verify_request(&event, now);
    assert!(
        result.is_err(),
        "a body forged through the CRC handshake verified: {result:?}"
    );
}

#[cfg(feature = "rsa")]
mod paypal {
    use super::*;

    fn fixture() -> serde_json::Value {
        let all: serde_json::Value =
            serde_json::from_str(include_str!("fixtures/asymmetric.json")).unwrap();
        all["paypal"].clone()
    }

    fn text(f: &serde_json::Value, name: &str) -> String {
        f[name].as_str().unwrap().to_owned()
    }

    /// CRC-32 (IEEE, reflected, init and final xor all ones), bit by bit.
    pub(super) fn crc32(data: &[u8]) -> u32 {
        let mut reg = 0xFFFF_FFFFu32;
        for &b in data {
            reg ^= u32::from(b);
            for _ in 0..8 {
                reg = if reg & 1 == 1 {
                    (reg >> 1) ^ 0xEDB8_8320
                } else {
                    reg >> 1
                };
            }
        }
        !reg
    }

    /// Chooses each of `free` letters between `a` and `b` so that the CRC-32
    /// of the whole text is `target` (CRC-32 is affine over GF(2)).
    fn force_crc(template: &str, free: std::ops::Range<usize>, target: u32) -> String {
        let base: Vec<u8> = template.as_bytes().to_vec();
        let c0 = crc32(&base);
        // Column i: how flipping letter i ('a' <-> 'b', xor 3) changes the CRC.
        let columns: Vec<u32> = free
            .clone()
            .map(|i| {
                let mut v = base.clone();
                v[i] ^= 3;
                crc32(&v) ^ c0
            })
            .collect();
        // Gaussian elimination keeping track of which letters make each row.
        let mut rows: Vec<(u32, u128)> = Vec::new();
        for (j, &col) in columns.iter().enumerate() {
            let mut value = col;
            let mut combo = 1u128 << j;
            for &(rv, rc) in &rows {
                if value ^ rv < value {
                    value ^= rv;
                    combo ^= rc;
                }
            }
            if value != 0 {
                rows.push((value, combo));
                rows.sort_by_key(|row| std::cmp::Reverse(row.0));
            }
        }
        let mut want = c0 ^ target;
        let mut combo = 0u128;
        for &(rv, rc) in &rows {
            if want ^ rv < want {
                want ^= rv;
                combo ^= rc;
            }
        }
        assert_eq!(want, 0, "the free letters do not span every CRC");
        let mut out = base;
        for (j, i) in free.enumerate() {
            if combo >> j & 1 == 1 {
                out[i] ^= 3;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn own_crc32_matches_a_value_computed_outside_the_crate() {
        // python3 -c 'import zlib; print(zlib.crc32(b"123456789"))'
        assert_eq!(crc32(b"123456789"), 3_421_780_262);
        let f = fixture();
        assert_eq!(
            u64::from(crc32(text(&f, "body").as_bytes())),
            f["crc32"].as_u64().unwrap()
        );
    }

    /// PayPal signs CRC-32 of the body, not the body: a replayed
    /// signature covers any other body with the same CRC-32, which anyone
    /// can make. That is PayPal's scheme and cannot be refused compatibly;
    /// the crate must say so: `covers()` is `BodyChecksum` (not `Body`) for
    /// the genuine delivery and the forged one alike.
    #[test]
    fn paypal_signature_covers_only_a_checksum_and_says_so() {
        let f = fixture();
        let original = text(&f, "body");
        let target = crc32(original.as_bytes());
        let template = format!(
            r#"{{"id":"WH-1AB23456CD789012E-3FG45678HI901234J","event_type":"PAYMENT.CAPTURE.REFUNDED","amount":"9999.00","pad":"{}"}}"#,
            "a".repeat(64)
        );
        let start = template.find("aaaa").unwrap();
        let forged = force_crc(&template, start..start + 64, target);
        assert_ne!(forged, original);
        assert_eq!(crc32(forged.as_bytes()), target);
        serde_json::from_str::<serde_json::Value>(&forged).unwrap();

        let config = VerifierConfig::new()
            .with_secret(text(&f, "webhook_id"))
            .with_secret(text(&f, "certificate_pem"));
        let verifier = Provider::Paypal.verifier(&config).unwrap();
        let id = text(&f, "transmission_id");
        let time = text(&f, "transmission_time");
        let sig = text(&f, "signature");
        let headers = [
            ("PAYPAL-TRANSMISSION-ID", id.as_str()),
            ("PAYPAL-TRANSMISSION-TIME", time.as_str()),
            ("PAYPAL-TRANSMISSION-SIG", sig.as_str()),
            (
                "PAYPAL-CERT-URL",
                "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270",
            ),
            ("PAYPAL-AUTH-ALGO", "SHA256withRSA"),
        ];
        let now = Timestamp::from_unix_seconds(1_656_590_400);
        let genuine = verifier
            .verify_request(&Request::new(&headers, original.as_bytes()), now)
            .unwrap();
        assert_eq!(
            genuine.verified().unwrap().covers(),
            SignedContent::BodyChecksum
        );
        // Documented behaviour: the forged body verifies, and what it
        // verifies as says the body itself is not covered.
        let forged = verifier
            .verify_request(&Request::new(&headers, forged.as_bytes()), now)
            .unwrap();
        assert_eq!(
            forged.verified().unwrap().covers(),
            SignedContent::BodyChecksum,
            "a body forged to the same CRC-32 is reported as covered"
        );
    }
}

#[cfg(feature = "rsa")]
mod paypal_cert_url {
    use webhook_kit::providers::paypal::trusted_cert_url;

    fn check(url: &str) -> Result<String, String> {
        let headers = [("PAYPAL-CERT-URL", url)];
        trusted_cert_url(&headers).map_err(|e| e.code().to_owned())
    }

    #[test]
    fn look_alike_hosts_are_refused() {
        for url in [
            "https://paypal.com.evil.test/cert",
            "https://evilpaypal.com/cert",
            "https://api.paypal.com@evil.test/cert",
            "https://evil.test#@api.paypal.com/cert",
            "https://evil.test?@api.paypal.com/cert",
            "https://api.paypal.com:8443/cert",
            "http://api.paypal.com/cert",
            "https://user@api.paypal.com/cert",
            "https://api.paypal.com./cert",
            "https://[::1]/cert",
            "https://127.0.0.1/cert",
            "https://api.paypal.com%2eevil.test/cert",
            "https://evil.test%2fapi.paypal.com/cert",
            "HTTPS://evil.test/.paypal.com",
            "https://api.pаypal.com/cert",
        ] {
            assert!(check(url).is_err(), "{url} was trusted: {:?}", check(url));
        }
        for url in [
            "https://api.paypal.com/v1/notifications/certs/CERT-1",
            "https://API.PAYPAL.COM/v1/notifications/certs/CERT-1",
            "https://api.paypal.com:443/v1/notifications/certs/CERT-1",
        ] {
            assert_eq!(
                check(url).as_deref(),
                Ok("https://api.paypal.com/v1/notifications/certs/CERT-1"),
                "{url}"
            );
        }
    }

    /// The caller fetches the certificate from the text this returns. A URL
    /// the WHATWG parser reads as on paypal.com but an RFC 3986 parser reads
    /// as on another host (a backslash before `@`, a tab or newline inside
    /// the host) must not come back as trusted text.
    #[test]
    fn trusted_text_means_the_same_host_to_every_parser() {
        for url in [
            "https://api.paypal.com\\@evil.test/cert",
            "https://evil.test\\.api.paypal.com/cert",
            "https://api.pay\tpal.com/cert",
            "https://api.paypal.com\\\\evil.test/cert",
        ] {
            assert_eq!(
                check(url),
                Err("untrusted_cert_url".to_owned()),
                "{url:?} came back trusted"
            );
        }
    }
}

mod registry {
    use proptest::prelude::*;
    use webhook_kit::{KeyFormat, Provider, Request, SecretEncoding, Timestamp, VerifierConfig};

    fn formats() -> Vec<Option<KeyFormat>> {
        let mut all = vec![
            None,
            Some(KeyFormat::Ed25519Hex),
            Some(KeyFormat::Ed25519Whpk),
            Some(KeyFormat::SpkiBase64),
            Some(KeyFormat::Pem),
            Some(KeyFormat::Jwk),
            Some(KeyFormat::PublicKeyHex),
        ];
        for id in [
            "utf8",
            "hex",
            "base64",
            "whsec_base64",
            "v1_whsec_base64",
            "base64url",
        ] {
            if let Some(e) = SecretEncoding::from_id(id) {
                all.push(Some(KeyFormat::Secret(e)));
            }
        }
        all
    }

    fn key_text() -> impl Strategy<Value = String> {
        prop_oneof![
            ".{0,80}",
            "[0-9a-f]{0,70}",
            "(whsec_|whpk_|v1,whsec_)?[A-Za-z0-9+/=_-]{0,90}",
            r#"\{"kty":"(EC|RSA|OKP)","crv":"(P-256|P-384|Ed25519)","x":"[A-Za-z0-9_-]{0,50}","y":"[A-Za-z0-9_-]{0,50}"(,"kid":"[a-z]{0,5}")?\}"#,
            "-----BEGIN (PUBLIC KEY|CERTIFICATE|RSA PUBLIC KEY)-----\n[A-Za-z0-9+/=\n]{0,200}\n-----END (PUBLIC KEY|CERTIFICATE|RSA PUBLIC KEY)-----\n?",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        /// Any key text in any format: every provider gives a verifier or a
        /// typed error, never a panic, and the text shows nowhere.
        #[test]
        fn any_key_text_builds_or_fails_typed(
            texts in proptest::collection::vec(key_text(), 1..3),
            format_index in proptest::collection::vec(0usize..16, 1..3),
            token in proptest::option::of("[a-z]{0,8}"),
        ) {
            let formats = formats();
            for &provider in Provider::ALL {
                let mut config = VerifierConfig::new();
                for (i, text) in texts.iter().enumerate() {
                    let format = formats[format_index[i % format_index.len()] % formats.len()];
                    config.push_key(text.clone(), format, None);
                }
                if let Some(t) = &token {
                    config = config.with_verify_token(t.clone());
                }
                match provider.verifier(&config) {
                    Ok(verifier) => {
                        let shown = format!("{verifier:?}");
                        for text in texts.iter().filter(|t| t.len() >= 12) {
                            prop_assert!(!shown.contains(text.as_str()), "{provider}: key in Debug {shown}");
                        }
                        let headers = [("Content-Type", "application/json")];
                        let request = Request::new(&headers, b"{}").with_url("https://127.0.0.1/h");
                        if let Err(e) = verifier.verify_request(&request, Timestamp::from_unix_seconds(1_700_000_000)) {
                            let shown = format!("{e} {e:?}");
                            for text in texts.iter().filter(|t| t.len() >= 12) {
                                prop_assert!(!shown.contains(text.as_str()), "{provider}: key in error {shown}");
                            }
                        }
                    }
                    Err(e) => {
                        let shown = format!("{e} {e:?}");
                        prop_assert!(!shown.is_empty());
                        for text in texts.iter().filter(|t| t.len() >= 12) {
                            prop_assert!(!shown.contains(text.as_str()), "{provider}: key in SecretError {shown}");
                        }
                    }
                }
            }
        }
    }
}

/// SHA-256 written out, so a digest can be continued from its output
/// (length extension) without the secret that started it.
mod sha256_ext {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];

    fn compress(state: &mut [u32; 8], block: &[u8]) {
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([
                block[4 * i],
                block[4 * i + 1],
                block[4 * i + 2],
                block[4 * i + 3],
            ]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = h
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            h = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
            *s = s.wrapping_add(v);
        }
    }

    /// The padding SHA-256 appends to a message of `len` bytes.
    pub(crate) fn padding(len: usize) -> Vec<u8> {
        let mut pad = vec![0x80u8];
        while (len + pad.len()) % 64 != 56 {
            pad.push(0);
        }
        pad.extend_from_slice(&((len as u64) * 8).to_be_bytes());
        pad
    }

    /// Continues the digest `known` of a `prior_len`-byte message (padding
    /// included in what it covered) with `suffix`.
    pub(crate) fn extend(known: [u8; 32], prior_len: usize, suffix: &[u8]) -> [u8; 32] {
        let mut state = [0u32; 8];
        for (i, s) in state.iter_mut().enumerate() {
            *s = u32::from_be_bytes([
                known[4 * i],
                known[4 * i + 1],
                known[4 * i + 2],
                known[4 * i + 3],
            ]);
        }
        let glued = prior_len + padding(prior_len).len();
        let mut tail = suffix.to_vec();
        tail.extend(padding(glued + suffix.len()));
        for block in tail.chunks(64) {
            compress(&mut state, block);
        }
        let mut out = [0u8; 32];
        for (i, s) in state.iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&s.to_be_bytes());
        }
        out
    }

    pub(crate) fn digest(message: &[u8]) -> [u8; 32] {
        let iv = [
            0x6a09e667u32,
            0xbb67ae85,
            0x3c6ef372,
            0xa54ff53a,
            0x510e527f,
            0x9b05688c,
            0x1f83d9ab,
            0x5be0cd19,
        ];
        let mut state = iv;
        let mut all = message.to_vec();
        all.extend(padding(message.len()));
        for block in all.chunks(64) {
            compress(&mut state, block);
        }
        let mut out = [0u8; 32];
        for (i, s) in state.iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&s.to_be_bytes());
        }
        out
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn own_sha256_matches_a_value_computed_outside_the_crate() {
    // python3 -c 'import hashlib; print(hashlib.sha256(b"abc").hexdigest())'
    assert_eq!(
        hex(&sha256_ext::digest(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

/// HubSpot v1 is SHA-256(client secret || body), not an HMAC: from one
/// genuine v1 signature anyone who guesses the secret's length (a UUID:
/// 36 characters) signs the body with SHA-256 padding and any suffix.
/// That is HubSpot's scheme: by default the extended body verifies and
/// `covers()` must say `Prefix`, not `Body`; with v3 required, v1 is refused.
#[test]
fn hubspot_v1_length_extension_is_reported_or_refused() {
    let secret = "6f2c4e1a-7b3d-4c9e-8a15-0d2e3f4a5b6c";
    let body = br#"[{"eventId":1,"subscriptionType":"contact.creation","objectId":123}]"#;
    let mut signed = secret.as_bytes().to_vec();
    signed.extend_from_slice(body);
    // The genuine header, as HubSpot would send it.
    let genuine = sha256_ext::digest(&signed);

    // The attacker's side: the body, the header and a guessed length only.
    let prior = secret.len() + body.len();
    let suffix = br#",{"eventId":2,"subscriptionType":"deal.deletion","objectId":999}]"#;
    let mut forged = body.to_vec();
    forged.extend(sha256_ext::padding(prior));
    forged.extend_from_slice(suffix);
    let forged_sig = hex(&sha256_ext::extend(genuine, prior, suffix));

    let config = VerifierConfig::new().with_secret(secret);
    let verifier = Provider::Hubspot.verifier(&config).unwrap();
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    let genuine_hex = hex(&genuine);
    let ok = [
        ("X-HubSpot-Signature", genuine_hex.as_str()),
        ("X-HubSpot-Signature-Version", "v1"),
    ];
    assert!(
        verifier
            .verify_request(&Request::new(&ok, body), now)
            .is_ok()
    );
    let headers = [
        ("X-HubSpot-Signature", forged_sig.as_str()),
        ("X-HubSpot-Signature-Version", "v1"),
    ];
    let forged_request = Request::new(&headers, &forged);
    // Documented default: v1 is accepted, and says it proves a prefix only.
    let result = verifier.verify_request(&forged_request, now).unwrap();
    assert_eq!(
        result.verified().unwrap().covers(),
        SignedContent::Prefix,
        "a length-extended body is reported as covered"
    );

    let strict = Provider::Hubspot
        .verifier(&config.clone().require_hubspot_v3())
        .unwrap();
    for request in [Request::new(&ok, body), forged_request] {
        let err = strict.verify_request(&request, now).unwrap_err();
        assert_eq!(err.code(), "no_matching_scheme", "{err:?}");
    }
}

/// ECDSA signatures are malleable: with (r, s) valid, so is (r, n - s).
#[cfg(feature = "p256")]
mod ecdsa_malleability {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use webhook_kit::SystemClock;
    use webhook_kit::idempotency::{MemoryStore, ReplayGuard};

    /// The order of the P-256 group.
    const N: [u8; 32] = [
        0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63,
        0x25, 0x51,
    ];

    fn n_minus(s: &[u8; 32]) -> [u8; 32] {
        let mut out = [0u8; 32];
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let mut d = i16::from(N[i]) - i16::from(s[i]) - borrow;
            borrow = if d < 0 {
                d += 256;
                1
            } else {
                0
            };
            out[i] = u8::try_from(d).unwrap();
        }
        out
    }

    fn fixed(int: &[u8]) -> [u8; 32] {
        let int = &int[int.len().saturating_sub(32)..];
        let mut out = [0u8; 32];
        out[32 - int.len()..].copy_from_slice(int);
        out
    }

    fn der_int(v: &[u8; 32]) -> Vec<u8> {
        let start = v.iter().position(|b| *b != 0).unwrap_or(31);
        let mut body = v[start..].to_vec();
        if body[0] & 0x80 != 0 {
            body.insert(0, 0);
        }
        let mut out = vec![0x02, u8::try_from(body.len()).unwrap()];
        out.extend(body);
        out
    }

    /// Re-encodes a DER ECDSA signature with s replaced by n - s.
    fn malleate_der(der: &[u8]) -> Vec<u8> {
        assert_eq!(der[0], 0x30);
        let r_len = usize::from(der[3]);
        let r = &der[4..4 + r_len];
        let s_at = 4 + r_len;
        let s_len = usize::from(der[s_at + 1]);
        let s = &der[s_at + 2..s_at + 2 + s_len];
        let mut inner = der_int(&fixed(r));
        inner.extend(der_int(&n_minus(&fixed(s))));
        let mut out = vec![0x30, u8::try_from(inner.len()).unwrap()];
        out.extend(inner);
        out
    }

    fn fixture(name: &str) -> serde_json::Value {
        let all: serde_json::Value =
            serde_json::from_str(include_str!("fixtures/asymmetric.json")).unwrap();
        all[name].clone()
    }

    /// SendGrid sends no delivery id and by default checks no window;
    /// `signature_fingerprint` is documented as what a replay guard keys
    /// on. The same delivery, re-sent with (r, n - s), must not pass as a
    /// new message.
    #[test]
    fn sendgrid_replay_with_the_mirrored_signature_keeps_its_fingerprint() {
        let f = fixture("sendgrid");
        let t = |n: &str| f[n].as_str().unwrap().to_owned();
        let config = VerifierConfig::new().with_secret(t("public_key_base64_der"));
        let verifier = Provider::Sendgrid.verifier(&config).unwrap();
        let now = Timestamp::from_unix_seconds(
            f["timestamp"]
                .as_str()
                .map_or_else(|| f["timestamp"].as_i64().unwrap(), |s| s.parse().unwrap()),
        );
        let ts = t("timestamp");
        let sig = t("signature");
        let body = t("body");
        let headers = [
            ("X-Twilio-Email-Event-Webhook-Signature", sig.as_str()),
            ("X-Twilio-Email-Event-Webhook-Timestamp", ts.as_str()),
        ];
        let first = verifier
            .verify_request(&Request::new(&headers, body.as_bytes()), now)
            .unwrap();
        let mirrored = STANDARD.encode(malleate_der(&STANDARD.decode(&sig).unwrap()));
        assert_ne!(mirrored, sig);
        let headers = [
            ("X-Twilio-Email-Event-Webhook-Signature", mirrored.as_str()),
            ("X-Twilio-Email-Event-Webhook-Timestamp", ts.as_str()),
        ];
        if let Ok(again) = verifier.verify_request(&Request::new(&headers, body.as_bytes()), now) {
            // What the crate's own replay guard claims on.
            let guard = ReplayGuard::new(MemoryStore::new(SystemClock, 16));
            let first_key = guard.key_with_body(first.verified().unwrap(), body.as_bytes());
            let again_key = guard.key_with_body(again.verified().unwrap(), body.as_bytes());
            assert_eq!(
                again_key.unwrap(),
                first_key.unwrap(),
                "the replayed delivery gets a new replay-guard key"
            );
        }
    }

    /// Plaid's JWT signature is r || s: the same replay within the window.
    #[test]
    fn plaid_replay_with_the_mirrored_signature_keeps_its_fingerprint() {
        let f = fixture("plaid");
        let t = |n: &str| f[n].as_str().unwrap().to_owned();
        let config = VerifierConfig::new().with_secret(t("jwk"));
        let verifier = Provider::Plaid.verifier(&config).unwrap();
        let now = Timestamp::from_unix_seconds(f["iat"].as_i64().unwrap() + 60);
        let jwt = t("valid");
        let body = t("body");
        let headers = [("Plaid-Verification", jwt.as_str())];
        let first = verifier
            .verify_request(&Request::new(&headers, body.as_bytes()), now)
            .unwrap();
        let (signing_input, sig) = jwt.rsplit_once('.').unwrap();
        let raw = URL_SAFE_NO_PAD.decode(sig).unwrap();
        let mut mirrored = raw[..32].to_vec();
        mirrored.extend(n_minus(&fixed(&raw[32..])));
        let forged = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(&mirrored));
        let headers = [("Plaid-Verification", forged.as_str())];
        if let Ok(again) = verifier.verify_request(&Request::new(&headers, body.as_bytes()), now) {
            assert_eq!(
                again.verified().unwrap().signature_fingerprint(),
                first.verified().unwrap().signature_fingerprint(),
                "the replayed delivery has a new fingerprint"
            );
        }
    }
}

/// Asana's handshake hands over the secret later deliveries are signed
/// with (`X-Hook-Secret`); the handshake carries it as a reply header, and
/// its `Debug` (what a `tracing` field or a log line prints) must not show it.
#[test]
fn asana_hook_secret_does_not_show_in_debug() {
    let config = VerifierConfig::new().with_secret("asana-existing-hook-secret");
    let verifier = Provider::Asana.verifier(&config).unwrap();
    let hook_secret = "b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e81";
    let headers = [("X-Hook-Secret", hook_secret)];
    let outcome = verifier
        .verify_request(&Request::new(&headers, b""), Timestamp::UNIX_EPOCH)
        .unwrap();
    let handshake = outcome.handshake().unwrap();
    assert!(handshake.headers().any(|(_, v)| v == hook_secret));
    let shown = format!("{outcome:?}");
    assert!(
        !shown.contains(hook_secret),
        "the hook secret is in Debug: {shown}"
    );
}

/// HubSpot v2 is SHA-256(client secret || method || URI || body): the same
/// extension appends to the body of a captured v2 delivery: reported as
/// `Prefix` by default, refused with v3 required.
#[test]
fn hubspot_v2_length_extension_is_reported_or_refused() {
    let secret = "6f2c4e1a-7b3d-4c9e-8a15-0d2e3f4a5b6c";
    let uri = "https://hooks.example.com/hubspot?portal=62515";
    let body = br#"{"objectId":123,"properties":{"stage":"open"}}"#;
    let mut signed = secret.as_bytes().to_vec();
    signed.extend_from_slice(b"POST");
    signed.extend_from_slice(uri.as_bytes());
    signed.extend_from_slice(body);
    let genuine = sha256_ext::digest(&signed);

    let prior = signed.len();
    let suffix = br#"{"objectId":123,"properties":{"stage":"closedwon","amount":"1"}}"#;
    let mut forged = body.to_vec();
    forged.extend(sha256_ext::padding(prior));
    forged.extend_from_slice(suffix);
    let forged_sig = hex(&sha256_ext::extend(genuine, prior, suffix));

    let config = VerifierConfig::new().with_secret(secret);
    let verifier = Provider::Hubspot.verifier(&config).unwrap();
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    let genuine_hex = hex(&genuine);
    let ok = [
        ("X-HubSpot-Signature", genuine_hex.as_str()),
        ("X-HubSpot-Signature-Version", "v2"),
    ];
    let request = Request::new(&ok, body).with_url(uri);
    assert!(verifier.verify_request(&request, now).is_ok());
    let headers = [
        ("X-HubSpot-Signature", forged_sig.as_str()),
        ("X-HubSpot-Signature-Version", "v2"),
    ];
    let forged_request = Request::new(&headers, &forged).with_url(uri);
    let result = verifier.verify_request(&forged_request, now).unwrap();
    assert_eq!(
        result.verified().unwrap().covers(),
        SignedContent::Prefix,
        "a length-extended body is reported as covered"
    );

    let strict = Provider::Hubspot
        .verifier(&config.clone().require_hubspot_v3())
        .unwrap();
    for request in [request, forged_request] {
        let err = strict.verify_request(&request, now).unwrap_err();
        assert_eq!(err.code(), "no_matching_scheme", "{err:?}");
    }
}

/// HMAC-SHA256 from the SHA-256 above (RFC 2104), for keys up to 64 bytes.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut inner = vec![0x36u8; 64];
    let mut outer = vec![0x5cu8; 64];
    for (i, k) in key.iter().enumerate() {
        inner[i] ^= k;
        outer[i] ^= k;
    }
    inner.extend_from_slice(message);
    outer.extend_from_slice(&sha256_ext::digest(&inner));
    sha256_ext::digest(&outer)
}

#[test]
fn own_hmac_matches_a_value_computed_outside_the_crate() {
    // python3 -c 'import hmac,hashlib; print(hmac.new(b"key", b"The quick brown fox jumps over the lazy dog", hashlib.sha256).hexdigest())'
    assert_eq!(
        hex(&hmac_sha256(
            b"key",
            b"The quick brown fox jumps over the lazy dog"
        )),
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    );
}

/// GitHub picks the payload's form from `Content-Type`, which is not
/// signed. A genuine JSON delivery whose text holds `&payload=...` (an
/// issue comment anyone can write) replayed as a form makes
/// `Verified::payload` return the attacker's text instead of the body.
#[test]
fn github_payload_is_the_signed_body_whatever_the_content_type() {
    let secret = "github-hook-secret";
    let comment = "nice &payload=%7B%22action%22%3A%22deleted%22%2C%22repository%22%3A%7B%22full_name%22%3A%22victim%2Fprod%22%7D%7D& thanks";
    let body = format!(
        r#"{{"action":"created","comment":{{"body":"{comment}"}},"repository":{{"full_name":"victim/prod"}}}}"#
    );
    let signature = format!(
        "sha256={}",
        hex(&hmac_sha256(secret.as_bytes(), body.as_bytes()))
    );
    let config = VerifierConfig::new().with_secret(secret);
    let verifier = Provider::Github.verifier(&config).unwrap();
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    let as_sent = [
        ("X-Hub-Signature-256", signature.as_str()),
        ("Content-Type", "application/json"),
    ];
    let outcome = verifier
        .verify_request(&Request::new(&as_sent, body.as_bytes()), now)
        .unwrap();
    let payload = outcome
        .verified()
        .unwrap()
        .payload(body.as_bytes())
        .unwrap();
    assert_eq!(&*payload, body.as_bytes());

    let replayed = [
        ("X-Hub-Signature-256", signature.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    if let Ok(outcome) = verifier.verify_request(&Request::new(&replayed, body.as_bytes()), now) {
        let payload = outcome.verified().unwrap().payload(body.as_bytes());
        // Refusing a body that is not a form (an `Err` here) is a fix too.
        if let Ok(payload) = payload {
            assert_eq!(
                String::from_utf8_lossy(&payload),
                body,
                "the verified payload is text the attacker chose"
            );
        }
    }
}

/// Shopify's admin query signature (`hmac` on OAuth callbacks and app
/// loads) passes through the merchant's browser, so any merchant of the
/// app holds fresh ones. The registry's Shopify verifier, pointed at a
/// webhook endpoint, accepts such a query as proof for a body-less POST
/// dressed as a webhook (`X-Shopify-Topic: app/uninstalled` with another
/// shop's domain): only a GET should be taken for an admin request.
#[test]
fn shopify_webhook_post_is_not_verified_by_an_admin_query() {
    // Shopify's documented OAuth example (client secret `hush`).
    let query = "code=0907a61c0c8d55e99db179b68161bc00\
                 &hmac=700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf\
                 &shop=some-shop.myshopify.com&state=0.6784241404160823&timestamp=1337178173";
    let url = format!("https://app.example/webhooks/shopify?{query}");
    let config = VerifierConfig::new().with_secret("hush");
    let verifier = Provider::Shopify.verifier(&config).unwrap();
    let now = Timestamp::from_unix_seconds(1_337_178_173);

    let as_a_page = Request::new(&[("Accept", "text/html")], b"")
        .with_method("GET")
        .with_url(&url);
    assert!(verifier.verify_request(&as_a_page, now).is_ok());

    let headers = [
        ("X-Shopify-Topic", "app/uninstalled"),
        ("X-Shopify-Shop-Domain", "victim-shop.myshopify.com"),
        ("Content-Type", "application/json"),
    ];
    let webhook = Request::new(&headers, b"")
        .with_method("POST")
        .with_url(&url);
    let result = verifier.verify_request(&webhook, now);
    assert!(
        result.is_err(),
        "a POST webhook verified on a merchant's admin query: {result:?}"
    );
}

/// Twilio signs the URL followed by each parameter's name and value with
/// no delimiter, so parameters can be merged: a parameter's value can
/// swallow the names and values after it. Twilio's published example
/// (auth token `12345`) still verifies with `Digits=1234From+1...To+1...`
/// and no `From` or `To`. Inherent in Twilio's scheme, and documented: the
/// test pins that behaviour and that `covers()` names the parameters.
#[cfg(feature = "sha1")]
#[test]
fn twilio_merged_parameters_verify_as_documented() {
    // python3: base64(hmac.new(b"12345", url + "CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212", sha1))
    let signature = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
    let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    let config = VerifierConfig::new().with_secret("12345");
    let verifier = Provider::Twilio.verifier(&config).unwrap();
    let headers = [
        ("X-Twilio-Signature", signature),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let now = Timestamp::UNIX_EPOCH;
    let genuine = b"CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234\
                    &From=%2B14158675309&To=%2B18005551212";
    let merged = b"CallSid=CA1234567890ABCDE&Caller=%2B14158675309\
                   &Digits=1234From%2B14158675309To%2B18005551212";
    for body in [&genuine[..], &merged[..]] {
        let outcome = verifier
            .verify_request(&Request::new(&headers, body).with_url(url), now)
            .unwrap();
        assert_eq!(
            outcome.verified().unwrap().covers(),
            SignedContent::UrlAndParams
        );
    }
    // A change to the concatenated text itself is still refused.
    let altered = b"CallSid=CA1234567890ABCDE&Caller=%2B14158675309\
                    &Digits=1234From%2B14158675309To%2B18005551213";
    let result = verifier.verify_request(&Request::new(&headers, altered).with_url(url), now);
    assert_eq!(result.unwrap_err().code(), "signature_mismatch");
}

/// Shopify's app proxy signature joins `key=value` pairs with nothing
/// between them, so one value can swallow the next pair: Shopify's
/// documented example (secret `hush`) verifies with `path_prefix` folded
/// into `extra`. Inherent in Shopify's scheme, and documented.
#[test]
fn shopify_app_proxy_merged_parameters_verify_as_documented() {
    // python3: hmac.new(b"hush", b"extra=1,2path_prefix=/apps/awesome_reviewsshop=shop-name.myshopify.comtimestamp=1317327555", sha256).hexdigest()
    let signature = "a9718877bea71c2484f91608a7eaea1532bdf71f5c56825065fa4ccabe549ef3";
    let config = VerifierConfig::new().with_secret("hush");
    let verifier = Provider::Shopify.verifier(&config).unwrap();
    let now = Timestamp::from_unix_seconds(1_317_327_555);
    let none: [(&str, &str); 0] = [];
    for query in [
        "extra=1&extra=2&shop=shop-name.myshopify.com&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555",
        "extra=1%2C2path_prefix%3D%2Fapps%2Fawesome_reviews&shop=shop-name.myshopify.com&timestamp=1317327555",
    ] {
        let url = format!("https://app.example/proxy?{query}&signature={signature}");
        let request = Request::new(&none, b"").with_method("GET").with_url(&url);
        let outcome = verifier.verify_request(&request, now).unwrap();
        assert_eq!(outcome.verified().unwrap().covers(), SignedContent::Query);
    }
}
