//! The attempt record: what one attempt did and what was decided after it,
//! as a serde value for the user's attempt log.

use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ids::{DeliveryId, EndpointId, OwnerId, message_id_serde};
use super::job::{DeliveryJob, Trigger};
use super::schema::SchemaVersion;
use crate::retry::{AttemptResult, Decision, TransportError};
use crate::sign::MessageId;
use crate::time::Timestamp;

/// The `schema_version` of [`AttemptRecord`] this crate writes and reads.
pub const RECORD_SCHEMA_VERSION: u32 = 1;

/// The most response body bytes a record keeps unless told otherwise
/// (16 KiB; Svix keeps 20 000 bytes, Convoy 50 KB).
pub const DEFAULT_EXCERPT_BYTES: usize = 16 * 1024;

/// The most bytes of an error message a record keeps.
pub const MAX_ERROR_MESSAGE_BYTES: usize = 1024;

/// What went wrong in an attempt, beside its status.
///
/// Serialised externally tagged in snake_case: `"status"`,
/// `{"transport":"read_timeout"}`, `"blocked"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// A response that is not 2xx (the record's `status` says which).
    Status,
    /// No usable response.
    Transport(TransportError),
    /// The address guard refused the destination; nothing was sent.
    Blocked,
}

impl ErrorKind {
    /// A stable snake_case code: `status`, `blocked`, or the transport
    /// error's (`transport_dns`, `transport_read_timeout`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            ErrorKind::Status => "status",
            ErrorKind::Blocked => "blocked",
            ErrorKind::Transport(e) => match e {
                TransportError::ConnectTimeout => "transport_connect_timeout",
                TransportError::ReadTimeout => "transport_read_timeout",
                TransportError::TotalTimeout => "transport_total_timeout",
                TransportError::ConnectionRefused => "transport_connection_refused",
                TransportError::ConnectionReset => "transport_connection_reset",
                TransportError::Dns => "transport_dns",
                TransportError::Tls => "transport_tls",
                TransportError::Redirect => "transport_redirect",
                TransportError::BodyTooLarge => "transport_body_too_large",
                TransportError::Protocol => "transport_protocol",
                TransportError::Proxy => "transport_proxy",
            },
        }
    }
}

/// The start of a response body, as a record keeps it.
///
/// At most the excerpt's limit of bytes, cut anywhere (the bytes need not
/// be UTF-8); `truncated` says whether more came, or may have come. Serde
/// writes `{"body":"<base64>","truncated":false,"len":42}`, where `len` is
/// how many bytes the sender read.
///
/// ```
/// use webhook_kit::delivery::BodyExcerpt;
///
/// let excerpt = BodyExcerpt::new(b"internal error: database down", 14);
/// assert_eq!(excerpt.bytes(), b"internal error");
/// assert!(excerpt.is_truncated());
/// assert_eq!(excerpt.len_read(), 29);
/// assert_eq!(excerpt.to_text_lossy(), "internal error");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyExcerpt {
    #[serde(serialize_with = "base64_ser", deserialize_with = "base64_de")]
    body: Vec<u8>,
    truncated: bool,
    len: u64,
}

fn base64_ser<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&STANDARD.encode(bytes))
}

fn base64_de<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
    STANDARD
        .decode(text.as_bytes())
        .map_err(|_| serde::de::Error::custom("the body excerpt is not standard base64"))
}

impl BodyExcerpt {
    /// The first `max` bytes of `read`, the bytes the sender read.
    pub fn new(read: &[u8], max: usize) -> BodyExcerpt {
        let kept = read.get(..max).unwrap_or(read);
        BodyExcerpt {
            body: kept.to_vec(),
            truncated: kept.len() < read.len(),
            len: u64::try_from(read.len()).unwrap_or(u64::MAX),
        }
    }

    /// Marks the excerpt truncated because the sender stopped reading
    /// before the body ended (its read limit, a timeout).
    pub fn with_read_cut_short(mut self) -> BodyExcerpt {
        self.truncated = true;
        self
    }

    /// The bytes kept.
    pub fn bytes(&self) -> &[u8] {
        &self.body
    }

    /// Whether the body was longer than what is kept, or may have been.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// How many bytes the sender read.
    pub fn len_read(&self) -> u64 {
        self.len
    }

