//! Faults of the sender, the dispatcher and the endpoint state store under
//! pressure: a full dead-letter sink or state store, a slow shared store,
//! a short lease, a huge concurrency, a default header that names a
//! reqwest field, and a proxy that refuses the tunnel. Each test states
//! what the crate promises. Every server here is one the test starts on
//! 127.0.0.1.
#![cfg(feature = "sender")]
#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail the test on a broken fixture"
)]

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use webhook_kit::delivery::{
    Endpoint, EndpointId, EndpointUrl, Event, EventType, MemoryEndpointSource, MemoryEndpointState,
    OwnerId,
};
use webhook_kit::guard::AllowList;
use webhook_kit::retry::Preset;
use webhook_kit::send::reqwest::header::{HeaderMap, HeaderValue};
use webhook_kit::send::{Dispatcher, SenderBuilder};
use webhook_kit::sign::{MessageId, SigningSecret};
use webhook_kit::{Keyring, Timestamp};

const SECRET: [u8; 32] = [5; 32];

/// Reads one request head and its `Content-Length` body; `false` when the
/// peer went away first.
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        let Ok(n) = stream.read(&mut chunk).await else {
            return false;
        };
        if n == 0 {
            return false;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    let mut have = buf.len() - end - 4;
    while have < len {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => have += n,
        }
    }
    true
}

/// A receiver on 127.0.0.1 that holds each request for `hold`, then
/// answers `status`; counts requests, and the most held at once.
struct Receiver {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    most_at_once: Arc<AtomicUsize>,
}

async fn receiver(status: &'static str, hold: Duration) -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let most_at_once = Arc::new(AtomicUsize::new(0));
    let held = Arc::new(AtomicUsize::new(0));
    let (r, m) = (requests.clone(), most_at_once.clone());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (r, m, held) = (r.clone(), m.clone(), held.clone());
            tokio::spawn(async move {
                if !read_request(&mut stream).await {
                    return;
                }
                r.fetch_add(1, Ordering::SeqCst);
                let now = held.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(hold).await;
                held.fetch_sub(1, Ordering::SeqCst);
                let text =
                    format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                let _ = stream.write_all(text.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    Receiver {
        addr,
        requests,
        most_at_once,
    }
}

fn endpoint(id: &str, owner: &str, addr: SocketAddr) -> Endpoint {
    Endpoint::new(
        EndpointId::new(id).unwrap(),
        OwnerId::new(owner).unwrap(),
        EndpointUrl::parse(&format!("http://{addr}/hook")).unwrap(),
        Keyring::from(SigningSecret::from_random_bytes(&SECRET).unwrap()),
    )
    .unwrap()
}

fn event(owner: &str, n: usize, now: Timestamp) -> Event {
    Event::new(
        OwnerId::new(owner).unwrap(),
        EventType::new("order.created").unwrap(),
        MessageId::new(format!("msg_{owner}_{n}")).unwrap(),
        format!(r#"{{"n":{n}}}"#),
        now,
    )
}

/// A sender that may reach 127.0.0.1 only, with short timeouts.
fn loopback(timeout: Duration) -> SenderBuilder {
    SenderBuilder::new()
        .allow_list("127.0.0.1/32".parse::<AllowList>().unwrap())
        .connect_timeout(Duration::from_millis(500))
        .dns_timeout(Duration::from_millis(500))
        .timeout(timeout)
}

/// `build_with` refuses a builder only for `resolve`/`resolve_to_addrs` or
/// `unix_socket`, found in reqwest's `Debug` text, which also prints every
/// default header: a harmless header whose value (or name) happens to
/// spell one of the field names must not refuse a safe builder.
#[test]
fn a_default_header_that_names_a_reqwest_field_is_not_an_unsafe_client() {
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-deploy-note",
        HeaderValue::from_static("removed dns_overrides from config"),
    );
    let client = reqwest_builder().default_headers(headers);
    let built = loopback(Duration::from_secs(2)).build_with(client);
    assert!(
        built.is_ok(),
        "a builder with only a default header was refused: {}",
        built.err().map(|e| e.to_string()).unwrap_or_default()
    );
}

fn reqwest_builder() -> webhook_kit::send::reqwest::ClientBuilder {
    webhook_kit::send::reqwest::Client::builder()
}

/// `DispatcherBuilder::concurrency` clamps a large cap from configuration
/// to what Tokio's semaphore takes, rather than panicking when the
/// dispatcher is built.
#[test]
fn a_huge_concurrency_does_not_panic_the_builder() {
    let sender = loopback(Duration::from_secs(2)).build().unwrap();
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let d = Dispatcher::builder(sender).concurrency(usize::MAX).build();
        d.outstanding()
    }));
    assert!(
        built.is_ok(),
        "Dispatcher::build panicked on concurrency(usize::MAX)"
    );
}

