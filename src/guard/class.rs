//! The class of an address: why it is forbidden as a webhook target, or
//! that nothing forbids it.

use std::fmt;

/// Why an address may not be a webhook target, or [`AddressClass::Global`]
/// when no forbidden range holds it.
///
/// [`classify`](super::classify) answers with one of these. Where ranges
/// nest, the narrower one names the class: `169.254.169.254` is
/// [`CloudMetadata`](AddressClass::CloudMetadata), not
/// [`LinkLocal`](AddressClass::LinkLocal). Every class but `Global` is
/// forbidden unless an allow-list entry opens the address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AddressClass {
    /// In no forbidden range.
    Global,
    /// `0.0.0.0` and `::`: no address at all; most systems connect such a
    /// socket to the local host.
    Unspecified,
    /// The rest of `0.0.0.0/8`, "this network".
    ThisNetwork,
    /// `127.0.0.0/8` and `::1`.
    Loopback,
    /// Private space (RFC 1918): `10.0.0.0/8`, `172.16.0.0/12`,
    /// `192.168.0.0/16`.
    Private,
    /// `100.64.0.0/10`, the shared address space of carrier-grade NAT.
    Cgnat,
    /// `169.254.0.0/16` and `fe80::/10`.
    LinkLocal,
    /// A cloud instance metadata endpoint: `169.254.169.254` (AWS, GCP,
    /// Azure, OCI, and what `metadata.google.internal` resolves to),
    /// `169.254.170.2` (AWS ECS task metadata), `fd00:ec2::254` (AWS IMDS
    /// over IPv6).
    CloudMetadata,
    /// IETF protocol assignments: `192.0.0.0/24`, and `2001::/23` apart
    /// from its globally reachable anycast blocks (`2001:1::1`,
    /// `2001:1::2`, `2001:3::/32`, `2001:4:112::/48`, `2001:20::/28`).
    IetfProtocolAssignment,
    /// Documentation: `192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24`
    /// (TEST-NET-1, 2 and 3), `2001:db8::/32` and `3fff::/20`.
    Documentation,
    /// `192.88.99.0/24`, the deprecated 6to4 relay anycast block.
    SixToFourRelay,
    /// Benchmarking: `198.18.0.0/15` and `2001:2::/48`.
    Benchmarking,
    /// Multicast: `224.0.0.0/4` and `ff00::/8`.
    Multicast,
    /// Reserved: `240.0.0.0/4` (class E, broadcast aside), and the parts
    /// of `::/8` no narrower class names.
    Reserved,
    /// `255.255.255.255`, the limited broadcast address.
    Broadcast,
    /// `::/96` apart from `::` and `::1`: the deprecated IPv4-compatible
    /// form.
    Ipv4Compatible,
    /// `::ffff:0:0:0/96`: the SIIT IPv4-translated form.
    Ipv4Translated,
    /// `::5efe:0:0/96`: the ISATAP form.
    Isatap,
    /// `64:ff9b:1::/48`: local-use NAT64, whose IPv4 address cannot be
    /// located from the address alone.
    Nat64LocalUse,
    /// `2002::/16`: 6to4, which carries an arbitrary IPv4 address.
    SixToFour,
    /// `2001::/32`: Teredo, which carries IPv4 addresses.
    Teredo,
    /// `100::/64`: discard-only.
    DiscardOnly,
    /// `5f00::/16`: segment routing (SRv6) segment identifiers.
    Srv6Sid,
    /// `fc00::/7`: unique local addresses.
    UniqueLocal,
    /// `fec0::/10`: the deprecated site-local block.
    SiteLocal,
}

impl AddressClass {
    /// Whether addresses of this class are refused (every class but
    /// [`AddressClass::Global`]).
    pub fn is_forbidden(self) -> bool {
        self != AddressClass::Global
    }

