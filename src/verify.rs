//! The verifier trait, the request view it reads, and the proof it returns.

use std::borrow::Cow;
use std::fmt;

use crate::error::{SignedContent, VerifyError};
use crate::headers::Headers;
use crate::provider::Provider;
use crate::time::{Clock, Timestamp};

/// What a verifier reads of an incoming request: method, URL, headers and
/// the raw body bytes.
///
/// Most schemes sign only headers and body; Twilio and Square also sign the
/// URL the provider called, and Shopify's OAuth and app-proxy checks read
/// the query. Pass the URL as the provider saw it (the public `https://`
/// URL, not the one a proxy rewrote).
///
/// ```
/// use webhook_kit::Request;
///
/// let headers = [("Stripe-Signature", "t=1,v1=00")];
/// let request = Request::new(&headers, b"{}").with_url("https://example.com/hooks");
/// assert_eq!(request.method(), "POST");
/// ```
#[derive(Clone, Copy)]
pub struct Request<'a> {
    method: &'a str,
    url: Option<&'a str>,
    headers: &'a dyn Headers,
    body: &'a [u8],
}

impl<'a> Request<'a> {
    /// A `POST` with these headers and body, and no URL.
    pub fn new(headers: &'a dyn Headers, body: &'a [u8]) -> Self {
        Request {
            method: "POST",
            url: None,
            headers,
            body,
        }
    }

    /// Sets the HTTP method (`GET` for the handshakes that use it).
    pub fn with_method(mut self, method: &'a str) -> Self {
        self.method = method;
        self
    }

    /// Sets the full URL the provider requested, query included.
    pub fn with_url(mut self, url: &'a str) -> Self {
        self.url = Some(url);
        self
    }

    /// The HTTP method.
    pub fn method(&self) -> &'a str {
        self.method
    }

    /// The URL, when one was given.
    pub fn url(&self) -> Option<&'a str> {
        self.url
    }

    /// The headers.
    pub fn headers(&self) -> &'a dyn Headers {
        self.headers
    }

    /// The raw body bytes.
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The query string of the URL (after `?`, before `#`), if any.
    pub fn query(&self) -> Option<&'a str> {
        let url = self.url?;
        let after = &url[url.find('?')? + 1..];
        Some(after.split('#').next().unwrap_or(after))
    }

    /// The URL, or the error a scheme that signs it reports.
    pub(crate) fn require_url(&self) -> Result<&'a str, VerifyError> {
        self.url
            .ok_or(VerifyError::MissingRequestPart { part: "url" })
    }
}

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body may hold personal data: show its size only. The query
        // and userinfo may hold credentials (Meta's `hub.verify_token`, a
        // basic-auth URL): show the URL without them.
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url.map(redacted_url))
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// `url` without its query, fragment and userinfo, for `Debug`.
fn redacted_url(url: &str) -> String {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let (base, cut) = url.split_at(end);
    let (scheme, rest) = base.split_once("://").unwrap_or(("", base));
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let rest = match rest[..authority_end].rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    let mut out = String::with_capacity(base.len() + 2);
    if !scheme.is_empty() {
        out.push_str(scheme);
        out.push_str("://");
    }
    out.push_str(rest);
    if !cut.is_empty() {
        out.push_str("?…");
    }
    out
}

/// Proof that a request was signed by a key the verifier holds.
///
/// Only a verifier can build one. It is owned, `'static`, `Clone`, `Send`
/// and `Sync`, so it can travel in request extensions to the steps that
/// must come after verification (a replay guard, an idempotency claim,
/// parsing into a typed event).
///
/// Delivery ids up to [`DeliveryId::INLINE_CAPACITY`] bytes are held
/// inline, so building a `Verified` allocates nothing for them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    provider: Provider,
    key_index: usize,
    fingerprint: Option<[u8; 16]>,
    signed_at: Option<Timestamp>,
    delivery_id: Option<DeliveryId>,
    delivery_id_signed: bool,
    payload: PayloadForm,
    covers: SignedContent,
}

