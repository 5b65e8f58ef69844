//! The dispatcher against loopback receivers with random faults: every
//! delivery ends delivered or dead-lettered, every attempt is logged, and
//! receivers see the same id and body, correctly signed, on every attempt.
#![cfg(feature = "sender")]
#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail the test on a broken fixture"
)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use webhook_kit::delivery::{
    AttemptLog, DeadLetter, DeadLetterSink, DeliveryId, DeliveryJob, Endpoint, EndpointId,
    EndpointUrl, ErrorKind, Event, EventType, HealthPolicy, MemoryAttemptLog, MemoryDeadLetters,
    MemoryEndpointSource, MemoryEndpointState, OwnerId, Trigger,
};
use webhook_kit::guard::AllowList;
use webhook_kit::retry::{Decision, Preset};
use webhook_kit::send::{DispatchHooks, Dispatcher, Sender};
use webhook_kit::sign::{MessageId, SigningSecret};
use webhook_kit::{
    KeyFormat, Keyring, Provider, Request, SecretEncoding, SignedHeaders, Timestamp, VerifierConfig,
};

const SECRET: [u8; 32] = [9; 32];

/// How a receiver answers.
#[derive(Clone, Copy, Debug)]
enum Fault {
    Ok,
    Error,
    Throttle,
    Hang,
    Reset,
    Gone,
}

/// Bodies per (endpoint, webhook-id), one per request.
type Bodies = HashMap<(String, String), Vec<Vec<u8>>>;

/// What the receivers saw.
#[derive(Default)]
struct Seen {
    /// (endpoint, webhook-id) -> bodies, one per request.
    bodies: Mutex<Bodies>,
    requests: AtomicUsize,
    unverified: AtomicUsize,
    /// Answers other than a 200.
    faults: AtomicUsize,
}

/// A small deterministic generator, so a failing run can be repeated.
struct Dice(AtomicU64);

