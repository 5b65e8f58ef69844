//! One attempt: sign afresh, check the destination, POST, read a capped
//! body, and say what happened.

use std::error::Error as StdError;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use tokio::time::Instant;
use url::Host;

use super::builder::SenderBuilder;
use super::error::SendError;
use super::report::{AttemptReport, MAX_RETRY_AFTER_BYTES};
use super::resolve::{ResolveFailure, lookup};
use super::sf::sf_string;
use crate::delivery::{BodyExcerpt, DeliveryJob, Endpoint};
use crate::guard::{Guard, GuardError, TargetHost};
use crate::retry::{AttemptResult, DELIVERY_CONTROL_HEADER, ReceiverControl, TransportError};
use crate::time::Timestamp;

/// The header carrying the message id for generic idempotency middleware.
const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The checked settings a sender keeps besides its client.
#[derive(Clone, Debug)]
pub(super) struct Settings {
    pub(super) timeout: Duration,
    pub(super) max_payload_bytes: usize,
    pub(super) max_response_bytes: usize,
    pub(super) max_stored_bytes: usize,
    pub(super) content_type: HeaderValue,
    pub(super) idempotency_key: bool,
    pub(super) https_only: bool,
    pub(super) dns_timeout: Duration,
    // Through an egress proxy the client never resolves the target: the
    // sender checks host names itself before each request.
    pub(super) proxied: bool,
}