/// Where the JSON document of a delivery sits in its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PayloadForm {
    /// The body is the document.
    Body,
    /// The body is a form whose `payload` field holds the document
    /// (GitHub's `application/x-www-form-urlencoded` deliveries).
    FormField,
}

impl Verified {
    pub(crate) fn new(provider: Provider, key: impl Into<crate::crypto::KeyMatch>) -> Self {
        let key = key.into();
        Verified {
            provider,
            key_index: key.index,
            fingerprint: key.fingerprint,
            signed_at: None,
            delivery_id: None,
            delivery_id_signed: false,
            payload: PayloadForm::Body,
            covers: SignedContent::Body,
        }
    }

    pub(crate) fn covering(mut self, covers: SignedContent) -> Self {
        self.covers = covers;
        self
    }

    pub(crate) fn signed_at(mut self, at: Timestamp) -> Self {
        self.signed_at = Some(at);
        self
    }

    /// Records a delivery id from a header the signature does not cover.
    pub(crate) fn with_delivery_id(mut self, id: Option<DeliveryId>) -> Self {
        self.delivery_id = id;
        self.delivery_id_signed = false;
        self
    }

    /// Records a delivery id that is part of the signed content.
    pub(crate) fn with_signed_delivery_id(mut self, id: Option<DeliveryId>) -> Self {
        self.delivery_id_signed = id.is_some();
        self.delivery_id = id;
        self
    }

    pub(crate) fn with_payload_form(mut self, form: PayloadForm) -> Self {
        self.payload = form;
        self
    }

    /// What the matched signature covers: the body (with header parts), the
    /// URL and body, the URL and form parameters, only the query (Shopify's
    /// OAuth and app-proxy checks), only fields of the body (Mailgun), only a
    /// prefix of the body (HubSpot v1/v2, open to length extension), only a
    /// checksum of the body (PayPal's CRC-32), or only a static token
    /// (Telegram, Okta, Postmark's basic auth, ...). Whatever it does not
    /// cover is not proven.
    pub fn covers(&self) -> SignedContent {
        self.covers
    }

    /// The provider whose scheme verified.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// The index, in the verifier's keyring, of the key that matched.
    pub fn key_index(&self) -> usize {
        self.key_index
    }

    /// The first 16 bytes of the signature that matched, for schemes with a
    /// per-message signature; `None` for static-token schemes, whose token
    /// is the same on every request.
    ///
    /// Signatures are pseudorandom, so this identifies one signed message:
    /// a replay guard keys on it when the provider sends no delivery id.
    pub fn signature_fingerprint(&self) -> Option<&[u8; 16]> {
        self.fingerprint.as_ref()
    }

    /// The timestamp the provider signed, for schemes that sign one.
    pub fn timestamp(&self) -> Option<Timestamp> {
        self.signed_at
    }

    /// The delivery or event id the provider sent in a header, where the
    /// scheme defines one (Standard Webhooks' `webhook-id`, GitHub's
    /// `X-GitHub-Delivery`, ...; the provider table in the crate docs lists
    /// each). Ids that live in the body are read by [`Verified::event_id`].
    pub fn delivery_id(&self) -> Option<&str> {
        self.delivery_id.as_ref().map(DeliveryId::as_str)
    }

    /// Whether the delivery id is covered by the signature (Standard
    /// Webhooks' `webhook-id`, Mailgun's token), rather than sent in a
    /// header beside it (GitHub's `X-GitHub-Delivery`, Shopify's
    /// `X-Shopify-Webhook-Id`).
    ///
    /// # Security
    ///
    /// An unsigned id can be changed by whoever replays a captured
    /// delivery: deduplicate on it only together with something signed.
    /// [`ReplayGuard`](crate::idempotency::ReplayGuard) does this for you.
    pub fn delivery_id_is_signed(&self) -> bool {
        self.delivery_id_signed
    }

    /// The event id inside the body, for providers that put it there
    /// (Stripe's `id`, Slack's `event_id`, Square's `event_id`, ...).
    ///
    /// Read on demand, not during `verify`, so verification itself does not
    /// parse the body. `body` must be the body that was verified.
    pub fn event_id(&self, body: &[u8]) -> Option<String> {
        crate::provider::body_event_id(self.provider, body)
    }

