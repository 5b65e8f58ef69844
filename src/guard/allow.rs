//! The allow-list: explicit exceptions to the forbidden ranges, as address
//! blocks or exact host names.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use super::cidr::Cidr;
use super::error::{AllowEntryError, echo};
use super::host::{HostName, TargetHost};

/// One exception: an address block, or a host name whose every resolved
/// address is accepted.
///
/// Read from a string:
///
/// - with a `/`: a [`Cidr`] block, `10.0.0.0/8`, `fd00::/8`; bits set
///   below the prefix are an error ([`AllowEntryError::HostBitsSet`]);
/// - an IP literal as [`TargetHost::parse`] reads it (`127.0.0.1`, `::1`,
///   `[::1]`): that one address;
/// - otherwise a host name, matched exactly and case-insensitively, one
///   trailing dot ignored. No wildcards.
///
/// ```
/// use webhook_kit::guard::AllowEntry;
///
/// assert!(matches!("10.0.0.0/8".parse()?, AllowEntry::Cidr(_)));
/// assert!(matches!("::1".parse()?, AllowEntry::Cidr(_)));
/// assert!(matches!("Internal.Example.".parse()?, AllowEntry::Host(_)));
/// assert!("127.1".parse::<AllowEntry>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AllowEntry {
    /// Every address in the block.
    Cidr(Cidr),
    /// Every address the name resolves to.
    Host(HostName),
}

impl FromStr for AllowEntry {
    type Err = AllowEntryError;

    fn from_str(entry: &str) -> Result<AllowEntry, AllowEntryError> {
        if entry.is_empty() {
            return Err(AllowEntryError::Empty);
        }
        if entry.contains('/') {
            return entry.parse().map(AllowEntry::Cidr);
        }
        match TargetHost::parse(entry) {
            Ok(TargetHost::Ip(ip)) => Ok(AllowEntry::Cidr(Cidr::host(ip))),
            Ok(TargetHost::Name(name)) => Ok(AllowEntry::Host(name)),
            Err(reason) => Err(AllowEntryError::InvalidHost {
                entry: echo(entry),
                reason,
            }),
        }
    }
}

impl fmt::Display for AllowEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllowEntry::Cidr(block) => write!(f, "{block}"),
            AllowEntry::Host(name) => write!(f, "{name}"),
        }
    }
}

impl From<Cidr> for AllowEntry {
    fn from(block: Cidr) -> AllowEntry {
        AllowEntry::Cidr(block)
    }
}

impl From<HostName> for AllowEntry {
    fn from(name: HostName) -> AllowEntry {
        AllowEntry::Host(name)
    }
}

/// The exceptions a [`Guard`](super::Guard) makes to the forbidden ranges.
/// Empty by default: nothing forbidden is allowed.
///
/// An IPv4 block also matches the IPv4-mapped form of its addresses
/// (`127.0.0.0/8` opens `::ffff:127.0.0.1`), since connecting to those
/// reaches the IPv4 address. It does not match NAT64 addresses
/// (`64:ff9b::7f00:1`): write the IPv6 block for those.
///
/// ```
/// use webhook_kit::guard::AllowList;
///
/// let list: AllowList = "10.1.0.0/16, ::1/128 internal.example".parse()?;
/// assert_eq!(list.len(), 3);
/// assert!(list.allows_address("10.1.2.3".parse()?));
/// assert!(!list.allows_address("10.2.0.1".parse()?));
/// assert_eq!(list.to_string(), "10.1.0.0/16, ::1/128, internal.example");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Security
///
/// An entry opens every forbidden class it covers, cloud metadata
/// included: `169.254.0.0/16` opens `169.254.169.254`. Keep blocks narrow.
/// A host-name entry trusts whatever the name resolves to, so it is as
/// safe as that name's DNS; prefer address blocks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowList {
    entries: Vec<AllowEntry>,
}

impl AllowList {
    /// An empty list.
    pub fn new() -> AllowList {
        AllowList::default()
    }

