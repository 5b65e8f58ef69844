//! Shopify: webhooks, plus the two query-string signatures of the admin
//! (OAuth and embedded app loads) and of app proxies. All three are
//! HMAC-SHA256 keyed with the app's client secret **as text**.
//!
//! # Webhooks
//!
//! - `X-Shopify-Hmac-Sha256: <base64>` over the raw body. Standard base64
//!   with padding: a hex digest in its place is refused as malformed.
//! - The newer lower-case family (`shopify-hmac-sha256`,
//!   `shopify-webhook-id`, `shopify-event-id`) is read first when its HMAC
//!   header is present, as shopify-api-js does.
//! - No timestamp, so no tolerance. The delivery id is
//!   `X-Shopify-Webhook-Id`, falling back to `X-Shopify-Event-Id` (then
//!   the other family's two).
//! - Webhooks created by hand in the shop admin (Settings, Notifications)
//!   are signed with the key shown on that page, not the app's secret:
//!   add that key to the keyring to accept them.
//! - An empty body is hashed like any other; shopify-api-js refuses one
//!   before the HMAC, which changes nothing for an authentic delivery.
//! - [`Verifier::verify`] does not allocate.
//!
//! # OAuth and admin query (`hmac`)
//!
//! [`OAuthVerifier`]: the query without `hmac` and `signature`, decoded,
//! sorted by key (byte order), re-encoded as `key=value` pairs joined by
//! `&` (values and keys percent-encoded as `URLSearchParams` does, with a
//! space as `%20`), then HMAC-SHA256 in lowercase hex. Repeated keys have
//! their values joined with `,` in arrival order.
//!
//! # App proxy (`signature`)
//!
//! [`AppProxyVerifier`]: the query without `signature`, decoded, sorted by
//! key, each key written as `key=value` with repeated keys' values joined
//! by `,` in arrival order, all pairs concatenated with no separator, then
//! HMAC-SHA256 in lowercase hex.
//! With no separator, the signature does not fix where one pair ends: a
//! value can swallow the pairs after it (`extra=1,2path_prefix=...`
//! signs as `extra=1,2` plus `path_prefix=...`). This is Shopify's scheme;
//! read the proxied parameters knowing that their grouping is not signed.
//!
//! Both query checks require `timestamp` within [`DEFAULT_TOLERANCE`]
//! (90 s) in both directions, and refuse a query in which `hmac`, `shop`,
//! `signature` or `timestamp` appears more than once. They parse the query
//! and allocate: one `Vec` of the parameters and one `String` for the
//! signed message (both sized up front), plus the decoded copy of each key
//! or value that holds a percent-escape or `+` (one to three allocations
//! each as the decoder grows it). Shopify's documented OAuth example takes
//! 2 allocations, its app proxy example 5.
//!
//! # Which check `verify_request` runs
//!
//! [`Verifier`] implements [`Verify`] for all three:
//!
//! - any webhook header present (`X-Shopify-Hmac-Sha256`,
//!   `X-Shopify-Topic`, `X-Shopify-Shop-Domain`, `X-Shopify-Webhook-Id`,
//!   ... or their lower-case `shopify-` family) means a webhook, which
//!   must carry the webhook HMAC;
//! - otherwise a body-less `GET` whose query holds `hmac` is checked as an
//!   admin or OAuth request;
//! - otherwise a body-less request (any method) whose query holds
//!   `signature` is checked as an app proxy request;
//! - anything else is [`VerifyError::MissingHeader`] for
//!   `X-Shopify-Hmac-Sha256`.
//!
//! The admin `hmac` passes through the merchant's browser, so every
//! merchant of the app can obtain fresh ones: it is accepted only for the
//! `GET` requests it is made for, never for a `POST` or anything dressed
//! as a webhook.

use std::time::Duration;

