//! The sender against real servers on 127.0.0.1, started by each test with
//! hand-written HTTP/1.1 answers, so faults are under the test's control.
#![cfg(feature = "sender")]
#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail the test on a broken fixture"
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use webhook_kit::delivery::{
    DeliveryJob, Endpoint, EndpointId, EndpointUrl, Event, EventType, FanOut, OwnerId,
};
use webhook_kit::guard::{AllowList, GuardError};
use webhook_kit::retry::{
    AttemptOutcome, AttemptResult, Classifier, Decision, RetryPolicy, TransportError,
};
use webhook_kit::send::{EgressProxy, SendError, Sender, SenderBuilder, USER_AGENT};
use webhook_kit::sign::{MessageId, SigningSecret};
use webhook_kit::{
    KeyFormat, Keyring, Provider, Request, SecretEncoding, Timestamp, VerifierConfig,
};

const SECRET: [u8; 32] = [7; 32];
const BODY: &str = r#"{"type":"invoice.paid","id":42}"#;

/// A request as the server read it.
#[derive(Debug)]
struct Received {
    head: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the test server does once it has read a request.
#[derive(Clone)]
enum Answer {
    /// Writes these bytes and closes.
    Raw(String),
    /// Answers nothing for this long.
    Hang(Duration),
    /// Resets the connection.
    Reset,
    /// Announces and streams this many bytes, counting what it wrote.
    Huge(usize, Arc<AtomicUsize>),
}

/// Reads one request: the head, then `Content-Length` bytes of body.
async fn read_request(stream: &mut TcpStream) -> Option<Received> {
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
    let mut lines = head.split("\r\n");
    let first = lines.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
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
    Some(Received {
        head: first,
        headers,
        body,
    })
}

/// A server on 127.0.0.1 answering every connection with `answer`, and
/// the requests it read.
async fn serve(answer: Answer) -> (SocketAddr, mpsc::UnboundedReceiver<Received>) {
    serve_on("127.0.0.1:0", answer).await
}

/// [`serve`] on another loopback address.
async fn serve_on(bind: &str, answer: Answer) -> (SocketAddr, mpsc::UnboundedReceiver<Received>) {
    let listener = TcpListener::bind(bind).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let answer = answer.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                let Some(request) = read_request(&mut stream).await else {
                    return;
                };
                let _ = tx.send(request);
                match answer {
                    Answer::Raw(text) => {
                        let _ = stream.write_all(text.as_bytes()).await;
                        let _ = stream.shutdown().await;
                    }
                    Answer::Hang(d) => tokio::time::sleep(d).await,
                    Answer::Reset => {
                        stream.set_zero_linger().unwrap();
                        drop(stream);
                    }
                    Answer::Huge(len, written) => {
                        let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {len}\r\n\r\n");
                        stream.write_all(head.as_bytes()).await.unwrap();
                        let block = vec![b'x'; 64 * 1024];
                        while written.load(Ordering::SeqCst) < len {
                            if stream.write_all(&block).await.is_err() {
                                break;
                            }
                            written.fetch_add(block.len(), Ordering::SeqCst);
                        }
                    }
                }
            });
        }
    });
    (addr, rx)
}

