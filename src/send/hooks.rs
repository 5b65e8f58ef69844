//! Callbacks the dispatcher makes as deliveries progress.

use crate::delivery::{
    AttemptRecord, DeadLetter, DeliveryJob, EndpointId, HealthDisableReason, HealthEvent,
};

use super::DispatchError;

/// What the [`Dispatcher`](super::Dispatcher) tells the application, for
/// metrics, alerts and owner notifications. Every method does nothing by
/// default; they are called from the dispatcher's tasks, so keep them
/// quick (hand slow work to a channel).
pub trait DispatchHooks: Send + Sync {
    /// An attempt was made and this record appended to the attempt log.
    fn on_attempt(&self, record: &AttemptRecord) {
        let _ = record;
    }

    /// A delivery succeeded.
    fn on_delivered(&self, job: &DeliveryJob) {
        let _ = job;
    }

    /// A delivery ended without success and went to the dead-letter store.
    fn on_exhausted(&self, letter: &DeadLetter) {
        let _ = letter;
    }

    /// Endpoint health disabled `endpoint`: disable it in the user's store.
    fn on_endpoint_disabled(&self, endpoint: &EndpointId, reason: HealthDisableReason) {
        let _ = (endpoint, reason);
    }

    /// `endpoint` succeeded again after it was reported failing.
    fn on_endpoint_recovered(&self, endpoint: &EndpointId) {
        let _ = endpoint;
    }

    /// Every health event of `endpoint`, the two above included.
    fn on_health(&self, endpoint: &EndpointId, event: HealthEvent) {
        let _ = (endpoint, event);
    }

    /// Something failed around `job` (a store, the source, the sender's
    /// checks); what the dispatcher did about it is documented on
    /// [`Dispatcher`](super::Dispatcher).
    fn on_error(&self, job: Option<&DeliveryJob>, error: &DispatchError) {
        let _ = (job, error);
    }
}

/// Hooks that do nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoHooks;

impl DispatchHooks for NoHooks {}