    /// The list with `127.0.0.0/8` and `::1/128` added: the switch for
    /// tests whose servers listen on loopback. Not for production use.
    #[must_use]
    pub fn with_loopback(self) -> AllowList {
        self.with(AllowEntry::Cidr(Cidr::v4([127, 0, 0, 0], 8)))
            .with(AllowEntry::Cidr(Cidr::host(IpAddr::V6(
                Ipv6Addr::LOCALHOST,
            ))))
    }

    /// The list with `entry` added.
    #[must_use]
    pub fn with(mut self, entry: impl Into<AllowEntry>) -> AllowList {
        self.push(entry);
        self
    }

    /// Adds an entry.
    pub fn push(&mut self, entry: impl Into<AllowEntry>) {
        self.entries.push(entry.into());
    }

    /// A list from entries written as strings, such as the items of a
    /// configuration array.
    ///
    /// # Errors
    ///
    /// The [`AllowEntryError`] of the first entry that does not parse.
    pub fn parse_entries<I, S>(entries: I) -> Result<AllowList, AllowEntryError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let entries = entries
            .into_iter()
            .map(|entry| entry.as_ref().parse())
            .collect::<Result<Vec<AllowEntry>, AllowEntryError>>()?;
        Ok(AllowList { entries })
    }

    /// The entries, in the order given.
    pub fn entries(&self) -> &[AllowEntry] {
        &self.entries
    }

    /// How many entries the list holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list holds no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether an address block of the list holds `ip` (or, for an
    /// IPv4-mapped address, the IPv4 address it maps).
    pub fn allows_address(&self, ip: IpAddr) -> bool {
        let unmapped = mapped_ipv4(ip).map(IpAddr::V4);
        self.entries.iter().any(|entry| match entry {
            AllowEntry::Cidr(block) => {
                block.contains(ip) || unmapped.is_some_and(|v4| block.contains(v4))
            }
            AllowEntry::Host(_) => false,
        })
    }

    /// Whether `name` is one of the list's host names.
    pub fn allows_host(&self, name: &HostName) -> bool {
        self.entries
            .iter()
            .any(|entry| matches!(entry, AllowEntry::Host(allowed) if allowed == name))
    }
}

/// Reads entries separated by commas and/or ASCII whitespace; an empty
/// string is an empty list.
impl FromStr for AllowList {
    type Err = AllowEntryError;

    fn from_str(text: &str) -> Result<AllowList, AllowEntryError> {
        AllowList::parse_entries(
            text.split(|ch: char| ch == ',' || ch.is_ascii_whitespace())
                .filter(|entry| !entry.is_empty()),
        )
    }
}

/// The entries separated by `", "`, which [`AllowList::from_str`] reads
/// back.
impl fmt::Display for AllowList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (at, entry) in self.entries.iter().enumerate() {
            if at > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{entry}")?;
        }
        Ok(())
    }
}

impl FromIterator<AllowEntry> for AllowList {
    fn from_iter<I: IntoIterator<Item = AllowEntry>>(entries: I) -> AllowList {
        AllowList {
            entries: entries.into_iter().collect(),
        }
    }
}

impl Extend<AllowEntry> for AllowList {
    fn extend<I: IntoIterator<Item = AllowEntry>>(&mut self, entries: I) {
        self.entries.extend(entries);
    }
}