    /// The bytes kept as text, invalid UTF-8 replaced (a cut in the middle
    /// of a character shows as one replacement character).
    pub fn to_text_lossy(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One attempt of one delivery, for the attempt log.
///
/// Made by [`AttemptRecord::new`] from the job, the times, what the sender
/// saw and the decision taken; the network details are added with the
/// `with_*` methods. A record holds no secret, no signature and no request
/// body: those are in the job (the payload) or nowhere (the rest). Records
/// are unique per `(delivery_id, attempt)`.
///
/// ```
/// use std::net::{IpAddr, Ipv4Addr};
/// use webhook_kit::Timestamp;
/// use webhook_kit::delivery::{AttemptRecord, BodyExcerpt, DeliveryJob, ErrorKind};
/// use webhook_kit::retry::{AttemptResult, Decision, GiveUpReason};
/// # let job: DeliveryJob = serde_json::from_str(r#"{"schema_version":1,
/// #   "delivery_id":"dlv_3ea38e0ba1d1850f1d810acda0db25aa","message_id":"msg_1",
/// #   "endpoint_id":"ep_1","owner_id":"app_1","event_type":"invoice.paid","payload":"e30=",
/// #   "created_at":0,"attempt":1,"first_attempt_at":0,"next_attempt_at":0,
/// #   "deadline":604800000,"trigger":"scheduled","previous_delay_ns":null}"#)?;
///
/// let record = AttemptRecord::new(
///     &job,
///     Timestamp::from_unix_millis(1_000),
///     Timestamp::from_unix_millis(1_250),
///     &AttemptResult::Response { status: 413 },
///     Decision::GiveUp { reason: GiveUpReason::AttemptsExhausted },
/// )
/// .with_connected_addr(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)))
/// .with_response_body(BodyExcerpt::new(b"too large", 1024));
///
/// assert_eq!(record.status(), Some(413));
/// assert_eq!(record.error_kind(), Some(ErrorKind::Status));
/// assert_eq!(record.duration_ms(), 250);
/// let json = serde_json::to_string(&record)?;
/// assert_eq!(serde_json::from_str::<AttemptRecord>(&json)?, record);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttemptRecord {
    schema_version: SchemaVersion<RECORD_SCHEMA_VERSION>,
    delivery_id: DeliveryId,
    #[serde(with = "message_id_serde")]
    message_id: MessageId,
    endpoint_id: EndpointId,
    owner_id: OwnerId,
    attempt: u32,
    trigger: Trigger,
    started_at: Timestamp,
    finished_at: Timestamp,
    duration_ms: u64,
    connected_addr: Option<IpAddr>,
    status: Option<u16>,
    response_body: Option<BodyExcerpt>,
    error_kind: Option<ErrorKind>,
    error_message: Option<String>,
    decision: Decision,
}

impl AttemptRecord {
    /// The record of `job`'s attempt, which ran from `started_at` to
    /// `finished_at`, ended in `result`, and was followed by `decision`.
    ///
    /// The status is the response's; the error kind is
    /// [`ErrorKind::Status`] for a response outside 2xx, the transport
    /// error, or [`ErrorKind::Blocked`]. The duration is
    /// `finished_at - started_at` in milliseconds (0 if the clock went back).
    pub fn new(
        job: &DeliveryJob,
        started_at: Timestamp,
        finished_at: Timestamp,
        result: &AttemptResult,
        decision: Decision,
    ) -> AttemptRecord {
        let (status, error_kind) = match *result {
            AttemptResult::Response { status } if (200..=299).contains(&status) => {
                (Some(status), None)
            }
            AttemptResult::Response { status } => (Some(status), Some(ErrorKind::Status)),
            AttemptResult::Transport(e) => (None, Some(ErrorKind::Transport(e))),
            AttemptResult::Blocked => (None, Some(ErrorKind::Blocked)),
        };
        let duration = finished_at.duration_since(started_at);
        AttemptRecord {
            schema_version: SchemaVersion,
            delivery_id: job.delivery_id().clone(),
            message_id: job.message_id().clone(),
            endpoint_id: job.endpoint_id().clone(),
            owner_id: job.owner_id().clone(),
            attempt: job.attempt(),
            trigger: job.trigger(),
            started_at,
            finished_at,
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            connected_addr: None,
            status,
            response_body: None,
            error_kind,
            error_message: None,
            decision,
        }
    }

