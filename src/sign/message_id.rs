use std::fmt;

use super::SignError;

/// The id of one message, the same on every attempt to deliver it.
///
/// Receivers deduplicate on it (Standard Webhooks' `webhook-id`), so it
/// must be stable across retries: store it with the message, never derive
/// it from the attempt. It is 1 to 255 printable ASCII characters without
/// `.` (the separator of the signed content) or spaces.
///
/// ```
/// use webhook_kit::sign::MessageId;
///
/// let id = MessageId::new("msg_2b7kzA4p")?;
/// assert_eq!(id.as_str(), "msg_2b7kzA4p");
/// assert!(MessageId::new("a.b").is_err());
/// # Ok::<(), webhook_kit::sign::SignError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MessageId(String);

impl MessageId {
    /// The longest id accepted, in bytes.
    pub const MAX_LEN: usize = 255;

    /// Checks and wraps an id.
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidMessageId`] for an empty or too long id, or one
    /// holding anything but printable ASCII without `.` and space.
    pub fn new(id: impl Into<String>) -> Result<Self, SignError> {
        let id = id.into();
        if id.is_empty() {
            return Err(SignError::InvalidMessageId("it is empty"));
        }
        if id.len() > Self::MAX_LEN {
            return Err(SignError::InvalidMessageId("it is longer than 255 bytes"));
        }
        if !id.bytes().all(|b| b.is_ascii_graphic() && b != b'.') {
            return Err(SignError::InvalidMessageId(
                "only printable ASCII without `.` or spaces is allowed",
            ));
        }
        Ok(MessageId(id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked() {
        assert!(MessageId::new("msg_p5jXN8AQM9LWM0D4loKWxJek").is_ok());
        assert!(MessageId::new("4f9d2a7e-0b1c-4d3e-9f8a-7b6c5d4e3f21").is_ok());
        for bad in ["", "a b", "a.b", "é", "a\nb"] {
            assert!(MessageId::new(bad).is_err(), "{bad:?}");
        }
        assert!(MessageId::new("x".repeat(255)).is_ok());
        assert!(MessageId::new("x".repeat(256)).is_err());
    }
}
