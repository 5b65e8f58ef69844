//! An endpoint definition: where an owner's events go, signed with which
//! keys, for which event types, at what pace.

use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::endpoint_url::EndpointUrl;
use super::error::ValidationError;
use super::filter::{EventFilter, EventType};
use super::ids::{EndpointId, OwnerId};
use crate::secret::Keyring;
use crate::sign::{Signer, SigningSecret};

/// At most `events` deliveries to an endpoint per `interval`.
///
/// Plain data for the dispatcher's pacing; nothing here counts. The
/// [`EndpointStateStore`](super::EndpointStateStore) counts attempts in
/// fixed windows of `interval`: at most `events` start in each window, and
/// the next waits for the next window (so up to `2 × events` may start
/// within one `interval` that straddles two windows). Serde writes
/// `{"events":100,"interval_ms":1000}`.
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::delivery::RateLimit;
///
/// let limit = RateLimit::new(100, Duration::from_secs(1))?;
/// assert_eq!(limit.events(), 100);
/// assert!(RateLimit::new(0, Duration::from_secs(1)).is_err());
/// # Ok::<(), webhook_kit::delivery::ValidationError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RateLimitRepr", into = "RateLimitRepr")]
pub struct RateLimit {
    events: u32,
    interval: Duration,
}

impl RateLimit {
    /// `events` deliveries per `interval`, to whole milliseconds.
    ///
    /// # Errors
    ///
    /// [`ValidationError::InvalidRateLimit`] for zero events, or an
    /// interval under a millisecond or over `u64::MAX` milliseconds.
    pub fn new(events: u32, interval: Duration) -> Result<RateLimit, ValidationError> {
        if events == 0 {
            return Err(ValidationError::InvalidRateLimit {
                reason: "it allows zero events; disable the endpoint instead",
            });
        }
        let millis =
            u64::try_from(interval.as_millis()).map_err(|_| ValidationError::InvalidRateLimit {
                reason: "the interval is too long",
            })?;
        if millis == 0 {
            return Err(ValidationError::InvalidRateLimit {
                reason: "the interval is shorter than a millisecond",
            });
        }
        Ok(RateLimit {
            events,
            interval: Duration::from_millis(millis),
        })
    }

    /// The deliveries allowed per interval.
    pub fn events(&self) -> u32 {
        self.events
    }