    /// The key to deduplicate this delivery on: the header delivery id when
    /// the scheme has one, else the event id in the body.
    pub fn idempotency_key(&self, body: &[u8]) -> Option<Cow<'_, str>> {
        match self.delivery_id() {
            Some(id) => Some(Cow::Borrowed(id)),
            None => self.event_id(body).map(Cow::Owned),
        }
    }

    /// The JSON document of the delivery: the body itself, or for GitHub
    /// deliveries sent as `application/x-www-form-urlencoded`, the decoded
    /// `payload` field.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] naming `payload` when a form body has
    /// no such field.
    pub fn payload<'b>(&self, body: &'b [u8]) -> Result<Cow<'b, [u8]>, VerifyError> {
        match self.payload {
            PayloadForm::Body => Ok(Cow::Borrowed(body)),
            PayloadForm::FormField => form_urlencoded::parse(body)
                .find(|(name, _)| name == "payload")
                .map(|(_, value)| Cow::Owned(value.into_owned().into_bytes()))
                .ok_or(VerifyError::MissingHeader { name: "payload" }),
        }
    }
}

/// A provider's delivery id, held inline up to
/// [`DeliveryId::INLINE_CAPACITY`] bytes.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DeliveryId(IdRepr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum IdRepr {
    Inline {
        len: u8,
        bytes: [u8; DeliveryId::INLINE_CAPACITY],
    },
    Heap(Box<str>),
}

impl DeliveryId {
    /// The longest id kept without a heap allocation, in bytes. Every
    /// provider id seen so far (UUIDs, `msg_` ids, Stripe `evt_` ids) fits.
    pub const INLINE_CAPACITY: usize = 64;

    /// Copies `id`.
    pub fn new(id: &str) -> Self {
        let mut bytes = [0u8; Self::INLINE_CAPACITY];
        match (bytes.get_mut(..id.len()), u8::try_from(id.len())) {
            (Some(slot), Ok(len)) => {
                slot.copy_from_slice(id.as_bytes());
                DeliveryId(IdRepr::Inline { len, bytes })
            }
            _ => DeliveryId(IdRepr::Heap(id.into())),
        }
    }

    /// Builds an id from header bytes, if they are UTF-8 text.
    pub(crate) fn from_header(value: &[u8]) -> Option<Self> {
        std::str::from_utf8(value)
            .ok()
            .filter(|s| !s.is_empty())
            .map(DeliveryId::new)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            IdRepr::Inline { len, bytes } => {
                // Built from a `&str`, cut at its own length: always valid UTF-8.
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            IdRepr::Heap(s) => s,
        }
    }
}

impl fmt::Debug for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a verifier concluded about a request that it accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(
    clippy::exhaustive_enums,
    reason = "callers match both arms; a new kind would be a breaking change anyway"
)]
pub enum Outcome {
    /// A signed delivery: process it.
    Verified(Verified),
    /// A handshake: answer it with [`Handshake::body`], do not process it
    /// as an event.
    Handshake(Handshake),
}

impl Outcome {
    /// The proof, for a delivery or a signed handshake.
    pub fn verified(&self) -> Option<&Verified> {
        match self {
            Outcome::Verified(v) => Some(v),
            Outcome::Handshake(h) => h.verified.as_ref(),
        }
    }

    /// The handshake reply, if this was one.
    pub fn handshake(&self) -> Option<&Handshake> {
        match self {
            Outcome::Handshake(h) => Some(h),
            Outcome::Verified(_) => None,
        }
    }
}

/// The exact reply a handshake request needs (Slack's `url_verification`,
/// Discord's PING, Zoom's endpoint URL validation).
///
/// Its `Debug` shows the reply headers' names only: a header can carry a
/// secret (Asana's `X-Hook-Secret` is the key later deliveries are signed
/// with).
#[derive(Clone, PartialEq, Eq)]
pub struct Handshake {
    provider: Provider,
    verified: Option<Verified>,
    content_type: &'static str,
    headers: Vec<(&'static str, String)>,
    body: String,
}

impl fmt::Debug for Handshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Handshake")
            .field("provider", &self.provider)
            .field("verified", &self.verified)
            .field("content_type", &self.content_type)
            .field("header_names", &names)
            .field("body", &self.body)
            .finish()
    }
}

