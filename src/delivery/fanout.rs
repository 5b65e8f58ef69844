//! Fan-out: one event and its owner's endpoints in, one job per matching,
//! enabled endpoint out. Pure and repeatable.

use std::collections::HashSet;
use std::time::Duration;

use super::endpoint::Endpoint;
use super::error::FanOutError;
use super::event::Event;
use super::ids::DeliveryId;
use super::job::{DeliveryJob, Trigger};
use super::schema::SchemaVersion;
use crate::retry::{DEFAULT_MAX_AGE, RetryPolicy};
use crate::time::Timestamp;

/// The largest payload a fan-out accepts unless configured: 256 KiB.
///
/// Svix accepts about 350 KB and recommends at most 40 KB; Standard
/// Webhooks suggests under 20 KB. Every job holds its payload, so the
/// queue holds it once per endpoint.
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// Turns an event into delivery jobs.
///
/// For each endpoint of the event's owner that is enabled and whose filter
/// matches the event type, one [`DeliveryJob`]: attempt 1, due at `now`,
/// with the deadline `now + max_age` and the
/// [derived](DeliveryId::derive) delivery id. The same inputs give the
/// same jobs, so a fan-out re-run after a crash produces the same delivery
/// ids, and an engine that enqueues idempotently on `(delivery_id,
/// attempt)` keeps one of each. Disabled and non-matching endpoints get
/// nothing.
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::Timestamp;
/// use webhook_kit::delivery::{
///     Endpoint, EndpointId, EndpointUrl, Event, EventFilter, EventType, FanOut, OwnerId,
/// };
/// use webhook_kit::retry::RetryPolicy;
/// use webhook_kit::sign::{MessageId, SigningSecret};
/// use webhook_kit::Keyring;
///
/// let owner = OwnerId::new("app_1")?;
/// let endpoint = |id: &str, filter: &str| -> Result<Endpoint, Box<dyn std::error::Error>> {
///     Ok(Endpoint::new(
///         EndpointId::new(id)?,
///         owner.clone(),
///         EndpointUrl::parse("https://hooks.example.com/in")?,
///         Keyring::from(SigningSecret::from_random_bytes(&[7; 32])?),
///     )?
///     .with_filter(EventFilter::new([filter])?))
/// };
/// let endpoints = [endpoint("ep_1", "invoice.*")?, endpoint("ep_2", "customer.*")?];
///
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
/// let event = Event::new(
///     owner.clone(),
///     EventType::new("invoice.paid")?,
///     MessageId::new("msg_1")?,
///     r#"{"type":"invoice.paid"}"#,
///     now,
/// );
/// let fan_out = FanOut::new(&RetryPolicy::default());
/// let jobs = fan_out.jobs(&event, &endpoints, now)?;
///
/// assert_eq!(jobs.len(), 1);
/// assert_eq!(jobs[0].endpoint_id().as_str(), "ep_1");
/// assert_eq!(jobs[0].delivery_id().as_str(), "dlv_3ea38e0ba1d1850f1d810acda0db25aa");
/// assert_eq!(jobs, fan_out.jobs(&event, &endpoints, now)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FanOut {
    max_payload: usize,
    max_age: Duration,
}

impl Default for FanOut {
    /// [`DEFAULT_MAX_PAYLOAD_BYTES`] and the retry module's [`DEFAULT_MAX_AGE`].
    fn default() -> Self {
        FanOut {
            max_payload: DEFAULT_MAX_PAYLOAD_BYTES,
            max_age: DEFAULT_MAX_AGE,
        }
    }
}

impl FanOut {
    /// A fan-out whose jobs' deadlines follow `policy`'s `max_age`,
    /// accepting payloads of up to [`DEFAULT_MAX_PAYLOAD_BYTES`].
    pub fn new(policy: &RetryPolicy) -> FanOut {
        FanOut {
            max_age: policy.max_age(),
            ..FanOut::default()
        }
    }

    /// Accepts payloads of at most `max` bytes.
    pub fn with_max_payload_bytes(mut self, max: usize) -> FanOut {
        self.max_payload = max;
        self
    }

    /// The largest payload accepted, in bytes.
    pub fn max_payload_bytes(&self) -> usize {
        self.max_payload
    }