/// A 410 disables the endpoint: later jobs are dead-lettered without being
/// sent, even when the in-memory state store is full of other endpoints
/// (it forgets an idle one to make room).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_410_disables_the_endpoint_even_when_the_state_store_is_full() {
    // Capacity 16, room to spare; capacity 1, taken by an earlier endpoint.
    for capacity in [16, 1] {
        let ok = receiver("200 OK", Duration::ZERO).await;
        let gone = receiver("410 Gone", Duration::ZERO).await;
        let source = Arc::new(MemoryEndpointSource::new());
        source.insert(endpoint("ep_old", "old", ok.addr)).unwrap();
        source
            .insert(endpoint("ep_gone", "new", gone.addr))
            .unwrap();
        let dispatcher = Dispatcher::builder(loopback(Duration::from_secs(2)).build().unwrap())
            .policy(Preset::Short.policy())
            .source(source)
            .endpoint_state(Arc::new(MemoryEndpointState::new(capacity)))
            .poll_interval(Duration::from_millis(5))
            .build();

        let now = Timestamp::now();
        dispatcher.submit(&event("old", 0, now), now).await.unwrap();
        assert_eq!(dispatcher.run_until_idle(Duration::from_secs(5)).await, 0);
        assert_eq!(ok.requests.load(Ordering::SeqCst), 1);

        for n in 0..3 {
            let now = Timestamp::now();
            dispatcher.submit(&event("new", n, now), now).await.unwrap();
            assert_eq!(dispatcher.run_until_idle(Duration::from_secs(5)).await, 0);
        }
        let sent = gone.requests.load(Ordering::SeqCst);
        assert_eq!(
            sent, 1,
            "capacity {capacity}: an endpoint that answered 410 got {sent} requests"
        );
        let health = dispatcher
            .health(&EndpointId::new("ep_gone").unwrap())
            .await
            .unwrap();
        assert!(
            health.is_some_and(|h| h.disabled().is_some()),
            "capacity {capacity}: the 410 did not disable the endpoint"
        );
    }
}

/// The in-flight cap is a slot leased for the dispatcher's job lease. A
/// lease shorter than the sender's deadline is raised, so neither the slot
/// nor the job's lease expires while the attempt still runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_flight_cap_holds_whatever_lease_the_builder_accepted() {
    let slow = receiver("200 OK", Duration::from_millis(1200)).await;
    let source = Arc::new(MemoryEndpointSource::new());
    source
        .insert(
            endpoint("ep_capped", "acme", slow.addr)
                .with_max_in_flight(NonZeroU32::new(1).unwrap()),
        )
        .unwrap();
    let dispatcher = Dispatcher::builder(loopback(Duration::from_secs(3)).build().unwrap())
        .policy(Preset::Short.policy())
        .source(source)
        .lease(Duration::from_millis(200))
        .poll_interval(Duration::from_millis(5))
        .build();
    let now = Timestamp::now();
    for n in 0..3 {
        dispatcher
            .submit(&event("acme", n, now), now)
            .await
            .unwrap();
    }
    let _ = dispatcher.run_until_idle(Duration::from_secs(4)).await;
    let most = slow.most_at_once.load(Ordering::SeqCst);
    assert!(most >= 1, "nothing reached the receiver");
    assert!(
        most <= 1,
        "{most} requests in flight at once to an endpoint capped at 1"
    );
}

