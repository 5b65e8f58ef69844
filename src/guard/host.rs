//! Reading a target host: an IP literal (strict forms only) or a host
//! name, never something in between.
//!
//! Resolvers disagree on hosts that end in a number: `127.1`, `0x7f.1`,
//! `0177.0.0.1` and `2130706433` are 127.0.0.1 to `inet_aton` and to a
//! WHATWG URL parser, a name to others. So a host whose last label is a
//! number (decimal, or `0x` hex) must be a plain dotted quad; anything else
//! of that shape is refused as [`HostError::AmbiguousIpv4`].

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use super::error::HostError;

/// The longest host name, trailing dot not counted.
const MAX_NAME_BYTES: usize = 253;
/// The longest label of a host name.
const MAX_LABEL_BYTES: usize = 63;

/// A target host, read strictly: an IP literal or a host name.
///
/// IP literals are dotted-quad IPv4 (four decimal parts of 0 to 255, no
/// leading zeros) and IPv6, bracketed (`[::1]`, as in a URL) or not,
/// without a zone id. Host names are ASCII letters, digits, `-` and `_`
/// in dot-separated labels, compared case-insensitively with one trailing
/// dot ignored.
///
/// ```
/// use std::net::IpAddr;
/// use webhook_kit::guard::{HostError, TargetHost};
///
/// let host = TargetHost::parse("[::1]")?;
/// assert_eq!(host.ip(), Some("::1".parse::<IpAddr>()?));
///
/// let host = TargetHost::parse("Hooks.Example.COM.")?;
/// assert_eq!(host.to_string(), "hooks.example.com");
///
/// assert_eq!(TargetHost::parse("0x7f.1"), Err(HostError::AmbiguousIpv4));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TargetHost {
    /// An IP literal: connect to it, resolve nothing.
    Ip(IpAddr),
    /// A host name, to be resolved once by the caller.
    Name(HostName),
}

impl TargetHost {
    /// Reads a host as it appears in a URL (`url::Url::host_str`), or an
    /// unbracketed IPv6 address.
    ///
    /// # Errors
    ///
    /// A [`HostError`]: empty, an ambiguous IPv4 form, a bad IPv6
    /// literal, or a host name with a bad label or character.
    pub fn parse(host: &str) -> Result<TargetHost, HostError> {
        if host.is_empty() {
            return Err(HostError::Empty);
        }

        if let Some(inner) = host.strip_prefix('[') {
            let inner = inner.strip_suffix(']').ok_or(HostError::InvalidIpv6)?;
            return parse_ipv6(inner);
        }
        // A colon belongs to no host name; a port is not part of a host.
        if host.contains(':') {
            return parse_ipv6(host);
        }

        if ends_in_number(host) {
            return parse_dotted_quad(host)
                .map(|v4| TargetHost::Ip(IpAddr::V4(v4)))
                .ok_or(HostError::AmbiguousIpv4);
        }

        HostName::from_checked_labels(host).map(TargetHost::Name)
    }

    /// The address, for an IP literal.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            TargetHost::Ip(ip) => Some(*ip),
            TargetHost::Name(_) => None,
        }
    }

    /// The host name, for a name.
    pub fn name(&self) -> Option<&HostName> {
        match self {
            TargetHost::Ip(_) => None,
            TargetHost::Name(name) => Some(name),
        }
    }
}

impl FromStr for TargetHost {
    type Err = HostError;

    fn from_str(host: &str) -> Result<TargetHost, HostError> {
        TargetHost::parse(host)
    }
}

/// IPv4 as a dotted quad, IPv6 in brackets (the URL form), a name as
/// normalised.
impl fmt::Display for TargetHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetHost::Ip(IpAddr::V4(v4)) => write!(f, "{v4}"),
            TargetHost::Ip(IpAddr::V6(v6)) => write!(f, "[{v6}]"),
            TargetHost::Name(name) => write!(f, "{name}"),
        }
    }
}

/// A host name, lowercased, with no trailing dot: the form in which names
/// are compared.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostName(String);

