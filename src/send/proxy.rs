//! The egress proxy a sender may be configured to send through.
//!
//! Proxies from the environment (`HTTP_PROXY`, `HTTPS_PROXY`, system
//! settings) are always ignored: the only proxy is the one given here.
//!
//! With a proxy, the proxy connects to the endpoint, so the address guard
//! cannot see the address actually dialled. The sender therefore checks
//! the target itself before each request: an IP literal directly, a host
//! name by resolving it once and refusing it when any answer is
//! forbidden. The proxy's own address is the operator's choice (usually a
//! private one) and is exempt from the guard. The proxy resolves the name
//! again; that residual gap is listed in the README's limitations.

use std::fmt;

use url::{Host, Url};
use zeroize::Zeroizing;

use super::error::BuildError;

/// An HTTP or HTTPS egress proxy, with optional basic-auth credentials.
///
/// Every request goes through it: plain-HTTP endpoints in absolute form,
/// HTTPS endpoints through a `CONNECT` tunnel (TLS stays end to end).
///
/// ```
/// use webhook_kit::send::EgressProxy;
///
/// let proxy = EgressProxy::new("http://10.0.0.5:3128")?.with_basic_auth("sender", "s3cret");
/// assert!(!format!("{proxy:?}").contains("s3cret"));
/// # Ok::<(), webhook_kit::send::BuildError>(())
/// ```
///
/// # Security
///
/// The password is kept in memory that is wiped on drop and appears in no
/// `Debug` output or error. Credentials in the URL itself are refused, so
/// they cannot leak through a printed URL.
#[derive(Clone)]
pub struct EgressProxy {
    url: Url,
    credentials: Option<(String, Zeroizing<String>)>,
}

impl EgressProxy {
    /// A proxy at `url`: `http://host:port` or `https://host:port`.
    ///
    /// # Errors
    ///
    /// [`BuildError::Proxy`] when the URL does not parse, its scheme is
    /// neither `http` nor `https`, it has no host, or it carries a user
    /// name or password (use [`with_basic_auth`](Self::with_basic_auth)).
    pub fn new(url: &str) -> Result<EgressProxy, BuildError> {
        let url = Url::parse(url).map_err(|_| BuildError::Proxy {
            reason: "the proxy url does not parse",
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(BuildError::Proxy {
                reason: "the proxy url must be http or https",
            });
        }
        if url.host().is_none() {
            return Err(BuildError::Proxy {
                reason: "the proxy url has no host",
            });
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(BuildError::Proxy {
                reason: "the proxy url carries credentials; pass them to with_basic_auth",
            });
        }
        Ok(EgressProxy {
            url,
            credentials: None,
        })
    }

    /// Sends `Proxy-Authorization: Basic ...` with these credentials.
    #[must_use]
    pub fn with_basic_auth(mut self, username: &str, password: &str) -> EgressProxy {
        self.credentials = Some((username.to_owned(), Zeroizing::new(password.to_owned())));
        self
    }

    /// The proxy's URL (it never carries credentials).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Whether credentials are configured.
    pub fn has_credentials(&self) -> bool {
        self.credentials.is_some()
    }

    /// The proxy's host name, lowercased, when it is a name and not an IP
    /// literal: the one name the client's resolver looks up unguarded.
    pub(super) fn host_name(&self) -> Option<String> {
        match self.url.host() {
            Some(Host::Domain(name)) => Some(name.to_ascii_lowercase()),
            _ => None,
        }
    }

    /// The reqwest proxy for every request.
    pub(super) fn to_reqwest(&self) -> Result<reqwest::Proxy, BuildError> {
        let proxy = reqwest::Proxy::all(self.url.as_str()).map_err(|_| BuildError::Proxy {
            reason: "the proxy url is not usable by the http client",
        })?;
        // No exclusions: every destination goes through the proxy, so none
        // reaches the client's resolver unchecked.
        let proxy = proxy.no_proxy(None);
        Ok(match &self.credentials {
            Some((user, password)) => proxy.basic_auth(user, password),
            None => proxy,
        })
    }
}

impl fmt::Debug for EgressProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EgressProxy")
            .field("url", &self.url.as_str())
            .field(
                "credentials",
                &self
                    .credentials
                    .as_ref()
                    .map(|(user, _)| (user, "<redacted>")),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        for (url, code) in [
            ("not a url", "invalid_proxy"),
            ("socks5://127.0.0.1:1080", "invalid_proxy"),
            ("http://user:pw@127.0.0.1:3128", "invalid_proxy"),
            ("http://user@127.0.0.1:3128", "invalid_proxy"),
        ] {
            assert_eq!(EgressProxy::new(url).unwrap_err().code(), code, "{url}");
        }
        let proxy = EgressProxy::new("http://Proxy.Internal:3128").unwrap();
        assert_eq!(proxy.host_name().as_deref(), Some("proxy.internal"));
        assert!(!proxy.has_credentials());
        let literal = EgressProxy::new("https://10.0.0.5:3128").unwrap();
        assert_eq!(literal.host_name(), None);
    }

    #[test]
    fn the_password_is_never_printed() {
        let proxy = EgressProxy::new("http://127.0.0.1:3128")
            .unwrap()
            .with_basic_auth("sender", "hunter2-very-secret");
        let debug = format!("{proxy:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("sender"));
        assert!(proxy.has_credentials());
        assert!(proxy.to_reqwest().is_ok());
    }
}
