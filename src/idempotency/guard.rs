//! The replay guard: a verified delivery's deduplication key, claimed in an
//! [`IdempotencyStore`] for as long as the provider may send it again.

use std::time::Duration;

use super::error::IdempotencyError;
use super::key::IdempotencyKey;
use super::store::{Claim, FencingToken, IdempotencyStore};
use crate::error::SignedContent;
use crate::provider::Provider;
use crate::verify::Verified;

/// The first part of every key the guard builds, unless changed with
/// [`ReplayGuard::with_namespace`].
pub const DEFAULT_NAMESPACE: &str = "webhook";

/// How long a claim holds a delivery while the handler works on it: 60 s.
///
/// The lease must outlast the handler's worst case, or a retry arriving
/// meanwhile (Slack resends after 3 s, Stripe retries can overlap a slow
/// first attempt) claims the key again and the work runs twice. 60 s is
/// twice the longest reply timeout of the senders this crate knows (30 s,
/// GitHub Enterprise Server and Azure Event Grid); a handler that does more
/// than verify, enqueue and answer should set its own. A longer lease costs
/// little: if a worker dies, retries get `InProgress` until it runs out.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// How long a completed delivery is remembered: 9 days.
///
/// A replay guard must remember a delivery for the whole window in which
/// the provider may **legitimately** send it again, not only for the
/// timestamp tolerance. A delivery that was processed but whose 2xx was
/// lost is retried hours or days later, with a fresh timestamp and
/// signature and the same delivery id; once the done key has expired, it
/// is processed a second time. (Standard Webhooks suggests keeping ids for
/// 5 minutes; that covers captured replays inside the tolerance, not
/// retries.)
///
/// The longest automatic window among the senders this crate knows is
/// Hook0's, bounded at 8 days; Standard Webhooks' example schedule spans
/// about 3.2 days, Svix's about 28 hours, Stripe's up to 3 days, and
/// GitHub Enterprise Server allows manual redelivery for 7 days. 9 days is
/// Hook0's 8 plus a day for queueing and clock skew, and is the default
/// because a generic scheme (`standard_webhooks`) may be sent by any of
/// them. [`suggested_done_ttl`] gives shorter values for providers whose
/// window is documented; where a delivery must never run twice, record it
/// permanently (a unique constraint in the same transaction as the effect).
pub const DEFAULT_DONE_TTL: Duration = Duration::from_secs(9 * DAY);

const DAY: u64 = 24 * 60 * 60;

/// A done-TTL that covers `provider`'s documented retry window: the window
/// rounded up to whole days, plus one day.
///
/// | provider | documented window | suggested |
/// |---|---|---|
/// | `stripe`, `stripe_thin` | retries for up to 3 days | 4 days |
/// | `github` | no retries; manual redelivery for 3 days (7 on Enterprise Server) | 8 days |
/// | `shopify` | 8 retries within 4 hours | 2 days |
/// | `slack` | 3 retries within about 6 minutes | 2 days |
/// | `twilio` | retries within 15 seconds | 2 days |
/// | `svix` | 8 attempts over about 27 h 35 min | 3 days |
/// | any other | not documented, or the scheme is generic | [`DEFAULT_DONE_TTL`] (9 days) |
///
/// Manual replays from a provider's dashboard after this TTL are processed
/// again.
pub fn suggested_done_ttl(provider: Provider) -> Duration {
    let days = match provider {
        Provider::Stripe | Provider::StripeThin => 4,
        Provider::Github => 8,
        Provider::Shopify | Provider::Slack | Provider::Twilio => 2,
        Provider::Svix => 3,
        _ => return DEFAULT_DONE_TTL,
    };
    Duration::from_secs(days * DAY)
}

/// Where the guard took a delivery's key from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeySource {
    /// The delivery id the provider sent ([`Verified::delivery_id`]).
    DeliveryId,
    /// The event id in the body ([`Verified::event_id`]).
    EventId,
    /// The fingerprint of the matched signature
    /// ([`Verified::signature_fingerprint`]), in hex.
    SignatureFingerprint,
    /// A key the caller supplied.
    Explicit,
}