/// A delivery whose last attempt failed, when the dead-letter store is
/// full, stays in the queue, never lost, but is never sent again past the
/// policy's attempt limit: only its dead-letter write is retried, after a
/// delay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_that_cannot_be_stored_is_not_resent_in_a_hot_loop() {
    let first = receiver("500 Internal Server Error", Duration::ZERO).await;
    let second = receiver("500 Internal Server Error", Duration::ZERO).await;
    let source = Arc::new(MemoryEndpointSource::new());
    source
        .insert(endpoint("ep_first", "first", first.addr))
        .unwrap();
    source
        .insert(endpoint("ep_second", "second", second.addr))
        .unwrap();
    let dispatcher = Dispatcher::builder(loopback(Duration::from_secs(2)).build().unwrap())
        .policy(Preset::Short.policy())
        .source(source)
        // Room for one letter: the first delivery's.
        .dead_letters(Arc::new(webhook_kit::delivery::MemoryDeadLetters::new(1)))
        .poll_interval(Duration::from_millis(10))
        .build();

    let now = Timestamp::now();
    dispatcher
        .submit(&event("first", 0, now), now)
        .await
        .unwrap();
    assert_eq!(dispatcher.run_until_idle(Duration::from_secs(10)).await, 0);
    let limit = Preset::Short.max_attempts() as usize;
    assert_eq!(first.requests.load(Ordering::SeqCst), limit);

    let now = Timestamp::now();
    dispatcher
        .submit(&event("second", 0, now), now)
        .await
        .unwrap();
    let _ = dispatcher.run_until_idle(Duration::from_secs(3)).await;
    let sent = second.requests.load(Ordering::SeqCst);
    assert!(
        sent <= limit,
        "a policy of {limit} attempts sent {sent} requests in 3 s"
    );
}

/// A state store with a network round trip per call, as a shared store
/// (Redis, PostgreSQL) has; otherwise the in-memory one.
struct RoundTrip(MemoryEndpointState, Duration);

impl webhook_kit::delivery::EndpointStateStore for RoundTrip {
    async fn load_health(
        &self,
        endpoint: &EndpointId,
    ) -> Result<webhook_kit::delivery::HealthRecord, webhook_kit::delivery::StoreError> {
        tokio::time::sleep(self.1).await;
        self.0.load_health(endpoint).await
    }

    async fn save_health(
        &self,
        endpoint: &EndpointId,
        record: &webhook_kit::delivery::HealthRecord,
    ) -> Result<webhook_kit::delivery::Saved, webhook_kit::delivery::StoreError> {
        tokio::time::sleep(self.1).await;
        self.0.save_health(endpoint, record).await
    }

    async fn acquire_slot(
        &self,
        endpoint: &EndpointId,
        max: NonZeroU32,
        lease: Duration,
        now: Timestamp,
    ) -> Result<Option<webhook_kit::delivery::SlotLease>, webhook_kit::delivery::StoreError> {
        tokio::time::sleep(self.1).await;
        self.0.acquire_slot(endpoint, max, lease, now).await
    }

    async fn release_slot(
        &self,
        endpoint: &EndpointId,
        lease: webhook_kit::delivery::SlotLease,
    ) -> Result<(), webhook_kit::delivery::StoreError> {
        tokio::time::sleep(self.1).await;
        self.0.release_slot(endpoint, lease).await
    }

