//! Building the sender: timeouts, limits, the address guard and the egress
//! proxy, and the one pooled client they make, from the crate's defaults
//! or on top of a caller's `reqwest::ClientBuilder`.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use super::error::BuildError;
use super::proxy::EgressProxy;
use super::resolve::GuardedResolver;
use super::sender::{Sender, Settings};
use super::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_DNS_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_POOL_MAX_IDLE_PER_HOST, DEFAULT_TIMEOUT, MAX_RESPONSE_HEADERS, MAX_TIMEOUT, USER_AGENT,
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
    proxy: Option<EgressProxy>,
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
            proxy: None,
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

    /// Sends every request through `proxy` (default: none, and proxies
    /// from the environment are never used).
    ///
    /// # Security
    ///
    /// The proxy, not the sender, connects to the endpoint. The sender
    /// still checks each target before the request (IP literals directly,
    /// host names by resolving them itself and refusing any forbidden
    /// answer), but the proxy resolves the name again, and could get
    /// another answer; run the proxy with its own egress rules. The
    /// proxy's address is exempt from the guard: it is the operator's
    /// choice, and usually private.
    #[must_use]
    pub fn proxy(mut self, proxy: EgressProxy) -> SenderBuilder {
        self.proxy = Some(proxy);
        self
    }

    /// The sender, with a client built from reqwest's defaults, but at
    /// most [`DEFAULT_POOL_MAX_IDLE_PER_HOST`] idle connections per host.
    ///
    /// # Errors
    ///
    /// As [`build_with`](Self::build_with).
    pub fn build(self) -> Result<Sender, BuildError> {
        let client =
            reqwest::Client::builder().pool_max_idle_per_host(DEFAULT_POOL_MAX_IDLE_PER_HOST);
        self.build_with(client)
    }

    /// The sender, with a client built from the caller's `client` builder
    /// (its TLS roots, pool settings, default headers, local address...),
    /// with the settings the sender's safety needs applied on top.
    ///
    /// # Security
    ///
    /// These settings of `client` are replaced:
    ///
    /// - the DNS resolver: the address guard is the only resolver;
    /// - the redirect policy: none (a 3xx could point anywhere unchecked);
    /// - proxies: cleared, environment ones included; only
    ///   [`proxy`](Self::proxy) is used;
    /// - retries: none (every attempt goes through the schedule and the log);
    /// - the connect and total timeouts: this builder's;
    /// - `User-Agent`: [`USER_AGENT`];
    /// - TLS: certificate and host name verification forced on, TLS 1.2 at
    ///   least (a higher minimum the caller set is lowered to 1.2), and
    ///   [`https_only`](Self::https_only) as set here;
    /// - HTTP/1.1 only, with at most [`MAX_RESPONSE_HEADERS`] header
    ///   fields in a response;
    /// - `connection_verbose`: off (at trace level it logs the raw bytes of
    ///   each request, `Proxy-Authorization` and signatures included).
    ///
    /// The pool settings are the caller's: reqwest's default keeps any
    /// number of idle connections per host, so set `pool_max_idle_per_host`
    /// ([`build`](Self::build) uses [`DEFAULT_POOL_MAX_IDLE_PER_HOST`]).
    ///
    /// Default headers are kept, but the headers each request carries
    /// (`Content-Type`, the signature headers, `Idempotency-Key`) win over
    /// default headers of the same name.
    ///
    /// reqwest cannot undo some settings, and they would take connections
    /// past the guard. The builder is refused
    /// ([`BuildError::UnsafeClient`]) when it pins addresses with
    /// `resolve`/`resolve_to_addrs` (reqwest answers those names without
    /// calling the guarded resolver) or routes through a Unix socket
    /// (`unix_socket`). reqwest offers no way to inspect a builder, so
    /// these two are found in its `Debug` output. Two more cannot be
    /// detected at all and must not be used with a sender:
    /// `connector_layer` (a layer may dial anything),
    /// `tls_backend_preconfigured`/`use_preconfigured_tls` (a TLS
    /// configuration of the caller's replaces the verification above) and,
    /// on Windows, `windows_named_pipe` (reqwest's `Debug` does not show
    /// it, and the pipe replaces every TCP connection).
    ///
    /// ```
    /// use reqwest::header::{HeaderMap, HeaderValue};
    /// use webhook_kit::send::SenderBuilder;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-tenant", HeaderValue::from_static("acme"));
    /// let client = reqwest::Client::builder()
    ///     .default_headers(headers)
    ///     .pool_max_idle_per_host(4);
    /// let sender = SenderBuilder::new().build_with(client)?;
    /// # let _ = sender;
    /// # Ok::<(), webhook_kit::send::BuildError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`BuildError::Timeout`] for a total timeout of zero or above
    /// [`MAX_TIMEOUT`], [`BuildError::PhaseTimeout`] for a zero connect or
    /// DNS timeout or one above the total, [`BuildError::Limit`] for a zero
    /// limit or a stored excerpt larger than the read limit,
    /// [`BuildError::ContentType`] for a content type that is not a header
    /// value, [`BuildError::Proxy`] for a proxy reqwest refuses,
    /// [`BuildError::UnsafeClient`] for a caller's builder that would bypass
    /// the guard, and [`BuildError::Client`] when the client cannot be built
    /// (its TLS setup failed).
    pub fn build_with(self, client: reqwest::ClientBuilder) -> Result<Sender, BuildError> {
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

        refuse_unsafe(&client)?;

        let guard = Arc::new(self.guard);
        let resolver = GuardedResolver::new(Arc::clone(&guard), self.dns_timeout)
            .exempting(self.proxy.as_ref().and_then(EgressProxy::host_name));
        // Clears the caller's proxies and the environment's.
        let mut client = client.no_proxy();
        if let Some(proxy) = &self.proxy {
            client = client.proxy(proxy.to_reqwest()?);
        }
        let client = client
            .dns_resolver(resolver)
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(USER_AGENT)
            .tls_version_min(reqwest::tls::Version::TLS_1_2)
            .tls_danger_accept_invalid_certs(false)
            .tls_danger_accept_invalid_hostnames(false)
            .https_only(self.https_only)
            .http1_only()
            .http1_max_headers(MAX_RESPONSE_HEADERS)
            .connection_verbose(false)
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
                dns_timeout: self.dns_timeout,
                proxied: self.proxy.is_some(),
            },
        ))
    }
}