use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{SignedContent, VerifyError};
use crate::headers::{self, HeaderKey, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::{Timestamp, TimestampCheck, Tolerance};
use crate::verify::{DeliveryId, Outcome, Request, SignedHeaders, Verified, Verify};

mod query;

pub use query::{AppProxyVerifier, OAuthVerifier, sign_app_proxy_query, sign_oauth_query};

/// The webhook signature header.
pub const HMAC_HEADER: &str = "X-Shopify-Hmac-Sha256";
/// The webhook delivery id header.
pub const WEBHOOK_ID_HEADER: &str = "X-Shopify-Webhook-Id";
/// The event id header, the delivery id when no webhook id is sent.
pub const EVENT_ID_HEADER: &str = "X-Shopify-Event-Id";
/// The topic header (`orders/create`, ...).
pub const TOPIC_HEADER: &str = "X-Shopify-Topic";
/// The shop domain header.
pub const SHOP_DOMAIN_HEADER: &str = "X-Shopify-Shop-Domain";
/// The signature header of the newer lower-case family.
pub const EVENTS_HMAC_HEADER: &str = "shopify-hmac-sha256";
/// The webhook id header of the newer lower-case family.
pub const EVENTS_WEBHOOK_ID_HEADER: &str = "shopify-webhook-id";
/// The event id header of the newer lower-case family.
pub const EVENTS_EVENT_ID_HEADER: &str = "shopify-event-id";

/// The headers of a webhook delivery, in both families: any of them
/// present means [`Verify::verify_request`] checks the webhook HMAC.
const WEBHOOK_HEADERS: [&str; 10] = [
    HMAC_HEADER,
    WEBHOOK_ID_HEADER,
    EVENT_ID_HEADER,
    TOPIC_HEADER,
    SHOP_DOMAIN_HEADER,
    "X-Shopify-API-Version",
    "X-Shopify-Triggered-At",
    EVENTS_HMAC_HEADER,
    EVENTS_WEBHOOK_ID_HEADER,
    EVENTS_EVENT_ID_HEADER,
];

/// The query parameter of the admin (OAuth) signature.
pub const HMAC_PARAM: &str = "hmac";
/// The query parameter of the app proxy signature.
pub const SIGNATURE_PARAM: &str = "signature";
/// The query parameter holding the signed unix timestamp.
pub const TIMESTAMP_PARAM: &str = "timestamp";
/// The query parameter naming the shop.
pub const SHOP_PARAM: &str = "shop";

/// The window for the `timestamp` of the query checks, as shopify-api-js
/// applies it (both directions). Webhooks have no timestamp.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(90);

/// The header names of one family: HMAC, webhook id, event id.
/// Prepared once for the lookups of every verify.
static CLASSIC: [HeaderKey; 3] = [
    HeaderKey::new(HMAC_HEADER, "x-shopify-hmac-sha256"),
    HeaderKey::new(WEBHOOK_ID_HEADER, "x-shopify-webhook-id"),
    HeaderKey::new(EVENT_ID_HEADER, "x-shopify-event-id"),
];
static EVENTS: [HeaderKey; 3] = [
    HeaderKey::new(EVENTS_HMAC_HEADER, EVENTS_HMAC_HEADER),
    HeaderKey::new(EVENTS_WEBHOOK_ID_HEADER, EVENTS_WEBHOOK_ID_HEADER),
    HeaderKey::new(EVENTS_EVENT_ID_HEADER, EVENTS_EVENT_ID_HEADER),
];

/// Verifies Shopify webhooks, and through [`Verify::verify_request`] also
/// admin and app proxy query signatures.
///
/// ```
/// use webhook_kit::providers::shopify;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let secret = Secret::from_text("shpss_client_secret")?;
/// let body = br#"{"id":820982911946154508}"#;
/// let headers = shopify::sign(&secret, body).with_header(shopify::WEBHOOK_ID_HEADER, "b54557e4");
///
/// let verifier = shopify::Verifier::new(Keyring::from(secret));
/// let verified = verifier.verify(&headers, body, Timestamp::UNIX_EPOCH)?;
/// assert_eq!(verified.delivery_id(), Some("b54557e4"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the client secrets in `keyring` (each built with
    /// [`Secret::from_text`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// Verifies a webhook delivery. Webhooks carry no timestamp, so `now`
    /// only decides which keys have expired.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] when neither HMAC header is present,
    /// [`VerifyError::MalformedHeader`] for a value that is not 32 bytes of
    /// base64 (or a repeated id header), [`VerifyError::SignatureMismatch`].
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let (family, other) = if headers::present(headers, &EVENTS[0]) {
            (&EVENTS, &CLASSIC)
        } else {
            (&CLASSIC, &EVENTS)
        };
        let [hmac, ..] = family;
        let value = headers::required(headers, hmac)?;

        let candidate = || std::iter::once(crypto::decode_tag::<32>(value, TagEncoding::Base64));
        let target = MatchTarget {
            header: hmac.as_str(),
            scheme: "hmac-sha256",
            covers: SignedContent::Body,
        };
        let key_index = self.keys.find(now, &[body], target, candidate)?;

        let delivery = delivery_id(headers, family, other)?;
        Ok(Verified::new(Provider::Shopify, key_index).with_delivery_id(delivery))
    }

    /// Verifies an admin (OAuth, app load) query string, as
    /// [`OAuthVerifier::verify`] does with this verifier's keys and window.
    ///
    /// # Errors
    ///
    /// As [`OAuthVerifier::verify`].
    pub fn verify_oauth_query(&self, query: &str, now: Timestamp) -> Result<Verified, VerifyError> {
        query::verify(&self.keys, self.check, query::Form::Admin, query, now)
    }

    /// Verifies an app proxy query string, as [`AppProxyVerifier::verify`]
    /// does with this verifier's keys and window.
    ///
    /// # Errors
    ///
    /// As [`AppProxyVerifier::verify`].
    pub fn verify_app_proxy_query(
        &self,
        query: &str,
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        query::verify(&self.keys, self.check, query::Form::AppProxy, query, now)
    }
}

