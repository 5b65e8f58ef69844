//! Paddle Billing: `Paddle-Signature: ts=<unix>;h1=<hex>[;h1=<hex>...]`,
//! HMAC-SHA256 over `"{ts}:{body}"`, keyed with the notification
//! destination's secret key (`pdl_ntfset_...`) **as text**.
//!
//! - Several `h1` entries may arrive while a secret is rolled: any match is
//!   enough. Keys other than `ts` and `h1` (such as `h2`) are ignored; a
//!   header with no `h1` at all is malformed.
//! - Tolerance: **5 s**, Paddle's default, checked both ways in this crate
//!   (a timestamp exactly 5 s old is accepted). That is tight: verify on
//!   receipt, before queueing, or widen it with [`Verifier::with_tolerance`].
//! - No delivery id header; the event id is the body's `notification_id`,
//!   or `event_id` when there is none ([`Verified::event_id`]). Each
//!   notification destination has its own secret.
//! - Paddle Classic (`p_signature`, RSA) is a different scheme and is not
//!   handled here.
//!
//! The verify path allocates nothing.

use std::time::Duration;

use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::{self, Timestamp, TimestampCheck, Tolerance};
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "Paddle-Signature";

/// The window of Paddle's SDK helpers: five seconds.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5);

/// Verifies Paddle Billing notifications.
///
/// ```
/// use webhook_kit::providers::paddle;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let secret = Secret::from_text("pdl_ntfset_01_test")?;
/// let body = br#"{"event_id":"evt_01","notification_id":"ntf_01"}"#;
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
/// let headers = paddle::sign(&secret, now, body);
///
/// let verifier = paddle::Verifier::new(Keyring::from(secret));
/// let verified = verifier.verify(&headers, body, now)?;
/// assert_eq!(verified.event_id(body).as_deref(), Some("ntf_01"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the destination secret keys in `keyring` (each built
    /// with [`Secret::from_text`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// Verifies a notification.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the header,
    /// [`VerifyError::MalformedHeader`] when `ts` or every `h1` is missing
    /// or unreadable, [`VerifyError::SignatureMismatch`] when no `h1`
    /// matches, and the timestamp errors.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        if !headers::present(headers, SIGNATURE_HEADER) {
            return Err(VerifyError::MissingHeader {
                name: SIGNATURE_HEADER,
            });
        }

        let raw_ts = the_one(headers, "ts")?;
        let signed_at = time::parse_unix_seconds(raw_ts)
            .map_err(|e| VerifyError::malformed(SIGNATURE_HEADER, e))?;

        let signatures = || values(headers, "h1");
        // Paddle always sends an `h1`; a header without one is not a Paddle header.
        if signatures().next().is_none() {
            return Err(VerifyError::malformed(
                SIGNATURE_HEADER,
                Malformed::MissingPart("h1"),
            ));
        }
        let candidates =
            || signatures().map(|value| crypto::decode_tag::<32>(value, TagEncoding::Hex));
        let target = MatchTarget {
            header: SIGNATURE_HEADER,
            scheme: "h1",
            covers: SignedContent::Body,
        };
        let key_index = self
            .keys
            .find(now, &[raw_ts, b":", body], target, candidates)?;

        self.check.apply(signed_at, now)?;
        Ok(Verified::new(Provider::Paddle, key_index).signed_at(signed_at))
    }
}

/// The values of the `key=value` items named `key`, across all header lines.
fn values<'h>(headers: &'h dyn Headers, key: &'h str) -> impl Iterator<Item = &'h [u8]> + 'h {
    headers::list_items(headers, SIGNATURE_HEADER, b';').filter_map(move |item| {
        let (name, value) = item.split_at_checked(key.len())?;
        let value = value.strip_prefix(b"=")?;
        (name == key.as_bytes()).then(|| headers::trim(value))
    })
}

/// The value of a key that must appear once (repeats with the same value pass).
fn the_one<'h>(headers: &'h dyn Headers, key: &'static str) -> Result<&'h [u8], VerifyError> {
    let mut found = values(headers, key);
    let first = found.next().ok_or(VerifyError::malformed(
        SIGNATURE_HEADER,
        Malformed::MissingPart(key),
    ))?;
    if found.any(|other| other != first) {
        return Err(VerifyError::malformed(
            SIGNATURE_HEADER,
            Malformed::DuplicateParam(key),
        ));
    }
    Ok(first)
}

timestamp_options!(Verifier);

verify_headers_and_body!(Provider::Paddle);

