//! Sending one delivery attempt over HTTP (feature `sender`).
//!
//! [`Sender::attempt`] takes an [`Endpoint`](crate::delivery::Endpoint), a
//! [`DeliveryJob`](crate::delivery::DeliveryJob) and the time, signs the
//! job afresh, POSTs it, and returns an [`AttemptReport`]: the
//! [`AttemptResult`](crate::retry::AttemptResult) the retry policy
//! classifies, the timings, the connected address, a capped excerpt of the
//! response body, and what the attempt record needs. It makes exactly one
//! attempt: retries go through the schedule, so every attempt is logged.
//!
//! The client is built once by [`SenderBuilder`], from reqwest's defaults
//! or from a `reqwest::ClientBuilder` the caller hands in
//! ([`SenderBuilder::build_with`]): reqwest over rustls (the `aws-lc-rs`
//! provider, certificates verified, TLS 1.2 at least), HTTP/1.1, no
//! redirects followed, no proxies from the environment (an explicit
//! [`EgressProxy`] only), no compression asked for, a fixed `User-Agent`
//! ([`USER_AGENT`]), and the [address guard](crate::guard) as its only
//! resolver.

mod builder;
mod dispatch;
mod dispatch_builder;
mod dispatch_error;
mod error;
mod hooks;
mod proxy;
mod report;
mod resolve;
mod sender;
mod sf;

use std::time::Duration;

pub use builder::SenderBuilder;
pub use dispatch::{Dispatcher, Submitted};
pub use dispatch_builder::{
    DEFAULT_CONCURRENCY, DEFAULT_LEASE, DEFAULT_MEMORY_CAPACITY, DEFAULT_POLL_INTERVAL,
    DEFAULT_UNAVAILABLE_DELAY, DispatcherBuilder, LEASE_MARGIN,
};
pub use dispatch_error::DispatchError;
pub use error::{BuildError, SendError};
pub use hooks::{DispatchHooks, NoHooks};
pub use proxy::EgressProxy;
pub use report::{AttemptReport, MAX_RETRY_AFTER_BYTES};
pub use sender::Sender;
pub use sf::sf_string;

/// The `reqwest` the sender is built on, for [`SenderBuilder::build_with`].
pub use reqwest;

/// The `User-Agent` of every request: `webhook-kit/<version>`.
pub const USER_AGENT: &str = concat!("webhook-kit/", env!("CARGO_PKG_VERSION"));

/// The default time to set up a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The default time budget of the host lookup.
pub const DEFAULT_DNS_TIMEOUT: Duration = Duration::from_secs(5);

/// The default hard deadline of an attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// The longest deadline a sender accepts.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(30);

/// The default read limit of a response body: 64 KiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// The most response header fields read; a response with more is a
/// protocol error. (Header bytes are bounded by the HTTP/1.1 parser's
/// buffer, about 400 KiB.)
pub const MAX_RESPONSE_HEADERS: usize = 64;

/// The most idle pooled connections kept per host by a sender built with
/// [`SenderBuilder::build`] (reqwest's own default keeps any number): a
/// sender talks to many receivers, and each idle connection holds a socket.
pub const DEFAULT_POOL_MAX_IDLE_PER_HOST: usize = 8;
