//! The data of sending webhooks: endpoints, events, fan-out, delivery
//! jobs, attempt records, and what follows a retry decision. Pure: no
//! clock, no I/O, nothing persisted.
//!
//! - [`Endpoint`]: an owner's URL ([`EndpointUrl`], checked), signing
//!   keyring, event filter ([`EventFilter`]: exact types, `prefix.*`,
//!   `*`), enabled flag, optional [`RateLimit`] and in-flight cap.
//!   Definitions and keys stay the user's: the crate reads them through an
//!   [`EndpointSource`] ([`MemoryEndpointSource`] in memory) and never
//!   writes them back.
//! - [`Event`] and [`FanOut`]: one [`DeliveryJob`] per matching, enabled
//!   endpoint of the event's owner, with a [`DeliveryId`] derived from the
//!   message id and the endpoint id, so re-running a fan-out yields the
//!   same ids.
//! - [`DeliveryJob`] and [`AttemptRecord`]: serde values with a
//!   `schema_version`, for the user's queue and attempt log. A job holds
//!   its payload inline and no secret or signature.
//! - [`DeliveryJob::apply`]: a [`retry::Decision`](crate::retry::Decision)
//!   applied to a job gives the next job or the end of the delivery
//!   ([`Transition`]).
//! - [`EndpointHealth`] under a [`HealthPolicy`]: a circuit breaker whose
//!   open state defers jobs without spending attempts, and the rule that
//!   disables an endpoint on 410 or after days of continuous failure.
//! - [`JobQueue`], [`AttemptLog`], [`DeadLetterSink`] and
//!   [`EndpointStateStore`]: the stores a sender needs, as traits for the
//!   user's backend, with bounded in-memory versions ([`MemoryJobQueue`],
//!   [`MemoryAttemptLog`], [`MemoryDeadLetters`], [`MemoryEndpointState`]).
//!   Endpoint state (health changed atomically by [`HealthChange`],
//!   in-flight slot leases, rate-limit windows) can so be shared by
//!   several dispatchers. Jobs are leased with fencing tokens and
//!   delivered at least once: a worker that crashes between claim and
//!   complete loses its lease, the job runs again, and receivers
//!   deduplicate on the delivery's message id (see [`JobQueue`]).
//!
//! ```
//! use webhook_kit::delivery::{
//!     AttemptRecord, Endpoint, EndpointId, EndpointSource, EndpointUrl, Event, EventType, FanOut,
//!     MemoryEndpointSource, OwnerId, Transition,
//! };
//! use webhook_kit::retry::{AttemptResult, RetryPolicy};
//! use webhook_kit::sign::{MessageId, SigningSecret};
//! use webhook_kit::{Keyring, Timestamp};
//!
//! # fn block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     let mut f = std::pin::pin!(f);
//! #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
//! #     loop {
//! #         if let std::task::Poll::Ready(out) = f.as_mut().poll(&mut cx) { return out; }
//! #     }
//! # }
//! # block_on(async {
//! // The user's endpoint definitions, here in memory.
//! let owner = OwnerId::new("app_1")?;
//! let source = MemoryEndpointSource::new();
//! source.insert(Endpoint::new(
//!     EndpointId::new("ep_1")?,
//!     owner.clone(),
//!     EndpointUrl::parse("https://hooks.example.com/in")?,
//!     Keyring::from(SigningSecret::from_random_bytes(&[7; 32])?),
//! )?)?;
//!
//! // An event fans out to the owner's endpoints.
//! let policy = RetryPolicy::default();
//! let now = Timestamp::from_unix_seconds(1_700_000_000);
//! let event = Event::new(
//!     owner.clone(),
//!     EventType::new("invoice.paid")?,
//!     MessageId::new("msg_1")?,
//!     r#"{"type":"invoice.paid"}"#,
//!     now,
//! );
//! let endpoints = source.endpoints_of(&owner).await?;
//! let jobs = FanOut::new(&policy).jobs(&event, &endpoints, now)?;
//! let job = &jobs[0];
//!
//! // The sender signs at send time, with the endpoint's keys read afresh.
//! let endpoint = source.endpoint(job.owner_id(), job.endpoint_id()).await?.unwrap();
//! let headers = endpoint.signer().sign(job.message_id(), now, job.payload().as_bytes())?;
//! # let _ = headers;
//!
//! // The endpoint answered 503: the policy decides, the job moves on.
//! let result = AttemptResult::Response { status: 503 };
//! let verdict = policy.evaluate(&result, None, &job.attempt_input(now));
//! let record = AttemptRecord::new(job, now, now, &result, verdict.decision);
//! let Transition::Scheduled(next) = job.apply_verdict(&verdict)? else { unreachable!() };
//! assert_eq!(next.attempt(), 2);
//! assert_eq!(record.next_attempt_at(), Some(next.next_attempt_at()));
//!
//! // Jobs are plain data for the user's queue, with no secret in them.
//! let json = serde_json::to_string(&*next)?;
//! assert!(!json.contains("whsec_"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod dead_letter;
mod endpoint;
mod endpoint_state;
mod endpoint_url;
mod error;
mod event;
mod fanout;
mod filter;
mod health;
mod health_change;
mod health_policy;
mod ids;
mod job;
mod log;
mod queue;
mod record;
mod schema;
mod source;
mod store_error;
mod transition;

pub use dead_letter::{
    DeadCause, DeadLetter, DeadLetterSink, DynDeadLetterSink, MemoryDeadLetters,
};
pub use endpoint::{Endpoint, RateLimit};
pub use endpoint_state::{
    DynEndpointStateStore, EndpointStateStore, HealthRecord, MemoryEndpointState, RateToken, Saved,
    SlotLease,
};
pub use endpoint_url::{EndpointUrl, UrlRules};
pub use error::{FanOutError, SourceError, TransitionError, UrlError, ValidationError};
pub use event::{Event, Payload};
pub use fanout::{DEFAULT_MAX_PAYLOAD_BYTES, FanOut};
pub use filter::{EventFilter, EventType};
pub use health::{
    Admission, Circuit, EndpointHealth, HEALTH_SCHEMA_VERSION, HealthDisableReason, HealthEvent,
    Observation,
};
pub use health_change::{HealthApplied, HealthChange};
pub use health_policy::{HealthPolicy, MAX_BUCKETS};
pub use ids::{DELIVERY_ID_DOMAIN, DeliveryId, EndpointId, OwnerId};
pub use job::{DeliveryJob, JOB_SCHEMA_VERSION, Trigger};
pub use log::{AttemptLog, DynAttemptLog, MemoryAttemptLog};
pub use queue::{ClaimedJob, DynJobQueue, Enqueued, JobQueue, LeaseToken, MemoryJobQueue};
pub use record::{
    AttemptRecord, BodyExcerpt, DEFAULT_EXCERPT_BYTES, ErrorKind, MAX_ERROR_MESSAGE_BYTES,
    RECORD_SCHEMA_VERSION,
};
pub use source::{DynEndpointSource, EndpointSource, MemoryEndpointSource};
pub use store_error::StoreError;
pub use transition::{DeadLetterReason, Transition};
