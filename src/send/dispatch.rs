//! The delivery loop: jobs from the queue, through the sender and the
//! retry policy, to the attempt log, the queue again or the dead letters.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use crate::delivery::{
    Admission, ClaimedJob, DeadLetter, DeliveryId, DynAttemptLog, DynDeadLetterSink,
    DynEndpointSource, DynEndpointStateStore, DynJobQueue, Endpoint, EndpointHealth, EndpointId,
    Enqueued, Event, FanOut, HealthChange, HealthDisableReason, HealthEvent, HealthPolicy,
    Observation, RateToken, SlotLease, StoreError, Transition,
};
use crate::delivery::{AttemptLog, DeadLetterSink, EndpointSource, EndpointStateStore, JobQueue};
use crate::retry::{AttemptOutcome, AttemptResult, Decision, RetryPolicy, TransportError};
use crate::time::{Clock, Timestamp};

use super::{DispatchError, DispatchHooks, DispatcherBuilder, Sender};

/// Sends queued delivery jobs, one attempt each, and settles them.
///
/// Each claimed job goes through these steps:
///
/// 1. The endpoint is read from the [`EndpointSource`]. A missing or
///    disabled endpoint, or a source error, defers the job by the
///    unavailable delay without spending an attempt, so an endpoint that
///    comes back gets its messages; past the job's `max_age` deadline it
///    is dead-lettered (`max_age_exceeded`).
/// 2. The endpoint's health admits it or not. An open circuit, a pause
///    after a throttling answer (429 or 503 with `Retry-After`: the hint
///    paces the whole endpoint until the retry it set), the endpoint's
///    [`RateLimit`](crate::delivery::RateLimit), or its in-flight cap
///    defer the job without spending an attempt. An
///    endpoint that health disabled on a receiver's request (410) has its
///    jobs dead-lettered as disabled; one disabled for failing
///    continuously has them deferred, until the user disables it.
/// 3. [`Sender::attempt`] makes the attempt; the retry policy evaluates
///    its result with the response's `Retry-After`; the job moves on by
///    [`DeliveryJob::apply_verdict`](crate::delivery::DeliveryJob::apply_verdict). A sender refusal (nothing sent)
///    defers the job by the unavailable delay and is reported. So does a
///    failure of the egress proxy ([`TransportError::Proxy`]: the
///    endpoint was never reached), which is logged but neither spends the
///    attempt nor counts against the endpoint's health; past the job's
///    deadline it is dead-lettered as for any deferral.
/// 4. The attempt is appended to the [`AttemptLog`] before the job is
///    settled; then the job is rescheduled, completed, or put in the
///    [`DeadLetterSink`] and completed. A dead letter that cannot be
///    stored (the sink is full or down) is reported to the hooks and
///    leaves the job in the queue, never lost, parked for the unavailable
///    delay and marked
///    ([`DeliveryJob::dead_letter_pending`](crate::delivery::DeliveryJob::dead_letter_pending)):
///    whoever claims it next only tries the dead-letter write again, and
///    never sends it again.
/// 5. Health counts the outcome; its events reach the hooks.
///
/// Delivery is at least once: a store failure after the attempt may lead
/// to the job being sent again, with the same `webhook-id`.
///
/// Endpoint health, throttling pauses, in-flight slots and rate-limit
/// windows live in an [`EndpointStateStore`] (in memory by default, see
/// [`DispatcherBuilder::endpoint_state`]): dispatchers given the same store
/// share them, so an endpoint's in-flight cap and rate limit hold across
/// all of them. Each health change is applied by the store atomically
/// ([`EndpointStateStore::apply_health`]), so concurrent outcomes are all
/// counted, however slow or shared the store.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use webhook_kit::delivery::{
///     Endpoint, EndpointId, EndpointUrl, Event, EventType, MemoryEndpointSource, OwnerId,
/// };
/// use webhook_kit::retry::Preset;
/// use webhook_kit::send::{Dispatcher, Sender};
/// use webhook_kit::sign::{MessageId, SigningSecret};
/// use webhook_kit::{Keyring, Timestamp};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let owner = OwnerId::new("acme")?;
/// let source = Arc::new(MemoryEndpointSource::new());
/// // A disabled endpoint: the event fans out to nothing, nothing is sent.
/// source.insert(
///     Endpoint::new(
///         EndpointId::new("ep_1")?,
///         owner.clone(),
///         EndpointUrl::parse("https://hooks.example.com/in")?,
///         Keyring::from(SigningSecret::from_random_bytes(&[7; 32])?),
///     )?
///     .with_enabled(false),
/// )?;
/// let dispatcher = Dispatcher::builder(Sender::builder().build()?)
///     .policy(Preset::Short.policy())
///     .source(source)
///     .build();
///
/// let now = Timestamp::now();
/// let event = Event::new(
///     owner,
///     EventType::new("invoice.paid")?,
///     MessageId::new("msg_1")?,
///     r#"{"type":"invoice.paid"}"#,
///     now,
/// );
/// assert!(dispatcher.submit(&event, now).await?.queued.is_empty());
/// assert_eq!(dispatcher.run_until_idle(Duration::from_secs(1)).await, 0);
/// # Ok(())
/// # }
/// ```
///
/// # Panics
///
/// The run loops spawn Tokio tasks: they panic outside a Tokio runtime
/// with the time and I/O drivers enabled.
#[derive(Clone)]
pub struct Dispatcher {
    inner: Arc<Inner>,
}