fn response(status: &str, extra: &str, body: &str) -> Answer {
    Answer::Raw(format!(
        "HTTP/1.1 {status}\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    ))
}

fn now() -> Timestamp {
    Timestamp::from_unix_seconds(1_700_000_000)
}

fn endpoint(url: &str) -> Endpoint {
    Endpoint::new(
        EndpointId::new("ep_1").unwrap(),
        OwnerId::new("acme").unwrap(),
        EndpointUrl::parse(url).unwrap(),
        Keyring::from(SigningSecret::from_random_bytes(&SECRET).unwrap()),
    )
    .unwrap()
}

fn job(endpoint: &Endpoint, payload: &str) -> DeliveryJob {
    let event = Event::new(
        OwnerId::new("acme").unwrap(),
        EventType::new("invoice.paid").unwrap(),
        MessageId::new("msg_2b7kzA4p").unwrap(),
        payload.to_owned(),
        now(),
    );
    FanOut::new(&RetryPolicy::default())
        .with_max_payload_bytes(64 << 20)
        .jobs(&event, [endpoint], now())
        .unwrap()
        .remove(0)
}

/// A sender with short timeouts that may reach 127.0.0.1 only.
fn loopback() -> SenderBuilder {
    SenderBuilder::new()
        .allow_list("127.0.0.1/32".parse::<AllowList>().unwrap())
        .connect_timeout(Duration::from_millis(500))
        .dns_timeout(Duration::from_millis(500))
        .timeout(Duration::from_millis(800))
}

fn sender() -> Sender {
    loopback().build().unwrap()
}

#[tokio::test]
async fn a_200_is_signed_the_standard_way_and_verifies() {
    let (addr, mut seen) = serve(response("200 OK", "", "ok")).await;
    let ep = endpoint(&format!("http://127.0.0.1:{}/hooks?t=secret", addr.port()));
    let job = job(&ep, BODY);
    let sender = loopback().idempotency_key(true).build().unwrap();

    let report = sender.attempt(&ep, &job, now()).await.unwrap();
    assert_eq!(report.result(), AttemptResult::Response { status: 200 });
    assert_eq!(
        report.outcome(&Classifier::DEFAULT),
        AttemptOutcome::Success { status: 200 }
    );
    assert_eq!(report.connected_addr(), Some(addr));
    assert_eq!(report.response_body().unwrap().bytes(), b"ok");
    assert!(!report.response_body().unwrap().is_truncated());
    assert!(report.finished_at() >= report.started_at());

    let got = seen.recv().await.unwrap();
    assert_eq!(got.head, "POST /hooks?t=secret HTTP/1.1");
    assert_eq!(got.body, BODY.as_bytes());
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert_eq!(got.header("user-agent"), Some(USER_AGENT));
    assert!(USER_AGENT.starts_with("webhook-kit/"));
    assert_eq!(got.header("webhook-id"), Some("msg_2b7kzA4p"));
    assert_eq!(got.header("webhook-timestamp"), Some("1700000000"));
    assert_eq!(got.header("idempotency-key"), Some("\"msg_2b7kzA4p\""));
    assert_eq!(got.header("accept-encoding"), None);

    // The receiving side verifies with the crate's Standard Webhooks verifier.
    let config = VerifierConfig::new().with_key(
        SigningSecret::from_random_bytes(&SECRET)
            .unwrap()
            .to_whsec(),
        KeyFormat::Secret(SecretEncoding::WhsecBase64),
    );
    let headers: Vec<(String, String)> = got.headers.clone();
    let signed = headers
        .iter()
        .fold(webhook_kit::SignedHeaders::default(), |h, (n, v)| {
            h.with_header(n.clone(), v.clone())
        });
    let outcome = Provider::StandardWebhooks
        .verifier(&config)
        .unwrap()
        .verify_request(&Request::new(&signed, &got.body), now())
        .unwrap();
    assert_eq!(
        outcome.verified().unwrap().delivery_id(),
        Some("msg_2b7kzA4p")
    );

    // The record carries what the attempt saw.
    let record = report.record(&job, Decision::Delivered);
    assert_eq!(record.status(), Some(200));
    assert_eq!(record.connected_addr(), Some(addr.ip()));
}

#[tokio::test]
async fn each_attempt_is_signed_at_its_own_time() {
    let (addr, mut seen) = serve(response("200 OK", "", "")).await;
    let ep = endpoint(&format!("http://127.0.0.1:{}/", addr.port()));
    let job = job(&ep, BODY);
    let later = Timestamp::from_unix_seconds(1_700_000_600);
    sender().attempt(&ep, &job, later).await.unwrap();
    let got = seen.recv().await.unwrap();
    assert_eq!(got.header("webhook-timestamp"), Some("1700000600"));
    assert_eq!(got.header("idempotency-key"), None);
}

#[tokio::test]
async fn a_500_is_reported_with_its_body() {
    let (addr, _seen) = serve(response("500 Internal Server Error", "", "boom")).await;
    let ep = endpoint(&format!("http://127.0.0.1:{}/", addr.port()));
    let report = sender().attempt(&ep, &job(&ep, BODY), now()).await.unwrap();
    assert_eq!(report.result(), AttemptResult::Response { status: 500 });
    assert!(report.outcome(&Classifier::DEFAULT).is_retryable());
    assert_eq!(report.response_body().unwrap().to_text_lossy(), "boom");
}

#[tokio::test]
async fn a_429_carries_its_retry_after() {
    let (addr, _seen) = serve(response(
        "429 Too Many Requests",
        "retry-after: 120\r\n",
        "",
    ))
    .await;
    let ep = endpoint(&format!("http://127.0.0.1:{}/", addr.port()));
    let report = sender().attempt(&ep, &job(&ep, BODY), now()).await.unwrap();
    assert_eq!(report.result(), AttemptResult::Response { status: 429 });
    assert_eq!(report.retry_after(), Some(&b"120"[..]));
    assert!(matches!(
        report.outcome(&Classifier::DEFAULT),
        AttemptOutcome::Throttled { .. }
    ));
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let (target, mut target_seen) = serve(response("200 OK", "", "")).await;
    let location = format!("location: http://127.0.0.1:{}/elsewhere\r\n", target.port());
    let (addr, _seen) = serve(response("302 Found", &location, "")).await;
    let ep = endpoint(&format!("http://127.0.0.1:{}/", addr.port()));
    let report = sender().attempt(&ep, &job(&ep, BODY), now()).await.unwrap();
    assert_eq!(report.result(), AttemptResult::Response { status: 302 });
    assert!(report.outcome(&Classifier::DEFAULT).is_retryable());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(target_seen.try_recv().is_err(), "the redirect was followed");
}

#[tokio::test]
async fn a_server_that_hangs_times_out() {
    let (addr, _seen) = serve(Answer::Hang(Duration::from_secs(10))).await;
    let ep = endpoint(&format!("http://127.0.0.1:{}/", addr.port()));
    let started = Instant::now();
    let report = sender().attempt(&ep, &job(&ep, BODY), now()).await.unwrap();
    assert_eq!(
        report.result(),
        AttemptResult::Transport(TransportError::TotalTimeout)
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(report.elapsed() >= Duration::from_millis(700));
}

#[tokio::test]
async fn a_reset_connection_is_reported() {
    let (addr, _seen) = serve(Answer::Reset).await;
    let ep = endpoint(&format!("http://127.0.0.1:{}/", addr.port()));
    let report = sender().attempt(&ep, &job(&ep, BODY), now()).await.unwrap();
    assert_eq!(
        report.result(),
        AttemptResult::Transport(TransportError::ConnectionReset),
        "{:?}",
        report.error_message()
    );
}

#[tokio::test]
async fn a_refused_connection_is_reported() {
    // Bind and drop a listener: its port is then closed.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ep = endpoint(&format!("http://127.0.0.1:{port}/"));
    let report = sender().attempt(&ep, &job(&ep, BODY), now()).await.unwrap();
    assert_eq!(
        report.result(),
        AttemptResult::Transport(TransportError::ConnectionRefused),
        "{:?}",
        report.error_message()
    );
}

#[tokio::test]
async fn a_huge_response_is_read_to_the_cap_only() {
    let written = Arc::new(AtomicUsize::new(0));
    let total = 50 << 20;
    let (addr, _seen) = serve(Answer::Huge(total, Arc::clone(&written))).await;
    let ep = endpoint(&format!("http://127.0.0.1:{}/", addr.port()));
    let sender = loopback().max_stored_bytes(4096).build().unwrap();
    let report = sender.attempt(&ep, &job(&ep, BODY), now()).await.unwrap();
    assert_eq!(report.result(), AttemptResult::Response { status: 200 });
    let body = report.response_body().unwrap();
    assert!(body.is_truncated());
    assert_eq!(body.bytes().len(), 4096);
    assert_eq!(body.len_read(), 64 * 1024);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        written.load(Ordering::SeqCst) < total / 2,
        "the whole body was pulled"
    );
}

#[tokio::test]
async fn localhost_is_refused_unless_allow_listed() {
    let (addr, mut seen) = serve(response("200 OK", "", "")).await;
    let ep = endpoint(&format!("http://localhost:{}/", addr.port()));
    let sender = SenderBuilder::new()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let report = sender.attempt(&ep, &job(&ep, BODY), now()).await.unwrap();
    assert_eq!(
        report.result(),
        AttemptResult::Blocked,
        "{:?}",
        report.error_message()
    );
    assert!(matches!(
        report.guard_error(),
        Some(GuardError::Forbidden { .. })
    ));
    assert_eq!(
        report.outcome(&Classifier::DEFAULT),
        AttemptOutcome::Blocked
    );
    assert_eq!(report.connected_addr(), None);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(seen.try_recv().is_err());
}

#[tokio::test]
async fn ip_literals_outside_the_allow_list_are_refused_before_connecting() {
    for url in [
        "http://10.0.0.1/hook",
        "http://127.0.0.2:9/",
        "http://[::1]:9/",
        "http://169.254.169.254/",
    ] {
        let ep = endpoint(url);
        let report = sender().attempt(&ep, &job(&ep, BODY), now()).await.unwrap();
        assert_eq!(report.result(), AttemptResult::Blocked, "{url}");
        assert!(
            matches!(report.guard_error(), Some(GuardError::Forbidden { .. })),
            "{url}"
        );
        // Refused by the guard: no connection was attempted, so no time passed on the wire.
        assert_eq!(report.elapsed(), Duration::ZERO, "{url}");
        assert_eq!(report.connected_addr(), None, "{url}");
        let record = report.record(&job(&ep, BODY), Decision::Delivered);
        assert!(
            record
                .error_message()
                .unwrap()
                .contains("refused by the address guard")
        );
    }
}

#[tokio::test]
async fn oversized_payloads_are_refused_before_sending() {
    let ep = endpoint("http://10.0.0.1/");
    let big = "x".repeat(2048);
    let sender = loopback().max_payload_bytes(1024).build().unwrap();
    let err = sender
        .attempt(&ep, &job(&ep, &big), now())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SendError::PayloadTooLarge {
            len: 2048,
            max: 1024
        }
    );
}

#[tokio::test]
async fn https_only_refuses_http_urls() {
    let ep = endpoint("http://127.0.0.1:9/");
    let sender = loopback().https_only(true).build().unwrap();
    let err = sender
        .attempt(&ep, &job(&ep, BODY), now())
        .await
        .unwrap_err();
    assert_eq!(err, SendError::NotHttps);
}

#[tokio::test]
async fn a_body_that_stalls_keeps_the_status() {
    let head = "HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\npartial";
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        read_request(&mut stream).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_secs(10)).await;
    });
    let ep = endpoint(&format!("http://127.0.0.1:{}/", addr.port()));
    let started = Instant::now();
    let report = sender().attempt(&ep, &job(&ep, BODY), now()).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(report.result(), AttemptResult::Response { status: 200 });
    let body = report.response_body().unwrap();
    assert_eq!(body.bytes(), b"partial");
    assert!(body.is_truncated());
    assert!(report.error_message().is_some());
}