    /// A stable snake_case code for this class, for logs and metrics.
    pub fn code(self) -> &'static str {
        match self {
            AddressClass::Global => "global",
            AddressClass::Unspecified => "unspecified",
            AddressClass::ThisNetwork => "this_network",
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private",
            AddressClass::Cgnat => "cgnat",
            AddressClass::LinkLocal => "link_local",
            AddressClass::CloudMetadata => "cloud_metadata",
            AddressClass::IetfProtocolAssignment => "ietf_protocol_assignment",
            AddressClass::Documentation => "documentation",
            AddressClass::SixToFourRelay => "six_to_four_relay",
            AddressClass::Benchmarking => "benchmarking",
            AddressClass::Multicast => "multicast",
            AddressClass::Reserved => "reserved",
            AddressClass::Broadcast => "broadcast",
            AddressClass::Ipv4Compatible => "ipv4_compatible",
            AddressClass::Ipv4Translated => "ipv4_translated",
            AddressClass::Isatap => "isatap",
            AddressClass::Nat64LocalUse => "nat64_local_use",
            AddressClass::SixToFour => "six_to_four",
            AddressClass::Teredo => "teredo",
            AddressClass::DiscardOnly => "discard_only",
            AddressClass::Srv6Sid => "srv6_sid",
            AddressClass::UniqueLocal => "unique_local",
            AddressClass::SiteLocal => "site_local",
        }
    }
}

impl fmt::Display for AddressClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AddressClass::Global => "global",
            AddressClass::Unspecified => "the unspecified address",
            AddressClass::ThisNetwork => "\"this network\"",
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private (rfc 1918)",
            AddressClass::Cgnat => "shared address space (cgnat)",
            AddressClass::LinkLocal => "link-local",
            AddressClass::CloudMetadata => "a cloud metadata endpoint",
            AddressClass::IetfProtocolAssignment => "ietf protocol assignments",
            AddressClass::Documentation => "documentation",
            AddressClass::SixToFourRelay => "6to4 relay anycast",
            AddressClass::Benchmarking => "benchmarking",
            AddressClass::Multicast => "multicast",
            AddressClass::Reserved => "reserved",
            AddressClass::Broadcast => "broadcast",
            AddressClass::Ipv4Compatible => "ipv4-compatible ipv6",
            AddressClass::Ipv4Translated => "ipv4-translated ipv6 (siit)",
            AddressClass::Isatap => "isatap",
            AddressClass::Nat64LocalUse => "local-use nat64",
            AddressClass::SixToFour => "6to4",
            AddressClass::Teredo => "teredo",
            AddressClass::DiscardOnly => "discard-only",
            AddressClass::Srv6Sid => "srv6 segment identifiers",
            AddressClass::UniqueLocal => "unique local (ula)",
            AddressClass::SiteLocal => "site-local (deprecated)",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_global_is_allowed() {
        assert!(!AddressClass::Global.is_forbidden());
        assert!(AddressClass::Loopback.is_forbidden());
        assert!(AddressClass::CloudMetadata.is_forbidden());
    }

    #[test]
    fn codes_are_snake_case_and_display_is_lowercase() {
        for class in [
            AddressClass::Global,
            AddressClass::Unspecified,
            AddressClass::ThisNetwork,
            AddressClass::Loopback,
            AddressClass::Private,
            AddressClass::Cgnat,
            AddressClass::LinkLocal,
            AddressClass::CloudMetadata,
            AddressClass::IetfProtocolAssignment,
            AddressClass::Documentation,
            AddressClass::SixToFourRelay,
            AddressClass::Benchmarking,
            AddressClass::Multicast,
            AddressClass::Reserved,
            AddressClass::Broadcast,
            AddressClass::Ipv4Compatible,
            AddressClass::Ipv4Translated,
            AddressClass::Isatap,
            AddressClass::Nat64LocalUse,
            AddressClass::SixToFour,
            AddressClass::Teredo,
            AddressClass::DiscardOnly,
            AddressClass::Srv6Sid,
            AddressClass::UniqueLocal,
            AddressClass::SiteLocal,
        ] {
            let code = class.code();
            assert!(
                code.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{code}"
            );
            let text = class.to_string();
            assert_eq!(text, text.to_lowercase());
        }
    }
}
