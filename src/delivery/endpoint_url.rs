//! Endpoint URLs: absolute `http`/`https`, a host, no credentials.

use std::fmt;

use super::error::UrlError;

/// What an endpoint URL must satisfy beyond being absolute `http` or
/// `https` with a host.
///
/// ```
/// use webhook_kit::delivery::{EndpointUrl, UrlError, UrlRules};
///
/// let strict = UrlRules::DEFAULT.with_https_only(true);
/// assert_eq!(
///     EndpointUrl::parse_with("http://hooks.example.com/in", strict).unwrap_err(),
///     UrlError::NotHttps
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UrlRules {
    https_only: bool,
    allow_userinfo: bool,
}

impl UrlRules {
    /// `http` and `https`, no user name or password.
    pub const DEFAULT: UrlRules = UrlRules {
        https_only: false,
        allow_userinfo: false,
    };

    /// Refuse `http`.
    pub const fn with_https_only(mut self, https_only: bool) -> UrlRules {
        self.https_only = https_only;
        self
    }

    /// Accept a user name and password in the URL (sent as HTTP basic
    /// authentication by most clients).
    ///
    /// # Security
    ///
    /// The credentials then live in the URL: in the endpoint definition and
    /// wherever a caller prints [`EndpointUrl::as_str`]. The crate's own
    /// `Debug` output never shows them.
    pub const fn with_userinfo_allowed(mut self, allowed: bool) -> UrlRules {
        self.allow_userinfo = allowed;
        self
    }

    /// Whether `http` is refused.
    pub const fn https_only(&self) -> bool {
        self.https_only
    }

    /// Whether a user name and password are accepted.
    pub const fn userinfo_allowed(&self) -> bool {
        self.allow_userinfo
    }
}

impl Default for UrlRules {
    fn default() -> Self {
        UrlRules::DEFAULT
    }
}

/// The URL deliveries to an endpoint are sent to.
///
/// Parsed with the WHATWG parser of the `url` crate, which normalises the
/// host (`HTTP://Example.COM` becomes `http://example.com/`, IPv4 written
/// as `0x7f.1` becomes `127.0.0.1`), so later checks of the host see what a
/// client will connect to. Refused: text with spaces or control characters
/// (the parser would drop some silently), longer than
/// [`EndpointUrl::MAX_LEN`], relative, another scheme than `http` and
/// `https`, no host, and a user name or password unless the
/// [`UrlRules`] allow it.
///
/// This is not the address guard: a URL naming a private or loopback
/// address is valid here, and is refused by the sender when it resolves
/// the host.
///
/// ```
/// use webhook_kit::delivery::{EndpointUrl, UrlError};
///
/// let url = EndpointUrl::parse("HTTPS://Hooks.Example.com/in?token=s3cr3t")?;
/// assert_eq!(url.as_str(), "https://hooks.example.com/in?token=s3cr3t");
/// // Debug shows the origin only: paths and queries often carry tokens.
/// assert_eq!(format!("{url:?}"), r#"EndpointUrl("https://hooks.example.com/…")"#);
///
/// assert_eq!(EndpointUrl::parse("ftp://example.com/").unwrap_err(), UrlError::UnsupportedScheme);
/// assert_eq!(EndpointUrl::parse("https://user:pw@example.com/").unwrap_err(), UrlError::Userinfo);
/// # Ok::<(), UrlError>(())
/// ```
///
/// # Security
///
/// The path and query of a webhook URL are often a credential (Slack's
/// incoming webhook URLs are one). `Debug` shows the origin and `/…`;
/// [`EndpointUrl::as_str`] gives the whole URL, for sending.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EndpointUrl {
    url: url::Url,
}

impl EndpointUrl {
    /// The longest URL accepted, in bytes.
    pub const MAX_LEN: usize = 4096;

    /// Parses `text` under [`UrlRules::DEFAULT`].
    ///
    /// # Errors
    ///
    /// The [`UrlError`] of the first rule broken.
    pub fn parse(text: &str) -> Result<EndpointUrl, UrlError> {
        EndpointUrl::parse_with(text, UrlRules::DEFAULT)
    }

    /// Parses `text` under `rules`.
    ///
    /// # Errors
    ///
    /// The [`UrlError`] of the first rule broken, checked in this order:
    /// length, characters, syntax, scheme, host, credentials.
    pub fn parse_with(text: &str, rules: UrlRules) -> Result<EndpointUrl, UrlError> {
        if text.len() > Self::MAX_LEN {
            return Err(UrlError::TooLong { len: text.len() });
        }
        if text.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(UrlError::InvalidCharacter);
        }
        let url = url::Url::parse(text).map_err(UrlError::Parse)?;