/// Sent with every plain-text echo: the body is a value the request chose,
/// so browsers must not sniff it into something active.
const NO_SNIFF: (&str, &str) = ("X-Content-Type-Options", "nosniff");

impl Handshake {
    pub(crate) fn json(provider: Provider, verified: Option<Verified>, body: String) -> Self {
        Handshake {
            provider,
            verified,
            content_type: "application/json",
            headers: Vec::new(),
            body,
        }
    }

    /// A `text/plain` reply that echoes a challenge (Twitch, Meta, Dropbox).
    pub(crate) fn text(provider: Provider, verified: Option<Verified>, body: String) -> Self {
        Handshake {
            provider,
            verified,
            content_type: "text/plain",
            headers: vec![(NO_SNIFF.0, NO_SNIFF.1.to_owned())],
            body,
        }
    }

    /// An empty 200 reply (Trello's `HEAD` check).
    #[cfg(feature = "sha1")]
    pub(crate) fn empty(provider: Provider) -> Self {
        Handshake {
            provider,
            verified: None,
            content_type: "text/plain",
            headers: Vec::new(),
            body: String::new(),
        }
    }

    /// A reply with an empty body that carries one header (Asana's
    /// `X-Hook-Secret` echo).
    pub(crate) fn with_header(provider: Provider, name: &'static str, value: String) -> Self {
        Handshake {
            provider,
            verified: None,
            content_type: "text/plain",
            headers: vec![(name, value)],
            body: String::new(),
        }
    }

    /// The provider that sent the handshake.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// The proof, when the handshake request was itself signed.
    pub fn verified(&self) -> Option<&Verified> {
        self.verified.as_ref()
    }

    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        200
    }

    /// The `Content-Type` of the reply.
    pub fn content_type(&self) -> &'static str {
        self.content_type
    }

    /// Headers to send besides `Content-Type`, as `(name, value)` pairs:
    /// `X-Content-Type-Options: nosniff` on plain-text echoes, and the
    /// answer itself for providers whose handshake is answered in a header
    /// (Asana's `X-Hook-Secret`).
    pub fn headers(&self) -> impl ExactSizeIterator<Item = (&'static str, &str)> + '_ {
        self.headers.iter().map(|(n, v)| (*n, v.as_str()))
    }

    /// The reply body, byte for byte.
    pub fn body(&self) -> &str {
        &self.body
    }
}

/// A webhook verifier: every provider's implements it.
///
/// The trait is dyn-compatible, so a registry, the CLI, framework glue and
/// replay guards can hold `Box<dyn Verify>` or `Arc<dyn Verify>`. Each
/// provider's `Verifier` also has an inherent `verify` taking headers and
/// body directly, which is the shorter call in a handler.
pub trait Verify: Send + Sync + fmt::Debug {
    /// The provider whose scheme this verifier checks.
    fn provider(&self) -> Provider;

    /// Verifies `request` as of `now`.
    ///
    /// # Errors
    ///
    /// A [`VerifyError`] that says why the request was refused.
    fn verify_request(&self, request: &Request<'_>, now: Timestamp)
    -> Result<Outcome, VerifyError>;

    /// Verifies `request` as of the time `clock` reads.
    ///
    /// # Errors
    ///
    /// As [`Verify::verify_request`].
    fn verify_request_at(
        &self,
        request: &Request<'_>,
        clock: &dyn Clock,
    ) -> Result<Outcome, VerifyError> {
        self.verify_request(request, clock.now())
    }
}

/// Header values produced by a provider's `sign` helper, in the order the
/// provider sends them.
///
/// It implements [`Headers`], so a signed request can go straight back into
/// a verifier in tests.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SignedHeaders {
    headers: Vec<(Cow<'static, str>, String)>,
}

impl SignedHeaders {
    pub(crate) fn new() -> Self {
        SignedHeaders::default()
    }