    /// How long after the first attempt is due a job may still be retried.
    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    /// The jobs for `event`, given the endpoints of its owner, fanned out
    /// at `now`, in the order of `endpoints` (endpoints, references, or the
    /// `Arc`s an [`EndpointSource`](super::EndpointSource) returns).
    ///
    /// # Errors
    ///
    /// Nothing is produced when any check fails:
    /// [`FanOutError::PayloadTooLarge`] when the payload exceeds the
    /// maximum (whether or not any endpoint matches),
    /// [`FanOutError::ForeignEndpoint`] when an endpoint belongs to another
    /// owner, and [`FanOutError::DuplicateEndpoint`] when an id appears twice.
    pub fn jobs<I>(
        &self,
        event: &Event,
        endpoints: I,
        now: Timestamp,
    ) -> Result<Vec<DeliveryJob>, FanOutError>
    where
        I: IntoIterator,
        I::Item: AsRef<Endpoint>,
    {
        let len = event.payload().len();
        if len > self.max_payload {
            return Err(FanOutError::PayloadTooLarge {
                len,
                max: self.max_payload,
            });
        }

        let mut seen = HashSet::new();
        let mut jobs = Vec::new();
        for endpoint in endpoints {
            let endpoint = endpoint.as_ref();
            if endpoint.owner() != event.owner() {
                return Err(FanOutError::ForeignEndpoint {
                    endpoint: endpoint.id().clone(),
                });
            }
            if !seen.insert(endpoint.id().clone()) {
                return Err(FanOutError::DuplicateEndpoint {
                    endpoint: endpoint.id().clone(),
                });
            }
            if endpoint.accepts(event.event_type()) {
                jobs.push(self.job(event, endpoint, now));
            }
        }
        Ok(jobs)
    }

