//! The endpoint state store: each endpoint's health and throttling pause,
//! its in-flight slots and its rate-limit window, behind a trait shaped
//! for a store shared by several processes (a Redis hash, a PostgreSQL
//! row), and a bounded in-memory implementation.
//!
//! Health changes go to the store as data ([`HealthChange`]), and the
//! store applies them atomically
//! ([`apply_health`](EndpointStateStore::apply_health)): under a lock in
//! memory, in one transaction or script in a shared store. A store that
//! cannot do that gets the default, compare-and-set on the record's
//! version, reapplied to the newer record after each lost race until it
//! is stored; no outcome is dropped for contention, and two dispatchers
//! never overwrite each other's counts. In-flight slots are
//! leases that expire, so a process that dies holding one does not keep
//! the endpoint's capacity forever. Rate tokens are taken atomically per
//! fixed window. Nothing in the store is a secret: it holds endpoint ids,
//! counters and times.

use std::collections::HashMap;
use std::fmt;
use std::future::{Future, ready};
use std::num::NonZeroU32;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::endpoint::RateLimit;
use super::health::{Circuit, EndpointHealth};
use super::health_change::{HealthApplied, HealthChange};
use super::ids::EndpointId;
use super::store_error::{StoreError, poisoned};
use crate::idempotency::BoxFuture;
use crate::time::Timestamp;

/// One endpoint's health as stored, with the version it was read at.
///
/// Version 0 means nothing is stored yet: a healthy endpoint. Each
/// successful [`save_health`](EndpointStateStore::save_health) stores the
/// next version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthRecord {
    health: EndpointHealth,
    // A receiver's `Retry-After` on a throttling answer pauses the endpoint.
    paused_until: Option<Timestamp>,
    version: u64,
}

impl Default for HealthRecord {
    fn default() -> Self {
        HealthRecord::new()
    }
}

impl HealthRecord {
    /// A healthy endpoint, not paused, never stored (version 0).
    pub fn new() -> HealthRecord {
        HealthRecord {
            health: EndpointHealth::new(),
            paused_until: None,
            version: 0,
        }
    }

    /// A record as a store read it (for implementers of stores).
    pub fn from_parts(
        health: EndpointHealth,
        paused_until: Option<Timestamp>,
        version: u64,
    ) -> HealthRecord {
        HealthRecord {
            health,
            paused_until,
            version,
        }
    }

    /// The endpoint's health.
    pub fn health(&self) -> &EndpointHealth {
        &self.health
    }

    /// The endpoint's health, to change before saving.
    pub fn health_mut(&mut self) -> &mut EndpointHealth {
        &mut self.health
    }

    /// Until when a throttling answer paused the endpoint.
    pub fn paused_until(&self) -> Option<Timestamp> {
        self.paused_until
    }

    /// Pauses the endpoint until `until`, or ends the pause with `None`.
    pub fn set_paused_until(&mut self, until: Option<Timestamp>) {
        self.paused_until = until;
    }

    /// The version this record was read at (0: nothing stored).
    pub fn version(&self) -> u64 {
        self.version
    }
}

/// What [`EndpointStateStore::save_health`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Saved {
    /// The record was stored as this new version.
    Stored {
        /// The version now stored.
        version: u64,
    },
    /// Another writer stored a newer version first; nothing changed. This
    /// is what is stored now: apply the change to it and save again.
    Conflict {
        /// The record as stored.
        current: HealthRecord,
    },
}

/// A lease on one in-flight slot of an endpoint.
///
/// Serde writes the token and the expiry, for stores that keep leases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SlotLease {
    token: u64,
    expires_at: Timestamp,
}

impl SlotLease {
    /// A lease a store handed out (for implementers of stores).
    pub const fn new(token: u64, expires_at: Timestamp) -> SlotLease {
        SlotLease { token, expires_at }
    }

    /// The lease's token, unique per store.
    pub const fn token(&self) -> u64 {
        self.token
    }

    /// When the slot frees itself if never released.
    pub const fn expires_at(&self) -> Timestamp {
        self.expires_at
    }
}

/// What [`EndpointStateStore::take_rate_token`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateToken {
    /// A token was taken: the attempt may go.
    Taken,
    /// The window's tokens are spent; the next window starts then.
    WaitUntil(Timestamp),
}