struct Inner {
    sender: Sender,
    policy: RetryPolicy,
    health_policy: HealthPolicy,
    fanout: FanOut,
    source: Arc<dyn DynEndpointSource>,
    queue: Arc<dyn DynJobQueue>,
    log: Arc<dyn DynAttemptLog>,
    dead: Arc<dyn DynDeadLetterSink>,
    clock: Arc<dyn Clock>,
    hooks: Arc<dyn DispatchHooks>,
    global: Arc<Semaphore>,
    concurrency: usize,
    lease: Duration,
    poll: Duration,
    unavailable_delay: Duration,
    state: Arc<dyn DynEndpointStateStore>,
    // Deliveries this dispatcher queued that have not ended yet.
    outstanding: AtomicUsize,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("concurrency", &self.inner.concurrency)
            .field("lease", &self.inner.lease)
            .field("outstanding", &self.outstanding())
            .finish_non_exhaustive()
    }
}

/// What [`Dispatcher::submit`] queued.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Submitted {
    /// The delivery ids of the jobs newly queued.
    pub queued: Vec<DeliveryId>,
    /// The delivery ids that were queued already (a repeated submit).
    pub already_queued: Vec<DeliveryId>,
}

impl Dispatcher {
    pub(super) fn from_builder(b: DispatcherBuilder) -> Dispatcher {
        let mut fanout = FanOut::new(&b.policy);
        if let Some(max) = b.max_payload_bytes {
            fanout = fanout.with_max_payload_bytes(max);
        }
        Dispatcher {
            inner: Arc::new(Inner {
                sender: b.sender,
                policy: b.policy,
                health_policy: b.health_policy,
                fanout,
                source: b.source,
                queue: b.queue,
                log: b.log,
                dead: b.dead,
                clock: b.clock,
                hooks: b.hooks,
                global: Arc::new(Semaphore::new(b.concurrency)),
                concurrency: b.concurrency,
                lease: b.lease,
                poll: b.poll,
                unavailable_delay: b.unavailable_delay,
                state: b.state,
                outstanding: AtomicUsize::new(0),
            }),
        }
    }

    /// Deliveries this dispatcher queued (submitted or redelivered) that
    /// have not ended yet.
    pub fn outstanding(&self) -> usize {
        self.inner.outstanding.load(Ordering::SeqCst)
    }

    /// Fans `event` out to its owner's endpoints at `now` and queues one
    /// job per matching endpoint.
    ///
    /// # Errors
    ///
    /// [`DispatchError::FanOut`] (the payload is over the maximum, among
    /// others) and [`DispatchError::Source`] queue nothing;
    /// [`DispatchError::Store`] when the queue refuses a job, after the
    /// jobs before it were queued (submit again: queuing is idempotent).
    pub async fn submit(&self, event: &Event, now: Timestamp) -> Result<Submitted, DispatchError> {
        let inner = &*self.inner;
        let endpoints = inner.source.endpoints_of(event.owner()).await?;
        let jobs = inner.fanout.jobs(event, &endpoints, now)?;
        let mut submitted = Submitted {
            queued: Vec::new(),
            already_queued: Vec::new(),
        };
        for job in jobs {
            let id = job.delivery_id().clone();
            let not_before = job.next_attempt_at();
            match inner.queue.enqueue(job, not_before).await? {
                Enqueued::AlreadyQueued => submitted.already_queued.push(id),
                _ => {
                    inner.outstanding.fetch_add(1, Ordering::SeqCst);
                    submitted.queued.push(id);
                }
            }
        }
        Ok(submitted)
    }

