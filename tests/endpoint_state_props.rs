//! Properties of the in-memory endpoint state store under random sequences
//! of operations, checked against a plain model: the in-flight cap is
//! never exceeded and a slot is refused only at the cap; expired leases
//! free their slots; health saves are compare-and-set with versions going
//! up by one; rate tokens never exceed the limit per window.
#![allow(
    clippy::unwrap_used,
    reason = "strategies build values that are valid by construction; a failure is a bug to see"
)]

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::time::Duration;

use proptest::prelude::*;
use webhook_kit::Timestamp;
use webhook_kit::delivery::{
    EndpointId, EndpointStateStore, HealthPolicy, HealthRecord, MemoryEndpointState, Observation,
    RateLimit, RateToken, Saved, SlotLease,
};

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = f.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    /// Acquire a slot of endpoint `ep` with this lease in seconds.
    Acquire { ep: usize, lease: u64 },
    /// Release the n-th lease held (modulo), if any.
    Release { pick: usize },
    /// Let time pass.
    Advance { secs: u64 },
    /// Writer `writer` loads the health of `ep`.
    Load { ep: usize, writer: usize },
    /// Writer `writer` records a failure in its copy and saves it.
    Save { ep: usize, writer: usize },
    /// Take a rate token of `ep`.
    Token { ep: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize, 1..30u64).prop_map(|(ep, lease)| Op::Acquire { ep, lease }),
        any::<usize>().prop_map(|pick| Op::Release { pick }),
        (0..20u64).prop_map(|secs| Op::Advance { secs }),
        (0..3usize, 0..2usize).prop_map(|(ep, writer)| Op::Load { ep, writer }),
        (0..3usize, 0..2usize).prop_map(|(ep, writer)| Op::Save { ep, writer }),
        (0..3usize).prop_map(|ep| Op::Token { ep }),
    ]
}

proptest! {
    #[test]
    fn the_store_agrees_with_its_model(
        cap in 1..4u32,
        events in 1..4u32,
        ops in proptest::collection::vec(op(), 1..120),
    ) {
        let store = MemoryEndpointState::new(8);
        let ids: Vec<EndpointId> =
            (0..3).map(|i| EndpointId::new(format!("ep_{i}")).unwrap()).collect();
        let max = NonZeroU32::new(cap).unwrap();
        let limit = RateLimit::new(events, Duration::from_secs(10)).unwrap();
        let policy = HealthPolicy::default();

        let mut now = Timestamp::from_unix_seconds(1_000);
        // Model: leases held per endpoint; stored version per endpoint;
        // each writer's copy; tokens taken per (endpoint, window start).
        let mut held: Vec<(usize, SlotLease)> = Vec::new();
        let mut versions: HashMap<usize, u64> = HashMap::new();
        let mut copies: HashMap<(usize, usize), HealthRecord> = HashMap::new();
        let mut windows: HashMap<usize, (Timestamp, u32)> = HashMap::new();

        for op in ops {
            match op {
                Op::Acquire { ep, lease } => {
                    let live = held
                        .iter()
                        .filter(|(e, l)| *e == ep && l.expires_at() > now)
                        .count();
                    let got = block_on(store.acquire_slot(
                        &ids[ep],
                        max,
                        Duration::from_secs(lease),
                        now,
                    ))
                    .unwrap();
                    prop_assert_eq!(got.is_some(), live < cap as usize);
                    if let Some(slot) = got {
                        prop_assert_eq!(slot.expires_at(), now.saturating_add(Duration::from_secs(lease)));
                        prop_assert!(held.iter().all(|(_, l)| l.token() != slot.token()));
                        held.push((ep, slot));
                    }
                    let stored = store.live_slots(&ids[ep], now).unwrap();
                    prop_assert!(stored <= cap as usize);
                }
                Op::Release { pick } => {
                    if !held.is_empty() {
                        let (ep, slot) = held.remove(pick % held.len());
                        block_on(store.release_slot(&ids[ep], slot)).unwrap();
                    }
                }
                Op::Advance { secs } => {
                    now = now.saturating_add(Duration::from_secs(secs));
                    held.retain(|(_, l)| l.expires_at() > now);
                }
                Op::Load { ep, writer } => {
                    let record = block_on(store.load_health(&ids[ep])).unwrap();
                    prop_assert_eq!(record.version(), versions.get(&ep).copied().unwrap_or(0));
                    copies.insert((ep, writer), record);
                }
                Op::Save { ep, writer } => {
                    let mut copy = copies
                        .get(&(ep, writer))
                        .cloned()
                        .unwrap_or_default();
                    copy.health_mut().record(&policy, Observation::Failure, now);
                    let stored = versions.get(&ep).copied().unwrap_or(0);
                    match block_on(store.save_health(&ids[ep], &copy)).unwrap() {
                        Saved::Stored { version } => {
                            prop_assert_eq!(copy.version(), stored);
                            prop_assert_eq!(version, stored + 1);
                            versions.insert(ep, version);
                        }
                        Saved::Conflict { current } => {
                            prop_assert_ne!(copy.version(), stored);
                            prop_assert_eq!(current.version(), stored);
                        }
                        other => prop_assert!(false, "unexpected {:?}", other),
                    }
                    // The writer's copy is now stale or saved: it reloads next time.
                    copies.remove(&(ep, writer));
                }
                Op::Token { ep } => {
                    let (start, count) = match windows.get(&ep) {
                        Some(&(start, count))
                            if now < start.saturating_add(Duration::from_secs(10)) =>
                        {
                            (start, count)
                        }
                        _ => (now, 0),
                    };
                    let got = block_on(store.take_rate_token(&ids[ep], limit, now)).unwrap();
                    if count < events {
                        prop_assert_eq!(got, RateToken::Taken);
                        windows.insert(ep, (start, count + 1));
                    } else {
                        prop_assert_eq!(
                            got,
                            RateToken::WaitUntil(start.saturating_add(Duration::from_secs(10)))
                        );
                        windows.insert(ep, (start, count));
                    }
                }
            }
        }
    }
}