/// Where endpoint health, throttling pauses, in-flight slots and rate
/// limits are kept, so several dispatchers (in one process or many) share
/// them.
///
/// # Contract
///
/// - [`apply_health`](Self::apply_health) applies a change to the stored
///   record atomically: no concurrent change is lost or applied twice. Its
///   default implementation is a compare-and-set loop over
///   `load_health`/`save_health`; a shared store should override it with
///   one transaction or script, so that contention costs no round trips.
/// - [`save_health`](Self::save_health) is a compare-and-set on the
///   record's version: it stores only when the stored version is the one
///   the record was read at, and the new version is larger.
/// - [`acquire_slot`](Self::acquire_slot) counts the live leases of the
///   endpoint (those not yet expired at `now`) and adds one only below
///   `max`, atomically, so the cap holds across every caller.
/// - [`take_rate_token`](Self::take_rate_token) counts attempts in fixed
///   windows of the limit's interval, atomically.
///
/// The methods return `Send` futures and need no async runtime. Every
/// store also implements [`DynEndpointStateStore`], and
/// `dyn DynEndpointStateStore`, `Arc<S>`, `Box<S>` and `&S` implement this
/// trait in turn.
pub trait EndpointStateStore: Send + Sync {
    /// The stored health of `endpoint`, or a fresh record (version 0).
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when the backend fails.
    fn load_health(
        &self,
        endpoint: &EndpointId,
    ) -> impl Future<Output = Result<HealthRecord, StoreError>> + Send;

    /// Stores `record` if the stored version is still `record.version()`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Full`] when a new endpoint would exceed the store's
    /// capacity, [`StoreError::Unavailable`] when the backend fails.
    fn save_health(
        &self,
        endpoint: &EndpointId,
        record: &HealthRecord,
    ) -> impl Future<Output = Result<Saved, StoreError>> + Send;

    /// Applies `change` to the stored health of `endpoint` atomically, and
    /// returns what it gave with the record as stored. A change that
    /// changes nothing stores nothing.
    ///
    /// The default loads the record, applies the change and saves it by
    /// compare-and-set; after a lost race it applies the change again to
    /// the record the conflict returned, for as long as it takes. Each lost
    /// race is another writer's change stored, so the loop ends as soon as
    /// contention does; nothing is dropped for contention.
    ///
    /// An override reads the record inside its transaction (or script),
    /// runs [`HealthChange::apply`] on it, stores it with the next version
    /// when it changed, and returns what `apply` gave with `record` set to
    /// the record as stored ([`HealthRecord::from_parts`]).
    ///
    /// # Errors
    ///
    /// As [`save_health`](Self::save_health), and
    /// [`StoreError::Contended`] when the store reports a conflict while
    /// showing the very record the change was applied to (a store that
    /// breaks the compare-and-set contract, which would loop forever).
    fn apply_health(
        &self,
        endpoint: &EndpointId,
        change: HealthChange,
    ) -> impl Future<Output = Result<HealthApplied, StoreError>> + Send {
        async move {
            let mut current = self.load_health(endpoint).await?;
            let mut tries = 0u32;
            loop {
                tries = tries.saturating_add(1);
                let mut next = current.clone();
                let mut applied = change.apply(&mut next);
                if next == current {
                    return Ok(applied);
                }
                match self.save_health(endpoint, &next).await? {
                    Saved::Stored { version } => {
                        applied.record.version = version;
                        return Ok(applied);
                    }
                    Saved::Conflict { current: newer } => {
                        if newer == current {
                            return Err(StoreError::Contended { tries });
                        }
                        current = newer;
                    }
                }
            }
        }
    }

    /// Leases one of `max` in-flight slots of `endpoint` until
    /// `now + lease`, or `None` when all are taken.
    ///
    /// # Errors
    ///
    /// [`StoreError::Full`] when a new endpoint would exceed the store's
    /// capacity, [`StoreError::Unavailable`] when the backend fails.
    fn acquire_slot(
        &self,
        endpoint: &EndpointId,
        max: NonZeroU32,
        lease: Duration,
        now: Timestamp,
    ) -> impl Future<Output = Result<Option<SlotLease>, StoreError>> + Send;

