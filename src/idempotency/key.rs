//! The key a store deduplicates on, encoded so that no two lists of parts
//! share an encoding.

use std::fmt;
use std::sync::Arc;

use super::error::IdempotencyError;

/// A deduplication key built from parts (a namespace, a provider id, an id).
///
/// Each part is written as its length in bytes, in decimal, a `:`, then
/// the part itself: `["webhook", "stripe", "evt_1"]` becomes
/// `7:webhook6:stripe5:evt_1`. The length says where each part ends, so a
/// `:` or a digit inside a part cannot shift the boundary: `["a:b", "c"]`
/// and `["a", "b:c"]` encode differently, and the parts can be read back
/// with [`IdempotencyKey::parts`]. Stores use [`IdempotencyKey::as_str`] as
/// their key (a network store may put its own prefix in front).
///
/// Cloning is cheap: the encoded text is shared.
///
/// ```
/// use webhook_kit::idempotency::IdempotencyKey;
///
/// let key = IdempotencyKey::from_parts(["orders", "ord_1"])?;
/// assert_eq!(key.as_str(), "6:orders5:ord_1");
/// assert_eq!(key.parts().collect::<Vec<_>>(), ["orders", "ord_1"]);
///
/// let left = IdempotencyKey::from_parts(["a:b", "c"])?;
/// let right = IdempotencyKey::from_parts(["a", "b:c"])?;
/// assert_ne!(left, right);
/// # Ok::<(), webhook_kit::idempotency::IdempotencyError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdempotencyKey(Arc<str>);

impl IdempotencyKey {
    /// The longest encoded key accepted, in bytes.
    ///
    /// It bounds the memory a key costs a store. Provider ids are far
    /// shorter (UUIDs, `msg_` and `evt_` ids); Stripe's API caps its own
    /// idempotency keys at 255 characters.
    pub const MAX_LEN: usize = 1024;

    /// Encodes `parts` into one key.
    ///
    /// # Errors
    ///
    /// [`IdempotencyError::EmptyKey`] when there are no parts, and
    /// [`IdempotencyError::KeyTooLong`] when the encoding exceeds
    /// [`IdempotencyKey::MAX_LEN`].
    pub fn from_parts<'a>(
        parts: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, IdempotencyError> {
        let mut encoded = String::new();
        let mut count = 0usize;
        for part in parts {
            count = count.saturating_add(1);

            // Checked before writing, so a huge part is refused without being copied.
            let len = encoded
                .len()
                .saturating_add(decimal_len(part.len()))
                .saturating_add(1)
                .saturating_add(part.len());
            if len > Self::MAX_LEN {
                return Err(IdempotencyError::KeyTooLong {
                    len,
                    max: Self::MAX_LEN,
                });
            }

            encoded.push_str(&part.len().to_string());
            encoded.push(':');
            encoded.push_str(part);
        }
        if count == 0 {
            return Err(IdempotencyError::EmptyKey);
        }
        Ok(IdempotencyKey(Arc::from(encoded)))
    }

    /// The encoded key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The parts the key was built from, in order.
    pub fn parts(&self) -> Parts<'_> {
        Parts { rest: &self.0 }
    }

    /// The shared encoded text, for stores that keep the key.
    pub(crate) fn shared(&self) -> Arc<str> {
        Arc::clone(&self.0)
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdempotencyKey").field(&&*self.0).finish()
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The parts of an [`IdempotencyKey`], from [`IdempotencyKey::parts`].
#[derive(Clone, Debug)]
pub struct Parts<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Parts<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        // Only `from_parts` builds keys, so the text is always well formed;
        // a malformed rest ends the iteration instead of panicking.
        let (len, after) = self.rest.split_once(':')?;
        let len: usize = len.parse().ok()?;
        let part = after.get(..len)?;
        self.rest = after.get(len..)?;
        Some(part)
    }
}

/// How many decimal digits `n` takes.
fn decimal_len(mut n: usize) -> usize {
    let mut digits = 1;
    while n >= 10 {
        n /= 10;
        digits += 1;
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip() {
        let parts = ["", "a:b", "12:x", "é"];
        let key = IdempotencyKey::from_parts(parts).unwrap();
        assert_eq!(key.as_str(), "0:3:a:b4:12:x2:é");
        assert_eq!(key.parts().collect::<Vec<_>>(), parts);
    }

    #[test]
    fn boundaries_cannot_move() {
        let a = IdempotencyKey::from_parts(["a:b", "c"]).unwrap();
        let b = IdempotencyKey::from_parts(["a", "b:c"]).unwrap();
        let c = IdempotencyKey::from_parts(["a:b:c"]).unwrap();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(b, c);
    }

    #[test]
    fn empty_and_long_keys_are_refused() {
        let none: [&str; 0] = [];
        assert!(matches!(
            IdempotencyKey::from_parts(none),
            Err(IdempotencyError::EmptyKey)
        ));

        // "1020:" plus 1020 bytes is 1025 bytes encoded.
        let long = "x".repeat(1020);
        assert!(matches!(
            IdempotencyKey::from_parts([long.as_str()]),
            Err(IdempotencyError::KeyTooLong {
                len: 1025,
                max: 1024
            })
        ));
        let fits = "x".repeat(1019);
        assert_eq!(
            IdempotencyKey::from_parts([fits.as_str()])
                .unwrap()
                .as_str()
                .len(),
            IdempotencyKey::MAX_LEN
        );
    }

    #[test]
    fn decimal_lengths() {
        assert_eq!(decimal_len(0), 1);
        assert_eq!(decimal_len(9), 1);
        assert_eq!(decimal_len(10), 2);
        assert_eq!(decimal_len(1024), 4);
        assert_eq!(decimal_len(usize::MAX), usize::MAX.to_string().len());
    }
}
