//! An event to deliver, and the payload bytes it carries.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::filter::EventType;
use super::ids::{OwnerId, message_id_serde};
use crate::sign::MessageId;
use crate::time::Timestamp;

/// The exact bytes delivered as a request body.
///
/// Every attempt sends, and signs, these bytes unchanged. Cloning shares
/// them, so a fan-out to many endpoints copies no payload. Serde writes
/// standard base64 with padding (the bytes need not be UTF-8 or JSON).
///
/// ```
/// use webhook_kit::delivery::Payload;
///
/// let payload = Payload::from(r#"{"id":1}"#);
/// assert_eq!(payload.as_bytes(), br#"{"id":1}"#);
/// assert_eq!(serde_json::to_string(&payload)?, r#""eyJpZCI6MX0=""#);
/// assert_eq!(format!("{payload:?}"), "Payload(8 bytes)");
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// # Security
///
/// Payloads may hold personal data: `Debug` shows the length only.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Payload(Arc<[u8]>);

impl Payload {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for Payload {
    fn from(bytes: Vec<u8>) -> Self {
        Payload(Arc::from(bytes))
    }
}

impl From<&[u8]> for Payload {
    fn from(bytes: &[u8]) -> Self {
        Payload(Arc::from(bytes))
    }
}

impl From<String> for Payload {
    fn from(text: String) -> Self {
        Payload::from(text.into_bytes())
    }
}

impl From<&str> for Payload {
    fn from(text: &str) -> Self {
        Payload::from(text.as_bytes())
    }
}

impl AsRef<[u8]> for Payload {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Payload({} bytes)", self.0.len())
    }
}

impl Serialize for Payload {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let bytes = STANDARD
            .decode(text.as_bytes())
            .map_err(|_| serde::de::Error::custom("the payload is not standard base64"))?;
        Ok(Payload::from(bytes))
    }
}

/// An event of one owner, to be delivered to the owner's endpoints.
///
/// The message id is the event's `webhook-id`: the same on every attempt
/// to every endpoint, so receivers deduplicate on it. `created_at` is when
/// the event happened, which the payload usually says too.
///
/// ```
/// use webhook_kit::Timestamp;
/// use webhook_kit::delivery::{Event, EventType, OwnerId};
/// use webhook_kit::sign::MessageId;
///
/// let event = Event::new(
///     OwnerId::new("app_1")?,
///     EventType::new("invoice.paid")?,
///     MessageId::new("msg_2b7kzA4p")?,
///     r#"{"type":"invoice.paid"}"#,
///     Timestamp::from_unix_seconds(1_700_000_000),
/// );
/// assert_eq!(event.payload().len(), 23);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    owner_id: OwnerId,
    event_type: EventType,
    #[serde(with = "message_id_serde")]
    message_id: MessageId,
    payload: Payload,
    created_at: Timestamp,
}

impl Event {
    /// An event of `owner`.
    pub fn new(
        owner: OwnerId,
        event_type: EventType,
        message_id: MessageId,
        payload: impl Into<Payload>,
        created_at: Timestamp,
    ) -> Event {
        Event {
            owner_id: owner,
            event_type,
            message_id,
            payload: payload.into(),
            created_at,
        }
    }

    /// The owner whose endpoints receive it.
    pub fn owner(&self) -> &OwnerId {
        &self.owner_id
    }

    /// Its type, matched against the endpoints' filters.
    pub fn event_type(&self) -> &EventType {
        &self.event_type
    }

    /// Its message id (`webhook-id`).
    pub fn message_id(&self) -> &MessageId {
        &self.message_id
    }

    /// The bytes delivered.
    pub fn payload(&self) -> &Payload {
        &self.payload
    }

    /// When it happened.
    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_serde_round_trip() {
        let bytes: Vec<u8> = (0..=255).collect();
        let payload = Payload::from(bytes.clone());
        let json = serde_json::to_string(&payload).unwrap();
        let back: Payload = serde_json::from_str(&json).unwrap();
        assert_eq!(back.as_bytes(), bytes.as_slice());
        assert_eq!(serde_json::to_string(&Payload::default()).unwrap(), r#""""#);
        assert!(serde_json::from_str::<Payload>(r#""not base64!""#).is_err());
        assert!(serde_json::from_str::<Payload>(r#""eyJpZCI6MX0""#).is_err());
    }

    #[test]
    fn clones_share_the_bytes() {
        let payload = Payload::from(vec![1u8; 1000]);
        let clone = payload.clone();
        assert!(std::ptr::eq(payload.as_bytes(), clone.as_bytes()));
    }

    #[test]
    fn event_serde_round_trip() {
        let event = Event::new(
            OwnerId::new("app_1").unwrap(),
            EventType::new("invoice.paid").unwrap(),
            MessageId::new("msg_1").unwrap(),
            "{}",
            Timestamp::from_unix_millis(1_700_000_000_123),
        );
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(
            json,
            r#"{"owner_id":"app_1","event_type":"invoice.paid","message_id":"msg_1","payload":"e30=","created_at":1700000000123}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), event);
        let bad = json.replace("msg_1", "msg.1");
        assert!(serde_json::from_str::<Event>(&bad).is_err());
    }
}