    /// Redelivers the dead-lettered delivery `delivery` once, due at `now`
    /// ([`DeliveryJob::redeliver`](crate::delivery::DeliveryJob::redeliver)): it leaves the dead-letter store and
    /// its new job is queued. `false` when there is no such letter.
    ///
    /// # Errors
    ///
    /// [`DispatchError::Store`] or [`DispatchError::Transition`]; the
    /// letter is put back when its job could not be queued.
    pub async fn redeliver(
        &self,
        delivery: &DeliveryId,
        now: Timestamp,
    ) -> Result<bool, DispatchError> {
        let Some(letter) = self.inner.dead.take(delivery).await? else {
            return Ok(false);
        };
        self.requeue(letter, now, false).await?;
        Ok(true)
    }

    /// Recovers up to `limit` deliveries to `endpoint` dead-lettered at or
    /// after `since`, oldest first ([`DeliveryJob::recover`](crate::delivery::DeliveryJob::recover)), and returns
    /// how many were queued. The endpoint's stored health starts over,
    /// since recovering means its owner fixed it.
    ///
    /// # Errors
    ///
    /// [`DispatchError::Store`] or [`DispatchError::Transition`], after
    /// the letters before the failing one were queued; the failing letter
    /// is put back.
    pub async fn recover(
        &self,
        endpoint: &EndpointId,
        since: Timestamp,
        limit: usize,
        now: Timestamp,
    ) -> Result<usize, DispatchError> {
        self.reset_health(endpoint).await?;
        let letters = self.inner.dead.dead_since(endpoint, since, limit).await?;
        let mut queued = 0usize;
        for listed in letters {
            let Some(letter) = self.inner.dead.take(listed.job().delivery_id()).await? else {
                continue;
            };
            self.requeue(letter, now, true).await?;
            queued = queued.saturating_add(1);
        }
        Ok(queued)
    }

    /// Starts the stored health of `endpoint` over (and ends a throttling
    /// pause): for an endpoint its owner enabled again.
    ///
    /// # Errors
    ///
    /// [`DispatchError::Store`] when the endpoint state store fails.
    pub async fn reset_health(&self, endpoint: &EndpointId) -> Result<(), DispatchError> {
        self.inner
            .state
            .apply_health(endpoint, HealthChange::Reset)
            .await?;
        Ok(())
    }

    /// The stored health of `endpoint`, if any was stored.
    ///
    /// # Errors
    ///
    /// [`DispatchError::Store`] when the endpoint state store fails.
    pub async fn health(
        &self,
        endpoint: &EndpointId,
    ) -> Result<Option<EndpointHealth>, DispatchError> {
        let record = self.inner.state.load_health(endpoint).await?;
        Ok((record.version() > 0).then(|| record.health().clone()))
    }

