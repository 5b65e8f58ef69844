//! The ids of the delivery module: endpoints, owners, and deliveries
//! derived from a message and an endpoint.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::ValidationError;
use crate::sign::MessageId;

/// The fixed first bytes of the delivery id derivation (version 1).
pub const DELIVERY_ID_DOMAIN: &[u8] = b"webhook-kit delivery id v1";

/// Checks the rules shared by endpoint and owner ids.
fn check_name(what: &'static str, id: &str) -> Result<(), ValidationError> {
    let fail = |reason| Err(ValidationError::InvalidId { what, reason });
    if id.is_empty() {
        return fail("it is empty");
    }
    if id.len() > MAX_ID_LEN {
        return fail("it is longer than 128 bytes");
    }
    if !id.bytes().all(is_id_byte) {
        return fail("only ASCII letters, digits and `-_.:~` are allowed");
    }
    Ok(())
}

/// The longest endpoint or owner id, in bytes.
const MAX_ID_LEN: usize = 128;

fn is_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'~')
}

/// Writes the boilerplate of a validated string id.
macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The longest id accepted, in bytes.
            pub const MAX_LEN: usize = MAX_ID_LEN;

            /// Checks and wraps an id.
            ///
            /// # Errors
            ///
            /// [`ValidationError::InvalidId`] for an empty id, one longer
            /// than 128 bytes, or one holding anything but ASCII letters,
            /// digits and `-_.:~`.
            pub fn new(id: impl Into<String>) -> Result<Self, ValidationError> {
                let id = id.into();
                check_name($what, &id)?;
                Ok($name(id))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                $name::new(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

name_type!(
    /// The id of an endpoint: 1 to 128 bytes of ASCII letters, digits and
    /// `-_.:~` (`ep_2b7kzA4p`, a UUID).
    ///
    /// Endpoint ids are unique across owners: delivery ids are derived from
    /// the message id and the endpoint id alone.
    ///
    /// ```
    /// use webhook_kit::delivery::EndpointId;
    ///
    /// let id = EndpointId::new("ep_2b7kzA4p")?;
    /// assert_eq!(id.as_str(), "ep_2b7kzA4p");
    /// assert!(EndpointId::new("ep 1").is_err());
    /// # Ok::<(), webhook_kit::delivery::ValidationError>(())
    /// ```
    EndpointId,
    "endpoint id"
);

name_type!(
    /// The id of an endpoint's owner (a tenant, an application, a
    /// customer account): 1 to 128 bytes of ASCII letters, digits and
    /// `-_.:~`. An owner can register several endpoints.
    ///
    /// ```
    /// use webhook_kit::delivery::OwnerId;
    ///
    /// assert!(OwnerId::new("app_31").is_ok());
    /// assert!(OwnerId::new("").is_err());
    /// ```
    OwnerId,
    "owner id"
);

/// The id of one delivery (one message to one endpoint): `dlv_` and 32
/// lowercase hex digits.
///
/// Every attempt of the delivery carries it; the retry module seeds its
/// deterministic jitter with it.
///
/// # Derivation
///
/// A delivery is one message to one endpoint. Its id is derived, never
/// drawn, so a fan-out re-run after a crash produces the same ids, and a
/// job engine that is idempotent on the delivery id drops the duplicates.
/// The derivation (version 1) is fixed:
///
/// 1. the 26 ASCII bytes `webhook-kit delivery id v1` ([`DELIVERY_ID_DOMAIN`]);
/// 2. the byte length of the message id as a big-endian `u64`, then the
///    message id's bytes;
/// 3. the byte length of the endpoint id as a big-endian `u64`, then the
///    endpoint id's bytes;
/// 4. SHA-256 over the concatenation of 1 to 3; the first 16 bytes of the
///    digest in lowercase hex, after the prefix `dlv_`.
///
/// The lengths make the encoding unambiguous (`("a_b", "c")` and
/// `("a", "b_c")` hash different bytes), and 128 bits of SHA-256 make a
/// collision among even billions of deliveries negligible (a chance
/// below `2^-64` among `2^32` ids). Endpoint ids are unique across owners, so the pair
/// identifies the delivery.
///
/// ```
/// use webhook_kit::delivery::{DeliveryId, EndpointId};
/// use webhook_kit::sign::MessageId;
///
/// let id = DeliveryId::derive(&MessageId::new("msg_1")?, &EndpointId::new("ep_1")?);
/// assert_eq!(id.as_str(), "dlv_3ea38e0ba1d1850f1d810acda0db25aa");
/// assert_eq!(DeliveryId::parse(id.as_str())?, id);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DeliveryId(String);

impl DeliveryId {
    /// The prefix of every delivery id.
    pub const PREFIX: &'static str = "dlv_";

    /// The number of hex digits after the prefix.
    pub const HEX_LEN: usize = 32;

    /// The id of the delivery of `message` to `endpoint`.
    pub fn derive(message: &MessageId, endpoint: &EndpointId) -> DeliveryId {
        let mut hash = Sha256::new();
        hash.update(DELIVERY_ID_DOMAIN);
        for part in [message.as_str(), endpoint.as_str()] {
            let len = u64::try_from(part.len()).unwrap_or(u64::MAX);
            hash.update(len.to_be_bytes());
            hash.update(part.as_bytes());
        }
        let digest: [u8; 32] = hash.finalize().into();
        let mut head = [0u8; 16];
        for (h, d) in head.iter_mut().zip(digest) {
            *h = d;
        }
        DeliveryId(format!("{}{}", Self::PREFIX, crate::crypto::hex(&head)))
    }

    /// Reads a delivery id back (from storage, a URL, a log).
    ///
    /// # Errors
    ///
    /// [`ValidationError::InvalidId`] unless the text is `dlv_` and 32
    /// lowercase hex digits.
    pub fn parse(text: &str) -> Result<DeliveryId, ValidationError> {
        let fail = |reason| {
            Err(ValidationError::InvalidId {
                what: "delivery id",
                reason,
            })
        };
        let Some(hex) = text.strip_prefix(Self::PREFIX) else {
            return fail("it does not start with `dlv_`");
        };
        if hex.len() != Self::HEX_LEN
            || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return fail("`dlv_` must be followed by 32 lowercase hex digits");
        }
        Ok(DeliveryId(text.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for DeliveryId {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DeliveryId::parse(s)
    }
}

impl TryFrom<String> for DeliveryId {
    type Error = ValidationError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        DeliveryId::parse(&s)
    }
}

impl From<DeliveryId> for String {
    fn from(id: DeliveryId) -> String {
        id.0
    }
}

/// Serde for [`MessageId`] as its text, checked when read.
pub(crate) mod message_id_serde {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::sign::MessageId;

    pub(crate) fn serialize<S: Serializer>(id: &MessageId, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(id.as_str())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<MessageId, D::Error> {
        let text = String::deserialize(d)?;
        MessageId::new(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derive(message: &str, endpoint: &str) -> DeliveryId {
        DeliveryId::derive(
            &MessageId::new(message).unwrap(),
            &EndpointId::new(endpoint).unwrap(),
        )
    }

    #[test]
    fn names_are_checked() {
        for good in [
            "a",
            "ep_1",
            "4f9d2a7e-0b1c-4d3e-9f8a-7b6c5d4e3f21",
            "org:1.ep~2",
        ] {
            assert!(EndpointId::new(good).is_ok(), "{good}");
            assert!(OwnerId::new(good).is_ok(), "{good}");
        }
        for bad in ["", "a b", "a/b", "é", "a\n", "a,b", "x*"] {
            assert!(EndpointId::new(bad).is_err(), "{bad:?}");
        }
        assert!(EndpointId::new("x".repeat(128)).is_ok());
        assert_eq!(
            OwnerId::new("x".repeat(129)).unwrap_err(),
            ValidationError::InvalidId {
                what: "owner id",
                reason: "it is longer than 128 bytes"
            }
        );
    }

    #[test]
    fn derivation_is_pinned() {
        // python3 -c 'import hashlib,struct
        // p=lambda s: struct.pack(">Q",len(s))+s
        // print(hashlib.sha256(b"webhook-kit delivery id v1"+p(b"msg_1")+p(b"ep_1")).hexdigest()[:32])'
        assert_eq!(
            derive("msg_1", "ep_1").as_str(),
            "dlv_3ea38e0ba1d1850f1d810acda0db25aa"
        );
        assert_eq!(DELIVERY_ID_DOMAIN.len(), 26);
    }

    #[test]
    fn derivation_is_stable_and_unambiguous() {
        assert_eq!(derive("msg_1", "ep_1"), derive("msg_1", "ep_1"));
        assert_ne!(derive("msg_1", "ep_1"), derive("msg_1", "ep_2"));
        assert_ne!(derive("msg_1", "ep_1"), derive("ep_1", "msg_1"));
        // Moving a byte across the boundary changes the id.
        assert_ne!(derive("a_b", "c"), derive("a", "b_c"));
        let id = derive("m", "e");
        assert!(id.as_str().starts_with("dlv_"));
        assert_eq!(id.as_str().len(), 36);
    }

    #[test]
    fn delivery_ids_parse_strictly() {
        let id = derive("msg_1", "ep_1");
        assert_eq!(DeliveryId::parse(id.as_str()).unwrap(), id);
        assert_eq!(id.as_str().parse::<DeliveryId>().unwrap(), id);
        for bad in [
            "",
            "dlv_",
            "3ea38e0ba1d1850f1d810acda0db25aa",
            "dlv_C08893EF6AB09C2A9E49A7F84CDA3BB5",
            "dlv_c08893ef6ab09c2a9e49a7f84cda3bb",
            "dlv_3ea38e0ba1d1850f1d810acda0db25aa5",
            "dlv_g08893ef6ab09c2a9e49a7f84cda3bb5",
            "msg_3ea38e0ba1d1850f1d810acda0db25aa",
        ] {
            assert!(DeliveryId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn serde_checks_on_the_way_in() {
        let id = EndpointId::new("ep_1").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""ep_1""#);
        assert_eq!(serde_json::from_str::<EndpointId>(r#""ep_1""#).unwrap(), id);
        assert!(serde_json::from_str::<EndpointId>(r#""ep 1""#).is_err());
        assert!(serde_json::from_str::<DeliveryId>(r#""dlv_x""#).is_err());
        let dlv = derive("msg_1", "ep_1");
        let json = serde_json::to_string(&dlv).unwrap();
        assert_eq!(serde_json::from_str::<DeliveryId>(&json).unwrap(), dlv);
    }
}
