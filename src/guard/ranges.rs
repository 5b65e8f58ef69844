//! The forbidden ranges, one table per family: every range of the
//! sender's SSRF checklist.
//!
//! Each table is ordered so that a narrower range comes before any range
//! holding it; the classifier takes the first match. A rule of class
//! [`AddressClass::Global`] is a carve-out: a globally reachable block
//! inside a forbidden one.

use super::cidr::Cidr;
use super::class::AddressClass;

/// `64:ff9b::/96`, judged by the IPv4 address it carries: DNS64 puts every
/// IPv4-only host here, so refusing the prefix would stop all delivery from
/// a NAT64 network.
pub(crate) const NAT64_WELL_KNOWN: Cidr = Cidr::v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96);

/// IPv4 ranges, narrower before wider.
pub(crate) const V4_RULES: &[(Cidr, AddressClass)] = &[
    (Cidr::v4([0, 0, 0, 0], 32), AddressClass::Unspecified),
    (Cidr::v4([0, 0, 0, 0], 8), AddressClass::ThisNetwork),
    (Cidr::v4([10, 0, 0, 0], 8), AddressClass::Private),
    (Cidr::v4([100, 64, 0, 0], 10), AddressClass::Cgnat),
    (Cidr::v4([127, 0, 0, 0], 8), AddressClass::Loopback),
    (
        Cidr::v4([169, 254, 169, 254], 32),
        AddressClass::CloudMetadata,
    ),
    (
        Cidr::v4([169, 254, 170, 2], 32),
        AddressClass::CloudMetadata,
    ),
    (Cidr::v4([169, 254, 0, 0], 16), AddressClass::LinkLocal),
    (Cidr::v4([172, 16, 0, 0], 12), AddressClass::Private),
    (
        Cidr::v4([192, 0, 0, 0], 24),
        AddressClass::IetfProtocolAssignment,
    ),
    (Cidr::v4([192, 0, 2, 0], 24), AddressClass::Documentation),
    (Cidr::v4([192, 88, 99, 0], 24), AddressClass::SixToFourRelay),
    (Cidr::v4([192, 168, 0, 0], 16), AddressClass::Private),
    (Cidr::v4([198, 18, 0, 0], 15), AddressClass::Benchmarking),
    (Cidr::v4([198, 51, 100, 0], 24), AddressClass::Documentation),
    (Cidr::v4([203, 0, 113, 0], 24), AddressClass::Documentation),
    (Cidr::v4([224, 0, 0, 0], 4), AddressClass::Multicast),
    (Cidr::v4([255, 255, 255, 255], 32), AddressClass::Broadcast),
    (Cidr::v4([240, 0, 0, 0], 4), AddressClass::Reserved),
];