    /// The address the sender connected to (after resolving and checking it).
    pub fn with_connected_addr(mut self, addr: IpAddr) -> AttemptRecord {
        self.connected_addr = Some(addr);
        self
    }

    /// The start of the response body.
    pub fn with_response_body(mut self, excerpt: BodyExcerpt) -> AttemptRecord {
        self.response_body = Some(excerpt);
        self
    }

    /// A human-readable error message, cut to [`MAX_ERROR_MESSAGE_BYTES`]
    /// at a character boundary.
    ///
    /// # Security
    ///
    /// Pass the transport's message, never one that holds the request's
    /// headers or URL: they carry the signature and, for some endpoints, a
    /// token.
    pub fn with_error_message(mut self, message: &str) -> AttemptRecord {
        self.error_message = Some(cut_at_char(message, MAX_ERROR_MESSAGE_BYTES).to_owned());
        self
    }

    /// The `schema_version` written with it.
    pub fn schema_version(&self) -> u32 {
        RECORD_SCHEMA_VERSION
    }

    /// The delivery id.
    pub fn delivery_id(&self) -> &DeliveryId {
        &self.delivery_id
    }

    /// The message id.
    pub fn message_id(&self) -> &MessageId {
        &self.message_id
    }

    /// The endpoint id.
    pub fn endpoint_id(&self) -> &EndpointId {
        &self.endpoint_id
    }

    /// The owner id.
    pub fn owner_id(&self) -> &OwnerId {
        &self.owner_id
    }

    /// The attempt number.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Why the attempt was made.
    pub fn trigger(&self) -> Trigger {
        self.trigger
    }

    /// When the attempt started.
    pub fn started_at(&self) -> Timestamp {
        self.started_at
    }

    /// When it ended.
    pub fn finished_at(&self) -> Timestamp {
        self.finished_at
    }

    /// How long it took, in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        self.duration_ms
    }

    /// The address connected to, if a connection was made.
    pub fn connected_addr(&self) -> Option<IpAddr> {
        self.connected_addr
    }

    /// The response status, if a response arrived.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The start of the response body, if kept.
    pub fn response_body(&self) -> Option<&BodyExcerpt> {
        self.response_body.as_ref()
    }

    /// What went wrong, if anything.
    pub fn error_kind(&self) -> Option<ErrorKind> {
        self.error_kind
    }

    /// The error message, if one was added.
    pub fn error_message(&self) -> Option<&str> {
        self.error_message.as_deref()
    }

    /// The decision taken after the attempt.
    pub fn decision(&self) -> Decision {
        self.decision
    }