        match url.scheme() {
            "https" => {}
            "http" if rules.https_only => return Err(UrlError::NotHttps),
            "http" => {}
            _ => return Err(UrlError::UnsupportedScheme),
        }
        // The parser demands a host for http and https; checked again so
        // the rule does not rest on that.
        if url.host().is_none() {
            return Err(UrlError::MissingHost);
        }
        if !rules.allow_userinfo && (!url.username().is_empty() || url.password().is_some()) {
            return Err(UrlError::Userinfo);
        }
        Ok(EndpointUrl { url })
    }

    /// The normalised URL, for sending.
    ///
    /// # Security
    ///
    /// It may carry a token in its path or query: do not log it.
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    /// The parsed URL.
    pub fn as_url(&self) -> &url::Url {
        &self.url
    }

    /// Whether the scheme is `https`.
    pub fn is_https(&self) -> bool {
        self.url.scheme() == "https"
    }

    /// The host, as the parser normalised it (a domain, or an IP literal;
    /// IPv6 in brackets).
    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    /// The port, explicit or the scheme's default (80 or 443).
    pub fn port(&self) -> u16 {
        self.url
            .port_or_known_default()
            .unwrap_or(if self.is_https() { 443 } else { 80 })
    }

    /// The URL with everything that may be secret left out: the scheme,
    /// host and explicit port, then `/…` when there is a path other than
    /// `/` or a query.
    pub fn redacted(&self) -> String {
        let mut out = format!("{}://{}", self.url.scheme(), self.host());
        if let Some(port) = self.url.port() {
            out.push_str(&format!(":{port}"));
        }
        if self.url.path() != "/" || self.url.query().is_some() {
            out.push_str("/…");
        } else {
            out.push('/');
        }
        out
    }
}

impl fmt::Debug for EndpointUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("EndpointUrl")
            .field(&self.redacted())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<EndpointUrl, UrlError> {
        EndpointUrl::parse(text)
    }

    #[test]
    fn accepts_http_and_https_and_normalises() {
        let url = parse("https://hooks.example.com/in").unwrap();
        assert!(url.is_https());
        assert_eq!(url.host(), "hooks.example.com");
        assert_eq!(url.port(), 443);
        let url = parse("HTTP://Example.COM:8080").unwrap();
        assert_eq!(url.as_str(), "http://example.com:8080/");
        assert_eq!(url.port(), 8080);
        assert_eq!(parse("http://0x7f.1/").unwrap().host(), "127.0.0.1");
        assert_eq!(parse("http://[::1]:9/").unwrap().host(), "[::1]");
        assert_eq!(
            parse("https://bücher.example/").unwrap().host(),
            "xn--bcher-kva.example"
        );
    }

    #[test]
    fn refusals_are_typed() {
        assert!(matches!(parse("/relative"), Err(UrlError::Parse(_))));
        assert!(matches!(
            parse("not a url"),
            Err(UrlError::InvalidCharacter)
        ));
        assert!(matches!(
            parse("hooks.example.com/in"),
            Err(UrlError::Parse(_))
        ));
        assert!(matches!(parse("http://"), Err(UrlError::Parse(_))));
        for scheme in ["ftp", "file", "ws", "mailto", "data", "javascript"] {
            assert_eq!(
                parse(&format!("{scheme}://example.com/")).unwrap_err(),
                UrlError::UnsupportedScheme,
                "{scheme}"
            );
        }
        assert_eq!(
            parse("mailto:a@example.com").unwrap_err(),
            UrlError::UnsupportedScheme
        );
        assert_eq!(
            parse("https://u@example.com/").unwrap_err(),
            UrlError::Userinfo
        );
        assert_eq!(
            parse("https://:p@example.com/").unwrap_err(),
            UrlError::Userinfo
        );
        for padded in [
            "https://example.com/\n",
            " https://example.com/",
            "https://exa\tmple.com/",
        ] {
            assert_eq!(
                parse(padded).unwrap_err(),
                UrlError::InvalidCharacter,
                "{padded:?}"
            );
        }
        let long = format!("https://example.com/{}", "a".repeat(4096));
        assert!(matches!(parse(&long), Err(UrlError::TooLong { .. })));
    }

    #[test]
    fn rules_are_applied() {
        let https = UrlRules::DEFAULT.with_https_only(true);
        assert_eq!(
            EndpointUrl::parse_with("http://example.com/", https).unwrap_err(),
            UrlError::NotHttps
        );
        assert!(EndpointUrl::parse_with("https://example.com/", https).is_ok());
        let creds = UrlRules::DEFAULT.with_userinfo_allowed(true);
        assert!(creds.userinfo_allowed());
        let url = EndpointUrl::parse_with("https://u:p@example.com/x", creds).unwrap();
        assert_eq!(url.as_str(), "https://u:p@example.com/x");
        assert_eq!(url.redacted(), "https://example.com/…");
    }

    #[test]
    fn debug_hides_paths_queries_and_credentials() {
        let url = parse("https://hooks.slack.com/services/T0/B0/XXXXSECRET?token=abc").unwrap();
        let shown = format!("{url:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(!shown.contains("abc"), "{shown}");
        assert_eq!(
            parse("http://example.com:81").unwrap().redacted(),
            "http://example.com:81/"
        );
        assert_eq!(
            parse("http://example.com/?a").unwrap().redacted(),
            "http://example.com/…"
        );
    }
}
