//! Heap bytes per job held by the in-memory job queue, measured with a
//! counting allocator (live bytes, per thread): the job itself (ids, event
//! type and a small payload) and the queue's own bookkeeping for it.
//! `BENCHMARKS.md` quotes the printed figures; run with `--nocapture`.
#![allow(
    unsafe_code,
    reason = "a counting global allocator needs `unsafe impl GlobalAlloc`"
)]
#![allow(clippy::unwrap_used, missing_docs)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;

use webhook_kit::delivery::{DeliveryId, DeliveryJob, EndpointId, JobQueue, MemoryJobQueue};
use webhook_kit::sign::MessageId;
use webhook_kit::{FixedClock, Timestamp};

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

fn add(delta: isize) {
    // `try_with`: the thread-local may already be gone while a thread exits.
    let _ = LIVE.try_with(|n| n.set(n.get() + delta));
}

fn size(bytes: usize) -> isize {
    isize::try_from(bytes).unwrap_or(isize::MAX)
}

// SAFETY: every method forwards to `System` unchanged; counting touches only
// a const-initialised thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add(size(layout.size()));
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        add(size(layout.size()));
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        add(size(new_size) - size(layout.size()));
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add(-size(layout.size()));
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE.with(Cell::get)
}

fn ready<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => panic!("in-memory futures are ready at once"),
    }
}

/// A job as the fan-out makes it: `msg_<n>` to `ep_1`, a 2-byte JSON payload.
fn job(message: usize) -> DeliveryJob {
    let msg = MessageId::new(format!("msg_{message:08}")).unwrap();
    let id = DeliveryId::derive(&msg, &EndpointId::new("ep_1").unwrap());
    let json = format!(
        r#"{{"schema_version":1,"delivery_id":"{id}","message_id":"msg_{message:08}",
        "endpoint_id":"ep_1","owner_id":"app_1","event_type":"invoice.paid","payload":"e30=",
        "created_at":0,"attempt":1,"first_attempt_at":0,"next_attempt_at":0,
        "deadline":604800000,"trigger":"scheduled","previous_delay_ns":null}}"#
    );
    serde_json::from_str(&json).unwrap()
}

#[test]
fn bytes_per_queued_job() {
    const JOBS: usize = 20_000;
    let queue = MemoryJobQueue::new(JOBS, FixedClock(Timestamp::from_unix_seconds(0)));

    let start = live();
    let jobs: Vec<DeliveryJob> = (0..JOBS).map(job).collect();
    let with_jobs = live();
    // The vector holding the jobs is freed as they move into the queue.
    let vector = size(jobs.capacity() * std::mem::size_of::<DeliveryJob>());
    for job in jobs {
        ready(queue.enqueue(job, Timestamp::from_unix_seconds(0))).unwrap();
    }
    let queued = live();
    assert_eq!(queue.len().unwrap(), JOBS);

    let per = |bytes: isize| bytes / size(JOBS);
    let job_heap = per(with_jobs - start - vector);
    let total = per(queued - start);
    println!(
        "in-memory job queue: {total} heap bytes per queued job ({job_heap} of them the job's \
         own strings and payload, {} the queue's bookkeeping; size_of::<DeliveryJob>() = {})",
        total - job_heap,
        std::mem::size_of::<DeliveryJob>()
    );
    // The job owns its strings, so it costs more than nothing, and a small
    // job must stay well under a kilobyte of bookkeeping.
    assert!(job_heap > 0, "{job_heap}");
    assert!(total > job_heap, "{total} vs {job_heap}");
    assert!(total < 2048, "{total} bytes per queued job");
}