    /// When the next attempt is due, for a retry or a deferral.
    pub fn next_attempt_at(&self) -> Option<Timestamp> {
        self.decision.not_before()
    }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a
/// character boundary.
fn cut_at_char(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end = end.saturating_sub(1);
    }
    text.get(..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::job::tests::job;
    use crate::retry::{DisableReason, GiveUpReason};
    use std::net::Ipv6Addr;

    fn record(result: AttemptResult) -> AttemptRecord {
        AttemptRecord::new(
            &job(),
            Timestamp::from_unix_millis(10_000),
            Timestamp::from_unix_millis(10_750),
            &result,
            Decision::Delivered,
        )
    }

    #[test]
    fn status_and_error_kind_come_from_the_result() {
        let ok = record(AttemptResult::Response { status: 204 });
        assert_eq!((ok.status(), ok.error_kind()), (Some(204), None));
        let redirect = record(AttemptResult::Response { status: 301 });
        assert_eq!(
            (redirect.status(), redirect.error_kind()),
            (Some(301), Some(ErrorKind::Status))
        );
        let odd = record(AttemptResult::Response { status: 199 });
        assert_eq!(odd.error_kind(), Some(ErrorKind::Status));
        let dns = record(AttemptResult::Transport(TransportError::Dns));
        assert_eq!(
            (dns.status(), dns.error_kind()),
            (None, Some(ErrorKind::Transport(TransportError::Dns)))
        );
        let blocked = record(AttemptResult::Blocked);
        assert_eq!(blocked.error_kind(), Some(ErrorKind::Blocked));
        assert_eq!(ok.duration_ms(), 750);
    }

    #[test]
    fn identity_comes_from_the_job() {
        let j = job();
        let r = record(AttemptResult::Response { status: 200 });
        assert_eq!(r.delivery_id(), j.delivery_id());
        assert_eq!(r.message_id(), j.message_id());
        assert_eq!(r.endpoint_id(), j.endpoint_id());
        assert_eq!(r.owner_id(), j.owner_id());
        assert_eq!(r.attempt(), 1);
        assert_eq!(r.trigger(), Trigger::Scheduled);
        assert_eq!(r.schema_version(), 1);
    }

    #[test]
    fn clock_going_back_gives_zero() {
        let r = AttemptRecord::new(
            &job(),
            Timestamp::from_unix_millis(10),
            Timestamp::from_unix_millis(5),
            &AttemptResult::Blocked,
            Decision::Delivered,
        );
        assert_eq!(r.duration_ms(), 0);
    }

    #[test]
    fn excerpts_truncate() {
        let e = BodyExcerpt::new(b"abcdef", 4);
        assert_eq!(
            (e.bytes(), e.is_truncated(), e.len_read()),
            (&b"abcd"[..], true, 6)
        );
        let e = BodyExcerpt::new(b"abcd", 4);
        assert!(!e.is_truncated());
        assert!(e.clone().with_read_cut_short().is_truncated());
        let e = BodyExcerpt::new(b"", 0);
        assert!(!e.is_truncated());
        let e = BodyExcerpt::new("é".as_bytes(), 1);
        assert_eq!(e.to_text_lossy(), "\u{fffd}");
    }

    #[test]
    fn error_messages_are_cut_at_a_character() {
        let long = "é".repeat(600); // 1200 bytes
        let r = record(AttemptResult::Blocked).with_error_message(&long);
        let kept = r.error_message().unwrap();
        assert_eq!(kept.len(), 1024);
        assert!(kept.chars().all(|c| c == 'é'));
        let odd = format!("a{long}");
        let r = record(AttemptResult::Blocked).with_error_message(&odd);
        assert_eq!(r.error_message().unwrap().len(), 1023);
        assert_eq!(cut_at_char("short", 1024), "short");
        assert_eq!(cut_at_char("é", 1), "");
    }

    #[test]
    fn serde_round_trip() {
        let full = record(AttemptResult::Response { status: 503 })
            .with_connected_addr(IpAddr::V6(Ipv6Addr::LOCALHOST))
            .with_response_body(BodyExcerpt::new(&[0, 159, 146, 150], 2).with_read_cut_short())
            .with_error_message("upstream unavailable");
        let full = AttemptRecord {
            decision: Decision::DisableEndpoint {
                reason: DisableReason::Gone,
            },
            ..full
        };
        let json = serde_json::to_string(&full).unwrap();
        assert!(json.starts_with(r#"{"schema_version":1,"#), "{json}");
        assert!(json.contains(r#""connected_addr":"::1""#), "{json}");
        assert!(
            json.contains(r#""response_body":{"body":"AJ8=","truncated":true,"len":4}"#),
            "{json}"
        );
        assert!(
            json.contains(r#""decision":{"kind":"disable_endpoint","reason":"gone"}"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<AttemptRecord>(&json).unwrap(), full);

        let bare = record(AttemptResult::Transport(TransportError::ReadTimeout));
        let bare = AttemptRecord {
            decision: Decision::GiveUp {
                reason: GiveUpReason::MaxAgeExceeded,
            },
            ..bare
        };
        let json = serde_json::to_string(&bare).unwrap();
        assert!(
            json.contains(r#""error_kind":{"transport":"read_timeout"}"#),
            "{json}"
        );
        assert!(json.contains(r#""connected_addr":null"#), "{json}");
        assert_eq!(serde_json::from_str::<AttemptRecord>(&json).unwrap(), bare);

        let v9 = json.replace(r#""schema_version":1"#, r#""schema_version":9"#);
        assert!(serde_json::from_str::<AttemptRecord>(&v9).is_err());
    }

    #[test]
    fn error_kind_codes() {
        assert_eq!(ErrorKind::Status.code(), "status");
        assert_eq!(ErrorKind::Blocked.code(), "blocked");
        assert_eq!(
            ErrorKind::Transport(TransportError::ConnectionReset).code(),
            "transport_connection_reset"
        );
        assert_eq!(
            serde_json::to_string(&ErrorKind::Blocked).unwrap(),
            r#""blocked""#
        );
    }
}
