//! Random sequences of operations on the in-memory job queue, checked
//! against a plain model of what it should hold.

#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use proptest::prelude::*;
use webhook_kit::delivery::{
    DeliveryId, DeliveryJob, EndpointId, Enqueued, JobQueue, LeaseToken, MemoryJobQueue, StoreError,
};
use webhook_kit::retry::Decision;
use webhook_kit::sign::MessageId;
use webhook_kit::{Clock, Timestamp};

fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => panic!("in-memory futures are ready at once"),
    }
}

#[derive(Clone, Default)]
struct SharedClock(Arc<AtomicI64>);

impl Clock for SharedClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_millis(self.0.load(Ordering::SeqCst))
    }
}

fn job(message: usize) -> DeliveryJob {
    let msg = MessageId::new(format!("msg_{message}")).unwrap();
    let id = DeliveryId::derive(&msg, &EndpointId::new("ep_1").unwrap());
    let json = format!(
        r#"{{"schema_version":1,"delivery_id":"{id}","message_id":"msg_{message}",
        "endpoint_id":"ep_1","owner_id":"app_1","event_type":"invoice.paid","payload":"e30=",
        "created_at":0,"attempt":1,"first_attempt_at":0,"next_attempt_at":0,
        "deadline":604800000,"trigger":"scheduled","previous_delay_ns":null}}"#
    );
    serde_json::from_str(&json).unwrap()
}

#[derive(Clone, Debug)]
enum Op {
    Enqueue { message: usize, not_before: i64 },
    Claim { lease: u64, limit: usize },
    Complete(usize),
    Release(usize),
    Retry { pick: usize, delay: i64 },
    Defer { pick: usize, delay: i64 },
    Tick(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..6usize, 0..40i64).prop_map(|(message, not_before)| Op::Enqueue {
            message,
            not_before
        }),
        (1..30u64, 0..4usize).prop_map(|(lease, limit)| Op::Claim { lease, limit }),
        (0..16usize).prop_map(Op::Complete),
        (0..16usize).prop_map(Op::Release),
        (0..16usize, 0..30i64).prop_map(|(pick, delay)| Op::Retry { pick, delay }),
        (0..16usize, 0..30i64).prop_map(|(pick, delay)| Op::Defer { pick, delay }),
        (0..15i64).prop_map(Op::Tick),
    ]
}

struct ModelEntry {
    job: DeliveryJob,
    not_before: i64,
    seq: u64,
    lease: Option<(LeaseToken, i64)>,
}

type Key = (DeliveryId, u32);

const CAPACITY: usize = 4;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_queue_behaves_as_its_model(ops in prop::collection::vec(op(), 1..60)) {
        let clock = SharedClock::default();
        let queue = MemoryJobQueue::new(CAPACITY, clock.clone());
        let mut model: HashMap<Key, ModelEntry> = HashMap::new();
        let mut seq = 0u64;
        let mut tokens: Vec<(LeaseToken, DeliveryJob)> = Vec::new();
        let mut last_token: Option<LeaseToken> = None;
        let mut now = 0i64;
        let ts = Timestamp::from_unix_millis;

        for op in ops {
            let live = |model: &HashMap<Key, ModelEntry>, token: LeaseToken| {
                model.iter().find_map(|(k, e)| match e.lease {
                    Some((t, until)) if t == token && until > now => Some(k.clone()),
                    _ => None,
                })
            };
            let pick = |i: usize| tokens.get(i % tokens.len().max(1)).cloned();
            match op {
                Op::Tick(ms) => {
                    now += ms;
                    clock.0.store(now, Ordering::SeqCst);
                }
                Op::Enqueue { message, not_before } => {
                    let j = job(message);
                    let key = (j.delivery_id().clone(), j.attempt());
                    let got = block_on(queue.enqueue(j.clone(), ts(not_before)));
                    if model.contains_key(&key) {
                        prop_assert_eq!(got.unwrap(), Enqueued::AlreadyQueued);
                    } else if model.len() >= CAPACITY {
                        let full = matches!(got, Err(StoreError::Full { capacity: CAPACITY }));
                        prop_assert!(full);
                    } else {
                        prop_assert_eq!(got.unwrap(), Enqueued::Added);
                        seq += 1;
                        model.insert(key, ModelEntry { job: j, not_before, seq, lease: None });
                    }
                }
                Op::Claim { lease, limit } => {
                    let mut due: Vec<(i64, u64, Key)> = model
                        .iter()
                        .filter(|(_, e)| e.not_before <= now && e.lease.is_none_or(|(_, u)| u <= now))
                        .map(|(k, e)| (e.not_before, e.seq, k.clone()))
                        .collect();
                    due.sort();
                    due.truncate(limit);
                    let got = block_on(queue.claim(ts(now), Duration::from_millis(lease), limit)).unwrap();
                    prop_assert_eq!(got.len(), due.len());
                    for (claimed, (_, _, key)) in got.iter().zip(due) {
                        prop_assert_eq!(claimed.job().delivery_id(), &key.0);
                        prop_assert_eq!(claimed.job().attempt(), key.1);
                        prop_assert!(last_token.is_none_or(|t| claimed.token() > t));
                        last_token = Some(claimed.token());
                        let entry = model.get_mut(&key).unwrap();
                        prop_assert_eq!(claimed.job(), &entry.job);
                        entry.lease = Some((claimed.token(), now + i64::try_from(lease).unwrap()));
                        tokens.push((claimed.token(), claimed.job().clone()));
                    }
                }
                Op::Complete(i) | Op::Release(i) => {
                    let Some((token, _)) = pick(i) else { continue };
                    let complete = matches!(op, Op::Complete(_));
                    let got = if complete {
                        block_on(queue.complete(token))
                    } else {
                        block_on(queue.release(token))
                    };
                    match live(&model, token) {
                        Some(key) => {
                            prop_assert!(got.is_ok());
                            if complete {
                                model.remove(&key);
                            } else if let Some(e) = model.get_mut(&key) {
                                e.lease = None;
                            }
                        }
                        None => {
                            let stale = matches!(got, Err(StoreError::StaleLease { token: t }) if t == token);
                            prop_assert!(stale);
                        }
                    }
                }
                Op::Retry { pick: i, delay } | Op::Defer { pick: i, delay } => {
                    let Some((token, leased)) = pick(i) else { continue };
                    let not_before = ts(now + delay);
                    let decision = if matches!(op, Op::Retry { .. }) {
                        Decision::RetryAt { attempt: leased.attempt() + 1, not_before }
                    } else {
                        Decision::Defer { not_before }
                    };
                    let next = leased.apply(decision, None).unwrap();
                    let next_job = next.job().unwrap().clone();
                    let new_key = (next_job.delivery_id().clone(), next_job.attempt());
                    let got = block_on(queue.reschedule(token, &next));
                    match live(&model, token) {
                        None => {
                            let stale = matches!(got, Err(StoreError::StaleLease { .. }));
                            prop_assert!(stale);
                        }
                        Some(key) if key != new_key && model.contains_key(&new_key) => {
                            let conflict = matches!(got, Err(StoreError::Conflict { .. }));
                            prop_assert!(conflict);
                        }
                        Some(key) => {
                            prop_assert!(got.is_ok());
                            model.remove(&key);
                            seq += 1;
                            model.insert(new_key, ModelEntry {
                                job: next_job,
                                not_before: now + delay,
                                seq,
                                lease: None,
                            });
                        }
                    }
                }
            }
            prop_assert_eq!(queue.len().unwrap(), model.len());
        }
    }
}