    fn job(&self, event: &Event, endpoint: &Endpoint, now: Timestamp) -> DeliveryJob {
        DeliveryJob {
            schema_version: SchemaVersion,
            delivery_id: DeliveryId::derive(event.message_id(), endpoint.id()),
            message_id: event.message_id().clone(),
            endpoint_id: endpoint.id().clone(),
            owner_id: event.owner().clone(),
            event_type: event.event_type().clone(),
            payload: event.payload().clone(),
            created_at: event.created_at(),
            attempt: 1,
            first_attempt_at: now,
            next_attempt_at: now,
            deadline: now.saturating_add(self.max_age),
            trigger: Trigger::Scheduled,
            previous_delay: None,
            dead_letter_pending: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::{EndpointId, EndpointUrl, EventFilter, EventType, OwnerId};
    use crate::secret::Keyring;
    use crate::sign::{MessageId, SigningSecret};
    use std::sync::Arc;

    fn endpoint(owner: &str, id: &str, patterns: &[&str]) -> Endpoint {
        Endpoint::new(
            EndpointId::new(id).unwrap(),
            OwnerId::new(owner).unwrap(),
            EndpointUrl::parse("https://hooks.example.com/in").unwrap(),
            Keyring::from(SigningSecret::from_random_bytes(&[3; 32]).unwrap()),
        )
        .unwrap()
        .with_filter(EventFilter::new(patterns).unwrap())
    }

    fn event(payload: &[u8]) -> Event {
        Event::new(
            OwnerId::new("app_1").unwrap(),
            EventType::new("invoice.paid").unwrap(),
            MessageId::new("msg_1").unwrap(),
            payload,
            Timestamp::from_unix_seconds(1_699_999_999),
        )
    }

    fn now() -> Timestamp {
        Timestamp::from_unix_seconds(1_700_000_000)
    }

    #[test]
    fn one_job_per_matching_enabled_endpoint() {
        let endpoints = [
            endpoint("app_1", "ep_all", &["*"]),
            endpoint("app_1", "ep_inv", &["invoice.*"]),
            endpoint("app_1", "ep_exact", &["invoice.paid"]),
            endpoint("app_1", "ep_other", &["customer.*"]),
            endpoint("app_1", "ep_off", &["*"]).with_enabled(false),
        ];
        let jobs = FanOut::default()
            .jobs(&event(b"{}"), &endpoints, now())
            .unwrap();
        let ids: Vec<_> = jobs.iter().map(|j| j.endpoint_id().as_str()).collect();
        assert_eq!(ids, ["ep_all", "ep_inv", "ep_exact"]);

        let j = &jobs[0];
        assert_eq!(j.attempt(), 1);
        assert_eq!(j.trigger(), Trigger::Scheduled);
        assert_eq!(j.first_attempt_at(), now());
        assert_eq!(j.next_attempt_at(), now());
        assert_eq!(j.deadline(), now().saturating_add(DEFAULT_MAX_AGE));
        assert_eq!(j.created_at(), Timestamp::from_unix_seconds(1_699_999_999));
        assert_eq!(j.payload().as_bytes(), b"{}");
        assert_eq!(j.owner_id().as_str(), "app_1");
        assert_eq!(j.event_type().as_str(), "invoice.paid");
        assert_eq!(j.previous_delay(), None);
        // Distinct ids per endpoint, all derived.
        let distinct: HashSet<_> = jobs.iter().map(|j| j.delivery_id().clone()).collect();
        assert_eq!(distinct.len(), 3);
    }

    #[test]
    fn rerunning_gives_the_same_jobs() {
        let endpoints = vec![
            Arc::new(endpoint("app_1", "ep_1", &["*"])),
            Arc::new(endpoint("app_1", "ep_2", &["*"])),
        ];
        let f = FanOut::default();
        let first = f.jobs(&event(b"{}"), &endpoints, now()).unwrap();
        let again = f
            .jobs(&event(b"{}"), endpoints.iter().cloned(), now())
            .unwrap();
        assert_eq!(first, again);
        assert_eq!(
            first[0].delivery_id(),
            &DeliveryId::derive(
                &MessageId::new("msg_1").unwrap(),
                &EndpointId::new("ep_1").unwrap()
            )
        );
    }

    #[test]
    fn payload_limit_is_checked_first() {
        let f = FanOut::default().with_max_payload_bytes(4);
        assert_eq!(f.max_payload_bytes(), 4);
        assert!(f.jobs(&event(b"1234"), &[] as &[Endpoint], now()).is_ok());
        assert_eq!(
            f.jobs(&event(b"12345"), &[] as &[Endpoint], now()),
            Err(FanOutError::PayloadTooLarge { len: 5, max: 4 })
        );
        let big = vec![b'x'; DEFAULT_MAX_PAYLOAD_BYTES + 1];
        assert!(matches!(
            FanOut::default().jobs(&event(&big), &[endpoint("app_1", "ep_1", &["*"])], now()),
            Err(FanOutError::PayloadTooLarge { .. })
        ));
    }

    #[test]
    fn foreign_and_duplicate_endpoints_are_refused() {
        let f = FanOut::default();
        let foreign = [
            endpoint("app_1", "ep_1", &["*"]),
            endpoint("app_2", "ep_2", &["customer.*"]),
        ];
        assert_eq!(
            f.jobs(&event(b"{}"), &foreign, now()),
            Err(FanOutError::ForeignEndpoint {
                endpoint: EndpointId::new("ep_2").unwrap()
            })
        );
        let twice = [
            endpoint("app_1", "ep_1", &["*"]),
            endpoint("app_1", "ep_1", &["*"]).with_enabled(false),
        ];
        assert_eq!(
            f.jobs(&event(b"{}"), &twice, now()),
            Err(FanOutError::DuplicateEndpoint {
                endpoint: EndpointId::new("ep_1").unwrap()
            })
        );
    }

    #[test]
    fn max_age_comes_from_the_policy() {
        let policy = RetryPolicy::default()
            .with_max_age(Duration::from_secs(3600))
            .unwrap();
        let f = FanOut::new(&policy);
        assert_eq!(f.max_age(), Duration::from_secs(3600));
        let jobs = f
            .jobs(&event(b"{}"), [endpoint("app_1", "ep_1", &["*"])], now())
            .unwrap();
        assert_eq!(
            jobs[0].deadline(),
            now().saturating_add(Duration::from_secs(3600))
        );
        // Saturates rather than overflows.
        let end = Timestamp::from_unix_millis(i64::MAX);
        let jobs = f
            .jobs(&event(b"{}"), [endpoint("app_1", "ep_1", &["*"])], end)
            .unwrap();
        assert_eq!(jobs[0].deadline(), end);
    }
}