impl KeySource {
    /// The part of the key that names the source: `delivery`, `event`,
    /// `signature` or `explicit`, so ids of different sources never meet.
    pub fn as_str(self) -> &'static str {
        match self {
            KeySource::DeliveryId => "delivery",
            KeySource::EventId => "event",
            KeySource::SignatureFingerprint => "signature",
            KeySource::Explicit => "explicit",
        }
    }
}

/// A delivery's deduplication key, built by a [`ReplayGuard`].
///
/// The store key is (namespace, provider id, source, value), each part
/// length-prefixed by [`IdempotencyKey`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayKey {
    key: IdempotencyKey,
    provider: Provider,
    source: KeySource,
}

impl ReplayKey {
    /// The key the store holds.
    pub fn key(&self) -> &IdempotencyKey {
        &self.key
    }

    /// The provider of the delivery.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// Where the key came from.
    pub fn source(&self) -> KeySource {
        self.source
    }
}

/// How the guard picks the done-TTL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DoneTtl {
    Fixed(Duration),
    Suggested,
}

/// Claims each verified delivery once, in an [`IdempotencyStore`].
///
/// ```
/// use webhook_kit::providers::standard_webhooks as sw;
/// use webhook_kit::idempotency::{Claim, MemoryStore, ReplayGuard};
/// use webhook_kit::{Keyring, SystemClock, Timestamp};
///
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop {
/// #         if let std::task::Poll::Ready(out) = f.as_mut().poll(&mut cx) { return out; }
/// #     }
/// # }
/// # block_on(async {
/// let secret = sw::parse_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let verifier = sw::Verifier::new(Keyring::from(secret.clone()));
/// let guard = ReplayGuard::new(MemoryStore::new(SystemClock, 100_000));
///
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
/// let body = br#"{"type":"invoice.paid"}"#;
/// let headers = sw::sign(&secret, "msg_1", now, body);
/// let verified = verifier.verify(&headers, body, now)?;
///
/// let key = guard.key(&verified)?;
/// match guard.claim(&key).await? {
///     Claim::New { token } => {
///         // Do the work (or enqueue it), then remember the delivery.
///         guard.complete(&key, token, b"").await?;
///     }
///     Claim::InProgress => { /* answer 409: the provider retries later */ }
///     Claim::Done { .. } => { /* answer 200 without doing the work again */ }
/// }
/// assert!(matches!(guard.claim(&key).await?, Claim::Done { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
///
/// # Security
///
/// - Claim **after** verification, with the `Verified` proof: keys of
///   unverified requests would let anyone fill the store.
/// - The done-TTL must cover the provider's whole retry window
///   ([`DEFAULT_DONE_TTL`]); shortening it below that reopens retries.
/// - A key from the signature fingerprint changes when the provider signs
///   a retry anew with a fresh timestamp (Stripe, Slack, Paddle, Zoom,
///   Discord), so it stops captured replays but not legitimate retries; for
///   those providers use [`ReplayGuard::key_with_body`], which reads the
///   event id the body carries.
#[derive(Debug, Clone)]
pub struct ReplayGuard<S> {
    store: S,
    namespace: Box<str>,
    lease: Duration,
    done_ttl: DoneTtl,
}

impl<S> ReplayGuard<S> {
    /// A guard over `store`, with [`DEFAULT_NAMESPACE`], [`DEFAULT_LEASE`]
    /// and [`DEFAULT_DONE_TTL`].
    pub fn new(store: S) -> Self {
        ReplayGuard {
            store,
            namespace: DEFAULT_NAMESPACE.into(),
            lease: DEFAULT_LEASE,
            done_ttl: DoneTtl::Fixed(DEFAULT_DONE_TTL),
        }
    }

    /// Sets the first part of every key, to share one store between
    /// applications or endpoints.
    ///
    /// Keys name the provider, but every [`CustomScheme`](crate::sign::CustomScheme)
    /// sender is [`Provider::Custom`]: give each such sender its own
    /// namespace, or two senders' ids can meet.
    pub fn with_namespace(mut self, namespace: impl Into<Box<str>>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// Sets the lease a claim holds while the handler works.
    ///
    /// # Errors
    ///
    /// [`IdempotencyError::ZeroDuration`] for a zero lease, which would let
    /// a second worker in at once.
    pub fn with_lease(mut self, lease: Duration) -> Result<Self, IdempotencyError> {
        if lease.is_zero() {
            return Err(IdempotencyError::ZeroDuration { what: "lease" });
        }
        self.lease = lease;
        Ok(self)
    }

    /// Sets one done-TTL for every provider.
    ///
    /// # Errors
    ///
    /// [`IdempotencyError::ZeroDuration`] for a zero TTL, which would
    /// forget every completed delivery at once.
    pub fn with_done_ttl(mut self, ttl: Duration) -> Result<Self, IdempotencyError> {
        if ttl.is_zero() {
            return Err(IdempotencyError::ZeroDuration { what: "ttl" });
        }
        self.done_ttl = DoneTtl::Fixed(ttl);
        Ok(self)
    }

    /// Picks each delivery's done-TTL with [`suggested_done_ttl`].
    pub fn with_suggested_done_ttls(mut self) -> Self {
        self.done_ttl = DoneTtl::Suggested;
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The lease a claim holds.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// The done-TTL applied to deliveries of `provider`.
    pub fn done_ttl(&self, provider: Provider) -> Duration {
        match self.done_ttl {
            DoneTtl::Fixed(ttl) => ttl,
            DoneTtl::Suggested => suggested_done_ttl(provider),
        }
    }

    /// The key of `verified`: its delivery id when the signature covers it,
    /// else its signature fingerprint in hex, else (static-token schemes,
    /// which have no per-message signature) an unsigned delivery id.
    ///
    /// # Security
    ///
    /// A delivery id sent beside the signature (GitHub, Shopify, Twilio) is
    /// not used while a fingerprint is there: whoever replays a captured
    /// delivery could change it at will, while the fingerprint is fixed by
    /// the signed content (and a provider's own retry sends the same).
    ///
    /// # Errors
    ///
    /// [`IdempotencyError::KeyRequired`] when it has neither (a static-token
    /// scheme such as GitLab's `X-Gitlab-Token` without an event UUID: the
    /// token is the same on every request), and
    /// [`IdempotencyError::KeyTooLong`] for an oversized id or namespace.
    pub fn key(&self, verified: &Verified) -> Result<ReplayKey, IdempotencyError> {
        if let Some(id) = signed_delivery_id(verified) {
            return self.build(verified.provider(), KeySource::DeliveryId, id);
        }
        self.fingerprint_key(verified)
    }

    /// The key of `verified`, reading the body for providers that put the
    /// event id there: its signed delivery id, else the event id in a
    /// signed `body`, else as [`ReplayGuard::key`].
    ///
    /// `body` must be the body that was verified.
    ///
    /// # Errors
    ///
    /// As [`ReplayGuard::key`].
    pub fn key_with_body(
        &self,
        verified: &Verified,
        body: &[u8],
    ) -> Result<ReplayKey, IdempotencyError> {
        if let Some(id) = signed_delivery_id(verified) {
            return self.build(verified.provider(), KeySource::DeliveryId, id);
        }
        // A static token covers no body, but whoever can change the id can
        // forge the whole request, so the body's id is as good as anything.
        let body_signed = matches!(
            verified.covers(),
            SignedContent::Body | SignedContent::UrlAndBody | SignedContent::Token
        );
        if let Some(id) = verified
            .event_id(body)
            .filter(|id| body_signed && !id.is_empty())
        {
            return self.build(verified.provider(), KeySource::EventId, &id);
        }
        self.fingerprint_key(verified)
    }

    /// A key the caller supplies for `verified`'s delivery, for schemes
    /// that carry no id (read one from the payload, or hash what identifies
    /// the event).
    ///
    /// # Errors
    ///
    /// [`IdempotencyError::EmptyKey`] when `id` is empty, and
    /// [`IdempotencyError::KeyTooLong`] when it is oversized.
    pub fn explicit_key(
        &self,
        verified: &Verified,
        id: &str,
    ) -> Result<ReplayKey, IdempotencyError> {
        if id.is_empty() {
            return Err(IdempotencyError::EmptyKey);
        }
        self.build(verified.provider(), KeySource::Explicit, id)
    }

    fn fingerprint_key(&self, verified: &Verified) -> Result<ReplayKey, IdempotencyError> {
        let Some(fingerprint) = verified.signature_fingerprint() else {
            // No per-message signature: a static token. Whoever can change
            // the id can also forge the whole request, so the id is as good
            // as anything.
            if let Some(id) = verified.delivery_id() {
                return self.build(verified.provider(), KeySource::DeliveryId, id);
            }
            return Err(IdempotencyError::KeyRequired {
                provider: verified.provider(),
            });
        };
        let hex = const_hex::encode(fingerprint);
        self.build(verified.provider(), KeySource::SignatureFingerprint, &hex)
    }

    fn build(
        &self,
        provider: Provider,
        source: KeySource,
        id: &str,
    ) -> Result<ReplayKey, IdempotencyError> {
        let key =
            IdempotencyKey::from_parts([&*self.namespace, provider.id(), source.as_str(), id])?;
        Ok(ReplayKey {
            key,
            provider,
            source,
        })
    }
}

impl<S: IdempotencyStore> ReplayGuard<S> {
    /// Claims the delivery under the guard's lease.
    ///
    /// # Errors
    ///
    /// As [`IdempotencyStore::claim`].
    pub async fn claim(&self, key: &ReplayKey) -> Result<Claim, IdempotencyError> {
        self.store.claim(&key.key, self.lease).await
    }

    /// Marks the delivery done with `outcome` (what a retry should be
    /// answered with; often empty), for the provider's done-TTL.
    ///
    /// # Errors
    ///
    /// As [`IdempotencyStore::complete`].
    pub async fn complete(
        &self,
        key: &ReplayKey,
        token: FencingToken,
        outcome: &[u8],
    ) -> Result<(), IdempotencyError> {
        let ttl = self.done_ttl(key.provider);
        self.store.complete(&key.key, token, outcome, ttl).await
    }

    /// Gives the delivery up after a failure, so the provider's retry can
    /// claim it at once.
    ///
    /// # Errors
    ///
    /// As [`IdempotencyStore::release`].
    pub async fn release(
        &self,
        key: &ReplayKey,
        token: FencingToken,
    ) -> Result<(), IdempotencyError> {
        self.store.release(&key.key, token).await
    }
}

/// The delivery id, when the signature covers it.
fn signed_delivery_id(verified: &Verified) -> Option<&str> {
    verified
        .delivery_id()
        .filter(|_| verified.delivery_id_is_signed())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::crypto::KeyMatch;
    use crate::idempotency::{DynIdempotencyStore, MemoryStore};
    use crate::test_support::{TestClock, block_on};
    use crate::verify::DeliveryId;

    const FINGERPRINT: [u8; 16] = [0xab; 16];

    fn signed(provider: Provider) -> Verified {
        Verified::new(
            provider,
            KeyMatch {
                index: 0,
                fingerprint: Some(FINGERPRINT),
            },
        )
    }

    fn guard() -> ReplayGuard<MemoryStore<TestClock>> {
        ReplayGuard::new(MemoryStore::new(TestClock::new(0), 100))
    }

    fn parts(key: &ReplayKey) -> Vec<&str> {
        key.key().parts().collect()
    }

    #[test]
    fn delivery_id_comes_first() {
        let verified =
            signed(Provider::Svix).with_signed_delivery_id(Some(DeliveryId::new("msg_1")));
        let key = guard().key(&verified).unwrap();
        assert_eq!(key.source(), KeySource::DeliveryId);
        assert_eq!(parts(&key), ["webhook", "svix", "delivery", "msg_1"]);
        assert_eq!(key.key().as_str(), "7:webhook4:svix8:delivery5:msg_1");
    }

    #[test]
    fn an_unsigned_delivery_id_does_not_key_a_signed_delivery() {
        // GitHub's X-GitHub-Delivery is not signed: a replay with a new id
        // must still meet the first delivery's key.
        let guard = guard();
        let first = signed(Provider::Github).with_delivery_id(Some(DeliveryId::new("72d3162e")));
        let replay = signed(Provider::Github).with_delivery_id(Some(DeliveryId::new("attacker-1")));
        let key = guard.key(&first).unwrap();
        assert_eq!(key.source(), KeySource::SignatureFingerprint);
        assert_eq!(key.key(), guard.key(&replay).unwrap().key());
        assert_eq!(
            guard.key_with_body(&first, b"{}").unwrap().key(),
            guard.key_with_body(&replay, b"{}").unwrap().key()
        );
    }

    #[test]
    fn fingerprint_without_delivery_id() {
        let key = guard().key(&signed(Provider::Square)).unwrap();
        assert_eq!(key.source(), KeySource::SignatureFingerprint);
        assert_eq!(
            parts(&key),
            [
                "webhook",
                "square",
                "signature",
                "abababababababababababababababab"
            ]
        );
    }

    #[test]
    fn static_token_needs_an_explicit_key() {
        let token_only = Verified::new(Provider::Gitlab, 0_usize);
        let guard = guard();
        assert!(matches!(
            guard.key(&token_only),
            Err(IdempotencyError::KeyRequired {
                provider: Provider::Gitlab
            })
        ));
        assert!(matches!(
            guard.key_with_body(&token_only, b"{}"),
            Err(IdempotencyError::KeyRequired { .. })
        ));
        assert!(matches!(
            guard.explicit_key(&token_only, ""),
            Err(IdempotencyError::EmptyKey)
        ));
        let key = guard.explicit_key(&token_only, "push:abc").unwrap();
        assert_eq!(key.source(), KeySource::Explicit);
        assert_eq!(parts(&key), ["webhook", "gitlab", "explicit", "push:abc"]);

        // A static token with the event UUID header keys on it.
        let with_uuid = Verified::new(Provider::Gitlab, 0_usize)
            .with_delivery_id(Some(DeliveryId::new("uuid-1")));
        assert_eq!(
            guard.key(&with_uuid).unwrap().source(),
            KeySource::DeliveryId
        );
    }

    #[test]
    fn body_event_id_before_fingerprint() {
        let guard = guard();
        let stripe = signed(Provider::Stripe);
        let key = guard.key_with_body(&stripe, br#"{"id":"evt_1"}"#).unwrap();
        assert_eq!(key.source(), KeySource::EventId);
        assert_eq!(parts(&key), ["webhook", "stripe", "event", "evt_1"]);

        // No id in the body: the fingerprint.
        let key = guard.key_with_body(&stripe, b"{}").unwrap();
        assert_eq!(key.source(), KeySource::SignatureFingerprint);

        // A header id wins over the body.
        let svix = signed(Provider::Svix).with_signed_delivery_id(Some(DeliveryId::new("msg_2")));
        let key = guard.key_with_body(&svix, br#"{"id":"evt_1"}"#).unwrap();
        assert_eq!(key.source(), KeySource::DeliveryId);
    }

    #[test]
    fn static_token_keys_on_the_body_event_id() {
        // Telegram's token covers no body; its update id still keys the delivery.
        let telegram =
            Verified::new(Provider::Telegram, 0_usize).covering(crate::error::SignedContent::Token);
        let key = guard()
            .key_with_body(&telegram, br#"{"update_id":10000}"#)
            .unwrap();
        assert_eq!(key.source(), KeySource::EventId);
        assert_eq!(parts(&key), ["webhook", "telegram", "event", "10000"]);
    }

    #[test]
    fn sources_and_providers_do_not_collide() {
        let guard = guard();
        let a = guard
            .explicit_key(
                &signed(Provider::Stripe),
                "abababababababababababababababab",
            )
            .unwrap();
        let b = guard.key(&signed(Provider::Stripe)).unwrap();
        assert_ne!(a.key(), b.key());
        let c = guard.key(&signed(Provider::Svix)).unwrap();
        assert_ne!(b.key(), c.key());
        let other =
            ReplayGuard::new(MemoryStore::new(TestClock::new(0), 10)).with_namespace("app-2");
        assert_ne!(other.key(&signed(Provider::Stripe)).unwrap().key(), b.key());
    }

    #[test]
    fn oversized_ids_are_refused() {
        let long = "x".repeat(IdempotencyKey::MAX_LEN);
        let verified = signed(Provider::Svix).with_signed_delivery_id(Some(DeliveryId::new(&long)));
        assert!(matches!(
            guard().key(&verified),
            Err(IdempotencyError::KeyTooLong { .. })
        ));
    }

    #[test]
    fn claim_complete_and_ttls() {
        let clock = TestClock::new(0);
        let guard =
            ReplayGuard::new(MemoryStore::new(clock.clone(), 10)).with_suggested_done_ttls();
        let verified = signed(Provider::Slack);
        let key = guard.key(&verified).unwrap();

        let Claim::New { token } = block_on(guard.claim(&key)).unwrap() else {
            panic!("first claim");
        };
        assert_eq!(block_on(guard.claim(&key)).unwrap(), Claim::InProgress);
        block_on(guard.complete(&key, token, b"ok")).unwrap();

        clock.advance(suggested_done_ttl(Provider::Slack) - Duration::from_millis(1));
        assert_eq!(
            block_on(guard.claim(&key)).unwrap(),
            Claim::Done {
                outcome: b"ok".to_vec()
            }
        );
        clock.advance(Duration::from_millis(1));
        assert!(matches!(
            block_on(guard.claim(&key)).unwrap(),
            Claim::New { .. }
        ));
    }

    #[test]
    fn release_lets_the_retry_in() {
        let guard = guard();
        let key = guard.key(&signed(Provider::Paddle)).unwrap();
        let Claim::New { token } = block_on(guard.claim(&key)).unwrap() else {
            panic!("first claim");
        };
        block_on(guard.release(&key, token)).unwrap();
        assert!(matches!(
            block_on(guard.claim(&key)).unwrap(),
            Claim::New { .. }
        ));
        assert!(matches!(
            block_on(guard.release(&key, token)),
            Err(IdempotencyError::StaleToken)
        ));
    }

    #[test]
    fn ttl_defaults_cover_the_longest_window() {
        assert!(DEFAULT_DONE_TTL >= Duration::from_secs(8 * DAY));
        let guard = guard();
        assert_eq!(guard.done_ttl(Provider::Stripe), DEFAULT_DONE_TTL);
        assert_eq!(guard.lease(), DEFAULT_LEASE);
        let suggested = guard.with_suggested_done_ttls();
        assert_eq!(
            suggested.done_ttl(Provider::Stripe),
            Duration::from_secs(4 * DAY)
        );
        assert_eq!(
            suggested.done_ttl(Provider::StandardWebhooks),
            DEFAULT_DONE_TTL
        );
        for &provider in Provider::ALL {
            assert!(suggested_done_ttl(provider) >= Duration::from_secs(2 * DAY));
            assert!(suggested_done_ttl(provider) <= DEFAULT_DONE_TTL);
        }
    }

    #[test]
    fn guard_over_a_shared_dyn_store() {
        let store: Arc<dyn DynIdempotencyStore> = Arc::new(MemoryStore::new(TestClock::new(0), 10));
        let guard = ReplayGuard::new(Arc::clone(&store))
            .with_done_ttl(Duration::from_secs(60))
            .unwrap();
        let key = guard.key(&signed(Provider::Zoom)).unwrap();
        let claim = guard.claim(&key);
        fn assert_send<T: Send>(_: &T) {}
        assert_send(&claim);
        let Claim::New { token } = block_on(claim).unwrap() else {
            panic!("first claim");
        };
        block_on(guard.complete(&key, token, b"")).unwrap();
        assert!(matches!(
            block_on(store.claim(key.key(), DEFAULT_LEASE)).unwrap(),
            Claim::Done { .. }
        ));
    }
}
