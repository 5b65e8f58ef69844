//! A change to one endpoint's stored health, as data: the dispatcher says
//! what happened (an attempt is about to be made, an outcome arrived, the
//! owner fixed the endpoint) and the endpoint state store applies it to
//! the record it holds, atomically.
//!
//! Passing the change rather than a finished record is what lets a shared
//! store apply it without losing a concurrent writer's count: the memory
//! store applies it under its lock, a PostgreSQL store inside one
//! transaction (`SELECT ... FOR UPDATE`, apply, `UPDATE`), a Redis store in
//! one script or a `WATCH`/`MULTI` round. A store that does neither gets
//! [`EndpointStateStore::apply_health`]'s default: compare-and-set on the
//! record's version, reapplied to the newer record until it is stored.
//!
//! [`EndpointStateStore::apply_health`]: super::EndpointStateStore::apply_health

use super::endpoint_state::HealthRecord;
use super::health::{Admission, HealthEvent, Observation};
use super::health_policy::HealthPolicy;
use crate::time::Timestamp;

/// What happened to an endpoint, for its stored health.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HealthChange {
    /// An attempt is about to be made at `now`: asks whether the endpoint
    /// admits it. Admitting a half-open probe changes the record, and so
    /// does ending a throttling pause that is over.
    Admit {
        /// The thresholds of the circuit breaker.
        policy: HealthPolicy,
        /// The time of the attempt.
        now: Timestamp,
    },
    /// An attempt ended at `at` with `observation`; a throttling answer
    /// with `Retry-After` also pauses the endpoint until `pause_until` (a
    /// later pause already stored is kept).
    Outcome {
        /// The thresholds of the circuit breaker.
        policy: HealthPolicy,
        /// What the attempt says about the endpoint.
        observation: Observation,
        /// When it ended.
        at: Timestamp,
        /// Until when the receiver asked to be left alone.
        pause_until: Option<Timestamp>,
    },
    /// Starts the health over and ends any pause (the owner enabled the
    /// endpoint again). A record never stored stays unstored.
    Reset,
}

/// What applying a [`HealthChange`] gave.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HealthApplied {
    /// The record as stored afterwards, with its version (0 when nothing
    /// was ever stored: the change changed nothing of a healthy endpoint).
    pub record: HealthRecord,
    /// For [`HealthChange::Admit`]: whether the attempt may be made.
    pub admission: Option<Admission>,
    /// For [`HealthChange::Admit`]: the pause still running at `now`.
    pub paused_until: Option<Timestamp>,
    /// For [`HealthChange::Outcome`]: the events the outcome caused, in
    /// order.
    pub events: Vec<HealthEvent>,
}

impl HealthChange {
    /// Applies the change to `record` in place (its version is left to the
    /// store), and returns what it gave.
    pub fn apply(&self, record: &mut HealthRecord) -> HealthApplied {
        let mut admission = None;
        let mut paused_until = None;
        let mut events = Vec::new();
        match *self {
            HealthChange::Admit { policy, now } => {
                let admitted = record.health_mut().admit(&policy, now);
                paused_until = match record.paused_until() {
                    Some(until) if now < until => Some(until),
                    Some(_) if admitted == Admission::Send => {
                        record.set_paused_until(None);
                        None
                    }
                    _ => None,
                };
                admission = Some(admitted);
            }
            HealthChange::Outcome {
                policy,
                observation,
                at,
                pause_until,
            } => {
                if let Some(until) = pause_until {
                    let paused = record.paused_until().map_or(until, |p| p.max(until));
                    record.set_paused_until(Some(paused));
                }
                events = record.health_mut().record(&policy, observation, at);
            }
            HealthChange::Reset => {
                if record.version() > 0 {
                    record.health_mut().reset();
                    record.set_paused_until(None);
                }
            }
        }
        HealthApplied {
            record: record.clone(),
            admission,
            paused_until,
            events,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::Circuit;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(s)
    }

    #[test]
    fn an_outcome_is_counted_and_extends_a_pause() {
        let policy = HealthPolicy::default();
        let mut record = HealthRecord::new();
        let change = HealthChange::Outcome {
            policy,
            observation: Observation::Failure,
            at: at(100),
            pause_until: Some(at(200)),
        };
        change.apply(&mut record);
        assert_eq!(record.health().consecutive_failures(), 1);
        assert_eq!(record.paused_until(), Some(at(200)));
        // An earlier pause does not shorten the stored one.
        let shorter = HealthChange::Outcome {
            policy,
            observation: Observation::Success,
            at: at(101),
            pause_until: Some(at(150)),
        };
        shorter.apply(&mut record);
        assert_eq!(record.paused_until(), Some(at(200)));
        assert_eq!(record.health().consecutive_failures(), 0);
    }

    #[test]
    fn admission_reports_a_running_pause_and_ends_a_finished_one() {
        let policy = HealthPolicy::default();
        let mut record = HealthRecord::new();
        record.set_paused_until(Some(at(103)));
        let early = HealthChange::Admit {
            policy,
            now: at(100),
        }
        .apply(&mut record);
        assert_eq!(early.admission, Some(Admission::Send));
        assert_eq!(early.paused_until, Some(at(103)));
        let late = HealthChange::Admit {
            policy,
            now: at(103),
        }
        .apply(&mut record);
        assert_eq!(late.paused_until, None);
        assert_eq!(record.paused_until(), None);
        assert_eq!(record.health().circuit(), Circuit::Closed);
    }

    #[test]
    fn a_reset_leaves_an_unstored_record_alone() {
        let mut fresh = HealthRecord::new();
        HealthChange::Reset.apply(&mut fresh);
        assert_eq!(fresh, HealthRecord::new());
        let mut stored =
            HealthRecord::from_parts(crate::delivery::EndpointHealth::new(), Some(at(5)), 3);
        HealthChange::Reset.apply(&mut stored);
        assert_eq!(stored.paused_until(), None);
    }
}