#[tokio::test]
async fn a_failed_tls_handshake_is_a_tls_error() {
    // A plain-text server behind an https URL: the handshake cannot succeed.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut hello = [0u8; 512];
        let _ = stream.read(&mut hello).await;
        let _ = stream
            .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
            .await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    });
    let ep = endpoint(&format!("https://127.0.0.1:{}/", addr.port()));
    let report = sender().attempt(&ep, &job(&ep, BODY), now()).await.unwrap();
    assert_eq!(
        report.result(),
        AttemptResult::Transport(TransportError::Tls),
        "{:?}",
        report.error_message()
    );
}

#[tokio::test]
async fn too_many_response_headers_are_a_protocol_error() {
    let extra: String = (0..200).map(|i| format!("x-h{i}: v\r\n")).collect();
    let (addr, _seen) = serve(response("200 OK", &extra, "")).await;
    let ep = endpoint(&format!("http://127.0.0.1:{}/", addr.port()));
    let report = sender().attempt(&ep, &job(&ep, BODY), now()).await.unwrap();
    assert_eq!(
        report.result(),
        AttemptResult::Transport(TransportError::Protocol),
        "{:?}",
        report.error_message()
    );
}

#[tokio::test]
async fn a_report_feeds_the_policy_and_the_record() {
    let (addr, _seen) = serve(response(
        "503 Service Unavailable",
        "retry-after: 90\r\n",
        "busy",
    ))
    .await;
    let ep = endpoint(&format!("http://127.0.0.1:{}/", addr.port()));
    let job = job(&ep, BODY);
    let report = sender().attempt(&ep, &job, now()).await.unwrap();

    let policy = RetryPolicy::default();
    let outcome = report.outcome(&policy.classifier());
    let mut input = job.attempt_input(report.finished_at());
    if let Some(value) = report.retry_after() {
        input = input.with_retry_after(value);
    }
    let verdict = policy.decide(outcome, &input);
    let Decision::RetryAt { not_before, .. } = verdict.decision else {
        panic!("{verdict:?}");
    };
    assert!(not_before >= report.finished_at().saturating_add(Duration::from_secs(90)));

    let record = report.record(&job, verdict.decision);
    assert_eq!(record.status(), Some(503));
    assert_eq!(record.response_body().unwrap().bytes(), b"busy");
    assert_eq!(record.decision(), verdict.decision);
}