/// Signs `body` as Paddle does, at `timestamp` (whole seconds are used).
pub fn sign(secret: &Secret, timestamp: Timestamp, body: &[u8]) -> SignedHeaders {
    let ts = timestamp.as_unix_seconds().to_string();
    let tag = crypto::hmac_sha256(secret.expose_bytes(), &[ts.as_bytes(), b":", body]);
    SignedHeaders::new().with(
        SIGNATURE_HEADER,
        format!("ts={ts};h1={}", crypto::hex(&tag)),
    )
}

/// The event id in a Paddle body: `notification_id`, else `event_id`.
pub(crate) fn event_id(body: &[u8]) -> Option<String> {
    use crate::provider::json_string_field;
    json_string_field(body, &["notification_id"]).or_else(|| json_string_field(body, &["event_id"]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const SDK_TS: i64 = 1_698_796_800;
    const SDK_BODY: &[u8] = br#"{"data": ["1", "2"]}"#;
    const SDK_H1: &str = "a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9";

    fn secret() -> Secret {
        Secret::from_text("VALID_SECRET").unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(secret()))
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds)
    }

    fn check(header: &str, body: &[u8], now: i64) -> Result<Verified, VerifyError> {
        verifier().verify(&[(SIGNATURE_HEADER, header)], body, at(now))
    }

    #[test]
    fn published_sdk_vectors() {
        let headers = sign(&secret(), at(SDK_TS), SDK_BODY);
        let expected = format!("ts=1698796800;h1={SDK_H1}");
        assert_eq!(headers.get(SIGNATURE_HEADER), Some(expected.as_str()));

        let other = sign(&secret(), at(SDK_TS), br#"{"data": "value"}"#);
        assert_eq!(
            other.get(SIGNATURE_HEADER),
            Some(
                "ts=1698796800;h1=28981e941fae76e53db32f3d2a83cb69db41476595e84e1970a1b5d98f62b261"
            )
        );

        let verified = verifier().verify(&headers, SDK_BODY, at(SDK_TS)).unwrap();
        assert_eq!(verified.provider(), Provider::Paddle);
        assert_eq!(verified.timestamp(), Some(at(SDK_TS)));
    }

    #[test]
    fn any_flipped_bit_fails() {
        let good = format!("ts={SDK_TS};h1={SDK_H1}");
        assert!(check(&good, SDK_BODY, SDK_TS).is_ok());

        for body in bit_flips(SDK_BODY) {
            assert!(check(&good, &body, SDK_TS).is_err());
        }
        let tag = const_hex::decode(SDK_H1).unwrap();
        for bad in bit_flips(&tag) {
            let header = format!("ts={SDK_TS};h1={}", crypto::hex(&bad));
            assert!(check(&header, SDK_BODY, SDK_TS).is_err());
        }
        for ts in bit_flips(SDK_TS.to_string().as_bytes()) {
            let Ok(ts) = String::from_utf8(ts) else {
                continue;
            };
            let header = format!("ts={ts};h1={SDK_H1}");
            // The clock follows the flipped value, so only the signature can refuse it.
            let now = ts.parse().unwrap_or(SDK_TS);
            assert!(check(&header, SDK_BODY, now).is_err(), "{ts}");
        }
        for key in bit_flips(secret().expose_bytes()) {
            let v = Verifier::new(Keyring::from(Secret::from_bytes(key)));
            let headers = [(SIGNATURE_HEADER, good.as_str())];
            assert!(v.verify(&headers, SDK_BODY, at(SDK_TS)).is_err());
        }
    }

    #[test]
    fn five_second_window_both_ways() {
        let good = format!("ts={SDK_TS};h1={SDK_H1}");
        assert!(check(&good, SDK_BODY, SDK_TS + 5).is_ok());
        assert!(check(&good, SDK_BODY, SDK_TS - 5).is_ok());
        assert!(matches!(
            check(&good, SDK_BODY, SDK_TS + 6),
            Err(VerifyError::TimestampTooOld { .. })
        ));
        assert!(matches!(
            check(&good, SDK_BODY, SDK_TS - 6),
            Err(VerifyError::TimestampInFuture { .. })
        ));
        let relaxed = verifier().with_tolerance(Duration::from_secs(60));
        let headers = [(SIGNATURE_HEADER, good.as_str())];
        assert!(relaxed.verify(&headers, SDK_BODY, at(SDK_TS + 60)).is_ok());
    }

    #[test]
    fn any_of_several_h1_may_match() {
        let zero = "0".repeat(64);
        for header in [
            format!("ts={SDK_TS};h1={zero};h1={SDK_H1}"),
            format!("ts={SDK_TS};h1={SDK_H1};h1={zero}"),
            format!("ts={SDK_TS};h1=not-hex;h1={SDK_H1}"),
            format!("ts={SDK_TS}; h1={SDK_H1} ;"),
        ] {
            assert!(check(&header, SDK_BODY, SDK_TS).is_ok(), "{header}");
        }
        let none = format!("ts={SDK_TS};h1={zero};h1={zero}");
        assert!(matches!(
            check(&none, SDK_BODY, SDK_TS),
            Err(VerifyError::SignatureMismatch { signatures: 2, .. })
        ));
    }

    #[test]
    fn unknown_keys_are_ignored() {
        let header = format!("ts={SDK_TS};h2=whatever;h1={SDK_H1};x=1");
        assert!(check(&header, SDK_BODY, SDK_TS).is_ok());
        // `h10` is not `h1`.
        let lookalike = format!("ts={SDK_TS};h10={SDK_H1}");
        assert!(check(&lookalike, SDK_BODY, SDK_TS).is_err());
    }

    #[test]
    fn structure_errors() {
        assert_eq!(
            check("ts=1234;h2=invalid_header", SDK_BODY, 1234).unwrap_err(),
            VerifyError::malformed(SIGNATURE_HEADER, Malformed::MissingPart("h1"))
        );
        assert_eq!(
            check(&format!("h1={SDK_H1}"), SDK_BODY, SDK_TS).unwrap_err(),
            VerifyError::malformed(SIGNATURE_HEADER, Malformed::MissingPart("ts"))
        );
        assert_eq!(
            check(&format!("ts=1;ts=2;h1={SDK_H1}"), SDK_BODY, SDK_TS).unwrap_err(),
            VerifyError::malformed(SIGNATURE_HEADER, Malformed::DuplicateParam("ts"))
        );
        assert_eq!(
            check(&format!("ts=1698796800000;h1={SDK_H1}"), SDK_BODY, SDK_TS).unwrap_err(),
            VerifyError::malformed(SIGNATURE_HEADER, Malformed::TimestampLooksLikeMillis)
        );
        assert!(matches!(
            check(&format!("ts={SDK_TS};h1=abc"), SDK_BODY, SDK_TS),
            Err(VerifyError::MalformedHeader { .. })
        ));
        let none: [(&str, &str); 0] = [];
        assert_eq!(
            verifier().verify(&none, SDK_BODY, at(SDK_TS)).unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_HEADER
            }
        );
    }

    #[test]
    fn items_may_span_header_lines() {
        let headers = [
            ("paddle-signature", format!("ts={SDK_TS}")),
            ("Paddle-Signature", format!("h1={SDK_H1}")),
        ];
        assert!(verifier().verify(&headers, SDK_BODY, at(SDK_TS)).is_ok());
    }

    #[test]
    fn destination_secret_is_used_verbatim() {
        let secret = Secret::from_text(
            "pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI5vEI",
        )
        .unwrap();
        let headers = sign(&secret, at(SDK_TS), SDK_BODY);
        let direct = crypto::hmac_sha256(
            b"pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI5vEI",
            &[b"1698796800:", SDK_BODY],
        );
        let expected = format!("ts=1698796800;h1={}", crypto::hex(&direct));
        assert_eq!(headers.get(SIGNATURE_HEADER), Some(expected.as_str()));
    }

    #[test]
    fn event_id_prefers_notification_id() {
        let both = br#"{"event_id":"evt_01","notification_id":"ntf_01","data":{}}"#;
        assert_eq!(event_id(both).as_deref(), Some("ntf_01"));
        let only_event = br#"{"event_id":"evt_01","data":{}}"#;
        assert_eq!(event_id(only_event).as_deref(), Some("evt_01"));
        assert_eq!(event_id(b"{}"), None);

        let headers = sign(&secret(), at(SDK_TS), both);
        let verified = verifier().verify(&headers, both, at(SDK_TS)).unwrap();
        assert_eq!(verified.idempotency_key(both).as_deref(), Some("ntf_01"));
    }

    #[test]
    fn registry_builds_it() {
        let config = crate::VerifierConfig::new().with_secret("VALID_SECRET");
        let v = Provider::Paddle.verifier(&config).unwrap();
        let headers = sign(&secret(), at(SDK_TS), SDK_BODY);
        let request = Request::new(&headers, SDK_BODY);
        assert!(v.verify_request(&request, at(SDK_TS + 5)).is_ok());
        assert!(v.verify_request(&request, at(SDK_TS + 6)).is_err());
    }
}