    pub(crate) fn with(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((Cow::Borrowed(name), value));
        self
    }

    /// Adds a header after the signed ones (a delivery id, a content type),
    /// for building test requests.
    pub fn with_header(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<String>,
    ) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The value of `name` (ASCII case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `(name, value)` pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.headers.iter().map(|(n, v)| (n.as_ref(), v.as_str()))
    }

    /// The pairs as owned values.
    pub fn into_vec(self) -> Vec<(String, String)> {
        self.headers
            .into_iter()
            .map(|(n, v)| (n.into_owned(), v))
            .collect()
    }

    /// The headers as an [`http::HeaderMap`].
    ///
    /// # Errors
    ///
    /// [`http::Error`] if a value cannot be a header value (never for what
    /// the `sign` helpers produce).
    #[cfg(feature = "http")]
    pub fn to_header_map(&self) -> Result<http::HeaderMap, http::Error> {
        let mut map = http::HeaderMap::with_capacity(self.headers.len());
        for (name, value) in &self.headers {
            // `from_static` panics on upper case; `from_bytes` folds it.
            let name = http::HeaderName::from_bytes(name.as_bytes())?;
            map.append(name, http::HeaderValue::from_str(value)?);
        }
        Ok(map)
    }
}

impl Headers for SignedHeaders {
    fn value(&self, name: &str, index: usize) -> Option<&[u8]> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .nth(index)
            .map(|(_, v)| v.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_ids_inline_and_heap() {
        let short = DeliveryId::new("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk");
        assert!(matches!(short.0, IdRepr::Inline { .. }));
        assert_eq!(short.as_str(), "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk");

        let exact = "x".repeat(DeliveryId::INLINE_CAPACITY);
        assert!(matches!(DeliveryId::new(&exact).0, IdRepr::Inline { .. }));

        let long = "y".repeat(DeliveryId::INLINE_CAPACITY + 1);
        let id = DeliveryId::new(&long);
        assert!(matches!(id.0, IdRepr::Heap(_)));
        assert_eq!(id.as_str(), long);
    }

    #[test]
    fn debug_shows_no_header_values_query_or_userinfo() {
        let handshake = Handshake::with_header(Provider::Asana, "X-Hook-Secret", "s3cr3t".into());
        let shown = format!("{handshake:?}");
        assert!(
            shown.contains("X-Hook-Secret") && !shown.contains("s3cr3t"),
            "{shown}"
        );

        let none: [(&str, &str); 0] = [];
        for (url, want) in [
            (
                "https://u:pw@example.com/h?hub.verify_token=tok#f",
                "https://example.com/h?…",
            ),
            ("https://example.com/a@b?x=1", "https://example.com/a@b?…"),
            ("/path?token=tok", "/path?…"),
            ("https://example.com/h", "https://example.com/h"),
        ] {
            let shown = format!("{:?}", Request::new(&none, b"").with_url(url));
            assert!(shown.contains(&format!("{want:?}")), "{url}: {shown}");
            assert!(!shown.contains("tok") && !shown.contains("pw"), "{shown}");
        }
    }

    #[test]
    fn verified_is_static_and_shareable() {
        fn assert_traits<T: Clone + Send + Sync + 'static>() {}
        assert_traits::<Verified>();
        assert_traits::<Outcome>();
    }

    #[cfg(feature = "http")]
    #[test]
    fn header_map_takes_mixed_case_names() {
        let headers = SignedHeaders::new().with("Stripe-Signature", "t=1,v1=00".to_owned());
        let map = headers.to_header_map().unwrap();
        assert_eq!(map.get("stripe-signature").unwrap(), "t=1,v1=00");
    }

    #[test]
    fn query_of_url() {
        let h: [(&str, &str); 0] = [];
        let r = Request::new(&h, b"").with_url("https://a/b?x=1&y=2#frag");
        assert_eq!(r.query(), Some("x=1&y=2"));
        assert_eq!(Request::new(&h, b"").with_url("https://a/b").query(), None);
    }
}