fn mapped_ipv4(ip: IpAddr) -> Option<Ipv4Addr> {
    match ip {
        IpAddr::V4(_) => None,
        IpAddr::V6(v6) => v6.to_ipv4_mapped(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::HostError;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn name(text: &str) -> HostName {
        HostName::parse(text).unwrap()
    }

    #[test]
    fn entries_of_every_kind() {
        assert_eq!(
            "127.0.0.1/32".parse::<AllowEntry>(),
            Ok(AllowEntry::Cidr("127.0.0.1/32".parse().unwrap()))
        );
        assert_eq!(
            "::1/128".parse::<AllowEntry>(),
            Ok(AllowEntry::Cidr("::1/128".parse().unwrap()))
        );
        assert_eq!(
            "10.0.0.0/8".parse::<AllowEntry>().unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert_eq!(
            "10.0.0.7".parse::<AllowEntry>().unwrap().to_string(),
            "10.0.0.7/32"
        );
        assert_eq!(
            "[::1]".parse::<AllowEntry>().unwrap().to_string(),
            "::1/128"
        );
        assert_eq!(
            "Hooks.Internal.".parse::<AllowEntry>(),
            Ok(AllowEntry::Host(name("hooks.internal")))
        );
    }

    #[test]
    fn entry_errors_are_typed() {
        assert_eq!("".parse::<AllowEntry>(), Err(AllowEntryError::Empty));
        assert!(matches!(
            "10.0.0.0/33".parse::<AllowEntry>(),
            Err(AllowEntryError::PrefixTooLong { .. })
        ));
        assert!(matches!(
            "10.0.0.1/8".parse::<AllowEntry>(),
            Err(AllowEntryError::HostBitsSet { .. })
        ));
        assert!(matches!(
            "ten/8".parse::<AllowEntry>(),
            Err(AllowEntryError::InvalidAddress { .. })
        ));
        assert!(matches!(
            "10.0.0.0/eight".parse::<AllowEntry>(),
            Err(AllowEntryError::InvalidPrefix { .. })
        ));
        for (entry, reason) in [
            ("127.1", HostError::AmbiguousIpv4),
            ("0x7f.0.0.1", HostError::AmbiguousIpv4),
            ("*.example.com", HostError::InvalidCharacter { ch: '*' }),
            ("fe80::1%eth0", HostError::InvalidIpv6),
        ] {
            assert_eq!(
                entry.parse::<AllowEntry>(),
                Err(AllowEntryError::InvalidHost {
                    entry: entry.into(),
                    reason
                }),
                "{entry}"
            );
        }
    }

    #[test]
    fn blocks_match_their_addresses_and_mapped_forms() {
        let list = AllowList::new().with("10.0.0.0/8".parse::<Cidr>().unwrap());
        assert!(list.allows_address(ip("10.0.0.0")));
        assert!(list.allows_address(ip("10.255.255.255")));
        assert!(list.allows_address(ip("::ffff:10.1.2.3")));
        assert!(!list.allows_address(ip("11.0.0.0")));
        assert!(!list.allows_address(ip("64:ff9b::a00:1")));
        assert!(!list.allows_address(ip("::a00:1")));
    }

    #[test]
    fn host_names_match_exactly() {
        let list: AllowList = "Internal.Example".parse().unwrap();
        assert!(list.allows_host(&name("internal.example.")));
        assert!(list.allows_host(&name("INTERNAL.EXAMPLE")));
        assert!(!list.allows_host(&name("a.internal.example")));
        assert!(!list.allows_host(&name("internal.example.com")));
        assert!(!list.allows_address(ip("10.0.0.1")));
    }

    #[test]
    fn loopback_switch_opens_loopback_only() {
        let list = AllowList::new().with_loopback();
        assert!(list.allows_address(ip("127.0.0.1")));
        assert!(list.allows_address(ip("127.255.255.255")));
        assert!(list.allows_address(ip("::1")));
        assert!(list.allows_address(ip("::ffff:127.0.0.1")));
        assert!(!list.allows_address(ip("10.0.0.1")));
        assert!(!list.allows_address(ip("::2")));
        assert_eq!(list.to_string(), "127.0.0.0/8, ::1/128");
    }

    #[test]
    fn lists_parse_and_print_back() {
        let list: AllowList = " 10.0.0.0/8,,fd00::/8\n hooks.internal ".parse().unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list.to_string(), "10.0.0.0/8, fd00::/8, hooks.internal");
        assert_eq!(list.to_string().parse::<AllowList>(), Ok(list.clone()));

        let empty: AllowList = "".parse().unwrap();
        assert!(empty.is_empty());

        assert!(matches!(
            "10.0.0.0/8, 10.0.0.1/8".parse::<AllowList>(),
            Err(AllowEntryError::HostBitsSet { .. })
        ));

        let from_config = AllowList::parse_entries(["10.0.0.0/8", "localhost"]).unwrap();
        assert_eq!(from_config.entries().len(), 2);
        let collected: AllowList = from_config.entries().iter().cloned().collect();
        assert_eq!(collected, from_config);
    }
}