impl Dice {
    fn roll(&self, sides: u64) -> u64 {
        let mut x = self.0.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::SeqCst);
        x ^= x >> 30;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x ^= x >> 27;
        x % sides
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<(Vec<(String, String)>, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let head = String::from_utf8(buf[..end].to_vec()).ok()?;
    let headers: Vec<(String, String)> = head
        .split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = buf[end + 4..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some((headers, body))
}

fn verifies(headers: &[(String, String)], body: &[u8]) -> bool {
    let config = VerifierConfig::new().with_key(
        SigningSecret::from_random_bytes(&SECRET)
            .unwrap()
            .to_whsec(),
        KeyFormat::Secret(SecretEncoding::WhsecBase64),
    );
    let signed = headers.iter().fold(SignedHeaders::default(), |h, (n, v)| {
        h.with_header(n.clone(), v.clone())
    });
    Provider::StandardWebhooks
        .verifier(&config)
        .unwrap()
        .verify_request(&Request::new(&signed, body), Timestamp::now())
        .is_ok()
}

/// A receiver on `ip` whose answers are drawn from `faults`.
async fn receiver(ip: &str, name: &'static str, faults: Vec<Fault>, seen: Arc<Seen>) -> SocketAddr {
    let listener = TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let dice = Arc::new(Dice(AtomicU64::new(name.len() as u64 * 7919)));
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (seen, dice, faults) = (seen.clone(), dice.clone(), faults.clone());
            tokio::spawn(async move {
                let Some((headers, body)) = read_request(&mut stream).await else {
                    return;
                };
                seen.requests.fetch_add(1, Ordering::SeqCst);
                if !verifies(&headers, &body) {
                    seen.unverified.fetch_add(1, Ordering::SeqCst);
                }
                let id = headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("webhook-id"))
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                seen.bodies
                    .lock()
                    .unwrap()
                    .entry((name.to_owned(), id))
                    .or_default()
                    .push(body);

                let fault = faults[dice.roll(faults.len() as u64) as usize];
                if !matches!(fault, Fault::Ok) {
                    seen.faults.fetch_add(1, Ordering::SeqCst);
                }
                let answer = |status: &str, extra: &str| {
                    format!(
                        "HTTP/1.1 {status}\r\n{extra}content-length: 2\r\nconnection: close\r\n\r\nok"
                    )
                };
                let text = match fault {
                    Fault::Ok => answer("200 OK", ""),
                    Fault::Error => answer("500 Internal Server Error", ""),
                    Fault::Throttle => answer("429 Too Many Requests", "retry-after: 1\r\n"),
                    Fault::Gone => answer("410 Gone", ""),
                    Fault::Hang => {
                        tokio::time::sleep(Duration::from_secs(2)).await;
                        return;
                    }
                    Fault::Reset => {
                        stream.set_zero_linger().unwrap();
                        drop(stream);
                        return;
                    }
                };
                let _ = stream.write_all(text.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    addr
}

/// Counts how each delivery ended.
#[derive(Default)]
struct Endings {
    delivered: Mutex<HashMap<DeliveryId, usize>>,
    dead: Mutex<HashMap<DeliveryId, usize>>,
}

impl DispatchHooks for Endings {
    fn on_delivered(&self, job: &DeliveryJob) {
        *self
            .delivered
            .lock()
            .unwrap()
            .entry(job.delivery_id().clone())
            .or_default() += 1;
    }

    fn on_exhausted(&self, letter: &DeadLetter) {
        *self
            .dead
            .lock()
            .unwrap()
            .entry(letter.job().delivery_id().clone())
            .or_default() += 1;
    }
}

fn endpoint(id: &str, url: &str) -> Endpoint {
    Endpoint::new(
        EndpointId::new(id).unwrap(),
        OwnerId::new("acme").unwrap(),
        EndpointUrl::parse(url).unwrap(),
        Keyring::from(SigningSecret::from_random_bytes(&SECRET).unwrap()),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_delivery_ends_and_every_attempt_is_logged() {
    let started = Instant::now();
    let seen = Arc::new(Seen::default());
    use Fault::*;
    let ok = receiver("127.0.0.1", "ok", vec![Ok], seen.clone()).await;
    let flaky = receiver(
        "127.0.0.1",
        "flaky",
        vec![Ok, Error, Throttle, Hang, Reset, Ok],
        seen.clone(),
    )
    .await;
    let broken = receiver(
        "127.0.0.1",
        "broken",
        vec![Error, Reset, Hang],
        seen.clone(),
    )
    .await;
    let gone = receiver("127.0.0.1", "gone", vec![Gone], seen.clone()).await;
    // Loopback, but outside the allow-list: must never be reached.
    let forbidden_seen = Arc::new(Seen::default());
    let forbidden = receiver("127.0.0.2", "forbidden", vec![Ok], forbidden_seen.clone()).await;

    let source = Arc::new(MemoryEndpointSource::new());
    for (id, addr) in [
        ("ok", ok),
        ("flaky", flaky),
        ("broken", broken),
        ("gone", gone),
        ("forbidden", forbidden),
    ] {
        let url = format!("http://{addr}/hook");
        source.insert(endpoint(id, &url)).unwrap();
    }

    let sender = Sender::builder()
        .allow_list("127.0.0.1/32".parse::<AllowList>().unwrap())
        .connect_timeout(Duration::from_millis(200))
        .dns_timeout(Duration::from_millis(200))
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let log = Arc::new(MemoryAttemptLog::new(100_000));
    let dead = Arc::new(MemoryDeadLetters::new(100_000));
    let endings = Arc::new(Endings::default());
    let dispatcher = Dispatcher::builder(sender)
        .policy(
            Preset::Short
                .policy()
                .with_max_age(Duration::from_secs(4))
                .unwrap(),
        )
        .health_policy(
            HealthPolicy::default()
                .with_open_for(Duration::from_millis(300))
                .unwrap(),
        )
        .source(source.clone())
        .attempt_log(log.clone())
        .dead_letters(dead.clone())
        .hooks(endings.clone())
        .concurrency(16)
        .lease(Duration::from_secs(5))
        .poll_interval(Duration::from_millis(10))
        .unavailable_delay(Duration::from_millis(100))
        .build();

    let mut payloads = HashMap::new();
    let mut deliveries = Vec::new();
    let now = Timestamp::now();
    for i in 0..40 {
        let message = format!("msg_{i:03}");
        let body = format!(r#"{{"type":"order.created","n":{i}}}"#);
        let event = Event::new(
            OwnerId::new("acme").unwrap(),
            EventType::new("order.created").unwrap(),
            MessageId::new(&message).unwrap(),
            body.clone(),
            now,
        );
        let submitted = dispatcher.submit(&event, now).await.unwrap();
        assert_eq!(submitted.queued.len(), 5);
        deliveries.extend(submitted.queued);
        payloads.insert(message, body.into_bytes());
    }
    assert_eq!(dispatcher.outstanding(), 200);

    let left = dispatcher.run_until_idle(Duration::from_secs(9)).await;
    assert_eq!(left, 0, "deliveries outstanding");

    // None lost, none ended twice.
    let delivered = endings.delivered.lock().unwrap().clone();
    let dead_map = endings.dead.lock().unwrap().clone();
    for id in &deliveries {
        let ends = delivered.get(id).copied().unwrap_or(0) + dead_map.get(id).copied().unwrap_or(0);
        assert_eq!(ends, 1, "delivery {id:?} ended {ends} times");
    }
    assert!(!delivered.is_empty());
    assert!(!dead_map.is_empty());

    // Every request a receiver saw is an attempt in the log, and the log's
    // last record agrees with how the delivery ended.
    let mut logged_sent = 0usize;
    for id in &deliveries {
        let records = log.attempts(id).await.unwrap();
        let last = records.last();
        if delivered.contains_key(id) {
            assert_eq!(last.unwrap().decision(), Decision::Delivered);
        }
        for r in &records {
            if r.error_kind() != Some(ErrorKind::Blocked) {
                logged_sent += 1;
                if let Some(ip) = r.connected_addr() {
                    assert_eq!(ip.to_string(), "127.0.0.1");
                }
            }
        }
    }
    assert_eq!(seen.requests.load(Ordering::SeqCst), logged_sent);
    assert_eq!(seen.unverified.load(Ordering::SeqCst), 0);

    // Same body under the same webhook-id on every attempt.
    for ((_, id), bodies) in seen.bodies.lock().unwrap().iter() {
        let expected = &payloads[id];
        assert!(bodies.iter().all(|b| b == expected), "{id}");
    }

    // The forbidden receiver was never reached, and its deliveries are dead.
    assert_eq!(forbidden_seen.requests.load(Ordering::SeqCst), 0);
    let blocked = dead
        .dead_since(&EndpointId::new("forbidden").unwrap(), now, 1000)
        .await
        .unwrap();
    assert_eq!(blocked.len(), 40);

    // The gone endpoint was disabled and all its deliveries dead-lettered.
    let gone_dead = dead
        .dead_since(&EndpointId::new("gone").unwrap(), now, 1000)
        .await
        .unwrap();
    assert_eq!(gone_dead.len(), 40);
    assert!(
        dispatcher
            .health(&EndpointId::new("gone").unwrap())
            .await
            .unwrap()
            .unwrap()
            .disabled()
            .is_some()
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    let mut attempts = 0usize;
    for id in &deliveries {
        attempts += log.attempts(id).await.unwrap().len();
    }
    let lost = deliveries
        .iter()
        .filter(|id| !delivered.contains_key(*id) && !dead_map.contains_key(*id))
        .count();
    println!(
        "invariant: events=40 endpoints=5 deliveries={} faults_injected={} attempts={} \
         requests_seen={} delivered={} dead_lettered={} lost={lost}",
        deliveries.len(),
        seen.faults.load(Ordering::SeqCst),
        attempts,
        seen.requests.load(Ordering::SeqCst),
        delivered.len(),
        dead_map.len(),
    );
    assert_eq!(lost, 0);
}

/// A receiver that answers 503 until `up` is set, after `delay`.
async fn switchable(up: Arc<AtomicBool>, delay: Duration, seen: Arc<Seen>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (up, seen) = (up.clone(), seen.clone());
            tokio::spawn(async move {
                if read_request(&mut stream).await.is_none() {
                    return;
                }
                seen.requests.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                let status = if up.load(Ordering::SeqCst) {
                    "200 OK"
                } else {
                    "503 Service Unavailable"
                };
                let text =
                    format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                let _ = stream.write_all(text.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    addr
}

fn small_dispatcher(
    addr: SocketAddr,
    endings: Arc<Endings>,
    log: Arc<MemoryAttemptLog>,
    dead: Arc<MemoryDeadLetters>,
) -> Dispatcher {
    let source = Arc::new(MemoryEndpointSource::new());
    source
        .insert(endpoint("ep", &format!("http://{addr}/hook")))
        .unwrap();
    let sender = Sender::builder()
        .allow_list("127.0.0.1/32".parse::<AllowList>().unwrap())
        .connect_timeout(Duration::from_millis(500))
        .dns_timeout(Duration::from_millis(500))
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    Dispatcher::builder(sender)
        .policy(Preset::Short.policy())
        .source(source)
        .attempt_log(log)
        .dead_letters(dead)
        .hooks(endings)
        .poll_interval(Duration::from_millis(10))
        .build()
}

fn event(i: usize, now: Timestamp) -> Event {
    Event::new(
        OwnerId::new("acme").unwrap(),
        EventType::new("order.created").unwrap(),
        MessageId::new(format!("msg_{i}")).unwrap(),
        format!(r#"{{"n":{i}}}"#),
        now,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_redelivered_and_recovered() {
    let up = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Seen::default());
    let addr = switchable(up.clone(), Duration::ZERO, seen.clone()).await;
    let endings = Arc::new(Endings::default());
    let log = Arc::new(MemoryAttemptLog::new(10_000));
    let dead = Arc::new(MemoryDeadLetters::new(10_000));
    let dispatcher = small_dispatcher(addr, endings.clone(), log.clone(), dead.clone());

    let start = Timestamp::now();
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.extend(
            dispatcher
                .submit(&event(i, start), start)
                .await
                .unwrap()
                .queued,
        );
    }
    assert_eq!(dispatcher.run_until_idle(Duration::from_secs(15)).await, 0);
    assert_eq!(dead.len().unwrap(), 3);
    assert!(endings.delivered.lock().unwrap().is_empty());

    // The receiver is fixed: one manual redelivery, then the rest recovered.
    up.store(true, Ordering::SeqCst);
    let endpoint = EndpointId::new("ep").unwrap();
    let now = Timestamp::now();
    assert_eq!(
        dispatcher.recover(&endpoint, start, 2, now).await.unwrap(),
        2
    );
    let left: Vec<DeliveryId> = ids
        .iter()
        .filter(|id| !endings.delivered.lock().unwrap().contains_key(*id) && dead_holds(&dead, id))
        .cloned()
        .collect();
    assert_eq!(left.len(), 1);
    assert!(dispatcher.redeliver(&left[0], now).await.unwrap());
    assert!(!dispatcher.redeliver(&left[0], now).await.unwrap());
    assert_eq!(dispatcher.outstanding(), 3);

    assert_eq!(dispatcher.run_until_idle(Duration::from_secs(5)).await, 0);
    assert_eq!(dead.len().unwrap(), 0);
    let delivered = endings.delivered.lock().unwrap().clone();
    for id in &ids {
        assert_eq!(delivered.get(id), Some(&1));
        let records = log.attempts(id).await.unwrap();
        let last = records.last().unwrap();
        assert_eq!(last.decision(), Decision::Delivered);
        assert_ne!(last.trigger(), Trigger::Scheduled);
    }
    let logged: usize = {
        let mut n = 0;
        for id in &ids {
            n += log.attempts(id).await.unwrap().len();
        }
        n
    };
    assert_eq!(logged, seen.requests.load(Ordering::SeqCst));
}

/// Whether the dead-letter store holds `id` (read without taking it).
fn dead_holds(dead: &MemoryDeadLetters, id: &DeliveryId) -> bool {
    let endpoint = EndpointId::new("ep").unwrap();
    let list = block_on(dead.dead_since(&endpoint, Timestamp::from_unix_seconds(0), 1000));
    list.unwrap().iter().any(|l| l.job().delivery_id() == id)
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = f.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_attempts_in_flight_finish() {
    let up = Arc::new(AtomicBool::new(true));
    let seen = Arc::new(Seen::default());
    let addr = switchable(up, Duration::from_millis(400), seen.clone()).await;
    let endings = Arc::new(Endings::default());
    let log = Arc::new(MemoryAttemptLog::new(10_000));
    let dead = Arc::new(MemoryDeadLetters::new(10_000));
    let dispatcher = small_dispatcher(addr, endings.clone(), log.clone(), dead);

    let now = Timestamp::now();
    for i in 0..4 {
        dispatcher.submit(&event(i, now), now).await.unwrap();
    }
    let started = Instant::now();
    dispatcher
        .run(tokio::time::sleep(Duration::from_millis(100)))
        .await;

    // The loop stopped claiming at 100 ms but waited for the four answers.
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(seen.requests.load(Ordering::SeqCst), 4);
    assert_eq!(endings.delivered.lock().unwrap().len(), 4);
    assert_eq!(dispatcher.outstanding(), 0);
    assert_eq!(log.len().unwrap(), 4);
}

/// A receiver that holds each request for `hold` before a 200, and counts
/// the requests it holds at once (now and at most).
async fn slow_receiver(hold: Duration, now: Arc<AtomicUsize>, max: Arc<AtomicUsize>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (now, max) = (now.clone(), max.clone());
            tokio::spawn(async move {
                if read_request(&mut stream).await.is_none() {
                    return;
                }
                let held = now.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(held, Ordering::SeqCst);
                tokio::time::sleep(hold).await;
                now.fetch_sub(1, Ordering::SeqCst);
                let text = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
                let _ = stream.write_all(text.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_dispatchers_sharing_a_state_store_keep_the_in_flight_cap() {
    let (held, max_held) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let addr = slow_receiver(Duration::from_millis(150), held, max_held.clone()).await;
    let capped = endpoint("ep", &format!("http://{addr}/hook"))
        .with_max_in_flight(std::num::NonZeroU32::new(2).unwrap());
    let store = Arc::new(MemoryEndpointState::new(16));

    let make = |store: Arc<MemoryEndpointState>, endings: Arc<Endings>| {
        let source = Arc::new(MemoryEndpointSource::new());
        source.insert(capped.clone()).unwrap();
        let sender = Sender::builder()
            .allow_list("127.0.0.1/32".parse::<AllowList>().unwrap())
            .timeout(Duration::from_secs(2))
            .connect_timeout(Duration::from_millis(500))
            .dns_timeout(Duration::from_millis(500))
            .build()
            .unwrap();
        // Each has its own queue; only the endpoint state is shared.
        Dispatcher::builder(sender)
            .policy(Preset::Short.policy())
            .source(source)
            .endpoint_state(store)
            .hooks(endings)
            .concurrency(8)
            .poll_interval(Duration::from_millis(5))
            .build()
    };
    let (ends_a, ends_b) = (Arc::new(Endings::default()), Arc::new(Endings::default()));
    let a = make(store.clone(), ends_a.clone());
    let b = make(store.clone(), ends_b.clone());

    let now = Timestamp::now();
    for i in 0..8 {
        a.submit(&event(i, now), now).await.unwrap();
        b.submit(&event(100 + i, now), now).await.unwrap();
    }
    let (left_a, left_b) = tokio::join!(
        a.run_until_idle(Duration::from_secs(20)),
        b.run_until_idle(Duration::from_secs(20))
    );
    assert_eq!((left_a, left_b), (0, 0));
    assert_eq!(ends_a.delivered.lock().unwrap().len(), 8);
    assert_eq!(ends_b.delivered.lock().unwrap().len(), 8);
    let max = max_held.load(Ordering::SeqCst);
    println!("shared store: 16 deliveries, cap 2, most held at once by the receiver = {max}");
    assert!(
        max <= 2,
        "{max} requests in flight at once, above the cap of 2"
    );
    assert!(max >= 1);
    // Every slot was given back.
    assert_eq!(
        store
            .live_slots(&EndpointId::new("ep").unwrap(), Timestamp::now())
            .unwrap(),
        0
    );
}