/// Refuses a caller's builder with a setting that sends connections past
/// the guarded resolver and that reqwest has no way to clear.
fn refuse_unsafe(client: &reqwest::ClientBuilder) -> Result<(), BuildError> {
    // reqwest has no getters: its Debug output is the only view, and it
    // names these fields only when they are set. Only the builder's own
    // field names count: a default header's name or value, or a URL, may
    // spell anything.
    let shown = format!("{client:?}");
    let fields = debug_fields(&shown);
    for (field, setting) in [
        ("dns_overrides", "resolve_to_addrs"),
        ("unix_socket", "unix_socket"),
    ] {
        if fields.contains(&field) {
            return Err(BuildError::UnsafeClient { setting });
        }
    }
    Ok(())
}

/// The field names of a struct's one-line `Debug` text, `Name { a: .., b: .. }`:
/// the text before a `:` at the first level of braces, after the opening
/// brace or a comma. Quoted strings (which `Debug` escapes, so a quote
/// inside one is `\"`) and nested values are skipped, so no value can pass
/// for a field.
fn debug_fields(shown: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    let mut start = None;
    for (i, c) in shown.char_indices() {
        if quoted {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            '{' | '[' | '(' => {
                depth = depth.saturating_add(1);
                if depth == 1 {
                    start = Some(i + 1);
                }
            }
            '}' | ']' | ')' => depth = depth.saturating_sub(1),
            ',' if depth == 1 => start = Some(i + 1),
            ':' if depth == 1 => {
                if let Some(from) = start.take() {
                    fields.push(shown.get(from..i).unwrap_or_default().trim());
                }
            }
            _ => {}
        }
    }
    fields
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
    fn only_the_builders_own_fields_count_as_settings() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "dns_overrides",
            HeaderValue::from_static("x\", unix_socket: \"/run/a.sock\", dns_overrides: {}"),
        );
        let with_headers = || reqwest::Client::builder().default_headers(headers.clone());
        assert!(SenderBuilder::new().build_with(with_headers()).is_ok());
        // The same headers do not hide a real override.
        let pinned = with_headers().resolve("hooks.example.com", ([127, 0, 0, 1], 80).into());
        assert!(SenderBuilder::new().build_with(pinned).is_err());
        assert_eq!(
            debug_fields(r#"B { a: 1, b: Some(C { d: 2 }), e: "f, g: h", i: [j, k: l] }"#),
            ["a", "b", "e", "i"]
        );
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
        let pinned =
            reqwest::Client::builder().resolve("hooks.example.com", ([127, 0, 0, 1], 80).into());
        let err = SenderBuilder::new().build_with(pinned).unwrap_err();
        assert!(matches!(
            err,
            BuildError::UnsafeClient {
                setting: "resolve_to_addrs"
            }
        ));
        assert_eq!(err.code(), "unsafe_client_setting");
        let err = SenderBuilder::new()
            .build_with(reqwest::Client::builder().unix_socket("webhook-kit-test.sock"))
            .unwrap_err();
        assert!(matches!(
            err,
            BuildError::UnsafeClient {
                setting: "unix_socket"
            }
        ));
        let err = SenderBuilder::new()
            .content_type("a\nb")
            .build()
            .unwrap_err();
        assert_eq!(err.code(), "invalid_content_type");
    }
}
