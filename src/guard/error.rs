//! The errors of the address guard: a target refused, a host that cannot be
//! read, and an allow-list entry that cannot be parsed.
//!
//! None of them carries anything secret: they name the address, the range
//! and its class, or the host or entry as written (cut to
//! [`MAX_ECHOED_BYTES`] so a hostile input cannot blow up a log line).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use super::cidr::Cidr;
use super::class::AddressClass;

/// How many bytes of a host or allow-list entry an error repeats at most.
pub const MAX_ECHOED_BYTES: usize = 255;

/// Why a target was refused by [`Guard::check`](super::Guard::check).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GuardError {
    /// An address lies in a forbidden range and no allow-list entry opens it.
    Forbidden {
        /// The address as it was checked (for an IPv4-mapped or NAT64
        /// address, the IPv6 form).
        address: IpAddr,
        /// Why the range is forbidden.
        class: AddressClass,
        /// The forbidden range the address falls in. For an address that
        /// carries an IPv4 address, the IPv4 range.
        range: Cidr,
        /// The IPv4 address an IPv4-mapped or NAT64 address carries, when
        /// that is what was judged.
        embedded: Option<Ipv4Addr>,
    },
    /// There is no address to check: an empty DNS answer is a refusal,
    /// never a pass.
    NoAddresses {
        /// The host, as parsed.
        host: String,
    },
    /// The host cannot be read as an IP literal or a host name.
    InvalidHost {
        /// The host as given, cut to [`MAX_ECHOED_BYTES`].
        host: String,
        /// What is wrong with it.
        reason: HostError,
    },
    /// The host is an IP literal and an address to connect to is another
    /// one: the caller would connect somewhere the host does not name.
    LiteralMismatch {
        /// The IP literal the host names.
        literal: IpAddr,
        /// The address that differs from it.
        address: IpAddr,
    },
}

impl GuardError {
    /// A stable snake_case code for this error. An invalid host has the
    /// code of its [`HostError`].
    pub fn code(&self) -> &'static str {
        match self {
            GuardError::Forbidden { .. } => "forbidden_address",
            GuardError::NoAddresses { .. } => "no_addresses",
            GuardError::InvalidHost { reason, .. } => reason.code(),
            GuardError::LiteralMismatch { .. } => "literal_mismatch",
        }
    }

    /// The class of the forbidden range, for [`GuardError::Forbidden`].
    pub fn class(&self) -> Option<AddressClass> {
        match self {
            GuardError::Forbidden { class, .. } => Some(*class),
            _ => None,
        }
    }
}

impl fmt::Display for GuardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuardError::Forbidden {
                address,
                class,
                range,
                embedded: Some(inner),
            } => write!(
                f,
                "{address} carries the ipv4 address {inner}, which is in {range}, {class}; \
                 no allow-list entry opens it"
            ),
            GuardError::Forbidden {
                address,
                class,
                range,
                embedded: None,
            } => write!(
                f,
                "{address} is in {range}, {class}; no allow-list entry opens it"
            ),
            GuardError::NoAddresses { host } => write!(
                f,
                "no addresses to check for `{}`: an empty answer is refused",
                host.escape_debug()
            ),
            GuardError::InvalidHost { host, reason } => {
                write!(f, "host `{}` refused: {reason}", host.escape_debug())
            }
            GuardError::LiteralMismatch { literal, address } => write!(
                f,
                "the host is the ip literal {literal}, but an address to connect to is {address}"
            ),
        }
    }
}