/// The first id header present: the signing family's webhook id, its event
/// id, then the other family's.
fn delivery_id(
    headers: &dyn Headers,
    [_, webhook, event]: &'static [HeaderKey; 3],
    [_, other_webhook, other_event]: &'static [HeaderKey; 3],
) -> Result<Option<DeliveryId>, VerifyError> {
    for name in [webhook, event, other_webhook, other_event] {
        if let Some(value) = headers::single(headers, name)? {
            return Ok(DeliveryId::from_header(value));
        }
    }
    Ok(None)
}

timestamp_options!(Verifier);

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Shopify
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        let headers = request.headers();
        // Any of Shopify's webhook headers makes the request a webhook, which
        // must then carry the webhook HMAC: a signed admin query says nothing
        // about a delivery's topic, shop or body.
        let webhook = WEBHOOK_HEADERS
            .iter()
            .any(|name| headers::present(headers, *name));
        // The query signatures do not cover a body: a request that carries
        // one must be a webhook, or a forged body would pass on the strength
        // of a signed admin URL. App-proxy requests with a body need
        // `AppProxyVerifier` called directly, and their body stays unsigned.
        let query = request.query().filter(|_| request.body().is_empty());
        // The admin `hmac` comes on page loads and OAuth redirects, which
        // are GETs; merchants' browsers hold fresh ones, so it is no proof
        // for a POST.
        let get = request.method().eq_ignore_ascii_case("GET");
        let verified = match query {
            _ if webhook => self.verify(headers, request.body(), now)?,
            Some(q) if get && query::has_param(q, HMAC_PARAM) => self.verify_oauth_query(q, now)?,
            Some(q) if query::has_param(q, SIGNATURE_PARAM) => {
                self.verify_app_proxy_query(q, now)?
            }
            _ => return Err(VerifyError::MissingHeader { name: HMAC_HEADER }),
        };
        Ok(Outcome::Verified(verified))
    }
}

