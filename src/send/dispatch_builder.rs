//! The dispatcher's builder and defaults.

use std::sync::Arc;
use std::time::Duration;

use crate::delivery::{
    DynAttemptLog, DynDeadLetterSink, DynEndpointSource, DynEndpointStateStore, DynJobQueue,
    HealthPolicy, MemoryAttemptLog, MemoryDeadLetters, MemoryEndpointSource, MemoryEndpointState,
    MemoryJobQueue,
};
use crate::retry::RetryPolicy;
use crate::time::{Clock, SystemClock};

use super::{DispatchHooks, Dispatcher, NoHooks, Sender};

/// The default global cap on attempts in flight.
pub const DEFAULT_CONCURRENCY: usize = 32;

/// The default job lease: the longest sender deadline plus a margin.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// How much longer than the sender's hard deadline
/// ([`Sender::timeout`]) a lease lasts at least: room for the endpoint
/// lookup, the state store round trips and settling the job around the
/// attempt, so that neither the job's lease nor its in-flight slot expires
/// while the attempt still runs.
pub const LEASE_MARGIN: Duration = Duration::from_secs(10);

/// The default wait between polls of an empty queue.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(200);

/// The default delay of a job whose endpoint cannot take it now (missing,
/// disabled, its state store failing, or refused by the sender's checks).
pub const DEFAULT_UNAVAILABLE_DELAY: Duration = Duration::from_secs(60);

/// The capacity of each default in-memory store (jobs, records, letters,
/// or endpoints tracked).
pub const DEFAULT_MEMORY_CAPACITY: usize = 100_000;

/// Builds a [`Dispatcher`]; everything but the sender has a default.
pub struct DispatcherBuilder {
    pub(super) sender: Sender,
    pub(super) policy: RetryPolicy,
    pub(super) health_policy: HealthPolicy,
    pub(super) max_payload_bytes: Option<usize>,
    pub(super) source: Arc<dyn DynEndpointSource>,
    pub(super) queue: Arc<dyn DynJobQueue>,
    pub(super) log: Arc<dyn DynAttemptLog>,
    pub(super) dead: Arc<dyn DynDeadLetterSink>,
    pub(super) state: Arc<dyn DynEndpointStateStore>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) hooks: Arc<dyn DispatchHooks>,
    pub(super) concurrency: usize,
    pub(super) lease: Duration,
    pub(super) poll: Duration,
    pub(super) unavailable_delay: Duration,
}

impl DispatcherBuilder {
    /// The retry policy (default: [`RetryPolicy::default`]).
    pub fn policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The endpoint health policy (default: [`HealthPolicy::default`]).
    pub fn health_policy(mut self, policy: HealthPolicy) -> Self {
        self.health_policy = policy;
        self
    }

    /// The largest payload [`Dispatcher::submit`] accepts (default: the
    /// fan-out's).
    pub fn max_payload_bytes(mut self, max: usize) -> Self {
        self.max_payload_bytes = Some(max);
        self
    }

    /// Where endpoints are read (default: an empty [`MemoryEndpointSource`]).
    pub fn source(mut self, source: Arc<dyn DynEndpointSource>) -> Self {
        self.source = source;
        self
    }

    /// The job queue (default: a [`MemoryJobQueue`]).
    pub fn queue(mut self, queue: Arc<dyn DynJobQueue>) -> Self {
        self.queue = queue;
        self
    }

    /// The attempt log (default: a [`MemoryAttemptLog::pruning`] of
    /// [`DEFAULT_MEMORY_CAPACITY`] records, which keeps the latest ones).
    pub fn attempt_log(mut self, log: Arc<dyn DynAttemptLog>) -> Self {
        self.log = log;
        self
    }

    /// The dead-letter store (default: [`MemoryDeadLetters`]).
    pub fn dead_letters(mut self, dead: Arc<dyn DynDeadLetterSink>) -> Self {
        self.dead = dead;
        self
    }

    /// Where endpoint health, pauses, in-flight slots and rate-limit
    /// windows are kept (default: a [`MemoryEndpointState`] of this
    /// dispatcher's own). Give several dispatchers the same store to have
    /// them share each endpoint's in-flight cap, rate limit and health.
    pub fn endpoint_state(mut self, state: Arc<dyn DynEndpointStateStore>) -> Self {
        self.state = state;
        self
    }

    /// The clock the loop reads (default: [`SystemClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The hooks (default: [`NoHooks`]).
    pub fn hooks(mut self, hooks: Arc<dyn DispatchHooks>) -> Self {
        self.hooks = hooks;
        self
    }

    /// The most attempts in flight at once (default:
    /// [`DEFAULT_CONCURRENCY`]), clamped to 1 at least and to
    /// [`Semaphore::MAX_PERMITS`](tokio::sync::Semaphore::MAX_PERMITS) at
    /// most (Tokio's limit for the semaphore that enforces it), so a value
    /// from configuration never makes building panic.
    pub fn concurrency(mut self, max: usize) -> Self {
        self.concurrency = max.clamp(1, tokio::sync::Semaphore::MAX_PERMITS);
        self
    }

    /// The lease of a claimed job and of its endpoint's in-flight slot
    /// (default: [`DEFAULT_LEASE`]), raised to the sender's hard deadline
    /// ([`Sender::timeout`]) plus [`LEASE_MARGIN`] when shorter: a lease
    /// that expired while the attempt ran would let another worker claim
    /// the job, or another attempt take the endpoint's slot, and break the
    /// in-flight cap.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(min_lease(&self.sender));
        self
    }

    /// The wait between polls of a queue with nothing due (default:
    /// [`DEFAULT_POLL_INTERVAL`]).
    pub fn poll_interval(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }

    /// How long a job waits when its endpoint cannot take it (default:
    /// [`DEFAULT_UNAVAILABLE_DELAY`]).
    pub fn unavailable_delay(mut self, delay: Duration) -> Self {
        self.unavailable_delay = delay;
        self
    }

    /// The dispatcher.
    pub fn build(self) -> Dispatcher {
        Dispatcher::from_builder(self)
    }
}

impl std::fmt::Debug for DispatcherBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DispatcherBuilder")
            .field("concurrency", &self.concurrency)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl Dispatcher {
    /// A builder around `sender`, with in-memory stores.
    pub fn builder(sender: Sender) -> DispatcherBuilder {
        DispatcherBuilder {
            lease: DEFAULT_LEASE.max(min_lease(&sender)),
            sender,
            policy: RetryPolicy::default(),
            health_policy: HealthPolicy::default(),
            max_payload_bytes: None,
            source: Arc::new(MemoryEndpointSource::new()),
            queue: Arc::new(MemoryJobQueue::new(DEFAULT_MEMORY_CAPACITY, SystemClock)),
            log: Arc::new(MemoryAttemptLog::pruning(DEFAULT_MEMORY_CAPACITY)),
            dead: Arc::new(MemoryDeadLetters::new(DEFAULT_MEMORY_CAPACITY)),
            state: Arc::new(MemoryEndpointState::new(DEFAULT_MEMORY_CAPACITY)),
            clock: Arc::new(SystemClock),
            hooks: Arc::new(NoHooks),
            concurrency: DEFAULT_CONCURRENCY,
            poll: DEFAULT_POLL_INTERVAL,
            unavailable_delay: DEFAULT_UNAVAILABLE_DELAY,
        }
    }
}

/// The shortest lease for `sender`: its hard deadline plus the margin.
pub(super) fn min_lease(sender: &Sender) -> Duration {
    sender.timeout().saturating_add(LEASE_MARGIN)
}
