//! Delivering webhooks end to end: a dispatcher sends a batch of events to
//! three endpoints served by an embedded receiver on 127.0.0.1 (one
//! healthy, one that fails each message's first attempt, one that always
//! answers 503), retries on the `short` schedule, and reports how every
//! delivery ended.
//!
//! Run with `cargo run --example deliver --features sender`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use webhook_kit::delivery::{
    AttemptRecord, DeadLetter, DeliveryJob, Endpoint, EndpointId, EndpointUrl, Event, EventType,
    HealthPolicy, MemoryEndpointSource, OwnerId,
};
use webhook_kit::guard::AllowList;
use webhook_kit::retry::Preset;
use webhook_kit::send::{DispatchHooks, Dispatcher, Sender};
use webhook_kit::sign::{MessageId, SigningSecret};
use webhook_kit::{Keyring, Timestamp};

/// How one path of the receiver answers.
#[derive(Clone, Copy)]
enum Behaviour {
    Healthy,
    FailsFirstAttempt,
    Dead,
}

/// A receiver on 127.0.0.1 serving `/healthy`, `/flaky` and `/dead`.
async fn receiver() -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let seen: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                // Requests here are small: one read holds the head.
                let mut buf = vec![0u8; 16 * 1024];
                let Ok(n) = stream.read(&mut buf).await else {
                    return;
                };
                let head = String::from_utf8_lossy(buf.get(..n).unwrap_or_default()).into_owned();
                let path = head.split_whitespace().nth(1).unwrap_or("/");
                let id = head
                    .lines()
                    .find_map(|l| l.strip_prefix("webhook-id:"))
                    .map(str::trim)
                    .unwrap_or("")
                    .to_owned();
                let behaviour = match path {
                    "/healthy" => Behaviour::Healthy,
                    "/flaky" => Behaviour::FailsFirstAttempt,
                    _ => Behaviour::Dead,
                };
                let status = match behaviour {
                    Behaviour::Healthy => "200 OK",
                    Behaviour::FailsFirstAttempt => {
                        let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
                        let count = seen.entry(id).or_insert(0);
                        *count += 1;
                        if *count == 1 {
                            "500 Internal Server Error"
                        } else {
                            "200 OK"
                        }
                    }
                    Behaviour::Dead => "503 Service Unavailable",
                };
                let answer =
                    format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                let _ = stream.write_all(answer.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    Ok(addr)
}

/// Prints progress and counts how deliveries ended.
#[derive(Default)]
struct Progress {
    attempts: AtomicUsize,
    delivered: AtomicUsize,
    dead_lettered: AtomicUsize,
}

impl DispatchHooks for Progress {
    fn on_attempt(&self, record: &AttemptRecord) {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        let status = record
            .status()
            .map_or_else(|| "-".to_owned(), |s| s.to_string());
        println!(
            "attempt {} of {} to {}: status {status}",
            record.attempt(),
            record.message_id(),
            record.endpoint_id(),
        );
    }

    fn on_delivered(&self, job: &DeliveryJob) {
        self.delivered.fetch_add(1, Ordering::SeqCst);
        println!("delivered {} to {}", job.message_id(), job.endpoint_id());
    }

    fn on_exhausted(&self, letter: &DeadLetter) {
        self.dead_lettered.fetch_add(1, Ordering::SeqCst);
        println!(
            "dead-lettered {} to {} ({})",
            letter.job().message_id(),
            letter.job().endpoint_id(),
            letter.cause().code()
        );
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = receiver().await?;
    let owner = OwnerId::new("acme")?;
    let source = Arc::new(MemoryEndpointSource::new());
    for name in ["healthy", "flaky", "dead"] {
        source.insert(Endpoint::new(
            EndpointId::new(name)?,
            owner.clone(),
            EndpointUrl::parse(&format!("http://{addr}/{name}"))?,
            Keyring::from(SigningSecret::from_random_bytes(&[42; 32])?),
        )?)?;
    }

    // Only the embedded receiver may be reached.
    let sender = Sender::builder()
        .allow_list("127.0.0.1/32".parse::<AllowList>()?)
        .connect_timeout(Duration::from_secs(1))
        .dns_timeout(Duration::from_secs(1))
        .timeout(Duration::from_secs(2))
        .build()?;
    let progress = Arc::new(Progress::default());
    let dispatcher = Dispatcher::builder(sender)
        .policy(Preset::Short.policy())
        // The dead endpoint trips its circuit; probe it again after 200 ms.
        .health_policy(HealthPolicy::default().with_open_for(Duration::from_millis(200))?)
        .source(source)
        .hooks(Arc::clone(&progress) as Arc<dyn DispatchHooks>)
        .poll_interval(Duration::from_millis(10))
        .build();

    let now = Timestamp::now();
    let mut submitted = 0usize;
    for i in 0..5 {
        let event = Event::new(
            owner.clone(),
            EventType::new("invoice.paid")?,
            MessageId::new(format!("msg_{i}"))?,
            format!(r#"{{"type":"invoice.paid","invoice":{i}}}"#),
            now,
        );
        submitted += dispatcher.submit(&event, now).await?.queued.len();
    }
    println!("submitted {submitted} deliveries");

    let outstanding = dispatcher.run_until_idle(Duration::from_secs(30)).await;
    let delivered = progress.delivered.load(Ordering::SeqCst);
    let dead_lettered = progress.dead_lettered.load(Ordering::SeqCst);
    let lost = submitted.saturating_sub(delivered + dead_lettered);
    println!(
        "attempts={} outstanding={outstanding}",
        progress.attempts.load(Ordering::SeqCst)
    );
    println!("delivered={delivered} dead_lettered={dead_lettered} lost={lost}");
    Ok(())
}