impl std::error::Error for GuardError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GuardError::InvalidHost { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

/// Why a string is not a usable host: neither a strict IP literal nor a
/// well-formed host name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostError {
    /// The host is empty (or only a dot).
    Empty,
    /// A host name longer than 253 bytes (a trailing dot not counted).
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// A host name with an empty label (`a..b`, a leading dot, two
    /// trailing dots).
    EmptyLabel,
    /// A label longer than 63 bytes.
    LabelTooLong {
        /// The label's length in bytes.
        len: usize,
    },
    /// A character that is not an ASCII letter, digit, `-` or `_` (an
    /// internationalised name must arrive in its `xn--` form).
    InvalidCharacter {
        /// The first such character.
        ch: char,
    },
    /// The host ends in a number, so resolvers read it as an IPv4
    /// address, but it is not a strict dotted quad: `127.1`, `0x7f.1`,
    /// `0177.0.0.1`, `2130706433`, `1.2.3.4.`. Resolvers disagree on these
    /// forms, so they are refused rather than guessed at.
    AmbiguousIpv4,
    /// A bracketed host, or one with a colon, that is not an IPv6 address
    /// (zone ids such as `%eth0` and ports are not accepted).
    InvalidIpv6,
    /// An IP literal where only a host name is accepted
    /// ([`HostName::parse`](super::HostName::parse)).
    NotAName,
}

impl HostError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            HostError::Empty => "empty_host",
            HostError::TooLong { .. } => "host_too_long",
            HostError::EmptyLabel => "empty_label",
            HostError::LabelTooLong { .. } => "label_too_long",
            HostError::InvalidCharacter { .. } => "invalid_character",
            HostError::AmbiguousIpv4 => "ambiguous_ipv4",
            HostError::InvalidIpv6 => "invalid_ipv6",
            HostError::NotAName => "not_a_host_name",
        }
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::Empty => f.write_str("the host is empty"),
            HostError::TooLong { len } => {
                write!(f, "the host name is {len} bytes long, more than 253")
            }
            HostError::EmptyLabel => f.write_str("the host name has an empty label"),
            HostError::LabelTooLong { len } => {
                write!(f, "a label of the host name is {len} bytes long, more than 63")
            }
            HostError::InvalidCharacter { ch } => write!(
                f,
                "the host name contains {ch:?}, which is not an ascii letter, digit, `-` or `_`"
            ),
            HostError::AmbiguousIpv4 => f.write_str(
                "the host ends in a number but is not a dotted-quad ipv4 address \
                 (four decimal parts of 0 to 255, no leading zeros); \
                 forms like `127.1`, `0x7f.1` or `0177.0.0.1` are read differently by different resolvers",
            ),
            HostError::InvalidIpv6 => f.write_str(
                "the host is not an ipv6 address (zone ids and ports are not accepted)",
            ),
            HostError::NotAName => f.write_str("an ip address where a host name is expected"),
        }
    }
}

impl std::error::Error for HostError {}

/// Why an allow-list entry cannot be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AllowEntryError {
    /// The entry is empty.
    Empty,
    /// The part before `/` is not a dotted-quad IPv4 or an IPv6 address.
    InvalidAddress {
        /// The entry, cut to [`MAX_ECHOED_BYTES`].
        entry: String,
    },
    /// The part after `/` is not a decimal prefix length (digits only,
    /// no sign, no leading zero).
    InvalidPrefix {
        /// The entry, cut to [`MAX_ECHOED_BYTES`].
        entry: String,
    },
    /// A prefix length above 32 (IPv4) or 128 (IPv6).
    PrefixTooLong {
        /// The entry, cut to [`MAX_ECHOED_BYTES`].
        entry: String,
        /// The prefix length given.
        prefix_len: u16,
        /// The longest one for the address family.
        max: u8,
    },
    /// The address has bits set below the prefix (`10.0.0.1/8`). Refused
    /// rather than masked, since the writer may have meant the single
    /// address or a different block; `network` is the block it would mask to.
    HostBitsSet {
        /// The entry, cut to [`MAX_ECHOED_BYTES`].
        entry: String,
        /// The block with the host bits cleared.
        network: Cidr,
    },
    /// The entry has no `/` and is neither an IP literal nor a host name.
    InvalidHost {
        /// The entry, cut to [`MAX_ECHOED_BYTES`].
        entry: String,
        /// Why it is not a host.
        reason: HostError,
    },
}

