//! The delivery job: everything a worker needs to make the next attempt of
//! one delivery, as a serde value a user's queue stores.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::dead_letter::DeadCause;
use super::event::Payload;
use super::filter::EventType;
use super::ids::{DeliveryId, EndpointId, OwnerId, message_id_serde};
use super::schema::{MAX_NANOS, SchemaVersion, opt_nanos};
use crate::retry::AttemptInput;
use crate::sign::MessageId;
use crate::time::Timestamp;

/// The `schema_version` of [`DeliveryJob`] this crate writes and reads.
pub const JOB_SCHEMA_VERSION: u32 = 1;

/// Why a job exists: the schedule, or a person or process asking again.
///
/// Serialised in snake_case: `"scheduled"`, `"manual"`, `"recovery"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Trigger {
    /// Made by the fan-out, retried on the schedule.
    Scheduled,
    /// A manual redelivery of one delivery ([`DeliveryJob::redeliver`]).
    Manual,
    /// Part of recovering an endpoint's failed deliveries since a time
    /// ([`DeliveryJob::recover`]).
    Recovery,
}

impl Trigger {
    /// Whether the job makes one attempt only, whatever its outcome:
    /// manual and recovery jobs do, so they never change the schedule of
    /// anything (as Svix's manual retries).
    pub fn is_single_shot(self) -> bool {
        !matches!(self, Trigger::Scheduled)
    }

    /// A stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Trigger::Scheduled => "scheduled",
            Trigger::Manual => "manual",
            Trigger::Recovery => "recovery",
        }
    }
}

/// One delivery (one message to one endpoint), waiting for its next attempt.
///
/// A job is plain data: a user's engine stores it (PostgreSQL, Redis, SQS,
/// NATS), wakes it at [`next_attempt_at`](DeliveryJob::next_attempt_at),
/// and any worker can make the attempt and compute what follows
/// ([`DeliveryJob::apply`]). It is made by the [fan-out](super::FanOut).
///
/// # What it holds, and what it does not
///
/// - **Ids**: delivery, message (`webhook-id`), endpoint and owner.
/// - **The payload, inline.** The job carries the exact bytes (base64 in
///   JSON, capped by the fan-out's maximum), so every attempt sends and
///   signs the same body without a second store to read, and a payload
///   that changes after the event cannot change a delivery. The cost is
///   one copy per endpoint in the queue; keep payloads small (Standard
///   Webhooks suggests under 20 KB), or send a thin payload that the
///   receiver fetches the details for.
/// - **The endpoint by reference, not a snapshot.** The job names the
///   endpoint; whoever sends it reads the URL, the keys and the enabled
///   flag from the [`EndpointSource`](super::EndpointSource) at send time
///   (as Svix does). So a URL change or a key rotation applies to pending
///   retries, a deleted or disabled endpoint ends them, and re-enabling one
///   before a retry is due keeps that retry.
/// - **No secret and no signature.** Both are computed at send time, with
///   a fresh `webhook-timestamp` on each attempt.
/// - **Timing**: `attempt` is the number of the attempt this job makes (1
///   for the original send, as in the retry module); `first_attempt_at` is
///   when the first attempt was due (the fan-out time); `deadline` is
///   `first_attempt_at + max_age`, fixed at fan-out, so a later change of
///   the policy does not stretch or cut jobs already queued.
/// - `previous_delay`: the delay chosen before this attempt, which
///   decorrelated jitter grows from (`previous_delay_ns`, whole nanoseconds).
/// - `dead_letter_pending`: set on a delivery that has ended but whose
///   dead letter could not be stored yet
///   ([`park_dead_letter`](DeliveryJob::park_dead_letter)); such a job is
///   never sent again, only its dead-letter write is retried. Written
///   only when set.
///
/// Serde writes every other field, `schema_version` first, and refuses unknown
/// fields, invalid ids and another schema version when reading.
///
/// ```
/// use webhook_kit::Timestamp;
/// use webhook_kit::delivery::{DeliveryJob, Trigger};
///
/// let json = r#"{
///   "schema_version": 1,
///   "delivery_id": "dlv_3ea38e0ba1d1850f1d810acda0db25aa",
///   "message_id": "msg_1",
///   "endpoint_id": "ep_1",
///   "owner_id": "app_1",
///   "event_type": "invoice.paid",
///   "payload": "e30=",
///   "created_at": 1700000000000,
///   "attempt": 1,
///   "first_attempt_at": 1700000000000,
///   "next_attempt_at": 1700000000000,
///   "deadline": 1700604800000,
///   "trigger": "scheduled",
///   "previous_delay_ns": null
/// }"#;
/// let job: DeliveryJob = serde_json::from_str(json)?;
/// assert_eq!(job.attempt(), 1);
/// assert_eq!(job.trigger(), Trigger::Scheduled);
/// assert!(job.is_due(Timestamp::from_unix_seconds(1_700_000_000)));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryJob {
    pub(super) schema_version: SchemaVersion<JOB_SCHEMA_VERSION>,
    pub(super) delivery_id: DeliveryId,
    #[serde(with = "message_id_serde")]
    pub(super) message_id: MessageId,
    pub(super) endpoint_id: EndpointId,
    pub(super) owner_id: OwnerId,
    pub(super) event_type: EventType,
    pub(super) payload: Payload,
    pub(super) created_at: Timestamp,
    pub(super) attempt: u32,
    pub(super) first_attempt_at: Timestamp,
    pub(super) next_attempt_at: Timestamp,
    pub(super) deadline: Timestamp,
    pub(super) trigger: Trigger,
    #[serde(rename = "previous_delay_ns", with = "opt_nanos")]
    pub(super) previous_delay: Option<Duration>,
    // Written only when set, so jobs of ongoing deliveries keep their shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) dead_letter_pending: Option<DeadCause>,
}