/// IPv6 ranges, narrower before wider. IPv4-mapped and NAT64 well-known
/// addresses never reach this table.
pub(crate) const V6_RULES: &[(Cidr, AddressClass)] = &[
    (
        Cidr::v6([0, 0, 0, 0, 0, 0, 0, 0], 128),
        AddressClass::Unspecified,
    ),
    (
        Cidr::v6([0, 0, 0, 0, 0, 0, 0, 1], 128),
        AddressClass::Loopback,
    ),
    (
        Cidr::v6([0, 0, 0, 0, 0, 0, 0, 0], 96),
        AddressClass::Ipv4Compatible,
    ),
    (
        Cidr::v6([0, 0, 0, 0, 0xffff, 0, 0, 0], 96),
        AddressClass::Ipv4Translated,
    ),
    (
        Cidr::v6([0, 0, 0, 0, 0, 0x5efe, 0, 0], 96),
        AddressClass::Isatap,
    ),
    (
        Cidr::v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48),
        AddressClass::Nat64LocalUse,
    ),
    // The rest of `::/8`: reserved by the IETF, nothing routable in it.
    (
        Cidr::v6([0, 0, 0, 0, 0, 0, 0, 0], 8),
        AddressClass::Reserved,
    ),
    (
        Cidr::v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64),
        AddressClass::DiscardOnly,
    ),
    // Globally reachable anycast inside `2001::/23`: PCP, TURN, AMT,
    // AS112-v6, ORCHIDv2.
    (
        Cidr::v6([0x2001, 1, 0, 0, 0, 0, 0, 1], 128),
        AddressClass::Global,
    ),
    (
        Cidr::v6([0x2001, 1, 0, 0, 0, 0, 0, 2], 128),
        AddressClass::Global,
    ),
    (
        Cidr::v6([0x2001, 3, 0, 0, 0, 0, 0, 0], 32),
        AddressClass::Global,
    ),
    (
        Cidr::v6([0x2001, 4, 0x112, 0, 0, 0, 0, 0], 48),
        AddressClass::Global,
    ),
    (
        Cidr::v6([0x2001, 0x20, 0, 0, 0, 0, 0, 0], 28),
        AddressClass::Global,
    ),
    (
        Cidr::v6([0x2001, 2, 0, 0, 0, 0, 0, 0], 48),
        AddressClass::Benchmarking,
    ),
    (
        Cidr::v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 32),
        AddressClass::Teredo,
    ),
    (
        Cidr::v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 23),
        AddressClass::IetfProtocolAssignment,
    ),
    (
        Cidr::v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32),
        AddressClass::Documentation,
    ),
    (
        Cidr::v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16),
        AddressClass::SixToFour,
    ),
    (
        Cidr::v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20),
        AddressClass::Documentation,
    ),
    (
        Cidr::v6([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16),
        AddressClass::Srv6Sid,
    ),
    (
        Cidr::v6([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254], 128),
        AddressClass::CloudMetadata,
    ),
    (
        Cidr::v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7),
        AddressClass::UniqueLocal,
    ),
    (
        Cidr::v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10),
        AddressClass::LinkLocal,
    ),
    (
        Cidr::v6([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10),
        AddressClass::SiteLocal,
    ),
    (
        Cidr::v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8),
        AddressClass::Multicast,
    ),
];

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;
    use crate::guard::classify;

    use AddressClass::{
        Benchmarking, Broadcast, Cgnat, CloudMetadata, DiscardOnly, Documentation, Global,
        IetfProtocolAssignment as Ietf, Ipv4Compatible, Ipv4Translated, Isatap, LinkLocal,
        Loopback, Multicast, Nat64LocalUse, Private, Reserved, SiteLocal, SixToFour,
        SixToFourRelay, Srv6Sid, Teredo, ThisNetwork, UniqueLocal, Unspecified,
    };

    /// Classifies every row and reports all mismatches at once.
    fn assert_classes(rows: &[(&str, AddressClass)]) {
        let wrong: Vec<String> = rows
            .iter()
            .filter_map(|(text, want)| {
                let ip: IpAddr = text.parse().unwrap();
                let got = classify(ip);
                (got != *want).then(|| format!("{text}: want {want:?}, got {got:?}"))
            })
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn tables_hold_network_addresses_only() {
        for (range, _) in V4_RULES
            .iter()
            .chain(V6_RULES)
            .chain([&(NAT64_WELL_KNOWN, Global)])
        {
            assert_eq!(Cidr::new(range.addr(), range.prefix_len()), Ok(*range));
        }
        assert!(V4_RULES.iter().all(|(range, _)| range.addr().is_ipv4()));
        assert!(V6_RULES.iter().all(|(range, _)| range.addr().is_ipv6()));
    }

    #[test]
    fn no_rule_hides_behind_a_wider_one() {
        // Blocks either nest or are disjoint, so holding both ends of a
        // later block means holding all of it.
        for rules in [V4_RULES, V6_RULES] {
            for (later_at, (later, _)) in rules.iter().enumerate() {
                for (earlier, _) in rules.iter().take(later_at) {
                    assert!(
                        !(earlier.contains(later.first()) && earlier.contains(later.last())),
                        "{later} is shadowed by {earlier}"
                    );
                }
            }
        }
    }

    #[test]
    fn ipv4_boundaries() {
        assert_classes(&[
            // 0.0.0.0/8, with 0.0.0.0 itself unspecified
            ("0.0.0.0", Unspecified),
            ("0.0.0.1", ThisNetwork),
            ("0.255.255.255", ThisNetwork),
            ("1.0.0.0", Global),
            // 10.0.0.0/8
            ("9.255.255.255", Global),
            ("10.0.0.0", Private),
            ("10.255.255.255", Private),
            ("11.0.0.0", Global),
            // 100.64.0.0/10
            ("100.63.255.255", Global),
            ("100.64.0.0", Cgnat),
            ("100.127.255.255", Cgnat),
            ("100.128.0.0", Global),
            // 127.0.0.0/8
            ("126.255.255.255", Global),
            ("127.0.0.0", Loopback),
            ("127.0.0.1", Loopback),
            ("127.255.255.255", Loopback),
            ("128.0.0.0", Global),
            // 169.254.0.0/16 and the metadata addresses inside it
            ("169.253.255.255", Global),
            ("169.254.0.0", LinkLocal),
            ("169.254.169.253", LinkLocal),
            ("169.254.169.254", CloudMetadata),
            ("169.254.169.255", LinkLocal),
            ("169.254.170.1", LinkLocal),
            ("169.254.170.2", CloudMetadata),
            ("169.254.170.3", LinkLocal),
            ("169.254.255.255", LinkLocal),
            ("169.255.0.0", Global),
            // 172.16.0.0/12
            ("172.15.255.255", Global),
            ("172.16.0.0", Private),
            ("172.31.255.255", Private),
            ("172.32.0.0", Global),
            // 192.0.0.0/24
            ("191.255.255.255", Global),
            ("192.0.0.0", Ietf),
            ("192.0.0.255", Ietf),
            ("192.0.1.0", Global),
            // 192.0.2.0/24, TEST-NET-1
            ("192.0.1.255", Global),
            ("192.0.2.0", Documentation),
            ("192.0.2.255", Documentation),
            ("192.0.3.0", Global),
            // 192.88.99.0/24
            ("192.88.98.255", Global),
            ("192.88.99.0", SixToFourRelay),
            ("192.88.99.255", SixToFourRelay),
            ("192.88.100.0", Global),
            // 192.168.0.0/16
            ("192.167.255.255", Global),
            ("192.168.0.0", Private),
            ("192.168.255.255", Private),
            ("192.169.0.0", Global),
            // 198.18.0.0/15
            ("198.17.255.255", Global),
            ("198.18.0.0", Benchmarking),
            ("198.19.255.255", Benchmarking),
            ("198.20.0.0", Global),
            // 198.51.100.0/24, TEST-NET-2
            ("198.51.99.255", Global),
            ("198.51.100.0", Documentation),
            ("198.51.100.255", Documentation),
            ("198.51.101.0", Global),
            // 203.0.113.0/24, TEST-NET-3
            ("203.0.112.255", Global),
            ("203.0.113.0", Documentation),
            ("203.0.113.255", Documentation),
            ("203.0.114.0", Global),
            // 224.0.0.0/4
            ("223.255.255.255", Global),
            ("224.0.0.0", Multicast),
            ("239.255.255.255", Multicast),
            // 240.0.0.0/4, with 255.255.255.255 broadcast
            ("240.0.0.0", Reserved),
            ("255.255.255.254", Reserved),
            ("255.255.255.255", Broadcast),
            // a few ordinary public addresses
            ("1.1.1.1", Global),
            ("8.8.8.8", Global),
            ("93.184.215.14", Global),
        ]);
    }

    #[test]
    fn ipv6_boundaries() {
        assert_classes(&[
            // ::, ::1 and the IPv4-compatible ::/96 around them
            ("::", Unspecified),
            ("::1", Loopback),
            ("::2", Ipv4Compatible),
            ("::7f00:1", Ipv4Compatible),
            ("::ffff:ffff", Ipv4Compatible),
            ("::1:0:0", Reserved),
            // ::ffff:0:0:0/96, SIIT
            ("::fffe:ffff:ffff:ffff", Reserved),
            ("::ffff:0:0:0", Ipv4Translated),
            ("::ffff:0:7f00:1", Ipv4Translated),
            ("::ffff:0:ffff:ffff", Ipv4Translated),
            ("::ffff:1:0:0", Reserved),
            // ::5efe:0:0/96, ISATAP
            ("::5efd:ffff:ffff", Reserved),
            ("::5efe:0:0", Isatap),
            ("::5efe:7f00:1", Isatap),
            ("::5efe:ffff:ffff", Isatap),
            ("::5eff:0:0", Reserved),
            // 64:ff9b:1::/48, local-use NAT64
            ("64:ff9b:0:ffff:ffff:ffff:ffff:ffff", Reserved),
            ("64:ff9b:1::", Nat64LocalUse),
            ("64:ff9b:1:ffff:ffff:ffff:ffff:ffff", Nat64LocalUse),
            ("64:ff9b:2::", Reserved),
            // the rest of ::/8, then 100::/64
            ("ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Reserved),
            ("100::", DiscardOnly),
            ("100::ffff:ffff:ffff:ffff", DiscardOnly),
            ("100:0:0:1::", Global),
            // 2001::/23 and what lies inside it
            ("2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Global),
            ("2001::", Teredo),
            ("2001:0:ffff:ffff:ffff:ffff:ffff:ffff", Teredo),
            ("2001:1::", Ietf),
            ("2001:1::1", Global),
            ("2001:1::2", Global),
            ("2001:1::3", Ietf),
            ("2001:1:ffff:ffff:ffff:ffff:ffff:ffff", Ietf),
            ("2001:2::", Benchmarking),
            ("2001:2:0:ffff:ffff:ffff:ffff:ffff", Benchmarking),
            ("2001:2:1::", Ietf),
            ("2001:2:ffff:ffff:ffff:ffff:ffff:ffff", Ietf),
            ("2001:3::", Global),
            ("2001:3:ffff:ffff:ffff:ffff:ffff:ffff", Global),
            ("2001:4::", Ietf),
            ("2001:4:111:ffff:ffff:ffff:ffff:ffff", Ietf),
            ("2001:4:112::", Global),
            ("2001:4:112:ffff:ffff:ffff:ffff:ffff", Global),
            ("2001:4:113::", Ietf),
            ("2001:10::", Ietf),
            ("2001:1f:ffff:ffff:ffff:ffff:ffff:ffff", Ietf),
            ("2001:20::", Global),
            ("2001:2f:ffff:ffff:ffff:ffff:ffff:ffff", Global),
            ("2001:30::", Ietf),
            ("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", Ietf),
            ("2001:200::", Global),
            // 2001:db8::/32
            ("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", Global),
            ("2001:db8::", Documentation),
            ("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", Documentation),
            ("2001:db9::", Global),
            // 2002::/16, 6to4, whatever it carries
            ("2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Global),
            ("2002::", SixToFour),
            ("2002:7f00:1::1", SixToFour),
            ("2002:808:808::1", SixToFour),
            ("2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", SixToFour),
            ("2003::", Global),
            // 3fff::/20
            ("3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Global),
            ("3fff::", Documentation),
            ("3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", Documentation),
            ("3fff:1000::", Global),
            // 5f00::/16
            ("5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Global),
            ("5f00::", Srv6Sid),
            ("5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Srv6Sid),
            ("5f01::", Global),
            // fc00::/7, with AWS IMDS inside it
            ("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Global),
            ("fc00::", UniqueLocal),
            ("fd00:ec2::253", UniqueLocal),
            ("fd00:ec2::254", CloudMetadata),
            ("fd00:ec2::255", UniqueLocal),
            ("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", UniqueLocal),
            ("fe00::", Global),
            // fe80::/10
            ("fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Global),
            ("fe80::", LinkLocal),
            ("fe80::1", LinkLocal),
            ("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", LinkLocal),
            // fec0::/10
            ("fec0::", SiteLocal),
            ("feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", SiteLocal),
            // ff00::/8
            ("ff00::", Multicast),
            ("ff02::1", Multicast),
            ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Multicast),
            // ordinary public addresses
            ("2606:4700:4700::1111", Global),
            ("2620:4f:8000::", Global),
            ("2a00:1450:4001::1", Global),
        ]);
    }

    #[test]
    fn embedded_ipv4_boundaries() {
        assert_classes(&[
            // ::ffff:0:0/96, IPv4-mapped: the IPv4 address decides
            ("::fffe:ffff:ffff", Reserved),
            ("::ffff:0.0.0.0", Unspecified),
            ("::ffff:0.0.0.1", ThisNetwork),
            ("::ffff:1.0.0.0", Global),
            ("::ffff:10.0.0.0", Private),
            ("::ffff:10.255.255.255", Private),
            ("::ffff:11.0.0.0", Global),
            ("::ffff:100.64.0.0", Cgnat),
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:169.254.169.254", CloudMetadata),
            ("::ffff:172.16.0.0", Private),
            ("::ffff:192.0.2.1", Documentation),
            ("::ffff:224.0.0.1", Multicast),
            ("::ffff:8.8.8.8", Global),
            ("::ffff:255.255.255.254", Reserved),
            ("::ffff:255.255.255.255", Broadcast),
            ("::1:0:0:0", Reserved),
            // 64:ff9b::/96, NAT64 well-known: the IPv4 address decides
            ("64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", Reserved),
            ("64:ff9b::", Unspecified),
            ("64:ff9b::7f00:1", Loopback),
            ("64:ff9b::a00:1", Private),
            ("64:ff9b::a9fe:a9fe", CloudMetadata),
            ("64:ff9b::808:808", Global),
            ("64:ff9b::5db8:d70e", Global),
            ("64:ff9b::ffff:ffff", Broadcast),
            ("64:ff9b::1:0:0", Reserved),
        ]);
    }
}
