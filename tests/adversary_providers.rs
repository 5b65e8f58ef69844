//! Attacks on inbound verification: each test here states what an attacker
//! without the provider's secret must not be able to do.

use webhook_kit::{Outcome, Provider, Request, Timestamp, VerifierConfig, Verify};

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
    let crc = Request::new(&no_headers, b"").with_method("GET").with_url(&url);
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
                rows.sort_by(|a, b| b.0.cmp(&a.0));
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
    /// can make. `covers()` says `Body` and no limitation says otherwise.
    #[test]
    fn paypal_signature_does_not_cover_a_body_with_the_same_crc32() {
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
        let genuine = verifier.verify_request(&Request::new(&headers, original.as_bytes()), now);
        assert!(genuine.is_ok(), "{genuine:?}");
        let result = verifier.verify_request(&Request::new(&headers, forged.as_bytes()), now);
        assert!(
            result.is_err(),
            "a different body with the same CRC-32 verified as {result:?}"
        );
    }
}

#[cfg(feature = "rsa")]
mod paypal_cert_url {
    use webhook_kit::providers::paypal::trusted_cert_url;

    fn check(url: &str) -> Result<String, String> {
        let headers = [("PAYPAL-CERT-URL", url)];
        trusted_cert_url(&headers)
            .map(str::to_owned)
            .map_err(|e| e.code().to_owned())
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
            assert!(check(url).is_ok(), "{url} was refused: {:?}", check(url));
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
            if let Ok(text) = check(url) {
                let plain = text.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
                assert!(plain, "{url:?} came back trusted as {text:?}");
            }
        }
    }
}