    async fn take_rate_token(
        &self,
        endpoint: &EndpointId,
        limit: webhook_kit::delivery::RateLimit,
        now: Timestamp,
    ) -> Result<webhook_kit::delivery::RateToken, webhook_kit::delivery::StoreError> {
        tokio::time::sleep(self.1).await;
        self.0.take_rate_token(endpoint, limit, now).await
    }
}

/// Each health change is applied by the store atomically, so concurrent
/// outcomes are all counted, even with a store whose calls take time (its
/// `apply_health` is the trait's default compare-and-set loop, which
/// retries until stored): a lost 410 or failure would leave the endpoint
/// enabled or its breaker closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_outcomes_are_all_counted_with_a_store_that_has_latency() {
    // A store whose calls only yield to the runtime, and one with a 1 ms
    // round trip.
    for latency in [Duration::ZERO, Duration::from_millis(1)] {
        let ok = receiver("200 OK", Duration::ZERO).await;
        let source = Arc::new(MemoryEndpointSource::new());
        source.insert(endpoint("ep_busy", "acme", ok.addr)).unwrap();
        let store = Arc::new(RoundTrip(MemoryEndpointState::new(16), latency));
        let policy = webhook_kit::delivery::HealthPolicy::default();
        let dispatcher = Dispatcher::builder(loopback(Duration::from_secs(3)).build().unwrap())
            .policy(Preset::Short.policy())
            .health_policy(policy)
            .source(source)
            .endpoint_state(store)
            .poll_interval(Duration::from_millis(5))
            .build();
        let now = Timestamp::now();
        let total = 64;
        for n in 0..total {
            dispatcher
                .submit(&event("acme", n, now), now)
                .await
                .unwrap();
        }
        assert_eq!(dispatcher.run_until_idle(Duration::from_secs(20)).await, 0);
        assert_eq!(ok.requests.load(Ordering::SeqCst), total);
        let health = dispatcher
            .health(&EndpointId::new("ep_busy").unwrap())
            .await
            .unwrap()
            .unwrap();
        let (successes, failures) = health.window_counts(&policy, Timestamp::now());
        assert_eq!(
            (successes as usize, failures),
            (total, 0),
            "{latency:?} round trip: {total} successful attempts, {successes} counted"
        );
    }
}

/// Through an egress proxy, an https target's tunnel refused by the proxy
/// (`407 Proxy Authentication Required` to the `CONNECT`) never reached
/// the endpoint and never began TLS: it is not a TLS failure of the
/// endpoint.
#[tokio::test]
async fn a_tunnel_the_proxy_refuses_is_not_a_tls_failure_of_the_endpoint() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = client.read(&mut buf).await;
            let _ = client
                .write_all(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                      proxy-authenticate: Basic\r\ncontent-length: 0\r\n\r\n",
                )
                .await;
        }
    });
    let sender = SenderBuilder::new()
        .allow_list("127.0.0.2/32".parse::<AllowList>().unwrap())
        .connect_timeout(Duration::from_millis(500))
        .dns_timeout(Duration::from_millis(500))
        .timeout(Duration::from_millis(900))
        .proxy(
            webhook_kit::send::EgressProxy::new(&format!("http://127.0.0.1:{}", proxy.port()))
                .unwrap(),
        )
        .build()
        .unwrap();
    let ep = Endpoint::new(
        EndpointId::new("ep_tls").unwrap(),
        OwnerId::new("acme").unwrap(),
        EndpointUrl::parse("https://127.0.0.2:8443/hook").unwrap(),
        Keyring::from(SigningSecret::from_random_bytes(&SECRET).unwrap()),
    )
    .unwrap();
    let now = Timestamp::now();
    let job = webhook_kit::delivery::FanOut::new(&Preset::Short.policy())
        .jobs(&event("acme", 0, now), [&ep], now)
        .unwrap()
        .remove(0);
    let report = sender.attempt(&ep, &job, now).await.unwrap();
    assert_ne!(
        report.result(),
        webhook_kit::retry::AttemptResult::Transport(webhook_kit::retry::TransportError::Tls),
        "{:?}",
        report.error_message()
    );
}

