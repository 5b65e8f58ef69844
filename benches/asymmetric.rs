//! Asymmetric verify cost through the crate against the same `aws-lc-rs`
//! primitive called bare with a key parsed beforehand, over the same signed
//! bytes, in the same run: Ed25519 (Discord), ECDSA P-256 (SendGrid) and
//! RSA-2048 PKCS#1 v1.5 (PayPal); both sides of a pair share one key and
//! one signature. Run with
//! `cargo bench --bench asymmetric --features ed25519,p256,rsa`.
#![allow(clippy::unwrap_used, reason = "set-up panics on a broken fixture")]

use std::sync::OnceLock;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    self, ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING, ED25519, EcdsaKeyPair,
    KeyPair as _, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaKeyPair,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use divan::{Bencher, black_box};
use webhook_kit::providers::{discord, paypal, sendgrid};
use webhook_kit::{Ed25519SigningKey, Keyring, RsaPublicKey, Timestamp};

const SIZES: [usize; 2] = [1024, 16 * 1024];
const NOW: i64 = 1_700_000_000;
const TS: &str = "1700000000";

fn body(size: usize) -> Vec<u8> {
    (0..size)
        .map(|i| b"abcdefghijklmnopqrstuvwxyz{}:,\""[i % 31])
        .collect()
}

fn main() {
    divan::main();
}

mod ed25519_discord {
    use super::*;

    fn setup(size: usize) -> (Ed25519SigningKey, Vec<u8>) {
        (Ed25519SigningKey::from_seed(&[7; 32]).unwrap(), body(size))
    }

    #[divan::bench(args = SIZES)]
    fn bare(bencher: Bencher, size: usize) {
        let (key, body) = setup(size);
        let headers = discord::sign(&key, Timestamp::from_unix_seconds(NOW), &body);
        let signature = const_hex::decode(headers.get(discord::SIGNATURE_HEADER).unwrap()).unwrap();
        let message = [TS.as_bytes(), &body].concat();
        let parsed = ParsedPublicKey::new(&ED25519, key.public_key().as_bytes()).unwrap();
        bencher.bench_local(|| parsed.verify_sig(black_box(&message), &signature).unwrap());
    }

    #[divan::bench(args = SIZES)]
    fn crate_verify(bencher: Bencher, size: usize) {
        let (key, body) = setup(size);
        let now = Timestamp::from_unix_seconds(NOW);
        let headers = discord::sign(&key, now, &body);
        let verifier = discord::Verifier::new(Keyring::from(key.public_key()));
        bencher.bench_local(|| verifier.verify(&headers, black_box(&body), now).unwrap());
    }
}

mod p256_sendgrid {
    use super::*;

    struct Fixture {
        point: Vec<u8>,
        signature: Vec<u8>,
        body: Vec<u8>,
    }

    /// One key and signature per size, shared by `bare` and `crate_verify`.
    fn setup(size: usize) -> &'static Fixture {
        static FIXTURES: OnceLock<Vec<Fixture>> = OnceLock::new();
        let all = FIXTURES.get_or_init(|| SIZES.iter().map(|&s| make(s)).collect());
        &all[SIZES.iter().position(|&s| s == size).unwrap()]
    }

    fn make(size: usize) -> Fixture {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap();
        let body = body(size);
        let message = [TS.as_bytes(), &body].concat();
        let signature = pair.sign(&rng, &message).unwrap().as_ref().to_vec();
        Fixture {
            point: pair.public_key().as_ref().to_vec(),
            signature,
            body,
        }
    }

    #[divan::bench(args = SIZES)]
    fn bare(bencher: Bencher, size: usize) {
        let f = setup(size);
        let message = [TS.as_bytes(), &f.body].concat();
        let parsed = ParsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &f.point).unwrap();
        bencher.bench_local(|| {
            parsed
                .verify_sig(black_box(&message), &f.signature)
                .unwrap()
        });
    }

    #[divan::bench(args = SIZES)]
    fn crate_verify(bencher: Bencher, size: usize) {
        let f = setup(size);
        let key = sendgrid::parse_public_key(&const_hex::encode(&f.point)).unwrap();
        let verifier = sendgrid::Verifier::new(Keyring::from(key));
        let signature = STANDARD.encode(&f.signature);
        let headers = [
            (sendgrid::SIGNATURE_HEADER, signature.as_str()),
            (sendgrid::TIMESTAMP_HEADER, TS),
        ];
        let now = Timestamp::from_unix_seconds(NOW);
        bencher.bench_local(|| verifier.verify(&headers, black_box(&f.body), now).unwrap());
    }
}

mod rsa_paypal {
    use super::*;

    const ID: &str = "69cd13f0-d67a-11e5-baa3-778b53f4ae55";
    const TIME: &str = "2016-02-18T20:01:35Z";
    const WEBHOOK_ID: &str = "1JE4291016473214C";

    struct Fixture {
        public_der: Vec<u8>,
        signature: Vec<u8>,
        body: Vec<u8>,
    }

    fn signed_string(body: &[u8]) -> String {
        format!("{ID}|{TIME}|{WEBHOOK_ID}|{}", crc32fast::hash(body))
    }

    /// One key and signature per size, shared by `bare` and `crate_verify`.
    fn setup(size: usize) -> &'static Fixture {
        static FIXTURES: OnceLock<Vec<Fixture>> = OnceLock::new();
        let all = FIXTURES.get_or_init(|| SIZES.iter().map(|&s| make(s)).collect());
        &all[SIZES.iter().position(|&s| s == size).unwrap()]
    }

    fn make(size: usize) -> Fixture {
        let pair = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let body = body(size);
        let mut sig = vec![0u8; pair.public_modulus_len()];
        pair.sign(
            &signature::RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            signed_string(&body).as_bytes(),
            &mut sig,
        )
        .unwrap();
        Fixture {
            public_der: pair.public_key().as_ref().to_vec(),
            signature: sig,
            body,
        }
    }

    #[divan::bench(args = SIZES)]
    fn bare(bencher: Bencher, size: usize) {
        let f = setup(size);
        let message = signed_string(&f.body).into_bytes();
        let parsed = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &f.public_der).unwrap();
        bencher.bench_local(|| {
            parsed
                .verify_sig(black_box(&message), &f.signature)
                .unwrap()
        });
    }

    #[divan::bench(args = SIZES)]
    fn crate_verify(bencher: Bencher, size: usize) {
        let f = setup(size);
        let key = RsaPublicKey::from_base64_der(&STANDARD.encode(&f.public_der)).unwrap();
        let verifier = paypal::Verifier::new(WEBHOOK_ID, Keyring::from(key)).unwrap();
        let signature = STANDARD.encode(&f.signature);
        let headers = [
            (paypal::TRANSMISSION_ID_HEADER, ID),
            (paypal::TRANSMISSION_TIME_HEADER, TIME),
            (paypal::TRANSMISSION_SIG_HEADER, signature.as_str()),
            (
                paypal::CERT_URL_HEADER,
                "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77",
            ),
            (paypal::AUTH_ALGO_HEADER, paypal::AUTH_ALGO),
        ];
        let now = Timestamp::from_unix_seconds(NOW);
        bencher.bench_local(|| verifier.verify(&headers, black_box(&f.body), now).unwrap());
    }
}