    async fn requeue(
        &self,
        letter: DeadLetter,
        now: Timestamp,
        recovery: bool,
    ) -> Result<(), DispatchError> {
        let inner = &*self.inner;
        let next = if recovery {
            letter.job().recover(now)
        } else {
            letter.job().redeliver(now)
        };
        let next = match next {
            Ok(next) => next,
            Err(e) => {
                inner.dead.put(letter).await?;
                return Err(e.into());
            }
        };
        match inner.queue.enqueue(next, now).await {
            Ok(Enqueued::AlreadyQueued) => Ok(()),
            Ok(_) => {
                inner.outstanding.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
            Err(e) => {
                inner.dead.put(letter).await?;
                Err(e.into())
            }
        }
    }

    /// Runs the loop until every delivery this dispatcher queued has ended
    /// (delivered or dead-lettered) and nothing is in flight, or until
    /// `max_wait` has passed; returns the deliveries still outstanding.
    /// For tests, examples and batch jobs.
    pub async fn run_until_idle(&self, max_wait: Duration) -> usize {
        let deadline = tokio::time::sleep(max_wait);
        self.run_loop(deadline, true).await;
        self.outstanding()
    }

    /// Runs the loop until `shutdown` completes, then stops claiming and
    /// waits for the attempts in flight to finish and be settled (each is
    /// bounded by the sender's timeout).
    pub async fn run<F: Future<Output = ()>>(&self, shutdown: F) {
        self.run_loop(shutdown, false).await;
    }

    async fn run_loop<F: Future<Output = ()>>(&self, shutdown: F, until_idle: bool) {
        let inner = &self.inner;
        let mut shutdown = pin!(shutdown);
        let mut tasks = JoinSet::new();
        loop {
            while tasks.try_join_next().is_some() {}
            if until_idle && tasks.is_empty() && self.outstanding() == 0 {
                break;
            }

            let free = inner.global.available_permits();
            if free == 0 {
                // Wait for an attempt to end, or for the shutdown.
                if tokio::time::timeout(inner.poll, &mut shutdown)
                    .await
                    .is_ok()
                {
                    break;
                }
                continue;
            }

            let now = inner.clock.now();
            let claimed = match inner.queue.claim(now, inner.lease, free).await {
                Ok(claimed) => claimed,
                Err(e) => {
                    inner.hooks.on_error(None, &e.into());
                    Vec::new()
                }
            };
            if claimed.is_empty() {
                if tokio::time::timeout(inner.poll, &mut shutdown)
                    .await
                    .is_ok()
                {
                    break;
                }
                continue;
            }

            for job in claimed {
                match Arc::clone(&inner.global).try_acquire_owned() {
                    Ok(permit) => {
                        tasks.spawn(Arc::clone(inner).process(job, permit));
                    }
                    Err(_) => {
                        // Only this loop takes permits, so this does not
                        // happen; hand the job back rather than hold it.
                        if let Err(e) = inner.queue.release(job.token()).await {
                            inner.hooks.on_error(Some(job.job()), &e.into());
                        }
                    }
                }
            }
        }
        // Graceful end: what was claimed finishes and is settled.
        while tasks.join_next().await.is_some() {}
    }
}

/// What stands between a job and its attempt.
enum Gate {
    /// Go, holding this in-flight slot when the endpoint has a cap.
    Send(Option<SlotLease>),
    Defer(Timestamp),
    Dead(Transition),
}

impl Inner {
    async fn process(self: Arc<Self>, claimed: ClaimedJob, _permit: OwnedSemaphorePermit) {
        let now = self.clock.now();
        let job = claimed.job().clone();
        if let Some(cause) = job.dead_letter_pending() {
            // The delivery has ended: store its dead letter, send nothing.
            return self.settle(&claimed, cause.transition(), now).await;
        }

        let endpoint = match self
            .source
            .endpoint(job.owner_id(), job.endpoint_id())
            .await
        {
            Ok(Some(endpoint)) if endpoint.is_enabled() => endpoint,
            Ok(_) => {
                let until = now.saturating_add(self.unavailable_delay);
                return self.defer(&claimed, now, until).await;
            }
            Err(e) => {
                self.hooks.on_error(Some(&job), &e.into());
                let until = now.saturating_add(self.unavailable_delay);
                return self.defer(&claimed, now, until).await;
            }
        };

        let slot = match self.gate(&endpoint, now).await {
            Ok(Gate::Send(slot)) => slot,
            Ok(Gate::Defer(until)) => return self.defer(&claimed, now, until).await,
            Ok(Gate::Dead(transition)) => return self.settle(&claimed, transition, now).await,
            Err(e) => {
                self.hooks.on_error(Some(&job), &e.into());
                let until = now.saturating_add(self.unavailable_delay);
                return self.defer(&claimed, now, until).await;
            }
        };

        let attempt = self.sender.attempt(&endpoint, &job, now).await;
        if let Some(slot) = slot {
            // A failed release costs the slot until its lease expires.
            if let Err(e) = self.state.release_slot(endpoint.id(), slot).await {
                self.hooks.on_error(Some(&job), &e.into());
            }
        }
        let report = match attempt {
            Ok(report) => report,
            Err(e) => {
                self.hooks.on_error(Some(&job), &e.into());
                let until = now.saturating_add(self.unavailable_delay);
                return self.defer(&claimed, now, until).await;
            }
        };

        let finished = report.finished_at();
        if report.result() == AttemptResult::Transport(TransportError::Proxy) {
            // The egress proxy failed: the endpoint was never reached. The
            // attempt is logged, but neither spent nor counted against the
            // endpoint's health, as for any failure of the sender's own side.
            let until = finished.saturating_add(self.unavailable_delay);
            let record = report.record(&job, Decision::Defer { not_before: until });
            self.hooks.on_attempt(&record);
            if let Err(e) = self.log.append(record).await {
                self.hooks.on_error(Some(&job), &e.into());
            }
            return self.defer(&claimed, finished, until).await;
        }
        let mut input = job.attempt_input(finished);
        if let Some(value) = report.retry_after() {
            input = input.with_retry_after(value);
        }
        let verdict = self
            .policy
            .evaluate(&report.result(), report.receiver_control(), &input);

        // The record goes to the log before anything else moves.
        let record = report.record(&job, verdict.decision);
        self.hooks.on_attempt(&record);
        if let Err(e) = self.log.append(record).await {
            self.hooks.on_error(Some(&job), &e.into());
        }

        let pause = match (verdict.outcome, report.retry_after(), verdict.decision) {
            (AttemptOutcome::Throttled { .. }, Some(_), Decision::RetryAt { not_before, .. }) => {
                Some(not_before)
            }
            _ => None,
        };
        let change = HealthChange::Outcome {
            policy: self.health_policy,
            observation: Observation::from(&verdict.outcome),
            at: finished,
            pause_until: pause,
        };
        match self.state.apply_health(endpoint.id(), change).await {
            Ok(applied) => self.health_events(endpoint.id(), &applied.events),
            Err(e) => self.hooks.on_error(Some(&job), &e.into()),
        }

        match job.apply_verdict(&verdict) {
            Ok(transition) => self.settle(&claimed, transition, finished).await,
            Err(e) => {
                // A decision that does not fit its job: hand the job back
                // as it was, to be tried again.
                self.hooks.on_error(Some(&job), &e.into());
                if let Err(e) = self.queue.release(claimed.token()).await {
                    self.hooks.on_error(Some(&job), &e.into());
                }
            }
        }
    }