impl AllowEntryError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            AllowEntryError::Empty => "empty_entry",
            AllowEntryError::InvalidAddress { .. } => "invalid_address",
            AllowEntryError::InvalidPrefix { .. } => "invalid_prefix",
            AllowEntryError::PrefixTooLong { .. } => "prefix_too_long",
            AllowEntryError::HostBitsSet { .. } => "host_bits_set",
            AllowEntryError::InvalidHost { .. } => "invalid_host",
        }
    }
}

impl fmt::Display for AllowEntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllowEntryError::Empty => f.write_str("an allow-list entry is empty"),
            AllowEntryError::InvalidAddress { entry } => write!(
                f,
                "allow-list entry `{}`: the part before `/` is not a dotted-quad ipv4 or an ipv6 address",
                entry.escape_debug()
            ),
            AllowEntryError::InvalidPrefix { entry } => write!(
                f,
                "allow-list entry `{}`: the prefix length is not a decimal number without sign or leading zero",
                entry.escape_debug()
            ),
            AllowEntryError::PrefixTooLong {
                entry,
                prefix_len,
                max,
            } => write!(
                f,
                "allow-list entry `{}`: a prefix length of {prefix_len} is more than {max}",
                entry.escape_debug()
            ),
            AllowEntryError::HostBitsSet { entry, network } => write!(
                f,
                "allow-list entry `{}` has bits set below its prefix; write the block as {network} \
                 or the single address with /32 or /128",
                entry.escape_debug()
            ),
            AllowEntryError::InvalidHost { entry, reason } => write!(
                f,
                "allow-list entry `{}` is not an address block, an ip address or a host name: {reason}",
                entry.escape_debug()
            ),
        }
    }
}

impl std::error::Error for AllowEntryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AllowEntryError::InvalidHost { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

/// At most [`MAX_ECHOED_BYTES`] of `text`, cut at a character boundary.
pub(crate) fn echo(text: &str) -> String {
    let mut end = 0;
    for (start, ch) in text.char_indices() {
        let next = start.saturating_add(ch.len_utf8());
        if next > MAX_ECHOED_BYTES {
            break;
        }
        end = next;
    }
    text.get(..end).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_keeps_short_text_whole() {
        assert_eq!(echo("hooks.example.com"), "hooks.example.com");
        assert_eq!(echo(""), "");
    }

    #[test]
    fn echo_cuts_long_text_at_a_character_boundary() {
        let long = "a".repeat(1000);
        assert_eq!(echo(&long).len(), MAX_ECHOED_BYTES);

        // 254 ASCII bytes then a two-byte character: the character would end at 256.
        let text = format!("{}é", "a".repeat(254));
        assert_eq!(echo(&text), "a".repeat(254));
    }

    #[test]
    fn codes_are_stable() {
        assert_eq!(
            GuardError::NoAddresses { host: "a".into() }.code(),
            "no_addresses"
        );
        assert_eq!(
            GuardError::InvalidHost {
                host: "127.1".into(),
                reason: HostError::AmbiguousIpv4
            }
            .code(),
            "ambiguous_ipv4"
        );
        assert_eq!(HostError::InvalidIpv6.code(), "invalid_ipv6");
        assert_eq!(AllowEntryError::Empty.code(), "empty_entry");
    }

    #[test]
    fn messages_are_lowercase_and_name_the_problem() {
        let err = GuardError::InvalidHost {
            host: "0x7f.1".into(),
            reason: HostError::AmbiguousIpv4,
        };
        let text = err.to_string();
        assert!(text.starts_with("host `0x7f.1` refused"), "{text}");
        assert!(std::error::Error::source(&err).is_some());

        let err = GuardError::LiteralMismatch {
            literal: "1.1.1.1".parse().unwrap(),
            address: "10.0.0.1".parse().unwrap(),
        };
        assert!(err.to_string().contains("10.0.0.1"));
        assert_eq!(err.class(), None);
    }
}
