//! The `schema_version` field of the persisted types, checked when read.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A field that always holds `N`: written as the number, and refused when
/// read as any other, so a job or record written by an incompatible
/// version fails loudly instead of being half understood.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct SchemaVersion<const N: u32>;

impl<const N: u32> Serialize for SchemaVersion<N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(N)
    }
}

impl<'de, const N: u32> Deserialize<'de> for SchemaVersion<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let version = u32::deserialize(d)?;
        if version == N {
            Ok(SchemaVersion)
        } else {
            Err(serde::de::Error::custom(format_args!(
                "unsupported schema_version {version} (this version of webhook-kit reads {N})"
            )))
        }
    }
}

/// The longest duration kept as whole nanoseconds in a `u64` (about 584 years).
pub(crate) const MAX_NANOS: Duration = Duration::from_nanos(u64::MAX);

/// Serde for an optional duration as whole nanoseconds; values are clamped
/// to [`MAX_NANOS`] before they are stored, so writing is exact.
pub(crate) mod opt_nanos {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(Duration::from_nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_checked() {
        assert_eq!(serde_json::to_string(&SchemaVersion::<1>).unwrap(), "1");
        assert!(serde_json::from_str::<SchemaVersion<1>>("1").is_ok());
        let e = serde_json::from_str::<SchemaVersion<1>>("2").unwrap_err();
        assert!(
            e.to_string()
                .contains("unsupported schema_version 2 (this version of webhook-kit reads 1)"),
            "{e}"
        );
        assert!(serde_json::from_str::<SchemaVersion<1>>("\"1\"").is_err());
    }
}