// Linux drops SYNs to a listener whose accept queue is full; other systems
// may refuse them instead.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_listener_that_never_accepts_is_a_connect_timeout() {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..4 {
        let connect = tokio::time::timeout(Duration::from_millis(200), TcpStream::connect(addr));
        if let Ok(Ok(stream)) = connect.await {
            fillers.push(stream);
        }
    }
    let ep = endpoint(&format!("http://127.0.0.1:{}/", addr.port()));
    let sender = loopback()
        .connect_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let report = sender.attempt(&ep, &job(&ep, BODY), now()).await.unwrap();
    assert_eq!(
        report.result(),
        AttemptResult::Transport(TransportError::ConnectTimeout),
        "{:?}",
        report.error_message()
    );
    drop((listener, fillers));
}

/// A plain-HTTP forward proxy on 127.0.0.1: it reads one absolute-form
/// request per connection, records it, sends it on in origin form (without
/// `Proxy-Authorization`) to the host and port of its URL, and pipes the
/// answer back.
async fn forward_proxy() -> (SocketAddr, mpsc::UnboundedReceiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let Some(request) = read_request(&mut client).await else {
                    return;
                };
                let mut parts = request.head.split(' ');
                let (method, target) = (parts.next().unwrap(), parts.next().unwrap());
                let rest = target.strip_prefix("http://").unwrap();
                let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                let mut upstream = TcpStream::connect(authority).await.unwrap();
                let mut head = format!("{method} {path} HTTP/1.1\r\n");
                for (name, value) in &request.headers {
                    if !name.eq_ignore_ascii_case("proxy-authorization") {
                        head.push_str(&format!("{name}: {value}\r\n"));
                    }
                }
                head.push_str("\r\n");
                upstream.write_all(head.as_bytes()).await.unwrap();
                upstream.write_all(&request.body).await.unwrap();
                let _ = tx.send(request);
                let mut answer = Vec::new();
                let _ = upstream.read_to_end(&mut answer).await;
                let _ = client.write_all(&answer).await;
                let _ = client.shutdown().await;
            });
        }
    });
    (addr, rx)
}