    /// Health, pause, in-flight cap and rate limit, in that order.
    async fn gate(&self, endpoint: &Endpoint, now: Timestamp) -> Result<Gate, StoreError> {
        let change = HealthChange::Admit {
            policy: self.health_policy,
            now,
        };
        // Admitting a half-open probe changes the record: the store keeps it.
        let applied = self.state.apply_health(endpoint.id(), change).await?;
        let disabled = applied.record.health().disabled();
        let paused = applied.paused_until;

        match applied.admission.unwrap_or(Admission::Send) {
            Admission::Send => {}
            Admission::Defer { until } => return Ok(Gate::Defer(until)),
            Admission::Disabled => {
                return Ok(match disabled {
                    Some(HealthDisableReason::Receiver(reason)) => {
                        Gate::Dead(Transition::EndpointDisabled { reason })
                    }
                    _ => Gate::Defer(now.saturating_add(self.unavailable_delay)),
                });
            }
        }
        if let Some(until) = paused {
            return Ok(Gate::Defer(until));
        }

        // The in-flight cap first, so a deferred job spends no rate slot.
        let slot = match endpoint.max_in_flight() {
            Some(max) => {
                let lease = self.lease;
                match self
                    .state
                    .acquire_slot(endpoint.id(), max, lease, now)
                    .await?
                {
                    Some(slot) => Some(slot),
                    None => return Ok(Gate::Defer(now.saturating_add(self.poll))),
                }
            }
            None => None,
        };

        if let Some(limit) = endpoint.rate_limit() {
            let token = self.state.take_rate_token(endpoint.id(), limit, now).await;
            let wait = match token {
                Ok(RateToken::WaitUntil(until)) => Some(Ok(until)),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            };
            if let Some(wait) = wait {
                if let Some(slot) = slot {
                    self.state.release_slot(endpoint.id(), slot).await?;
                }
                return wait.map(Gate::Defer);
            }
        }
        Ok(Gate::Send(slot))
    }