impl DeliveryJob {
    /// The `schema_version` written with it.
    pub fn schema_version(&self) -> u32 {
        JOB_SCHEMA_VERSION
    }

    /// The delivery id (message × endpoint).
    pub fn delivery_id(&self) -> &DeliveryId {
        &self.delivery_id
    }

    /// The message id, sent as `webhook-id`.
    pub fn message_id(&self) -> &MessageId {
        &self.message_id
    }

    /// The endpoint to deliver to, looked up at send time.
    pub fn endpoint_id(&self) -> &EndpointId {
        &self.endpoint_id
    }

    /// The owner of the event and the endpoint.
    pub fn owner_id(&self) -> &OwnerId {
        &self.owner_id
    }

    /// The event's type.
    pub fn event_type(&self) -> &EventType {
        &self.event_type
    }

    /// The bytes to send.
    pub fn payload(&self) -> &Payload {
        &self.payload
    }

    /// When the event happened.
    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }

    /// The number of the attempt this job makes: 1 for the original send.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// When the first attempt was due; `max_age` counts from it.
    pub fn first_attempt_at(&self) -> Timestamp {
        self.first_attempt_at
    }

    /// The earliest time to make the attempt (not-before).
    pub fn next_attempt_at(&self) -> Timestamp {
        self.next_attempt_at
    }

    /// The last time an attempt may be scheduled for: `first_attempt_at +
    /// max_age`, fixed when the job was made.
    pub fn deadline(&self) -> Timestamp {
        self.deadline
    }

    /// Why the job exists.
    pub fn trigger(&self) -> Trigger {
        self.trigger
    }

    /// The delay chosen before this attempt, if it followed a retry decision.
    pub fn previous_delay(&self) -> Option<Duration> {
        self.previous_delay
    }

    /// Why the delivery ended, when it has ended but its dead letter is
    /// still to be stored: the job must not be sent again.
    pub fn dead_letter_pending(&self) -> Option<DeadCause> {
        self.dead_letter_pending
    }

    /// This job, parked until `until` as a delivery that ended for `cause`
    /// but whose dead letter could not be stored: whoever claims it stores
    /// the letter ([`unparked`](Self::unparked) gives its job) instead of
    /// making an attempt.
    pub fn park_dead_letter(&self, cause: DeadCause, until: Timestamp) -> DeliveryJob {
        let mut parked = self.clone();
        parked.next_attempt_at = until;
        parked.dead_letter_pending = Some(cause);
        parked
    }

    /// The job without its pending dead-letter mark: the job of the
    /// delivery's last attempt, as its dead letter holds it.
    pub fn unparked(&self) -> DeliveryJob {
        let mut job = self.clone();
        job.dead_letter_pending = None;
        job
    }

    /// Whether the attempt may be made at `now`.
    pub fn is_due(&self, now: Timestamp) -> bool {
        now >= self.next_attempt_at
    }

    /// What the retry policy needs to decide after this job's attempt,
    /// which ended at `now`: add the response's `Retry-After` with
    /// [`AttemptInput::with_retry_after`].
    pub fn attempt_input(&self, now: Timestamp) -> AttemptInput<'_> {
        let input = AttemptInput::new(
            self.delivery_id.as_str(),
            self.attempt,
            self.first_attempt_at,
            now,
        );
        match self.previous_delay {
            Some(delay) => input.with_previous_delay(delay),
            None => input,
        }
    }

    /// Clamps a delay to what the job stores exactly.
    pub(super) fn keepable(delay: Option<Duration>) -> Option<Duration> {
        delay.map(|d| d.min(MAX_NANOS))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A first-attempt job for `msg_1` to `ep_1`, due at 1 700 000 000 s,
    /// with a 7-day deadline.
    pub(in crate::delivery) fn job() -> DeliveryJob {
        let message = MessageId::new("msg_1").unwrap();
        let endpoint = EndpointId::new("ep_1").unwrap();
        let at = Timestamp::from_unix_seconds(1_700_000_000);
        DeliveryJob {
            schema_version: SchemaVersion,
            delivery_id: DeliveryId::derive(&message, &endpoint),
            message_id: message,
            endpoint_id: endpoint,
            owner_id: OwnerId::new("app_1").unwrap(),
            event_type: EventType::new("invoice.paid").unwrap(),
            payload: Payload::from("{}"),
            created_at: at,
            attempt: 1,
            first_attempt_at: at,
            next_attempt_at: at,
            deadline: at.saturating_add(Duration::from_secs(7 * 86_400)),
            trigger: Trigger::Scheduled,
            previous_delay: None,
            dead_letter_pending: None,
        }
    }

    #[test]
    fn serde_round_trip_with_every_field() {
        let mut j = job();
        j.previous_delay = Some(Duration::from_nanos(6_454_684_735));
        j.trigger = Trigger::Recovery;
        let json = serde_json::to_string(&j).unwrap();
        assert!(
            json.starts_with(r#"{"schema_version":1,"delivery_id":"dlv_"#),
            "{json}"
        );
        assert!(json.contains(r#""previous_delay_ns":6454684735"#), "{json}");
        assert!(json.contains(r#""trigger":"recovery""#), "{json}");
        assert_eq!(serde_json::from_str::<DeliveryJob>(&json).unwrap(), j);

        let none = serde_json::to_string(&job()).unwrap();
        assert!(none.contains(r#""previous_delay_ns":null"#), "{none}");
        assert_eq!(serde_json::from_str::<DeliveryJob>(&none).unwrap(), job());
    }

    #[test]
    fn a_parked_dead_letter_round_trips_and_unparks() {
        let cause = DeadCause::DeadLettered(super::super::DeadLetterReason::GaveUp(
            crate::retry::GiveUpReason::AttemptsExhausted,
        ));
        let until = Timestamp::from_unix_seconds(1_700_000_060);
        let parked = job().park_dead_letter(cause, until);
        assert_eq!(parked.next_attempt_at(), until);
        let json = serde_json::to_string(&parked).unwrap();
        assert!(
            json.ends_with(
                r#""dead_letter_pending":{"dead_lettered":{"gave_up":"attempts_exhausted"}}}"#
            ),
            "{json}"
        );
        let back: DeliveryJob = serde_json::from_str(&json).unwrap();
        assert_eq!(back.dead_letter_pending(), Some(cause));
        let unparked = back.unparked();
        assert_eq!(unparked.dead_letter_pending(), None);
        assert!(
            !serde_json::to_string(&unparked)
                .unwrap()
                .contains("dead_letter")
        );
    }

    #[test]
    fn reading_is_strict() {
        let json = serde_json::to_string(&job()).unwrap();
        let v2 = json.replace(r#""schema_version":1"#, r#""schema_version":2"#);
        let e = serde_json::from_str::<DeliveryJob>(&v2).unwrap_err();
        assert!(
            e.to_string().contains("unsupported schema_version 2"),
            "{e}"
        );

        let extra = json.replace(r#""attempt":1"#, r#""attempt":1,"signature":"v1,x""#);
        assert!(serde_json::from_str::<DeliveryJob>(&extra).is_err());

        let missing = json.replace(r#","previous_delay_ns":null"#, "");
        assert!(serde_json::from_str::<DeliveryJob>(&missing).is_err());

        let bad_id = json.replace(r#""endpoint_id":"ep_1""#, r#""endpoint_id":"ep 1""#);
        assert!(serde_json::from_str::<DeliveryJob>(&bad_id).is_err());
    }

    #[test]
    fn attempt_input_comes_from_the_job() {
        let mut j = job();
        let now = j.next_attempt_at().saturating_add(Duration::from_secs(1));
        let input = j.attempt_input(now);
        assert_eq!(input.delivery_id, j.delivery_id().as_str());
        assert_eq!(input.attempt, 1);
        assert_eq!(input.first_attempt_at, j.first_attempt_at());
        assert_eq!(input.now, now);
        assert_eq!(input.previous_delay, None);
        j.previous_delay = Some(Duration::from_secs(5));
        assert_eq!(
            j.attempt_input(now).previous_delay,
            Some(Duration::from_secs(5))
        );
    }

    #[test]
    fn due_and_triggers() {
        let j = job();
        assert!(!j.is_due(j.next_attempt_at().saturating_sub(Duration::from_millis(1))));
        assert!(j.is_due(j.next_attempt_at()));
        assert!(!Trigger::Scheduled.is_single_shot());
        assert!(Trigger::Manual.is_single_shot());
        assert!(Trigger::Recovery.is_single_shot());
        assert_eq!(Trigger::Manual.code(), "manual");
        assert_eq!(
            DeliveryJob::keepable(Some(Duration::MAX)),
            Some(Duration::from_nanos(u64::MAX))
        );
    }
}