/// A sender that may reach 127.0.0.2 only (not 127.0.0.1, where the proxy
/// listens), through `proxy`.
fn proxied(proxy: EgressProxy) -> Sender {
    SenderBuilder::new()
        .allow_list("127.0.0.2/32".parse::<AllowList>().unwrap())
        .connect_timeout(Duration::from_millis(500))
        .dns_timeout(Duration::from_millis(500))
        .timeout(Duration::from_millis(800))
        .proxy(proxy)
        .build()
        .unwrap()
}

#[tokio::test]
async fn deliveries_go_through_the_proxy_with_its_credentials() {
    let (receiver, mut received) = serve_on("127.0.0.2:0", response("200 OK", "", "ok")).await;
    let (proxy, mut proxy_saw) = forward_proxy().await;
    // Named by host: the one name the guard lets through unchecked, since
    // 127.0.0.1 is not on this sender's allow-list.
    let with_auth = EgressProxy::new(&format!("http://localhost:{}", proxy.port()))
        .unwrap()
        .with_basic_auth("sender", "s3cret");
    let ep = endpoint(&format!("http://127.0.0.2:{}/hook?x=1", receiver.port()));

    let sender = proxied(with_auth);
    let report = sender.attempt(&ep, &job(&ep, BODY), now()).await.unwrap();
    assert_eq!(
        report.result(),
        AttemptResult::Response { status: 200 },
        "{:?}",
        report.error_message()
    );
    // The connection was to the proxy.
    assert_eq!(report.connected_addr(), Some(proxy));

    let seen = proxy_saw.recv().await.unwrap();
    assert_eq!(
        seen.head,
        format!(
            "POST http://127.0.0.2:{}/hook?x=1 HTTP/1.1",
            receiver.port()
        )
    );
    // base64("sender:s3cret"), computed with Python's base64 module.
    assert_eq!(
        seen.header("proxy-authorization"),
        Some("Basic c2VuZGVyOnMzY3JldA==")
    );
    let got = received.recv().await.unwrap();
    assert_eq!(got.head, "POST /hook?x=1 HTTP/1.1");
    assert_eq!(got.body, BODY.as_bytes());
    assert_eq!(got.header("webhook-id"), Some("msg_2b7kzA4p"));

    // Neither the password nor its encoding shows in the sender's Debug.
    let debug = format!("{sender:?}");
    assert!(
        !debug.contains("s3cret") && !debug.contains("c2VuZGVy"),
        "{debug}"
    );

    // Without credentials, no Proxy-Authorization is sent.
    let plain = EgressProxy::new(&format!("http://127.0.0.1:{}", proxy.port())).unwrap();
    let report = proxied(plain)
        .attempt(&ep, &job(&ep, BODY), now())
        .await
        .unwrap();
    assert_eq!(report.result(), AttemptResult::Response { status: 200 });
    let seen = proxy_saw.recv().await.unwrap();
    assert_eq!(seen.header("proxy-authorization"), None);
}

