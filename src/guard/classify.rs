//! The classifier: which forbidden range, if any, holds an address.
//!
//! Two tables, one per family, each ordered so that a narrower range comes
//! before any range holding it; the first match names the class. IPv6
//! addresses that stand for an IPv4 address reachable as such
//! (IPv4-mapped `::ffff:0:0/96` and NAT64 `64:ff9b::/96`) are judged by
//! that IPv4 address before the IPv6 table is consulted.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::cidr::Cidr;
use super::class::AddressClass;
use super::ranges::{NAT64_WELL_KNOWN, V4_RULES, V6_RULES};

/// The class of `ip`: the reason it is forbidden as a webhook target, or
/// [`AddressClass::Global`].
///
/// Covers every range of the crate's SSRF checklist, for IPv4 and IPv6.
/// An IPv4-mapped address (`::ffff:a.b.c.d`) and a NAT64 address of the
/// well-known prefix (`64:ff9b::a.b.c.d`) get the class of the IPv4
/// address they carry, so `::ffff:127.0.0.1` is
/// [`Loopback`](AddressClass::Loopback) and `64:ff9b::808:808` is
/// `Global`. Every other IPv6 form that carries an IPv4 address
/// (IPv4-compatible `::/96`, SIIT `::ffff:0:0:0/96`, ISATAP
/// `::5efe:0:0/96`, 6to4 `2002::/16`, Teredo `2001::/32`, local-use NAT64
/// `64:ff9b:1::/48`) is refused whatever it carries, as is the rest of
/// `::/8`.
///
/// Pure and allocation-free; no DNS, no I/O.
///
/// ```
/// use webhook_kit::guard::{AddressClass, classify};
///
/// assert_eq!(classify("192.168.1.10".parse()?), AddressClass::Private);
/// assert_eq!(classify("169.254.169.254".parse()?), AddressClass::CloudMetadata);
/// assert_eq!(classify("::ffff:10.0.0.1".parse()?), AddressClass::Private);
/// assert_eq!(classify("2606:4700::1111".parse()?), AddressClass::Global);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Security
///
/// A `Global` answer is about the address alone. A webhook sender must
/// connect only to the addresses it classified (pin them in its HTTP
/// client); resolving the name again at connect time lets a DNS server
/// answer with a different, internal address (DNS rebinding). Use
/// [`Guard::check`](super::Guard::check), which also refuses a host whose
/// answer mixes global and forbidden addresses.
pub fn classify(ip: IpAddr) -> AddressClass {
    lookup(ip).map_or(AddressClass::Global, |found| found.class)
}

/// Whether `ip` is in a forbidden range: `classify(ip) != Global`.
///
/// # Security
///
/// As for [`classify`]: connect only to the addresses checked.
pub fn is_forbidden(ip: IpAddr) -> bool {
    lookup(ip).is_some()
}

/// A forbidden range that holds an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) class: AddressClass,
    pub(crate) range: Cidr,
    /// The IPv4 address judged in place of an IPv4-mapped or NAT64 one.
    pub(crate) embedded: Option<Ipv4Addr>,
}

/// The forbidden range holding `ip`, or `None` for a global address.
pub(crate) fn lookup(ip: IpAddr) -> Option<Found> {
    match ip {
        IpAddr::V4(v4) => lookup_v4(v4),
        IpAddr::V6(v6) => match carried_ipv4(v6) {
            Some(inner) => lookup_v4(inner).map(|found| Found {
                embedded: Some(inner),
                ..found
            }),
            None => first_match(V6_RULES, IpAddr::V6(v6)),
        },
    }
}

fn lookup_v4(ip: Ipv4Addr) -> Option<Found> {
    first_match(V4_RULES, IpAddr::V4(ip))
}

/// The first rule holding `ip`; a rule of class `Global` is a carve-out
/// and ends the search with no match.
fn first_match(rules: &[(Cidr, AddressClass)], ip: IpAddr) -> Option<Found> {
    let (range, class) = rules.iter().find(|(range, _)| range.contains(ip))?;
    class.is_forbidden().then_some(Found {
        class: *class,
        range: *range,
        embedded: None,
    })
}

/// The IPv4 address an IPv6 address stands for when connecting to it
/// reaches that IPv4 address: IPv4-mapped (`::ffff:0:0/96`, the socket
/// layer sends IPv4) and NAT64 well-known (`64:ff9b::/96`, the translator
/// forwards to the last 32 bits).
fn carried_ipv4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(mapped) = ip.to_ipv4_mapped() {
        return Some(mapped);
    }
    if NAT64_WELL_KNOWN.contains(IpAddr::V6(ip)) {
        let [.., a, b, c, d] = ip.octets();
        return Some(Ipv4Addr::new(a, b, c, d));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    fn v6(text: &str) -> Ipv6Addr {
        text.parse().unwrap()
    }

    #[test]
    fn mapped_and_nat64_carry_their_ipv4_address() {
        assert_eq!(carried_ipv4(v6("::ffff:10.1.2.3")), Some(v4("10.1.2.3")));
        assert_eq!(carried_ipv4(v6("64:ff9b::a01:203")), Some(v4("10.1.2.3")));
        assert_eq!(carried_ipv4(v6("64:ff9b::")), Some(v4("0.0.0.0")));
        for other in [
            "::a01:203",
            "::ffff:0:a01:203",
            "::5efe:a01:203",
            "2002:a01:203::",
            "64:ff9b:1::a01:203",
            "64:ff9b:0:0:1::a01:203",
            "2001::a01:203",
        ] {
            assert_eq!(carried_ipv4(v6(other)), None, "{other}");
        }
    }

    #[test]
    fn a_carried_address_is_named_in_the_finding() {
        let found = lookup(IpAddr::V6(v6("::ffff:192.168.0.1"))).unwrap();
        assert_eq!(found.class, AddressClass::Private);
        assert_eq!(found.range.to_string(), "192.168.0.0/16");
        assert_eq!(found.embedded, Some(v4("192.168.0.1")));

        let found = lookup(IpAddr::V6(v6("2002:c0a8:1::"))).unwrap();
        assert_eq!(found.class, AddressClass::SixToFour);
        assert_eq!(found.embedded, None);
    }

    #[test]
    fn carve_outs_are_global_not_findings() {
        assert_eq!(lookup(IpAddr::V6(v6("2001:3::1"))), None);
        assert!(!is_forbidden(IpAddr::V6(v6("2001:1::1"))));
        assert!(is_forbidden(IpAddr::V6(v6("2001:1::4"))));
    }

    #[test]
    fn is_forbidden_agrees_with_classify() {
        for text in [
            "10.0.0.1",
            "8.8.8.8",
            "::1",
            "::ffff:8.8.8.8",
            "2001:db8::1",
            "2001:3::",
        ] {
            let ip: IpAddr = text.parse().unwrap();
            assert_eq!(is_forbidden(ip), classify(ip).is_forbidden(), "{text}");
        }
    }
}