impl HostName {
    /// Reads a host name.
    ///
    /// # Errors
    ///
    /// [`HostError::NotAName`] for an IP literal, otherwise what
    /// [`TargetHost::parse`] reports.
    pub fn parse(name: &str) -> Result<HostName, HostError> {
        match TargetHost::parse(name)? {
            TargetHost::Name(name) => Ok(name),
            TargetHost::Ip(_) => Err(HostError::NotAName),
        }
    }

    /// The name, lowercased, without a trailing dot.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Checks the labels of a host known not to be an IP literal.
    fn from_checked_labels(host: &str) -> Result<HostName, HostError> {
        let name = host.strip_suffix('.').unwrap_or(host);
        if name.is_empty() {
            return Err(HostError::Empty);
        }
        if name.len() > MAX_NAME_BYTES {
            return Err(HostError::TooLong { len: name.len() });
        }

        for label in name.split('.') {
            if label.is_empty() {
                return Err(HostError::EmptyLabel);
            }
            if label.len() > MAX_LABEL_BYTES {
                return Err(HostError::LabelTooLong { len: label.len() });
            }
            if let Some(ch) = label
                .chars()
                .find(|ch| !(ch.is_ascii_alphanumeric() || *ch == '-' || *ch == '_'))
            {
                return Err(HostError::InvalidCharacter { ch });
            }
        }

        Ok(HostName(name.to_ascii_lowercase()))
    }
}

impl FromStr for HostName {
    type Err = HostError;

    fn from_str(name: &str) -> Result<HostName, HostError> {
        HostName::parse(name)
    }
}

impl fmt::Display for HostName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn parse_ipv6(text: &str) -> Result<TargetHost, HostError> {
    text.parse::<Ipv6Addr>()
        .map(|v6| TargetHost::Ip(IpAddr::V6(v6)))
        .map_err(|_| HostError::InvalidIpv6)
}