    /// The interval.
    pub fn interval(&self) -> Duration {
        self.interval
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RateLimitRepr {
    events: u32,
    interval_ms: u64,
}

impl TryFrom<RateLimitRepr> for RateLimit {
    type Error = ValidationError;

    fn try_from(r: RateLimitRepr) -> Result<Self, Self::Error> {
        RateLimit::new(r.events, Duration::from_millis(r.interval_ms))
    }
}

impl From<RateLimit> for RateLimitRepr {
    fn from(r: RateLimit) -> Self {
        RateLimitRepr {
            events: r.events,
            // Whole milliseconds that fit, by construction.
            interval_ms: u64::try_from(r.interval.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// An endpoint: an owner's URL, the keys its deliveries are signed with,
/// the event types it receives, and how fast it may be sent to.
///
/// Endpoint definitions and their keys belong to the user of the crate,
/// who hands them over through an [`EndpointSource`](super::EndpointSource);
/// the crate persists neither. An owner can register several endpoints;
/// endpoint ids are unique across owners.
///
/// ```
/// use webhook_kit::delivery::{Endpoint, EndpointId, EndpointUrl, EventFilter, EventType, OwnerId};
/// use webhook_kit::sign::SigningSecret;
/// use webhook_kit::Keyring;
///
/// let endpoint = Endpoint::new(
///     EndpointId::new("ep_1")?,
///     OwnerId::new("app_1")?,
///     EndpointUrl::parse("https://hooks.example.com/in")?,
///     Keyring::from(SigningSecret::from_random_bytes(&[7; 32])?),
/// )?
/// .with_filter(EventFilter::new(["invoice.*"])?);
///
/// assert!(endpoint.accepts(&EventType::new("invoice.paid")?));
/// assert!(!endpoint.with_enabled(false).accepts(&EventType::new("invoice.paid")?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Security
///
/// The keyring is never serialised (the type has no serde impls) and never
/// shown: `Debug` prints the number of keys and the
/// [redacted](EndpointUrl::redacted) URL.
#[derive(Clone)]
pub struct Endpoint {
    id: EndpointId,
    owner: OwnerId,
    url: EndpointUrl,
    keyring: Keyring<SigningSecret>,
    filter: EventFilter,
    enabled: bool,
    rate_limit: Option<RateLimit>,
    max_in_flight: Option<NonZeroU32>,
}

impl Endpoint {
    /// An enabled endpoint receiving every event type, with no rate limit
    /// and no cap on requests in flight.
    ///
    /// # Errors
    ///
    /// [`ValidationError::NoSigningKey`] for an empty keyring.
    pub fn new(
        id: EndpointId,
        owner: OwnerId,
        url: EndpointUrl,
        keyring: Keyring<SigningSecret>,
    ) -> Result<Endpoint, ValidationError> {
        if keyring.is_empty() {
            return Err(ValidationError::NoSigningKey);
        }
        Ok(Endpoint {
            id,
            owner,
            url,
            keyring,
            filter: EventFilter::all(),
            enabled: true,
            rate_limit: None,
            max_in_flight: None,
        })
    }

    /// The event types it receives.
    pub fn with_filter(mut self, filter: EventFilter) -> Endpoint {
        self.filter = filter;
        self
    }

    /// Enables or disables it; a disabled endpoint gets no new deliveries.
    pub fn with_enabled(mut self, enabled: bool) -> Endpoint {
        self.enabled = enabled;
        self
    }

    /// Limits how many deliveries it gets per interval.
    pub fn with_rate_limit(mut self, limit: RateLimit) -> Endpoint {
        self.rate_limit = Some(limit);
        self
    }

    /// Caps the requests to it in flight at once.
    pub fn with_max_in_flight(mut self, max: NonZeroU32) -> Endpoint {
        self.max_in_flight = Some(max);
        self
    }

    /// Replaces the keyring (a rotation: add the new key, give the old one
    /// a not-after time).
    ///
    /// # Errors
    ///
    /// [`ValidationError::NoSigningKey`] for an empty keyring.
    pub fn with_keyring(
        mut self,
        keyring: Keyring<SigningSecret>,
    ) -> Result<Endpoint, ValidationError> {
        if keyring.is_empty() {
            return Err(ValidationError::NoSigningKey);
        }
        self.keyring = keyring;
        Ok(self)
    }

    /// The id.
    pub fn id(&self) -> &EndpointId {
        &self.id
    }

    /// The owner.
    pub fn owner(&self) -> &OwnerId {
        &self.owner
    }

    /// The URL.
    pub fn url(&self) -> &EndpointUrl {
        &self.url
    }

    /// The signing keys.
    pub fn keyring(&self) -> &Keyring<SigningSecret> {
        &self.keyring
    }

    /// A Standard Webhooks [`Signer`] with the endpoint's keys.
    pub fn signer(&self) -> Signer {
        Signer::new(self.keyring.clone())
    }

    /// The event filter.
    pub fn filter(&self) -> &EventFilter {
        &self.filter
    }

    /// Whether it is enabled.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// The rate limit, if any.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit
    }

    /// The cap on requests in flight, if any.
    pub fn max_in_flight(&self) -> Option<NonZeroU32> {
        self.max_in_flight
    }

    /// Whether an event of `event_type` goes to it: it is enabled and its
    /// filter matches.
    pub fn accepts(&self, event_type: &EventType) -> bool {
        self.enabled && self.filter.matches(event_type)
    }
}

impl AsRef<Endpoint> for Endpoint {
    fn as_ref(&self) -> &Endpoint {
        self
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("id", &self.id)
            .field("owner", &self.owner)
            .field("url", &self.url)
            .field("signing_keys", &self.keyring.len())
            .field("filter", &self.filter)
            .field("enabled", &self.enabled)
            .field("rate_limit", &self.rate_limit)
            .field("max_in_flight", &self.max_in_flight)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    fn secret(byte: u8) -> SigningSecret {
        SigningSecret::from_random_bytes(&[byte; 32]).unwrap()
    }

    fn endpoint() -> Endpoint {
        Endpoint::new(
            EndpointId::new("ep_1").unwrap(),
            OwnerId::new("app_1").unwrap(),
            EndpointUrl::parse("https://hooks.example.com/in?token=t0k3n").unwrap(),
            Keyring::from(secret(0x41)),
        )
        .unwrap()
    }

    #[test]
    fn defaults_and_setters() {
        let e = endpoint();
        assert!(e.is_enabled());
        assert!(e.filter().accepts_all());
        assert_eq!(e.rate_limit(), None);
        assert_eq!(e.max_in_flight(), None);
        let limit = RateLimit::new(10, Duration::from_secs(60)).unwrap();
        let cap = NonZeroU32::new(4).unwrap();
        let e = e
            .with_rate_limit(limit)
            .with_max_in_flight(cap)
            .with_filter(EventFilter::new(["a.*"]).unwrap())
            .with_enabled(false);
        assert_eq!(e.rate_limit(), Some(limit));
        assert_eq!(e.max_in_flight(), Some(cap));
        assert!(!e.is_enabled());
        assert!(!e.accepts(&EventType::new("a.b").unwrap()));
        assert!(
            e.with_enabled(true)
                .accepts(&EventType::new("a.b").unwrap())
        );
    }

    #[test]
    fn an_endpoint_needs_a_key() {
        let e = Endpoint::new(
            EndpointId::new("ep_1").unwrap(),
            OwnerId::new("app_1").unwrap(),
            EndpointUrl::parse("https://example.com/").unwrap(),
            Keyring::new(),
        );
        assert!(matches!(e, Err(ValidationError::NoSigningKey)));
        assert!(matches!(
            endpoint().with_keyring(Keyring::new()),
            Err(ValidationError::NoSigningKey)
        ));
        let rotated = endpoint()
            .with_keyring(
                Keyring::from(secret(2)).with_key_until(secret(1), Timestamp::from_unix_seconds(9)),
            )
            .unwrap();
        assert_eq!(rotated.keyring().len(), 2);
    }

    #[test]
    fn debug_shows_no_secret() {
        let shown = format!("{:?}", endpoint());
        // The key bytes are 0x41 ('A'): neither raw, base64 nor whsec text appears.
        let whsec = secret(0x41).to_whsec();
        assert!(!shown.contains(&whsec), "{shown}");
        assert!(!shown.contains("QUFB"), "{shown}");
        assert!(!shown.contains("AAAA"), "{shown}");
        assert!(!shown.contains("t0k3n"), "{shown}");
        assert!(shown.contains("signing_keys: 1"), "{shown}");
    }

    #[test]
    fn signer_uses_the_keyring() {
        let e = endpoint();
        let id = crate::sign::MessageId::new("msg_1").unwrap();
        let now = Timestamp::from_unix_seconds(1_700_000_000);
        assert!(e.signer().sign(&id, now, b"{}").is_ok());
    }

    #[test]
    fn rate_limits_are_checked_and_serialised() {
        assert!(RateLimit::new(0, Duration::from_secs(1)).is_err());
        assert!(RateLimit::new(1, Duration::ZERO).is_err());
        assert!(RateLimit::new(1, Duration::from_micros(999)).is_err());
        assert!(RateLimit::new(1, Duration::MAX).is_err());
        let limit = RateLimit::new(5, Duration::from_micros(2500)).unwrap();
        assert_eq!(limit.interval(), Duration::from_millis(2));
        let json = serde_json::to_string(&limit).unwrap();
        assert_eq!(json, r#"{"events":5,"interval_ms":2}"#);
        assert_eq!(serde_json::from_str::<RateLimit>(&json).unwrap(), limit);
        assert!(serde_json::from_str::<RateLimit>(r#"{"events":0,"interval_ms":2}"#).is_err());
        assert!(serde_json::from_str::<RateLimit>(r#"{"events":1,"interval_ms":0}"#).is_err());
    }
}