    fn health_events(&self, endpoint: &EndpointId, events: &[HealthEvent]) {
        for &event in events {
            match event {
                HealthEvent::Disabled { reason } => {
                    self.hooks.on_endpoint_disabled(endpoint, reason);
                }
                HealthEvent::Recovered => self.hooks.on_endpoint_recovered(endpoint),
                _ => {}
            }
            self.hooks.on_health(endpoint, event);
        }
    }

    /// Defers the job to `until` without spending an attempt, or
    /// dead-letters it past its deadline.
    async fn defer(&self, claimed: &ClaimedJob, now: Timestamp, until: Timestamp) {
        let job = claimed.job();
        // The job's own deadline decides (a redelivery restarts it), so
        // `apply` checks it rather than the policy's `max_age`.
        let decision = Decision::Defer {
            not_before: until.max(now),
        };
        match job.apply(decision, None) {
            Ok(transition) => self.settle(claimed, transition, now).await,
            Err(e) => {
                self.hooks.on_error(Some(job), &e.into());
                if let Err(e) = self.queue.release(claimed.token()).await {
                    self.hooks.on_error(Some(job), &e.into());
                }
            }
        }
    }

    /// Puts `transition` into the stores.
    async fn settle(&self, claimed: &ClaimedJob, transition: Transition, now: Timestamp) {
        let job = claimed.job();
        let token = claimed.token();
        match &transition {
            Transition::Scheduled(_) | Transition::Deferred(_) => {
                if let Err(e) = self.queue.reschedule(token, &transition).await {
                    self.hooks.on_error(Some(job), &e.into());
                }
            }
            Transition::Delivered => {
                if self.finish(claimed).await {
                    self.hooks.on_delivered(job);
                }
            }
            _ => {
                let Some(letter) = DeadLetter::from_transition(job.unparked(), &transition, now)
                else {
                    return;
                };
                if let Err(e) = self.dead.put(letter.clone()).await {
                    // Not stored as dead: the job stays in the queue, parked
                    // and marked so that it is never sent again; only the
                    // dead-letter write is tried again, after the delay.
                    self.hooks.on_error(Some(job), &e.into());
                    let until = now.saturating_add(self.unavailable_delay);
                    let parked = job.park_dead_letter(letter.cause(), until);
                    let parked = Transition::Deferred(Box::new(parked));
                    if let Err(e) = self.queue.reschedule(token, &parked).await {
                        self.hooks.on_error(Some(job), &e.into());
                    }
                    return;
                }
                if self.finish(claimed).await {
                    self.hooks.on_exhausted(&letter);
                }
            }
        }
    }

