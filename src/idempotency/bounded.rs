//! The map behind the in-memory stores: a fixed maximum of keys, each with
//! an expiry, and an index by expiry so expired entries are found without
//! a scan.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::error::IdempotencyError;
use crate::time::Timestamp;

/// How many expired entries one operation reclaims at most, so a burst of
/// expiries is spread over several calls instead of stalling one.
const SWEEP_BATCH: usize = 32;

/// One entry: its value and the time from which it no longer counts.
#[derive(Debug)]
pub(crate) struct Slot<V> {
    pub(crate) value: V,
    pub(crate) expires_at: Timestamp,
}

/// A map of at most `capacity` live keys.
///
/// Ordered maps rather than hash maps: lookups need no hasher seeded from
/// the operating system's randomness, and keys chosen by an attacker cannot
/// degrade them.
#[derive(Debug)]
pub(crate) struct BoundedMap<V> {
    capacity: usize,
    entries: BTreeMap<Arc<str>, Slot<V>>,
    by_expiry: BTreeSet<(Timestamp, Arc<str>)>,
}

impl<V> BoundedMap<V> {
    pub(crate) fn new(capacity: usize) -> Self {
        BoundedMap {
            capacity,
            entries: BTreeMap::new(),
            by_expiry: BTreeSet::new(),
        }
    }

    /// How many entries are held, expired ones not yet reclaimed included.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Reclaims up to [`SWEEP_BATCH`] entries that expired by `now`.
    pub(crate) fn sweep(&mut self, now: Timestamp) {
        for _ in 0..SWEEP_BATCH {
            let Some(first) = self.by_expiry.first() else {
                return;
            };
            if first.0 > now {
                return;
            }
            if let Some((_, key)) = self.by_expiry.pop_first() {
                self.entries.remove(&key);
            }
        }
    }

    /// The entry for `key` if it is still live at `now`.
    pub(crate) fn live_mut(&mut self, key: &str, now: Timestamp) -> Option<&mut Slot<V>> {
        self.entries
            .get_mut(key)
            .filter(|slot| slot.expires_at > now)
    }

    /// Sets `key` to `value` until `expires_at`, replacing whatever it held.
    ///
    /// # Errors
    ///
    /// [`IdempotencyError::StoreFull`] when `key` is not held and the map is
    /// at capacity: nothing live is ever evicted to make room.
    pub(crate) fn insert(
        &mut self,
        key: Arc<str>,
        value: V,
        expires_at: Timestamp,
    ) -> Result<(), IdempotencyError> {
        match self.entries.get_mut(&key) {
            Some(slot) => {
                self.by_expiry.remove(&(slot.expires_at, Arc::clone(&key)));
                slot.value = value;
                slot.expires_at = expires_at;
            }
            None => {
                if self.entries.len() >= self.capacity {
                    return Err(IdempotencyError::StoreFull {
                        capacity: self.capacity,
                    });
                }
                self.entries
                    .insert(Arc::clone(&key), Slot { value, expires_at });
            }
        }
        self.by_expiry.insert((expires_at, key));
        Ok(())
    }

    /// Moves the expiry of a held `key`.
    pub(crate) fn set_expiry(&mut self, key: &Arc<str>, expires_at: Timestamp) {
        if let Some(slot) = self.entries.get_mut(key) {
            self.by_expiry.remove(&(slot.expires_at, Arc::clone(key)));
            slot.expires_at = expires_at;
            self.by_expiry.insert((expires_at, Arc::clone(key)));
        }
    }

    /// Removes `key`.
    pub(crate) fn remove(&mut self, key: &str) {
        if let Some((key, slot)) = self.entries.remove_entry(key) {
            self.by_expiry.remove(&(slot.expires_at, key));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: i64) -> Timestamp {
        Timestamp::from_unix_millis(ms)
    }

    #[test]
    fn full_map_refuses_then_recovers() {
        let mut map = BoundedMap::new(2);
        map.insert("a".into(), 1, t(10)).unwrap();
        map.insert("b".into(), 2, t(20)).unwrap();
        assert!(matches!(
            map.insert("c".into(), 3, t(30)),
            Err(IdempotencyError::StoreFull { capacity: 2 })
        ));

        // Replacing a held key needs no room.
        map.insert("a".into(), 4, t(15)).unwrap();
        assert_eq!(map.len(), 2);

        map.sweep(t(15));
        assert_eq!(map.len(), 1);
        map.insert("c".into(), 3, t(30)).unwrap();
        assert!(map.live_mut("a", t(15)).is_none());
        assert!(map.live_mut("b", t(19)).is_some());
        assert!(map.live_mut("b", t(20)).is_none());
    }

    #[test]
    fn sweep_is_bounded_and_index_stays_in_step() {
        let mut map = BoundedMap::new(100);
        for i in 0..100 {
            map.insert(i.to_string().into(), i, t(i)).unwrap();
        }
        map.sweep(t(1000));
        assert_eq!(map.len(), 100 - SWEEP_BATCH);

        let key: Arc<str> = "99".into();
        map.set_expiry(&key, t(5000));
        map.remove("98");
        while map.len() > 1 {
            map.sweep(t(1000));
        }
        assert!(map.live_mut("99", t(1000)).is_some());
        assert_eq!(map.by_expiry.len(), 1);
    }
}