/// Whether the last label (one trailing dot ignored) is a number in the
/// WHATWG sense: decimal digits, or `0x`/`0X` and hex digits. Such a host
/// is an IPv4 address to a URL parser, whatever else it holds.
fn ends_in_number(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    let last = host.rsplit('.').next().unwrap_or(host);
    if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    last.strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Four decimal parts of 0 to 255, without sign, leading zero or trailing
/// dot: the one IPv4 form every resolver reads the same way.
fn parse_dotted_quad(text: &str) -> Option<Ipv4Addr> {
    let mut octets = [0_u8; 4];
    let mut parts = text.split('.');
    for octet in &mut octets {
        *octet = parse_octet(parts.next()?)?;
    }
    parts.next().is_none().then(|| Ipv4Addr::from(octets))
}

fn parse_octet(part: &str) -> Option<u8> {
    let plain = !part.is_empty()
        && part.len() <= 3
        && part.bytes().all(|b| b.is_ascii_digit())
        && (part == "0" || !part.starts_with('0'));
    if !plain {
        return None;
    }
    part.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> TargetHost {
        TargetHost::Ip(text.parse().unwrap())
    }

    #[test]
    fn ip_literals_in_strict_forms() {
        for (host, want) in [
            ("127.0.0.1", "127.0.0.1"),
            ("0.0.0.0", "0.0.0.0"),
            ("255.255.255.255", "255.255.255.255"),
            ("10.0.0.1", "10.0.0.1"),
            ("[::1]", "::1"),
            ("::1", "::1"),
            ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
            ("[FE80::1]", "fe80::1"),
            ("[64:ff9b::7f00:1]", "64:ff9b::7f00:1"),
        ] {
            assert_eq!(TargetHost::parse(host), Ok(ip(want)), "{host}");
        }
    }

    #[test]
    fn legacy_ipv4_forms_are_ambiguous() {
        for host in [
            "127.1",
            "127.0.1",
            "0x7f.1",
            "0x7f.0.0.1",
            "0X7F.0.0.1",
            "0177.0.0.1",
            "127.0.0.01",
            "00.0.0.0",
            "2130706433",
            "0x7f000001",
            "017700000001",
            "127.0.0.1.",
            "127.0.0.1.1",
            "256.0.0.1",
            "1.2.3.1000",
            "example.123",
            "example.0x",
            "1..2.3",
            ".1.2.3.4",
        ] {
            assert_eq!(
                TargetHost::parse(host),
                Err(HostError::AmbiguousIpv4),
                "{host}"
            );
        }
    }

    #[test]
    fn bad_ipv6_literals_are_refused() {
        for host in [
            "[::1",
            "[127.0.0.1]",
            "[fe80::1%eth0]",
            "fe80::1%25eth0",
            "[::1]:443",
            "example.com:443",
            "[]",
            "[::ffff:0177.0.0.1]",
            ":::",
        ] {
            assert_eq!(
                TargetHost::parse(host),
                Err(HostError::InvalidIpv6),
                "{host}"
            );
        }
    }

    #[test]
    fn names_are_lowercased_and_lose_one_trailing_dot() {
        for (host, want) in [
            ("example.com", "example.com"),
            ("Hooks.Example.COM", "hooks.example.com"),
            ("example.com.", "example.com"),
            ("localhost", "localhost"),
            ("_acme.example-1.com", "_acme.example-1.com"),
            ("xn--bcher-kva.example", "xn--bcher-kva.example"),
            ("1.2.3.4.example", "1.2.3.4.example"),
            ("0x7f.example", "0x7f.example"),
            ("example.0xg", "example.0xg"),
        ] {
            let parsed = TargetHost::parse(host).unwrap();
            assert_eq!(parsed.name().map(HostName::as_str), Some(want), "{host}");
            assert_eq!(parsed.ip(), None);
        }
    }

    #[test]
    fn malformed_names_are_refused() {
        assert_eq!(TargetHost::parse(""), Err(HostError::Empty));
        assert_eq!(TargetHost::parse("."), Err(HostError::Empty));
        assert_eq!(TargetHost::parse("a..b"), Err(HostError::EmptyLabel));
        assert_eq!(TargetHost::parse(".a"), Err(HostError::EmptyLabel));
        assert_eq!(TargetHost::parse("a.."), Err(HostError::EmptyLabel));
        assert_eq!(
            TargetHost::parse("exa mple.com"),
            Err(HostError::InvalidCharacter { ch: ' ' })
        );
        assert_eq!(
            TargetHost::parse("bücher.example"),
            Err(HostError::InvalidCharacter { ch: 'ü' })
        );
        assert_eq!(
            TargetHost::parse("a%2e.example"),
            Err(HostError::InvalidCharacter { ch: '%' })
        );
        assert_eq!(
            TargetHost::parse("user@example.com"),
            Err(HostError::InvalidCharacter { ch: '@' })
        );
        assert_eq!(
            TargetHost::parse("127.0.0.1\0.example"),
            Err(HostError::InvalidCharacter { ch: '\0' })
        );

        let label = "a".repeat(64);
        assert_eq!(
            TargetHost::parse(&format!("{label}.example")),
            Err(HostError::LabelTooLong { len: 64 })
        );
        let long = [
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(62),
        ]
        .join(".");
        assert_eq!(long.len(), 254);
        assert_eq!(
            TargetHost::parse(&long),
            Err(HostError::TooLong { len: 254 })
        );
        // 253 bytes plus the trailing dot is still a valid name.
        let longest = [
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(61),
        ]
        .join(".");
        assert!(TargetHost::parse(&format!("{longest}.")).is_ok());
    }

    #[test]
    fn a_host_name_is_not_an_address() {
        assert_eq!(HostName::parse("10.0.0.1"), Err(HostError::NotAName));
        assert_eq!(HostName::parse("[::1]"), Err(HostError::NotAName));
        assert_eq!(HostName::parse("127.1"), Err(HostError::AmbiguousIpv4));
        assert_eq!(
            "Example.com.".parse::<HostName>().map(|n| n.to_string()),
            Ok("example.com".to_owned())
        );
    }

    #[test]
    fn display_brackets_ipv6() {
        assert_eq!(TargetHost::parse("::1").unwrap().to_string(), "[::1]");
        assert_eq!(
            TargetHost::parse("10.0.0.1").unwrap().to_string(),
            "10.0.0.1"
        );
    }
}
