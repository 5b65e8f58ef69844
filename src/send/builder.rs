//! Building the sender: timeouts, limits and the address guard, and the
//! one pooled client they make.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use super::error::BuildError;
use super::resolve::GuardedResolver;
use super::sender::{Sender, Settings};
use super::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_DNS_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
    MAX_RESPONSE_HEADERS, MAX_TIMEOUT, USER_AGENT,
};
use crate::delivery::{DEFAULT_EXCERPT_BYTES, DEFAULT_MAX_PAYLOAD_BYTES};
use crate::guard::{AllowList, Guard};

/// The settings of a [`Sender`], checked and turned into one pooled
/// `reqwest::Client` by [`build`](SenderBuilder::build).
///
/// The client never follows redirects, ignores proxy settings from the
/// environment, does not ask for compressed responses, speaks HTTP/1.1
/// over rustls with certificates verified and TLS 1.2 at least, and
/// resolves every host through the address guard.
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::guard::AllowList;
/// use webhook_kit::send::SenderBuilder;
///
/// let sender = SenderBuilder::new()
///     .timeout(Duration::from_secs(10))
///     .allow_list("10.20.0.0/16 hooks.internal".parse::<AllowList>()?)
///     .build()?;
/// assert_eq!(sender.timeout(), Duration::from_secs(10));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SenderBuilder {
    guard: Guard,
    connect_timeout: Duration,
    timeout: Duration,
    dns_timeout: Duration,
    max_payload_bytes: usize,
    max_response_bytes: usize,
    max_stored_bytes: usize,
    content_type: String,
    idempotency_key: bool,
    https_only: bool,
}

impl Default for SenderBuilder {
    fn default() -> Self {
        SenderBuilder::new()
    }
}

impl SenderBuilder {
    /// The defaults: the guard with an empty allow-list, 5 s to connect,
    /// 5 s for DNS, 15 s in all, payloads up to
    /// [`DEFAULT_MAX_PAYLOAD_BYTES`], 64 KiB of response read and 16 KiB of
    /// it stored, `application/json`, no `Idempotency-Key`, `http` allowed.
    pub fn new() -> SenderBuilder {
        SenderBuilder {
            guard: Guard::new(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            dns_timeout: DEFAULT_DNS_TIMEOUT,
            max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_stored_bytes: DEFAULT_EXCERPT_BYTES,
            content_type: "application/json".to_owned(),
            idempotency_key: false,
            https_only: false,
        }
    }

    /// The addresses and host names the guard lets through although they
    /// are private, loopback or otherwise forbidden.
    ///
    /// # Security
    ///
    /// Every entry is a way into the network the sender runs in; keep the
    /// list to the receivers that need it.
    #[must_use]
    pub fn allow_list(mut self, allow: AllowList) -> SenderBuilder {
        self.guard = Guard::with_allow_list(allow);
        self
    }

    /// The time to set up a connection (TCP and TLS), at most the total.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> SenderBuilder {
        self.connect_timeout = timeout;
        self
    }

    /// The hard deadline of an attempt, from the lookup to the last byte
    /// of the body read, at most [`MAX_TIMEOUT`].
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> SenderBuilder {
        self.timeout = timeout;
        self
    }

    /// The time budget of the host lookup, at most the total.
    #[must_use]
    pub fn dns_timeout(mut self, timeout: Duration) -> SenderBuilder {
        self.dns_timeout = timeout;
        self
    }

    /// The largest payload sent; a larger one is refused before sending.
    #[must_use]
    pub fn max_payload_bytes(mut self, max: usize) -> SenderBuilder {
        self.max_payload_bytes = max;
        self
    }

    /// How much of a response body is read at most; the rest is left
    /// unread and the connection dropped.
    #[must_use]
    pub fn max_response_bytes(mut self, max: usize) -> SenderBuilder {
        self.max_response_bytes = max;
        self
    }

    /// How much of the body read is kept in the report.
    #[must_use]
    pub fn max_stored_bytes(mut self, max: usize) -> SenderBuilder {
        self.max_stored_bytes = max;
        self
    }

    /// The `Content-Type` of the request.
    #[must_use]
    pub fn content_type(mut self, content_type: impl Into<String>) -> SenderBuilder {
        self.content_type = content_type.into();
        self
    }