/// Sends single delivery attempts over one pooled HTTP client, behind the
/// address guard.
///
/// Cheap to clone (the client and the guard are shared); build it once
/// with [`SenderBuilder`] and reuse it, so connections are pooled.
///
/// # Security
///
/// Every destination passes the address guard before a connection is
/// made: host names through the client's only resolver, which hands on
/// the checked addresses alone, and IP-literal URLs before the request.
/// Redirects are never followed, and proxies from the environment are
/// ignored. Through a configured [egress proxy](super::EgressProxy), host
/// names are resolved and checked by the sender before the request, and
/// the proxy's own address is exempt.
///
/// Its `Debug` output shows the settings and the guard, not the client:
/// reqwest's would print the caller's default headers, which may hold
/// credentials.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    guard: Arc<Guard>,
    settings: Arc<Settings>,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender")
            .field("guard", &self.guard)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Sender {
    /// The builder, with the defaults.
    pub fn builder() -> SenderBuilder {
        SenderBuilder::new()
    }

    pub(super) fn from_parts(
        client: reqwest::Client,
        guard: Arc<Guard>,
        settings: Settings,
    ) -> Sender {
        Sender {
            client,
            guard,
            settings: Arc::new(settings),
        }
    }

    /// The hard deadline of one attempt, from the first lookup to the
    /// last byte of the response read: no attempt runs longer.
    pub fn timeout(&self) -> Duration {
        self.settings.timeout
    }

    /// The address guard destinations pass.
    pub fn guard(&self) -> &Guard {
        &self.guard
    }

    /// Makes one attempt of `job` to `endpoint` at `now`.
    ///
    /// The request is signed afresh with the endpoint's signer: the job's
    /// message id and body, and `now` as the timestamp. The report's
    /// result is [`AttemptResult::Blocked`] (with the
    /// [guard's error](AttemptReport::guard_error)) when the destination
    /// is refused, and nothing is sent then. A status is reported as it is
    /// (a 3xx is not followed), whatever the body: a body cut at the read
    /// limit, or whose reading failed, is marked truncated.
    ///
    /// # Panics
    ///
    /// When polled outside a Tokio runtime with its time and I/O drivers
    /// enabled (as every reqwest request does).
    ///
    /// # Errors
    ///
    /// Nothing is sent, and no attempt is made, on
    /// [`SendError::EndpointMismatch`] when the job is for another
    /// endpoint, [`SendError::PayloadTooLarge`], [`SendError::NotHttps`]
    /// for an `http` URL on an https-only sender, [`SendError::Sign`] when
    /// no key is active at `now`, and [`SendError::InvalidHeader`].
    pub async fn attempt(
        &self,
        endpoint: &Endpoint,
        job: &DeliveryJob,
        now: Timestamp,
    ) -> Result<AttemptReport, SendError> {
        let settings = &*self.settings;
        if job.endpoint_id() != endpoint.id() {
            return Err(SendError::EndpointMismatch);
        }
        let payload = job.payload().as_bytes();
        if payload.len() > settings.max_payload_bytes {
            return Err(SendError::PayloadTooLarge {
                len: payload.len(),
                max: settings.max_payload_bytes,
            });
        }
        let url = endpoint.url();
        if settings.https_only && !url.is_https() {
            return Err(SendError::NotHttps);
        }
        let headers = self.headers(endpoint, job, now)?;

        // reqwest does not call the resolver for IP literals: check them here.
        if let Err(e) = self.check_literal(url.as_url()) {
            return Ok(blocked(now, e));
        }

        let started = Instant::now();
        // At most 30 s ahead: cannot overflow; the fallback only fails closed.
        // The lookup made for a proxy counts against the same deadline.
        let deadline = started.checked_add(settings.timeout).unwrap_or(started);
        if settings.proxied {
            let checked = tokio::time::timeout_at(deadline, self.check_name(url.as_url(), now));
            let refused = match checked.await {
                Ok(Ok(())) => None,
                Ok(Err(report)) => Some(report),
                Err(_) => Some(failure(
                    now,
                    TransportError::TotalTimeout,
                    "the attempt timed out",
                )),
            };
            if let Some(mut report) = refused {
                report.elapsed = started.elapsed();
                return Ok(report);
            }
        }
        let request = self
            .client
            .post(url.as_url().clone())
            .headers(headers)
            .body(payload.to_vec())
            .send();
        let mut report = match tokio::time::timeout_at(deadline, request).await {
            Err(_) => failure(now, TransportError::TotalTimeout, "the attempt timed out"),
            Ok(Err(e)) => from_error(now, e, url.is_https(), settings.proxied),
            // Only a proxy sends 407; an origin's would be meaningless.
            Ok(Ok(response)) if settings.proxied && response.status().as_u16() == 407 => {
                let mut report = failure(
                    now,
                    TransportError::Proxy,
                    "the egress proxy asked for authentication (407)",
                );
                report.connected_addr = response.remote_addr();
                report
            }
            Ok(Ok(response)) => self.read_response(now, response, deadline).await,
        };
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// The signed headers, the content type and the optional
    /// `Idempotency-Key`.
    fn headers(
        &self,
        endpoint: &Endpoint,
        job: &DeliveryJob,
        now: Timestamp,
    ) -> Result<HeaderMap, SendError> {
        let signed = endpoint
            .signer()
            .sign(job.message_id(), now, job.payload().as_bytes())?;
        let mut map = HeaderMap::new();
        map.insert(CONTENT_TYPE, self.settings.content_type.clone());
        for (name, value) in signed.iter() {
            let invalid = || SendError::InvalidHeader {
                name: name.to_owned(),
            };
            let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
            let value = HeaderValue::from_str(value).map_err(|_| invalid())?;
            map.append(header, value);
        }
        if self.settings.idempotency_key {
            let invalid = || SendError::InvalidHeader {
                name: IDEMPOTENCY_KEY.to_owned(),
            };
            let key = sf_string(job.message_id().as_str()).ok_or_else(invalid)?;
            let value = HeaderValue::from_str(&key).map_err(|_| invalid())?;
            map.insert(HeaderName::from_static(IDEMPOTENCY_KEY), value);
        }
        Ok(map)
    }

    /// The guard's verdict on an IP-literal host; names pass here and are
    /// checked by the resolver.
    fn check_literal(&self, url: &url::Url) -> Result<(), GuardError> {
        let ip = match url.host() {
            Some(Host::Ipv4(ip)) => ip.into(),
            Some(Host::Ipv6(ip)) => ip.into(),
            _ => return Ok(()),
        };
        self.guard.check_target(&TargetHost::Ip(ip), &[ip])
    }

    /// With a proxy: resolves a host name once and runs the guard over
    /// every answer, so a forbidden target is refused before the proxy
    /// hears of it. The report is the refusal or the failed lookup.
    async fn check_name(&self, url: &url::Url, now: Timestamp) -> Result<(), AttemptReport> {
        let Some(Host::Domain(name)) = url.host() else {
            return Ok(());
        };
        let addrs = match lookup(name, self.settings.dns_timeout).await {
            Ok(addrs) => addrs,
            Err(e) => {
                return Err(failure(now, TransportError::Dns, &e.to_string()));
            }
        };
        let ips: Vec<std::net::IpAddr> = addrs.iter().map(std::net::SocketAddr::ip).collect();
        self.guard.check(name, &ips).map_err(|e| blocked(now, e))
    }

    /// The status, the headers the policy reads, and the body up to the
    /// read limit, before `deadline`.
    async fn read_response(
        &self,
        now: Timestamp,
        mut response: reqwest::Response,
        deadline: Instant,
    ) -> AttemptReport {
        let settings = &*self.settings;
        let mut report = AttemptReport::new(
            AttemptResult::Response {
                status: response.status().as_u16(),
            },
            now,
        );
        report.connected_addr = response.remote_addr();
        report.retry_after = response.headers().get(RETRY_AFTER).map(|v| {
            let bytes = v.as_bytes();
            bytes.get(..MAX_RETRY_AFTER_BYTES).unwrap_or(bytes).to_vec()
        });
        report.control = response
            .headers()
            .get(DELIVERY_CONTROL_HEADER)
            .and_then(|v| ReceiverControl::parse(v.as_bytes()));

        let mut read: Vec<u8> = Vec::new();
        let mut cut = false;
        loop {
            let chunk = match tokio::time::timeout_at(deadline, response.chunk()).await {
                Err(_) => {
                    report.error_message =
                        Some("the response body was not read in time".to_owned());
                    cut = true;
                    break;
                }
                Ok(Err(e)) => {
                    report.error_message = Some(format!(
                        "reading the response body failed: {}",
                        chain(&e.without_url())
                    ));
                    cut = true;
                    break;
                }
                Ok(Ok(None)) => break,
                Ok(Ok(Some(chunk))) => chunk,
            };
            let room = settings.max_response_bytes.saturating_sub(read.len());
            if chunk.len() > room {
                // Stop here: the rest is never read, and the connection is dropped.
                read.extend_from_slice(chunk.get(..room).unwrap_or_default());
                cut = true;
                break;
            }
            read.extend_from_slice(&chunk);
        }
        let excerpt = BodyExcerpt::new(&read, settings.max_stored_bytes);
        report.body = Some(if cut {
            excerpt.with_read_cut_short()
        } else {
            excerpt
        });
        report
    }
}

/// A report of a destination the guard refused; nothing was sent.
fn blocked(now: Timestamp, error: GuardError) -> AttemptReport {
    let mut report = AttemptReport::new(AttemptResult::Blocked, now);
    report.error_message = Some(format!("refused by the address guard: {error}"));
    report.guard_error = Some(error);
    report
}

/// A report of a transport failure.
fn failure(now: Timestamp, error: TransportError, message: &str) -> AttemptReport {
    let mut report = AttemptReport::new(AttemptResult::Transport(error), now);
    report.error_message = Some(message.to_owned());
    report
}

/// A report of a failed request, classified from reqwest's error.
fn from_error(now: Timestamp, error: reqwest::Error, https: bool, proxied: bool) -> AttemptReport {
    // The URL's path and query may be a credential: keep it out of the log.
    let error = error.without_url();
    let (result, guard) = match classify(&error, https, proxied) {
        Classified::Blocked(guard) => (AttemptResult::Blocked, Some(guard)),
        Classified::Transport(kind) => (AttemptResult::Transport(kind), None),
    };
    let mut report = AttemptReport::new(result, now);
    report.guard_error = guard;
    report.error_message = Some(chain(&error));
    report
}

/// What a reqwest error stands for.
enum Classified {
    Blocked(GuardError),
    Transport(TransportError),
}

/// Reads the error's source chain, most specific cause first.
fn classify(error: &reqwest::Error, https: bool, proxied: bool) -> Classified {
    let mut io_kind = None;
    let mut source: Option<&(dyn StdError + 'static)> = error.source();
    while let Some(cause) = source {
        if let Some(failure) = cause.downcast_ref::<ResolveFailure>() {
            return match failure {
                ResolveFailure::Refused(guard) => Classified::Blocked(guard.clone()),
                ResolveFailure::Lookup(_) | ResolveFailure::TimedOut => {
                    Classified::Transport(TransportError::Dns)
                }
            };
        }
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            io_kind.get_or_insert(io.kind());
        }
        source = cause.source();
    }

    let connect = error.is_connect();
    // Through a proxy, an http request's only connection is to the proxy;
    // an https one's starts with the proxy's CONNECT tunnel, whose errors
    // hyper-util reports in words only ("tunnel error: ...").
    let proxy_failed = proxied
        && connect
        && !error.is_timeout()
        && (!https || chain(error).contains("tunnel error"));
    let kind = if proxy_failed {
        TransportError::Proxy
    } else if error.is_redirect() {
        TransportError::Redirect
    } else if error.is_timeout() && connect {
        TransportError::ConnectTimeout
    } else if error.is_timeout() {
        TransportError::TotalTimeout
    } else {
        match io_kind {
            Some(io::ErrorKind::ConnectionRefused) => TransportError::ConnectionRefused,
            Some(
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof,
            ) => TransportError::ConnectionReset,
            Some(io::ErrorKind::TimedOut) if connect => TransportError::ConnectTimeout,
            Some(io::ErrorKind::TimedOut) => TransportError::ReadTimeout,
            // Past TCP, what else fails while connecting to https is the
            // handshake (rustls gives no typed cause through reqwest).
            _ if connect && https => TransportError::Tls,
            Some(_) if connect => TransportError::ConnectionRefused,
            _ if message_says_closed(error) => TransportError::ConnectionReset,
            _ => TransportError::Protocol,
        }
    };
    Classified::Transport(kind)
}

/// Whether the peer closed the connection before a whole response came:
/// hyper says so in words only, with no typed cause to match.
fn message_says_closed(error: &reqwest::Error) -> bool {
    chain(error).contains("connection closed before message completed")
}

/// The error and its causes, joined.
fn chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