    /// Frees the slot `lease` holds. Releasing a lease that expired or was
    /// released already changes nothing.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when the backend fails.
    fn release_slot(
        &self,
        endpoint: &EndpointId,
        lease: SlotLease,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Takes one token of `limit` at `now`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Full`] when a new endpoint would exceed the store's
    /// capacity, [`StoreError::Unavailable`] when the backend fails.
    fn take_rate_token(
        &self,
        endpoint: &EndpointId,
        limit: RateLimit,
        now: Timestamp,
    ) -> impl Future<Output = Result<RateToken, StoreError>> + Send;
}

/// The dyn-compatible form of [`EndpointStateStore`], with boxed futures.
pub trait DynEndpointStateStore: Send + Sync {
    /// [`EndpointStateStore::load_health`], boxed.
    ///
    /// # Errors
    ///
    /// As [`EndpointStateStore::load_health`].
    fn load_health_boxed<'a>(
        &'a self,
        endpoint: &'a EndpointId,
    ) -> BoxFuture<'a, Result<HealthRecord, StoreError>>;

    /// [`EndpointStateStore::save_health`], boxed.
    ///
    /// # Errors
    ///
    /// As [`EndpointStateStore::save_health`].
    fn save_health_boxed<'a>(
        &'a self,
        endpoint: &'a EndpointId,
        record: &'a HealthRecord,
    ) -> BoxFuture<'a, Result<Saved, StoreError>>;

    /// [`EndpointStateStore::apply_health`], boxed.
    ///
    /// # Errors
    ///
    /// As [`EndpointStateStore::apply_health`].
    fn apply_health_boxed<'a>(
        &'a self,
        endpoint: &'a EndpointId,
        change: HealthChange,
    ) -> BoxFuture<'a, Result<HealthApplied, StoreError>>;

    /// [`EndpointStateStore::acquire_slot`], boxed.
    ///
    /// # Errors
    ///
    /// As [`EndpointStateStore::acquire_slot`].
    fn acquire_slot_boxed<'a>(
        &'a self,
        endpoint: &'a EndpointId,
        max: NonZeroU32,
        lease: Duration,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Option<SlotLease>, StoreError>>;

    /// [`EndpointStateStore::release_slot`], boxed.
    ///
    /// # Errors
    ///
    /// As [`EndpointStateStore::release_slot`].
    fn release_slot_boxed<'a>(
        &'a self,
        endpoint: &'a EndpointId,
        lease: SlotLease,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// [`EndpointStateStore::take_rate_token`], boxed.
    ///
    /// # Errors
    ///
    /// As [`EndpointStateStore::take_rate_token`].
    fn take_rate_token_boxed<'a>(
        &'a self,
        endpoint: &'a EndpointId,
        limit: RateLimit,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<RateToken, StoreError>>;
}

impl<S: EndpointStateStore> DynEndpointStateStore for S {
    fn load_health_boxed<'a>(
        &'a self,
        endpoint: &'a EndpointId,
    ) -> BoxFuture<'a, Result<HealthRecord, StoreError>> {
        Box::pin(self.load_health(endpoint))
    }

    fn save_health_boxed<'a>(
        &'a self,
        endpoint: &'a EndpointId,
        record: &'a HealthRecord,
    ) -> BoxFuture<'a, Result<Saved, StoreError>> {
        Box::pin(self.save_health(endpoint, record))
    }

    fn apply_health_boxed<'a>(
        &'a self,
        endpoint: &'a EndpointId,
        change: HealthChange,
    ) -> BoxFuture<'a, Result<HealthApplied, StoreError>> {
        Box::pin(self.apply_health(endpoint, change))
    }

    fn acquire_slot_boxed<'a>(
        &'a self,
        endpoint: &'a EndpointId,
        max: NonZeroU32,
        lease: Duration,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Option<SlotLease>, StoreError>> {
        Box::pin(self.acquire_slot(endpoint, max, lease, now))
    }

    fn release_slot_boxed<'a>(
        &'a self,
        endpoint: &'a EndpointId,
        lease: SlotLease,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.release_slot(endpoint, lease))
    }

    fn take_rate_token_boxed<'a>(
        &'a self,
        endpoint: &'a EndpointId,
        limit: RateLimit,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<RateToken, StoreError>> {
        Box::pin(self.take_rate_token(endpoint, limit, now))
    }
}

impl EndpointStateStore for dyn DynEndpointStateStore {
    async fn load_health(&self, endpoint: &EndpointId) -> Result<HealthRecord, StoreError> {
        self.load_health_boxed(endpoint).await
    }

    async fn save_health(
        &self,
        endpoint: &EndpointId,
        record: &HealthRecord,
    ) -> Result<Saved, StoreError> {
        self.save_health_boxed(endpoint, record).await
    }

    async fn apply_health(
        &self,
        endpoint: &EndpointId,
        change: HealthChange,
    ) -> Result<HealthApplied, StoreError> {
        self.apply_health_boxed(endpoint, change).await
    }

    async fn acquire_slot(
        &self,
        endpoint: &EndpointId,
        max: NonZeroU32,
        lease: Duration,
        now: Timestamp,
    ) -> Result<Option<SlotLease>, StoreError> {
        self.acquire_slot_boxed(endpoint, max, lease, now).await
    }

    async fn release_slot(
        &self,
        endpoint: &EndpointId,
        lease: SlotLease,
    ) -> Result<(), StoreError> {
        self.release_slot_boxed(endpoint, lease).await
    }

    async fn take_rate_token(
        &self,
        endpoint: &EndpointId,
        limit: RateLimit,
        now: Timestamp,
    ) -> Result<RateToken, StoreError> {
        self.take_rate_token_boxed(endpoint, limit, now).await
    }
}

/// Implements the trait for a pointer by asking what it points to.
macro_rules! through_pointer {
    ($($pointer:ty),*) => {$(
        impl<S: EndpointStateStore + ?Sized> EndpointStateStore for $pointer {
            fn load_health(
                &self,
                endpoint: &EndpointId,
            ) -> impl Future<Output = Result<HealthRecord, StoreError>> + Send {
                S::load_health(self, endpoint)
            }

            fn save_health(
                &self,
                endpoint: &EndpointId,
                record: &HealthRecord,
            ) -> impl Future<Output = Result<Saved, StoreError>> + Send {
                S::save_health(self, endpoint, record)
            }

            fn apply_health(
                &self,
                endpoint: &EndpointId,
                change: HealthChange,
            ) -> impl Future<Output = Result<HealthApplied, StoreError>> + Send {
                S::apply_health(self, endpoint, change)
            }

            fn acquire_slot(
                &self,
                endpoint: &EndpointId,
                max: NonZeroU32,
                lease: Duration,
                now: Timestamp,
            ) -> impl Future<Output = Result<Option<SlotLease>, StoreError>> + Send {
                S::acquire_slot(self, endpoint, max, lease, now)
            }

            fn release_slot(
                &self,
                endpoint: &EndpointId,
                lease: SlotLease,
            ) -> impl Future<Output = Result<(), StoreError>> + Send {
                S::release_slot(self, endpoint, lease)
            }

            fn take_rate_token(
                &self,
                endpoint: &EndpointId,
                limit: RateLimit,
                now: Timestamp,
            ) -> impl Future<Output = Result<RateToken, StoreError>> + Send {
                S::take_rate_token(self, endpoint, limit, now)
            }
        }
    )*};
}

through_pointer!(&S, Box<S>, std::sync::Arc<S>);

/// An [`EndpointStateStore`] in the process's memory, for the dispatchers
/// of one process. Thread-safe, and its futures are ready at once; it
/// applies health changes under its lock.
///
/// It tracks at most `capacity` endpoints. To make room for a new one it
/// forgets the least recently used *idle* endpoint: one holding no live
/// in-flight slot and no running rate-limit window, whose stored health
/// is neither disabled nor paused, with a closed circuit (endpoints
/// without failures in a row go first). Forgetting such an endpoint loses
/// only its success and failure counts, never a decision that holds an
/// attempt back. Only when every tracked endpoint holds such a decision is
/// the new one refused ([`StoreError::Full`]). Times are the latest any
/// caller passed in: the store reads no clock. [`remove`](Self::remove)
/// forgets an endpoint (one that was deleted).
///
/// A change that leaves a healthy endpoint as it was (admitting an attempt
/// to it) takes no room.
pub struct MemoryEndpointState {
    capacity: usize,
    state: Mutex<StateMap>,
}

#[derive(Default)]
struct StateMap {
    endpoints: HashMap<EndpointId, Entry>,
    next_token: u64,
    // Orders entries by last use, for forgetting the least recent.
    tick: u64,
    // The latest time a caller passed in: what "live" and "over" mean.
    latest: Option<Timestamp>,
}

#[derive(Default)]
struct Entry {
    // `None` until health is first saved (version 0).
    health: Option<HealthRecord>,
    slots: Vec<SlotLease>,
    window_start: Option<Timestamp>,
    window_ends: Option<Timestamp>,
    window_count: u32,
    used: u64,
}

impl Entry {
    /// Whether forgetting the entry at `latest` loses nothing that holds
    /// an attempt back; `Some(failures in a row)` then, to order by.
    fn idle(&self, latest: Option<Timestamp>) -> Option<u32> {
        let over = |t: Timestamp| latest.is_some_and(|now| t <= now);
        if !self.slots.iter().all(|s| over(s.expires_at)) {
            return None;
        }
        if self.window_ends.is_some_and(|end| !over(end)) {
            return None;
        }
        let Some(record) = &self.health else {
            return Some(0);
        };
        let health = record.health();
        let paused = record.paused_until().is_some_and(|t| !over(t));
        if health.disabled().is_some() || paused || health.circuit() != Circuit::Closed {
            return None;
        }
        Some(health.consecutive_failures())
    }
}

impl StateMap {
    fn saw(&mut self, now: Timestamp) {
        self.latest = Some(self.latest.map_or(now, |t| t.max(now)));
    }

    /// The entry of `endpoint`, made when missing (forgetting an idle one
    /// when the map is full), and marked as just used.
    fn entry(&mut self, endpoint: &EndpointId, capacity: usize) -> Result<&mut Entry, StoreError> {
        if !self.endpoints.contains_key(endpoint) && self.endpoints.len() >= capacity {
            let latest = self.latest;
            let oldest = self
                .endpoints
                .iter()
                .filter_map(|(id, e)| e.idle(latest).map(|f| ((f > 0, e.used), id)))
                .min_by_key(|(key, _)| *key)
                .map(|(_, id)| id.clone());
            match oldest {
                Some(id) => {
                    self.endpoints.remove(&id);
                }
                None => return Err(StoreError::Full { capacity }),
            }
        }
        self.tick = self.tick.saturating_add(1);
        let entry = self.endpoints.entry(endpoint.clone()).or_default();
        entry.used = self.tick;
        Ok(entry)
    }
}

impl MemoryEndpointState {
    /// An empty store tracking at most `capacity` endpoints.
    pub fn new(capacity: usize) -> MemoryEndpointState {
        MemoryEndpointState {
            capacity,
            state: Mutex::new(StateMap::default()),
        }
    }

    /// The number of endpoints tracked.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] if the lock is poisoned.
    pub fn len(&self) -> Result<usize, StoreError> {
        Ok(self.lock()?.endpoints.len())
    }

    /// Whether no endpoint is tracked.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] if the lock is poisoned.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }

    /// Forgets everything about `endpoint` (its health, pause, slots and
    /// rate window), for an endpoint that was deleted; `true` when
    /// something was tracked. Slots still leased are forgotten with it,
    /// so do not remove an endpoint that is still being sent to.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] if the lock is poisoned.
    pub fn remove(&self, endpoint: &EndpointId) -> Result<bool, StoreError> {
        Ok(self.lock()?.endpoints.remove(endpoint).is_some())
    }

    /// The leases of `endpoint` live at `now`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] if the lock is poisoned.
    pub fn live_slots(&self, endpoint: &EndpointId, now: Timestamp) -> Result<usize, StoreError> {
        let state = self.lock()?;
        Ok(state
            .endpoints
            .get(endpoint)
            .map_or(0, |e| e.slots.iter().filter(|s| s.expires_at > now).count()))
    }

    fn lock(&self) -> Result<MutexGuard<'_, StateMap>, StoreError> {
        self.state
            .lock()
            .map_err(|_| poisoned("endpoint state store"))
    }

    fn with_entry<T>(
        &self,
        endpoint: &EndpointId,
        now: Option<Timestamp>,
        f: impl FnOnce(&mut Entry, &mut u64) -> T,
    ) -> Result<T, StoreError> {
        let mut state = self.lock()?;
        if let Some(now) = now {
            state.saw(now);
        }
        let mut token = state.next_token;
        let entry = state.entry(endpoint, self.capacity)?;
        let out = f(entry, &mut token);
        state.next_token = token;
        Ok(out)
    }

    fn apply_now(
        &self,
        endpoint: &EndpointId,
        change: HealthChange,
    ) -> Result<HealthApplied, StoreError> {
        let mut state = self.lock()?;
        match change {
            HealthChange::Admit { now, .. } => state.saw(now),
            HealthChange::Outcome { at, .. } => state.saw(at),
            _ => {}
        }
        let before = state
            .endpoints
            .get(endpoint)
            .and_then(|e| e.health.clone())
            .unwrap_or_default();
        let mut record = before.clone();
        let mut applied = change.apply(&mut record);
        if record == before {
            return Ok(applied);
        }
        record.version = before.version.saturating_add(1);
        applied.record = record.clone();
        state.entry(endpoint, self.capacity)?.health = Some(record);
        Ok(applied)
    }
}

impl fmt::Debug for MemoryEndpointState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryEndpointState")
            .field("capacity", &self.capacity)
            .field("endpoints", &self.len().ok())
            .finish()
    }
}

impl EndpointStateStore for MemoryEndpointState {
    fn load_health(
        &self,
        endpoint: &EndpointId,
    ) -> impl Future<Output = Result<HealthRecord, StoreError>> + Send {
        ready(self.lock().map(|state| {
            state
                .endpoints
                .get(endpoint)
                .and_then(|e| e.health.clone())
                .unwrap_or_default()
        }))
    }

    fn save_health(
        &self,
        endpoint: &EndpointId,
        record: &HealthRecord,
    ) -> impl Future<Output = Result<Saved, StoreError>> + Send {
        ready(self.with_entry(endpoint, None, |entry, _| {
            let stored = entry.health.as_ref().map_or(0, HealthRecord::version);
            if stored != record.version {
                return Saved::Conflict {
                    current: entry.health.clone().unwrap_or_default(),
                };
            }
            let version = stored.saturating_add(1);
            let mut next = record.clone();
            next.version = version;
            entry.health = Some(next);
            Saved::Stored { version }
        }))
    }

    fn apply_health(
        &self,
        endpoint: &EndpointId,
        change: HealthChange,
    ) -> impl Future<Output = Result<HealthApplied, StoreError>> + Send {
        ready(self.apply_now(endpoint, change))
    }

    fn acquire_slot(
        &self,
        endpoint: &EndpointId,
        max: NonZeroU32,
        lease: Duration,
        now: Timestamp,
    ) -> impl Future<Output = Result<Option<SlotLease>, StoreError>> + Send {
        ready(self.with_entry(endpoint, Some(now), |entry, next_token| {
            // Expired leases are a crashed or stalled holder's: their slots are free.
            entry.slots.retain(|s| s.expires_at > now);
            let max = usize::try_from(max.get()).unwrap_or(usize::MAX);
            if entry.slots.len() >= max {
                return None;
            }
            *next_token = next_token.saturating_add(1);
            let slot = SlotLease::new(*next_token, now.saturating_add(lease));
            entry.slots.push(slot);
            Some(slot)
        }))
    }

    fn release_slot(
        &self,
        endpoint: &EndpointId,
        lease: SlotLease,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.lock().map(|mut state| {
            if let Some(entry) = state.endpoints.get_mut(endpoint) {
                entry.slots.retain(|s| s.token != lease.token);
            }
        }))
    }

    fn take_rate_token(
        &self,
        endpoint: &EndpointId,
        limit: RateLimit,
        now: Timestamp,
    ) -> impl Future<Output = Result<RateToken, StoreError>> + Send {
        ready(self.with_entry(endpoint, Some(now), |entry, _| {
            let start = match entry.window_start {
                Some(start) if now < start.saturating_add(limit.interval()) => start,
                _ => {
                    entry.window_start = Some(now);
                    entry.window_count = 0;
                    now
                }
            };
            let end = start.saturating_add(limit.interval());
            entry.window_ends = Some(end);
            if entry.window_count >= limit.events() {
                return RateToken::WaitUntil(end);
            }
            entry.window_count = entry.window_count.saturating_add(1);
            RateToken::Taken
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::{HealthPolicy, Observation};

    fn block_on<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let std::task::Poll::Ready(out) = f.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }

    fn ep(id: &str) -> EndpointId {
        EndpointId::new(id).unwrap()
    }

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(s)
    }

    #[test]
    fn health_is_compare_and_set() {
        let store = MemoryEndpointState::new(10);
        let a = block_on(store.load_health(&ep("a"))).unwrap();
        assert_eq!(a.version(), 0);
        let mut first = a.clone();
        first
            .health_mut()
            .record(&HealthPolicy::default(), Observation::Failure, at(100));
        assert_eq!(
            block_on(store.save_health(&ep("a"), &first)).unwrap(),
            Saved::Stored { version: 1 }
        );
        // A second writer that read version 0 loses, and is shown what won.
        let mut second = a;
        second.set_paused_until(Some(at(200)));
        let Saved::Conflict { current } = block_on(store.save_health(&ep("a"), &second)).unwrap()
        else {
            panic!("a stale write was stored");
        };
        assert_eq!(current.version(), 1);
        assert_eq!(current.health().consecutive_failures(), 1);
        let mut retried = current;
        retried.set_paused_until(Some(at(200)));
        assert_eq!(
            block_on(store.save_health(&ep("a"), &retried)).unwrap(),
            Saved::Stored { version: 2 }
        );
        let stored = block_on(store.load_health(&ep("a"))).unwrap();
        assert_eq!(stored.version(), 2);
        assert_eq!(stored.paused_until(), Some(at(200)));
        assert_eq!(stored.health().consecutive_failures(), 1);
    }

    #[test]
    fn slots_are_capped_released_and_expire() {
        let store = MemoryEndpointState::new(10);
        let two = NonZeroU32::new(2).unwrap();
        let lease = Duration::from_secs(60);
        let s1 = block_on(store.acquire_slot(&ep("a"), two, lease, at(0))).unwrap();
        let s2 = block_on(store.acquire_slot(&ep("a"), two, lease, at(1))).unwrap();
        assert!(s1.is_some() && s2.is_some());
        assert_ne!(s1, s2);
        assert_eq!(
            block_on(store.acquire_slot(&ep("a"), two, lease, at(2))).unwrap(),
            None
        );
        // Another endpoint has slots of its own.
        assert!(
            block_on(store.acquire_slot(&ep("b"), two, lease, at(2)))
                .unwrap()
                .is_some()
        );
        block_on(store.release_slot(&ep("a"), s1.unwrap())).unwrap();
        // Releasing twice changes nothing.
        block_on(store.release_slot(&ep("a"), s1.unwrap())).unwrap();
        assert_eq!(store.live_slots(&ep("a"), at(2)).unwrap(), 1);
        assert!(
            block_on(store.acquire_slot(&ep("a"), two, lease, at(2)))
                .unwrap()
                .is_some()
        );
        // At 61 s the lease taken at 1 s has expired; the one from 2 s has not.
        assert_eq!(store.live_slots(&ep("a"), at(61)).unwrap(), 1);
        assert!(
            block_on(store.acquire_slot(&ep("a"), two, lease, at(61)))
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn rate_tokens_count_in_fixed_windows() {
        let store = MemoryEndpointState::new(10);
        let limit = RateLimit::new(2, Duration::from_secs(10)).unwrap();
        let take = |t| block_on(store.take_rate_token(&ep("a"), limit, at(t))).unwrap();
        assert_eq!(take(100), RateToken::Taken);
        assert_eq!(take(105), RateToken::Taken);
        assert_eq!(take(109), RateToken::WaitUntil(at(110)));
        assert_eq!(take(110), RateToken::Taken);
    }

    #[test]
    fn the_store_is_bounded_and_fails_closed() {
        let store = MemoryEndpointState::new(1);
        let one = NonZeroU32::new(1).unwrap();
        let lease = Duration::from_secs(1);
        assert!(
            block_on(store.acquire_slot(&ep("a"), one, lease, at(0)))
                .unwrap()
                .is_some()
        );
        let err = block_on(store.acquire_slot(&ep("b"), one, lease, at(0))).unwrap_err();
        assert_eq!(err.code(), "store_full");
        let err = block_on(store.save_health(&ep("b"), &HealthRecord::new())).unwrap_err();
        assert!(matches!(err, StoreError::Full { capacity: 1 }));
        // Reading an unknown endpoint needs no room.
        assert_eq!(block_on(store.load_health(&ep("b"))).unwrap().version(), 0);
        assert_eq!(store.len().unwrap(), 1);
        assert!(format!("{store:?}").contains("capacity"));
    }

    /// A store with only compare-and-set (the trait's default
    /// `apply_health`), where another writer stores a failure between the
    /// first load and save.
    struct Racing {
        inner: MemoryEndpointState,
        raced: Mutex<bool>,
    }

    impl EndpointStateStore for Racing {
        async fn load_health(&self, endpoint: &EndpointId) -> Result<HealthRecord, StoreError> {
            self.inner.load_health(endpoint).await
        }

        async fn save_health(
            &self,
            endpoint: &EndpointId,
            record: &HealthRecord,
        ) -> Result<Saved, StoreError> {
            let first = !std::mem::replace(&mut *self.raced.lock().unwrap(), true);
            if first {
                let mut other = self.inner.load_health(endpoint).await?;
                other
                    .health_mut()
                    .record(&HealthPolicy::default(), Observation::Failure, at(100));
                self.inner.save_health(endpoint, &other).await?;
            }
            self.inner.save_health(endpoint, record).await
        }

        async fn acquire_slot(
            &self,
            endpoint: &EndpointId,
            max: NonZeroU32,
            lease: Duration,
            now: Timestamp,
        ) -> Result<Option<SlotLease>, StoreError> {
            self.inner.acquire_slot(endpoint, max, lease, now).await
        }

        async fn release_slot(
            &self,
            endpoint: &EndpointId,
            lease: SlotLease,
        ) -> Result<(), StoreError> {
            self.inner.release_slot(endpoint, lease).await
        }

        async fn take_rate_token(
            &self,
            endpoint: &EndpointId,
            limit: RateLimit,
            now: Timestamp,
        ) -> Result<RateToken, StoreError> {
            self.inner.take_rate_token(endpoint, limit, now).await
        }
    }

    fn failure_at(s: i64) -> HealthChange {
        HealthChange::Outcome {
            policy: HealthPolicy::default(),
            observation: Observation::Failure,
            at: at(s),
            pause_until: None,
        }
    }

    #[test]
    fn the_default_apply_reapplies_after_a_lost_compare_and_set() {
        let store = Racing {
            inner: MemoryEndpointState::new(10),
            raced: Mutex::new(false),
        };
        let applied = block_on(store.apply_health(&ep("a"), failure_at(100))).unwrap();
        assert_eq!(applied.record.version(), 2);
        assert_eq!(applied.record.health().consecutive_failures(), 2);
        let stored = block_on(store.load_health(&ep("a"))).unwrap();
        assert_eq!(stored, applied.record, "both failures are counted");
    }

    #[test]
    fn the_memory_store_applies_changes_in_place() {
        let store = MemoryEndpointState::new(10);
        let dyn_store: &dyn DynEndpointStateStore = &store;
        for n in 0..3 {
            let applied = block_on(dyn_store.apply_health(&ep("a"), failure_at(100 + n))).unwrap();
            assert_eq!(applied.record.version(), u64::try_from(n + 1).unwrap());
        }
        let stored = block_on(store.load_health(&ep("a"))).unwrap();
        assert_eq!(stored.health().consecutive_failures(), 3);
        // Admitting an attempt to a healthy unknown endpoint takes no room.
        let policy = HealthPolicy::default();
        let admit = HealthChange::Admit {
            policy,
            now: at(200),
        };
        let applied = block_on(store.apply_health(&ep("b"), admit)).unwrap();
        assert_eq!(applied.admission, Some(crate::delivery::Admission::Send));
        assert_eq!(store.len().unwrap(), 1);
    }

    #[test]
    fn a_full_store_forgets_the_least_recently_used_idle_endpoint() {
        let store = MemoryEndpointState::new(2);
        let policy = HealthPolicy::default();
        let success = |s| HealthChange::Outcome {
            policy,
            observation: Observation::Success,
            at: at(s),
            pause_until: None,
        };
        block_on(store.apply_health(&ep("old"), success(1))).unwrap();
        block_on(store.apply_health(&ep("failing"), failure_at(2))).unwrap();
        // Full: an endpoint without failures in a row goes first.
        let gone = HealthChange::Outcome {
            policy,
            observation: Observation::Gone(crate::retry::DisableReason::Gone),
            at: at(3),
            pause_until: None,
        };
        block_on(store.apply_health(&ep("new"), gone)).unwrap();
        assert_eq!(
            block_on(store.load_health(&ep("old"))).unwrap().version(),
            0
        );
        assert_eq!(
            block_on(store.load_health(&ep("failing")))
                .unwrap()
                .health()
                .consecutive_failures(),
            1
        );
        // A disabled endpoint and one holding a slot are never forgotten.
        let one = NonZeroU32::new(1).unwrap();
        let slot = block_on(store.acquire_slot(&ep("failing"), one, Duration::from_secs(9), at(4)))
            .unwrap()
            .unwrap();
        let err = block_on(store.apply_health(&ep("third"), failure_at(5))).unwrap_err();
        assert_eq!(err.code(), "store_full");
        // Once the slot is released the failing endpoint is idle again.
        block_on(store.release_slot(&ep("failing"), slot)).unwrap();
        block_on(store.apply_health(&ep("third"), failure_at(6))).unwrap();
        assert!(
            block_on(store.load_health(&ep("new")))
                .unwrap()
                .health()
                .disabled()
                .is_some()
        );
        assert_eq!(
            block_on(store.load_health(&ep("failing")))
                .unwrap()
                .version(),
            0
        );
        assert!(store.remove(&ep("third")).unwrap());
        assert!(!store.remove(&ep("third")).unwrap());
        assert_eq!(store.len().unwrap(), 1);
    }

    #[test]
    fn a_record_round_trips_through_serde() {
        let mut record = HealthRecord::new();
        record.set_paused_until(Some(at(5)));
        let json = serde_json::to_string(&record).unwrap();
        let back: HealthRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, record);
    }
}