    /// Completes the job; `true` when the delivery ended here.
    async fn finish(&self, claimed: &ClaimedJob) -> bool {
        match self.queue.complete(claimed.token()).await {
            Ok(()) => {
                // Counts only deliveries this dispatcher queued.
                let _ = self
                    .outstanding
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
                true
            }
            Err(e) => {
                self.hooks.on_error(Some(claimed.job()), &e.into());
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use super::*;
    use crate::Keyring;
    use crate::delivery::{EndpointUrl, HealthRecord, OwnerId, RateLimit};
    use crate::sign::SigningSecret;

    fn endpoint() -> Endpoint {
        Endpoint::new(
            EndpointId::new("ep_1").unwrap(),
            OwnerId::new("acme").unwrap(),
            EndpointUrl::parse("https://hooks.example.com/in").unwrap(),
            Keyring::from(SigningSecret::from_random_bytes(&[7; 32]).unwrap()),
        )
        .unwrap()
    }

    fn dispatcher() -> Dispatcher {
        Dispatcher::builder(Sender::builder().build().unwrap())
            .poll_interval(Duration::from_millis(5))
            .build()
    }

    fn deferred_until(gate: &Gate) -> Option<Timestamp> {
        match gate {
            Gate::Defer(until) => Some(*until),
            _ => None,
        }
    }

    fn block_on<F: Future>(f: F) -> F::Output {
        let mut f = pin!(f);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let std::task::Poll::Ready(out) = f.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }

    fn gate(d: &Dispatcher, ep: &Endpoint, now: Timestamp) -> Gate {
        block_on(d.inner.gate(ep, now)).unwrap()
    }

    #[test]
    fn the_rate_limit_defers_to_the_end_of_its_window() {
        let d = dispatcher();
        let ep = endpoint().with_rate_limit(RateLimit::new(2, Duration::from_secs(1)).unwrap());
        let t0 = Timestamp::from_unix_seconds(100);
        assert!(matches!(gate(&d, &ep, t0), Gate::Send(_)));
        assert!(matches!(gate(&d, &ep, t0), Gate::Send(_)));
        let third = gate(&d, &ep, t0);
        assert_eq!(
            deferred_until(&third),
            Some(Timestamp::from_unix_seconds(101))
        );
        assert!(matches!(
            gate(&d, &ep, Timestamp::from_unix_seconds(101)),
            Gate::Send(_)
        ));
    }

    #[test]
    fn the_in_flight_cap_holds_until_the_slot_is_released() {
        let d = dispatcher();
        let ep = endpoint().with_max_in_flight(NonZeroU32::new(1).unwrap());
        let t0 = Timestamp::from_unix_seconds(100);
        let Gate::Send(Some(slot)) = gate(&d, &ep, t0) else {
            panic!("the first attempt was not let through with a slot");
        };
        let second = gate(&d, &ep, t0);
        assert_eq!(
            deferred_until(&second),
            Some(t0.saturating_add(Duration::from_millis(5)))
        );
        block_on(d.inner.state.release_slot(ep.id(), slot)).unwrap();
        assert!(matches!(gate(&d, &ep, t0), Gate::Send(Some(_))));
    }

    #[test]
    fn a_rate_limited_job_gives_its_slot_back() {
        let d = dispatcher();
        let ep = endpoint()
            .with_max_in_flight(NonZeroU32::new(1).unwrap())
            .with_rate_limit(RateLimit::new(1, Duration::from_secs(1)).unwrap());
        let t0 = Timestamp::from_unix_seconds(100);
        let Gate::Send(Some(slot)) = gate(&d, &ep, t0) else {
            panic!("the first attempt was not let through with a slot");
        };
        block_on(d.inner.state.release_slot(ep.id(), slot)).unwrap();
        let second = gate(&d, &ep, t0);
        assert_eq!(
            deferred_until(&second),
            Some(Timestamp::from_unix_seconds(101))
        );
        // The slot the deferred job took was released again.
        assert!(matches!(
            gate(&d, &ep, Timestamp::from_unix_seconds(101)),
            Gate::Send(Some(_))
        ));
    }

    #[test]
    fn a_pause_defers_until_it_ends() {
        let d = dispatcher();
        let ep = endpoint();
        let t0 = Timestamp::from_unix_seconds(100);
        let until = Timestamp::from_unix_seconds(103);
        let mut paused = HealthRecord::new();
        paused.set_paused_until(Some(until));
        block_on(d.inner.state.save_health(ep.id(), &paused)).unwrap();
        assert_eq!(deferred_until(&gate(&d, &ep, t0)), Some(until));
        assert!(matches!(gate(&d, &ep, until), Gate::Send(None)));
        let record = block_on(d.inner.state.load_health(ep.id())).unwrap();
        assert_eq!(record.paused_until(), None);
    }

    #[test]
    fn builder_defaults_and_clamps() {
        let sender = Sender::builder().build().unwrap();
        let d = Dispatcher::builder(sender).concurrency(0).build();
        assert_eq!(d.inner.concurrency, 1);
        assert_eq!(d.outstanding(), 0);
        assert!(format!("{d:?}").contains("Dispatcher"));
        let sender = Sender::builder().build().unwrap();
        let d = Dispatcher::builder(sender.clone())
            .concurrency(usize::MAX)
            .lease(Duration::from_millis(1))
            .build();
        assert_eq!(d.inner.concurrency, Semaphore::MAX_PERMITS);
        assert_eq!(
            d.inner.lease,
            sender.timeout() + crate::send::LEASE_MARGIN,
            "a lease shorter than the sender's deadline is raised"
        );
        let long = Duration::from_secs(600);
        let d = Dispatcher::builder(sender).lease(long).build();
        assert_eq!(d.inner.lease, long);
    }
}