    /// Whether to send `Idempotency-Key` with the message id as a quoted
    /// structured-field string, for receivers running generic idempotency
    /// middleware.
    #[must_use]
    pub fn idempotency_key(mut self, on: bool) -> SenderBuilder {
        self.idempotency_key = on;
        self
    }

    /// Whether to refuse endpoints whose URL is `http`.
    #[must_use]
    pub fn https_only(mut self, on: bool) -> SenderBuilder {
        self.https_only = on;
        self
    }

    /// The sender, with its client.
    ///
    /// # Errors
    ///
    /// [`BuildError::Timeout`] for a total timeout of zero or above
    /// [`MAX_TIMEOUT`], [`BuildError::PhaseTimeout`] for a zero connect or
    /// DNS timeout or one above the total, [`BuildError::Limit`] for a zero
    /// limit or a stored excerpt larger than the read limit,
    /// [`BuildError::ContentType`] for a content type that is not a header
    /// value, and [`BuildError::Client`] when the TLS setup fails.
    pub fn build(self) -> Result<Sender, BuildError> {
        if self.timeout.is_zero() || self.timeout > MAX_TIMEOUT {
            return Err(BuildError::Timeout {
                timeout: self.timeout,
            });
        }
        for (phase, timeout) in [("connect", self.connect_timeout), ("dns", self.dns_timeout)] {
            if timeout.is_zero() || timeout > self.timeout {
                return Err(BuildError::PhaseTimeout { phase, timeout });
            }
        }
        for (name, value) in [
            ("max_payload_bytes", self.max_payload_bytes),
            ("max_response_bytes", self.max_response_bytes),
            ("max_stored_bytes", self.max_stored_bytes),
        ] {
            if value == 0 {
                return Err(BuildError::Limit { name });
            }
        }
        if self.max_stored_bytes > self.max_response_bytes {
            return Err(BuildError::Limit {
                name: "max_stored_bytes",
            });
        }
        let content_type =
            HeaderValue::from_str(&self.content_type).map_err(|_| BuildError::ContentType)?;

        let guard = Arc::new(self.guard);
        let client = reqwest::Client::builder()
            .dns_resolver(GuardedResolver::new(Arc::clone(&guard), self.dns_timeout))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .retry(reqwest::retry::never())
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(USER_AGENT)
            .tls_version_min(reqwest::tls::Version::TLS_1_2)
            .https_only(self.https_only)
            .http1_only()
            .http1_max_headers(MAX_RESPONSE_HEADERS)
            .build()
            .map_err(BuildError::Client)?;

        Ok(Sender::from_parts(
            client,
            guard,
            Settings {
                timeout: self.timeout,
                max_payload_bytes: self.max_payload_bytes,
                max_response_bytes: self.max_response_bytes,
                max_stored_bytes: self.max_stored_bytes,
                content_type,
                idempotency_key: self.idempotency_key,
                https_only: self.https_only,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_build() {
        let sender = SenderBuilder::new().build().unwrap();
        assert_eq!(sender.timeout(), DEFAULT_TIMEOUT);
    }

    #[test]
    fn bad_settings_are_refused() {
        let err = SenderBuilder::new()
            .timeout(Duration::from_secs(31))
            .build()
            .unwrap_err();
        assert_eq!(err.code(), "invalid_timeout");
        let err = SenderBuilder::new()
            .timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert_eq!(err.code(), "invalid_timeout");
        let err = SenderBuilder::new()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap_err();
        assert!(matches!(
            err,
            BuildError::PhaseTimeout {
                phase: "connect",
                ..
            }
        ));
        let err = SenderBuilder::new()
            .max_stored_bytes(1 << 20)
            .build()
            .unwrap_err();
        assert!(matches!(
            err,
            BuildError::Limit {
                name: "max_stored_bytes"
            }
        ));
        let err = SenderBuilder::new()
            .max_payload_bytes(0)
            .build()
            .unwrap_err();
        assert!(matches!(
            err,
            BuildError::Limit {
                name: "max_payload_bytes"
            }
        ));
        let err = SenderBuilder::new()
            .content_type("a\nb")
            .build()
            .unwrap_err();
        assert_eq!(err.code(), "invalid_content_type");
    }
}