#[tokio::test]
async fn forbidden_targets_are_refused_before_reaching_the_proxy() {
    let (proxy, mut proxy_saw) = forward_proxy().await;
    let (receiver, _received) = serve(response("200 OK", "", "ok")).await;
    let sender = proxied(
        EgressProxy::new(&format!("http://127.0.0.1:{}", proxy.port()))
            .unwrap()
            .with_basic_auth("sender", "s3cret"),
    );
    for url in [
        // A name: resolved by the sender to 127.0.0.1, not allow-listed.
        format!("http://localhost:{}/", receiver.port()),
        "http://10.0.0.1/hook".to_owned(),
        "http://[::1]:9/".to_owned(),
        "https://169.254.169.254/".to_owned(),
    ] {
        let ep = endpoint(&url);
        let report = sender.attempt(&ep, &job(&ep, BODY), now()).await.unwrap();
        assert_eq!(report.result(), AttemptResult::Blocked, "{url}");
        assert!(
            matches!(report.guard_error(), Some(GuardError::Forbidden { .. })),
            "{url}"
        );
        assert_eq!(report.connected_addr(), None, "{url}");
        assert!(!report.error_message().unwrap().contains("s3cret"));
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(proxy_saw.try_recv().is_err(), "the proxy was reached");
}

#[tokio::test]
async fn a_callers_client_builder_is_used_and_kept_safe() {
    let mut defaults = reqwest::header::HeaderMap::new();
    defaults.insert(
        "x-tenant",
        reqwest::header::HeaderValue::from_static("acme"),
    );
    let client = || {
        reqwest::Client::builder()
            .default_headers(defaults.clone())
            .pool_max_idle_per_host(2)
            // Both undone by the sender: no redirects, no caller proxy.
            .redirect(reqwest::redirect::Policy::limited(5))
            .proxy(reqwest::Proxy::all("http://127.0.0.1:9").unwrap())
    };

    // The caller's default header arrives, beside the signed ones.
    let (addr, mut seen) = serve(response("200 OK", "", "ok")).await;
    let ep = endpoint(&format!("http://127.0.0.1:{}/", addr.port()));
    let sender = loopback().build_with(client()).unwrap();
    let report = sender.attempt(&ep, &job(&ep, BODY), now()).await.unwrap();
    assert_eq!(
        report.result(),
        AttemptResult::Response { status: 200 },
        "{:?}",
        report.error_message()
    );
    let got = seen.recv().await.unwrap();
    assert_eq!(got.header("x-tenant"), Some("acme"));
    assert_eq!(got.header("user-agent"), Some(USER_AGENT));
    assert!(got.header("webhook-signature").is_some());

    // The caller's headers are not printed with the sender.
    assert!(!format!("{sender:?}").contains("acme"));

    // Redirects are still not followed.
    let (target, mut target_seen) = serve(response("200 OK", "", "")).await;
    let location = format!("location: http://127.0.0.1:{}/elsewhere\r\n", target.port());
    let (redirecting, _seen) = serve(response("302 Found", &location, "")).await;
    let ep = endpoint(&format!("http://127.0.0.1:{}/", redirecting.port()));
    let report = sender.attempt(&ep, &job(&ep, BODY), now()).await.unwrap();
    assert_eq!(report.result(), AttemptResult::Response { status: 302 });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(target_seen.try_recv().is_err(), "the redirect was followed");

    // The guard still refuses a forbidden name and a forbidden literal.
    let guarded = SenderBuilder::new().build_with(client()).unwrap();
    for url in [
        format!("http://localhost:{}/", addr.port()),
        "http://169.254.169.254/latest".to_owned(),
    ] {
        let ep = endpoint(&url);
        let report = guarded.attempt(&ep, &job(&ep, BODY), now()).await.unwrap();
        assert_eq!(report.result(), AttemptResult::Blocked, "{url}");
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(seen.try_recv().is_err(), "a refused target was reached");

    // A builder that pins an address past the resolver is refused.
    let pinned = client().resolve("hooks.example.com", ([127, 0, 0, 1], 443).into());
    let err = SenderBuilder::new().build_with(pinned).unwrap_err();
    assert_eq!(err.code(), "unsafe_client_setting");
}

#[tokio::test]
async fn https_targets_are_tunnelled_with_the_proxy_credentials() {
    // A proxy that records the CONNECT request and refuses the tunnel.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = listener.local_addr().unwrap();
    let (tx, mut saw) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            if let Some(request) = read_request(&mut client).await {
                let _ = tx.send(request);
            }
            let _ = client
                .write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    let sender = proxied(
        EgressProxy::new(&format!("http://127.0.0.1:{}", proxy.port()))
            .unwrap()
            .with_basic_auth("sender", "s3cret"),
    );
    let ep = endpoint("https://127.0.0.2:8443/hook");
    let report = sender.attempt(&ep, &job(&ep, BODY), now()).await.unwrap();
    // The proxy's refusal, not a failure of the endpoint.
    assert_eq!(
        report.result(),
        AttemptResult::Transport(webhook_kit::retry::TransportError::Proxy),
        "{:?}",
        report.error_message()
    );
    assert!(!report.error_message().unwrap().contains("s3cret"));
    let seen = saw.recv().await.unwrap();
    assert_eq!(seen.head, "CONNECT 127.0.0.2:8443 HTTP/1.1");
    assert_eq!(
        seen.header("proxy-authorization"),
        Some("Basic c2VuZGVyOnMzY3JldA==")
    );
}