/// Signs a webhook `body` as Shopify does: the `X-Shopify-Hmac-Sha256` header.
pub fn sign(secret: &Secret, body: &[u8]) -> SignedHeaders {
    let tag = crypto::hmac_sha256(secret.expose_bytes(), &[body]);
    SignedHeaders::new().with(HMAC_HEADER, crypto::base64(&tag))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Malformed;

    const SECRET: &str = "shpss_constructed_client_secret_0001";
    const BODY: &str =
        r#"{"id":820982911946154508,"email":"jon@example.com","total_price":"199.00"}"#;
    const SIGNATURE: &str = "PilHF4iVJc4LSf6f2WctKU2xH0E1e2/kjkgI3D3wI60=";
    const NOW: Timestamp = Timestamp::UNIX_EPOCH;

    fn verifier(secret: &str) -> Verifier {
        Verifier::new(Keyring::from(Secret::from_text(secret).unwrap()))
    }

    #[test]
    fn sign_matches_the_constructed_vector() {
        let secret = Secret::from_text(SECRET).unwrap();
        assert_eq!(
            sign(&secret, BODY.as_bytes()).get(HMAC_HEADER),
            Some(SIGNATURE)
        );
    }

    #[test]
    fn round_trip_and_single_bit_flips() {
        let secret = Secret::from_text(SECRET).unwrap();
        let v = verifier(SECRET);
        let body = BODY.as_bytes().to_vec();
        let headers = sign(&secret, &body);
        assert!(v.verify(&headers, &body, NOW).is_ok());

        for i in 0..body.len() * 8 {
            let mut flipped = body.clone();
            flipped[i / 8] ^= 1 << (i % 8);
            assert!(v.verify(&headers, &flipped, NOW).is_err(), "body bit {i}");
        }

        let tag = crypto::decode_tag::<32>(SIGNATURE.as_bytes(), TagEncoding::Base64).unwrap();
        for i in 0..tag.len() * 8 {
            let mut flipped = tag;
            flipped[i / 8] ^= 1 << (i % 8);
            let value = crypto::base64(&flipped);
            let err = v.verify(&[(HMAC_HEADER, value)], &body, NOW).unwrap_err();
            assert_eq!(err.code(), "signature_mismatch", "signature bit {i}");
        }

        for i in 0..SECRET.len() * 8 {
            let mut key = SECRET.as_bytes().to_vec();
            key[i / 8] ^= 1 << (i % 8);
            let wrong = Verifier::new(Keyring::from(Secret::from_bytes(key)));
            assert!(wrong.verify(&headers, &body, NOW).is_err(), "key bit {i}");
        }
    }

    #[test]
    fn hex_digest_instead_of_base64_is_malformed() {
        let hex = crypto::hex(&crypto::hmac_sha256(SECRET.as_bytes(), &[BODY.as_bytes()]));
        let err = verifier(SECRET)
            .verify(&[(HMAC_HEADER, hex)], BODY.as_bytes(), NOW)
            .unwrap_err();
        assert_eq!(
            err,
            VerifyError::malformed(
                HMAC_HEADER,
                Malformed::WrongLength {
                    expected: 32,
                    actual: 48
                }
            )
        );
        let err = verifier(SECRET)
            .verify(&[(HMAC_HEADER, "not base64!")], BODY.as_bytes(), NOW)
            .unwrap_err();
        assert_eq!(
            err,
            VerifyError::malformed(HMAC_HEADER, Malformed::NotBase64)
        );
    }

    #[test]
    fn admin_created_webhooks_need_their_own_key() {
        let notification_key = Secret::from_text("notification-settings-key").unwrap();
        let headers = sign(&notification_key, BODY.as_bytes());
        let err = verifier(SECRET)
            .verify(&headers, BODY.as_bytes(), NOW)
            .unwrap_err();
        assert_eq!(err.code(), "signature_mismatch");

        let keyring = Keyring::from(Secret::from_text(SECRET).unwrap()).with_key(notification_key);
        let verified = Verifier::new(keyring)
            .verify(&headers, BODY.as_bytes(), NOW)
            .unwrap();
        assert_eq!(verified.key_index(), 1);
    }

    #[test]
    fn empty_body_is_hashed_like_any_other() {
        let secret = Secret::from_text(SECRET).unwrap();
        let v = verifier(SECRET);
        assert!(v.verify(&sign(&secret, b""), b"", NOW).is_ok());
        let err = v
            .verify(&sign(&secret, BODY.as_bytes()), b"", NOW)
            .unwrap_err();
        assert_eq!(err.code(), "signature_mismatch");
    }

    #[test]
    fn delivery_ids() {
        let v = verifier(SECRET);
        let body = BODY.as_bytes();
        let with = |extra: &[(&'static str, &str)]| {
            let mut headers = vec![(HMAC_HEADER, SIGNATURE.to_owned())];
            headers.extend(extra.iter().map(|(n, v)| (*n, (*v).to_owned())));
            v.verify(&headers, body, NOW)
        };

        let both = with(&[(WEBHOOK_ID_HEADER, "wh-1"), (EVENT_ID_HEADER, "ev-1")]).unwrap();
        assert_eq!(both.delivery_id(), Some("wh-1"));
        let event_only = with(&[("x-shopify-event-id", "ev-1")]).unwrap();
        assert_eq!(event_only.delivery_id(), Some("ev-1"));
        let lower_family = with(&[(EVENTS_WEBHOOK_ID_HEADER, "wh-2")]).unwrap();
        assert_eq!(lower_family.delivery_id(), Some("wh-2"));
        assert_eq!(with(&[]).unwrap().delivery_id(), None);
        assert_eq!(
            with(&[(WEBHOOK_ID_HEADER, "a"), (WEBHOOK_ID_HEADER, "b")]).unwrap_err(),
            VerifyError::malformed(WEBHOOK_ID_HEADER, Malformed::Repeated)
        );
    }

    #[test]
    fn lower_case_family_is_read_first() {
        let v = verifier(SECRET);
        let body = BODY.as_bytes();
        let headers = [
            (EVENTS_HMAC_HEADER, SIGNATURE),
            (EVENTS_EVENT_ID_HEADER, "ev-9"),
            (WEBHOOK_ID_HEADER, "wh-9"),
        ];
        let verified = v.verify(&headers, body, NOW).unwrap();
        assert_eq!(verified.delivery_id(), Some("ev-9"));

        // The lower-case header decides when both are present.
        let mixed = [(EVENTS_HMAC_HEADER, "AAAA"), (HMAC_HEADER, SIGNATURE)];
        assert_eq!(
            v.verify(&mixed, body, NOW).unwrap_err().code(),
            "malformed_header"
        );
    }

    #[test]
    fn missing_header() {
        let err = verifier(SECRET)
            .verify(&[(TOPIC_HEADER, "orders/create")], BODY.as_bytes(), NOW)
            .unwrap_err();
        assert_eq!(err, VerifyError::MissingHeader { name: HMAC_HEADER });
    }

    #[test]
    fn a_signed_admin_query_does_not_vouch_for_a_body() {
        let secret = Secret::from_text("hush").unwrap();
        let v = Verifier::new(Keyring::from(secret.clone()));
        let query = sign_oauth_query(
            &secret,
            &[("shop", "evil.myshopify.com"), ("timestamp", "1700000000")],
        );
        let url = format!("https://app.example/webhooks?{query}");
        let headers = [("X-Shopify-Topic", "shop/redact")];
        let now = Timestamp::from_unix_seconds(1_700_000_000);

        let forged =
            Request::new(&headers, br#"{"shop_domain":"victim.myshopify.com"}"#).with_url(&url);
        assert_eq!(
            v.verify_request(&forged, now).unwrap_err(),
            VerifyError::MissingHeader { name: HMAC_HEADER }
        );

        // Webhook headers make it a webhook even without a body or as a GET.
        let dressed = Request::new(&headers, b"")
            .with_method("GET")
            .with_url(&url);
        assert_eq!(
            v.verify_request(&dressed, now).unwrap_err(),
            VerifyError::MissingHeader { name: HMAC_HEADER }
        );
        // The same query on a body-less GET is an admin request, and verifies as one.
        let none: [(&str, &str); 0] = [];
        let load = Request::new(&none, b"").with_method("GET").with_url(&url);
        let verified = v.verify_request(&load, now).unwrap();
        assert_eq!(verified.verified().unwrap().covers(), SignedContent::Query);
    }

    #[test]
    fn verify_request_picks_the_check() {
        let v = verifier("hush");
        let none: [(&str, &str); 0] = [];
        let oauth = "code=0907a61c0c8d55e99db179b68161bc00\
                     &hmac=700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf\
                     &shop=some-shop.myshopify.com&state=0.6784241404160823&timestamp=1337178173";
        let url = format!("https://app.example/auth/callback?{oauth}");
        let now = Timestamp::from_unix_seconds(1_337_178_173);
        let request = Request::new(&none, b"").with_method("GET").with_url(&url);
        let verified = v.verify_request(&request, now).unwrap();
        assert_eq!(verified.verified().unwrap().timestamp(), Some(now));

        let proxy = "extra=1&extra=2&shop=shop-name.myshopify.com\
                     &path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555\
                     &signature=a9718877bea71c2484f91608a7eaea1532bdf71f5c56825065fa4ccabe549ef3";
        let url = format!("https://app.example/proxy?{proxy}");
        let now = Timestamp::from_unix_seconds(1_317_327_555);
        let request = Request::new(&none, b"").with_method("GET").with_url(&url);
        assert!(v.verify_request(&request, now).is_ok());

        // A webhook header wins over anything in the query.
        let headers = [(HMAC_HEADER, "AAAA")];
        let request = Request::new(&headers, b"").with_url(&url);
        assert_eq!(
            v.verify_request(&request, now).unwrap_err().code(),
            "malformed_header"
        );

        // The admin query proves nothing for a POST, nor for anything
        // dressed as a webhook, whatever the method.
        let oauth_url = format!("https://app.example/auth/callback?{oauth}");
        let oauth_now = Timestamp::from_unix_seconds(1_337_178_173);
        let post = Request::new(&none, b"").with_url(&oauth_url);
        assert_eq!(
            v.verify_request(&post, oauth_now).unwrap_err(),
            VerifyError::MissingHeader { name: HMAC_HEADER }
        );
        for name in WEBHOOK_HEADERS {
            let headers = [(name, "x")];
            let get = Request::new(&headers, b"")
                .with_method("GET")
                .with_url(&oauth_url);
            assert!(v.verify_request(&get, oauth_now).is_err(), "{name}");
        }
        // An app proxy forwards the shopper's method: a body-less POST is
        // checked on its `signature`.
        let proxy_post = Request::new(&none, b"").with_url(&url);
        assert!(v.verify_request(&proxy_post, now).is_ok());

        for url in [
            None,
            Some("https://app.example/x"),
            Some("https://a/?shop=s"),
        ] {
            let mut request = Request::new(&none, b"");
            if let Some(url) = url {
                request = request.with_url(url);
            }
            assert_eq!(
                v.verify_request(&request, now).unwrap_err(),
                VerifyError::MissingHeader { name: HMAC_HEADER }
            );
        }
    }
}
