//! Signed 1 KiB deliveries per second to a receiver on 127.0.0.1, with 1,
//! 8 and 64 requests in flight: the crate's `Sender::attempt` (signing each
//! request) against a bare pooled reqwest loop posting the same bytes with
//! the same headers computed once, in interleaved rounds of the same run.
//! Run with `cargo bench --features sender --bench sender`.
//!
//! Loopback only: the receiver is a minimal HTTP/1.1 keep-alive responder
//! on its own runtime thread, and the sender's allow-list admits only it.
#![allow(clippy::unwrap_used, reason = "set-up panics on a broken fixture")]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use webhook_kit::delivery::{DeliveryId, DeliveryJob, Endpoint, EndpointId, EndpointUrl, OwnerId};
use webhook_kit::guard::AllowList;
use webhook_kit::retry::AttemptResult;
use webhook_kit::send::Sender;
use webhook_kit::sign::{MessageId, Signer, SigningSecret};
use webhook_kit::{Keyring, Timestamp};

const ROUNDS: usize = 5;
const ROUND: Duration = Duration::from_millis(1000);
const IN_FLIGHT: [usize; 3] = [1, 8, 64];

/// Answers every request on a connection with an empty 200, keeping it open.
async fn receiver() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let mut filled = 0;
                loop {
                    // One request: the head, then content-length bytes of body.
                    let head_end = loop {
                        if let Some(end) = find(&buf[..filled], b"\r\n\r\n") {
                            break end + 4;
                        }
                        match stream.read(&mut buf[filled..]).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => filled += n,
                        }
                    };
                    let length = content_length(&buf[..head_end]);
                    while filled < head_end + length {
                        match stream.read(&mut buf[filled..]).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => filled += n,
                        }
                    }
                    buf.copy_within(head_end + length..filled, 0);
                    filled -= head_end + length;
                    let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
                    if stream.write_all(ok).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn content_length(head: &[u8]) -> usize {
    let head = String::from_utf8_lossy(head);
    head.lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0)
}

fn job(payload: &[u8]) -> DeliveryJob {
    let msg = MessageId::new("msg_bench_sender").unwrap();
    let id = DeliveryId::derive(&msg, &EndpointId::new("ep_bench").unwrap());
    let payload = base64::engine::general_purpose::STANDARD.encode(payload);
    let json = format!(
        r#"{{"schema_version":1,"delivery_id":"{id}","message_id":"msg_bench_sender",
        "endpoint_id":"ep_bench","owner_id":"app_1","event_type":"invoice.paid",
        "payload":"{payload}","created_at":0,"attempt":1,"first_attempt_at":0,
        "next_attempt_at":0,"deadline":604800000000,"trigger":"scheduled",
        "previous_delay_ns":null}}"#
    );
    serde_json::from_str(&json).unwrap()
}

/// Runs `in_flight` workers calling `one` until the round ends; deliveries/s.
async fn round<F, Fut>(in_flight: usize, one: F) -> f64
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let one = Arc::new(one);
    let done = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let workers: Vec<_> = (0..in_flight)
        .map(|_| {
            let (one, done, stop) = (Arc::clone(&one), Arc::clone(&done), Arc::clone(&stop));
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    assert!(one().await, "a delivery failed");
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    tokio::time::sleep(ROUND).await;
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    // The receiver gets a runtime (and thread) of its own.
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let addr = server.block_on(receiver());

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    client_rt.block_on(async move {
        let payload: Vec<u8> = (0..1024)
            .map(|i| b"abcdefghijklmnopqrstuvwxyz{}:,\""[i % 31])
            .collect();
        let url = format!("http://{addr}/hook");
        let secret = SigningSecret::from_random_bytes(&[42; 32]).unwrap();
        let endpoint = Arc::new(
            Endpoint::new(
                EndpointId::new("ep_bench").unwrap(),
                OwnerId::new("app_1").unwrap(),
                EndpointUrl::parse(&url).unwrap(),
                Keyring::from(secret.clone()),
            )
            .unwrap(),
        );
        let job = Arc::new(job(&payload));
        let sender = Arc::new(
            Sender::builder()
                .allow_list("127.0.0.1/32".parse::<AllowList>().unwrap())
                .build()
                .unwrap(),
        );

        // The bare loop posts the same bytes with the same headers, signed once.
        let signed = Signer::new(Keyring::from(secret))
            .sign(job.message_id(), Timestamp::now(), &payload)
            .unwrap();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("content-type", "application/json".parse().unwrap());
        for (name, value) in signed.iter() {
            headers.insert(
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        // The same protocol settings as the sender's own client.
        let client = reqwest::Client::builder()
            .no_proxy()
            .http1_only()
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let body = payload.clone();

        let library = {
            let (sender, endpoint, job) = (sender, endpoint, job);
            move || {
                let (sender, endpoint, job) =
                    (Arc::clone(&sender), Arc::clone(&endpoint), Arc::clone(&job));
                async move {
                    let report = sender.attempt(&endpoint, &job, Timestamp::now()).await;
                    matches!(
                        report.map(|r| r.result()),
                        Ok(AttemptResult::Response { status: 200 })
                    )
                }
            }
        };
        let bare = {
            let url = url.clone();
            move || {
                let request = client
                    .post(&url)
                    .headers(headers.clone())
                    .body(body.clone());
                async move {
                    match request.send().await {
                        Ok(response) => {
                            let ok = response.status() == 200;
                            response.bytes().await.is_ok() && ok
                        }
                        Err(_) => false,
                    }
                }
            }
        };
        let library = Arc::new(library);
        let bare = Arc::new(bare);

        // Warm-up: connections opened, code paged in.
        for _ in 0..200 {
            assert!(library().await && bare().await);
        }
        println!("signed 1 KiB deliveries/s to 127.0.0.1, median of {ROUNDS} interleaved rounds of {ROUND:?}");
        println!("{:>9} {:>12} {:>12} {:>7}   rounds (library/bare)", "in flight", "library", "bare", "ratio");
        for in_flight in IN_FLIGHT {
            let (mut ours, mut theirs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..ROUNDS {
                let l = Arc::clone(&library);
                let a = round(in_flight, move || l()).await;
                let b = Arc::clone(&bare);
                let b = round(in_flight, move || b()).await;
                ours.push(a);
                theirs.push(b);
                ratios.push(a / b);
            }
            let rounds: Vec<String> = ours
                .iter()
                .zip(&theirs)
                .map(|(a, b)| format!("{a:.0}/{b:.0}"))
                .collect();
            println!(
                "{in_flight:>9} {:>12.0} {:>12.0} {:>6.3}x   {}",
                median(ours),
                median(theirs),
                median(ratios),
                rounds.join(" ")
            );
        }
    });
}