/// A proxy on 127.0.0.1 that answers every request with `407` and counts
/// them.
async fn demanding_proxy() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                if read_request(&mut client).await {
                    count.fetch_add(1, Ordering::SeqCst);
                }
                let _ = client
                    .write_all(
                        b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                          proxy-authenticate: Basic\r\ncontent-length: 0\r\n\
                          connection: close\r\n\r\n",
                    )
                    .await;
                let _ = client.shutdown().await;
            });
        }
    });
    (addr, seen)
}

fn through(proxy: SocketAddr) -> SenderBuilder {
    loopback(Duration::from_millis(900))
        .allow_list("127.0.0.2/32".parse::<AllowList>().unwrap())
        .proxy(
            webhook_kit::send::EgressProxy::new(&format!("http://127.0.0.1:{}", proxy.port()))
                .unwrap(),
        )
}

/// For an http target the proxy's `407` is the answer to the request
/// itself; an unreachable proxy is a refused connection. Both are the
/// proxy's failures, not the endpoint's.
#[tokio::test]
async fn a_proxy_407_or_an_unreachable_proxy_is_a_proxy_failure() {
    let (proxy, seen) = demanding_proxy().await;
    let ep = endpoint("ep_http", "acme", "127.0.0.2:8080".parse().unwrap());
    let now = Timestamp::now();
    let job = webhook_kit::delivery::FanOut::new(&Preset::Short.policy())
        .jobs(&event("acme", 0, now), [&ep], now)
        .unwrap()
        .remove(0);
    let proxy_failure =
        webhook_kit::retry::AttemptResult::Transport(webhook_kit::retry::TransportError::Proxy);
    let report = through(proxy)
        .build()
        .unwrap()
        .attempt(&ep, &job, now)
        .await
        .unwrap();
    assert_eq!(
        report.result(),
        proxy_failure,
        "{:?}",
        report.error_message()
    );
    assert_eq!(seen.load(Ordering::SeqCst), 1);

    // A port nothing listens on: bind one, then free it.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gone = closed.local_addr().unwrap();
    drop(closed);
    let report = through(gone)
        .build()
        .unwrap()
        .attempt(&ep, &job, now)
        .await
        .unwrap();
    assert_eq!(
        report.result(),
        proxy_failure,
        "{:?}",
        report.error_message()
    );
}

/// A proxy failure does not spend the delivery's attempts nor count
/// against the endpoint's health: the job waits for the proxy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_failure_is_not_counted_against_the_endpoint() {
    let (proxy, seen) = demanding_proxy().await;
    let source = Arc::new(MemoryEndpointSource::new());
    source
        .insert(endpoint(
            "ep_behind",
            "acme",
            "127.0.0.2:8080".parse().unwrap(),
        ))
        .unwrap();
    let log = Arc::new(webhook_kit::delivery::MemoryAttemptLog::new(16));
    let dispatcher = Dispatcher::builder(through(proxy).build().unwrap())
        .policy(Preset::Short.policy())
        .source(source)
        .attempt_log(log.clone())
        .unavailable_delay(Duration::from_secs(5))
        .poll_interval(Duration::from_millis(5))
        .build();
    let now = Timestamp::now();
    dispatcher
        .submit(&event("acme", 0, now), now)
        .await
        .unwrap();
    // Still outstanding: deferred by the unavailable delay, not spent.
    assert_eq!(dispatcher.run_until_idle(Duration::from_secs(1)).await, 1);
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    let health = dispatcher
        .health(&EndpointId::new("ep_behind").unwrap())
        .await
        .unwrap();
    assert_eq!(health, None, "the endpoint's health was touched");
    let records = log.len().unwrap();
    assert_eq!(records, 1, "the proxy failure is logged");
}
