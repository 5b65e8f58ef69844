//! Properties of the address guard over random addresses, blocks and
//! strings: embedded IPv4 judged as its IPv4 address (or refused outright),
//! allow-listed blocks always passing, public space always passing, one
//! forbidden address refusing the whole answer, legacy IPv4 spellings
//! refused, and no parser panicking on any input.
#![allow(
    clippy::unwrap_used,
    reason = "strategies build values in range; a failure is a bug to see"
)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use webhook_kit::guard::{
    AddressClass, AllowEntry, AllowList, Cidr, Guard, GuardError, HostError, TargetHost, classify,
    is_forbidden,
};

/// First octets whose whole /8 is public space: none of the checklist's
/// IPv4 ranges starts in 0, 10, 100, 127, 169, 172, 192, 198, 203 or 224+
/// is left out. Written independently of the classifier's tables.
fn public_v4() -> impl Strategy<Value = Ipv4Addr> {
    (1_u8..=223, any::<[u8; 3]>())
        .prop_filter("first octet holds a special range", |(first, _)| {
            ![10, 100, 127, 169, 172, 192, 198, 203].contains(first)
        })
        .prop_map(|(first, [b, c, d])| Ipv4Addr::new(first, b, c, d))
}

/// `2003::` to `3ffe:ffff:...`: global unicast clear of 2001::/23,
/// 2001:db8::/32, 2002::/16 and 3fff::/20.
fn public_v6() -> impl Strategy<Value = Ipv6Addr> {
    (0x2003_u16..=0x3ffe, any::<[u16; 7]>())
        .prop_map(|(first, [b, c, d, e, f, g, h])| Ipv6Addr::new(first, b, c, d, e, f, g, h))
}

fn any_ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<u32>().prop_map(|bits| IpAddr::V4(Ipv4Addr::from(bits))),
        any::<u128>().prop_map(|bits| IpAddr::V6(Ipv6Addr::from(bits))),
        // Dense around the IPv4-carrying prefixes, which uniform u128s miss.
        any::<u32>().prop_map(|bits| IpAddr::V6(Ipv4Addr::from(bits).to_ipv6_mapped())),
        any::<u32>().prop_map(|bits| IpAddr::V6(nat64(Ipv4Addr::from(bits)))),
        any::<u64>().prop_map(|low| IpAddr::V6(Ipv6Addr::from(u128::from(low)))),
    ]
}

fn nat64(v4: Ipv4Addr) -> Ipv6Addr {
    let [a, b, c, d] = v4.octets();
    Ipv6Addr::new(
        0x64,
        0xff9b,
        0,
        0,
        0,
        0,
        u16::from_be_bytes([a, b]),
        u16::from_be_bytes([c, d]),
    )
}

/// A random block and a random address inside it.
fn block_and_member() -> impl Strategy<Value = (Cidr, IpAddr)> {
    prop_oneof![
        (any::<u32>(), 0_u8..=32, any::<u32>()).prop_map(|(base, len, offset)| {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            let block = Cidr::new(IpAddr::V4(Ipv4Addr::from(base & mask)), len).unwrap();
            (
                block,
                IpAddr::V4(Ipv4Addr::from((base & mask) | (offset & !mask))),
            )
        }),
        (any::<u128>(), 0_u8..=128, any::<u128>()).prop_map(|(base, len, offset)| {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            let block = Cidr::new(IpAddr::V6(Ipv6Addr::from(base & mask)), len).unwrap();
            (
                block,
                IpAddr::V6(Ipv6Addr::from((base & mask) | (offset & !mask))),
            )
        }),
    ]
}

/// A host name of lowercase labels, the last starting with a letter so
/// it never ends in a number.
fn host_name() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec("[a-z0-9_-]{1,12}", 0..4),
        "[a-z][a-z0-9-]{0,8}",
    )
        .prop_map(|(mut labels, last)| {
            labels.push(last);
            labels.join(".")
        })
}

/// Spellings of an IPv4 address that some resolvers accept and a strict
/// reader must refuse.
fn legacy_spelling() -> impl Strategy<Value = String> {
    let octets = any::<[u8; 4]>();
    prop_oneof![
        // One decimal number for the whole address.
        any::<u32>().prop_map(|bits| bits.to_string()),
        // Hex octets.
        octets.prop_map(|[a, b, c, d]| format!("0x{a:x}.0x{b:x}.0x{c:x}.0x{d:x}")),
        // Octal octets with their leading zero.
        octets.prop_map(|[a, b, c, d]| format!("0{a:o}.0{b:o}.0{c:o}.0{d:o}")),
        // Three parts, the last a 16-bit number.
        (any::<u8>(), any::<u8>(), 256_u32..=65_535).prop_map(|(a, b, c)| format!("{a}.{b}.{c}")),
        // Two parts, the last a 24-bit number.
        (any::<u8>(), 256_u32..=16_777_215).prop_map(|(a, b)| format!("{a}.{b}")),
        // A dotted quad with a trailing dot.
        octets.prop_map(|[a, b, c, d]| format!("{a}.{b}.{c}.{d}.")),
        // A dotted quad with one zero-padded octet.
        (octets, 0_usize..4).prop_map(|(octets, at)| {
            let parts: Vec<String> = octets
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    if i == at {
                        format!("0{o}")
                    } else {
                        o.to_string()
                    }
                })
                .collect();
            parts.join(".")
        }),
    ]
}

fn flip_case(text: &str, flips: &[bool]) -> String {
    text.chars()
        .zip(flips.iter().cycle())
        .map(|(ch, flip)| if *flip { ch.to_ascii_uppercase() } else { ch })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn a_mapped_address_classifies_as_its_ipv4(bits in any::<u32>()) {
        let v4 = Ipv4Addr::from(bits);
        let want = classify(IpAddr::V4(v4));
        prop_assert_eq!(classify(IpAddr::V6(v4.to_ipv6_mapped())), want);
        prop_assert_eq!(classify(IpAddr::V6(nat64(v4))), want);
        prop_assert_eq!(
            Guard::new().check_address(IpAddr::V6(v4.to_ipv6_mapped())).is_ok(),
            Guard::new().check_address(IpAddr::V4(v4)).is_ok()
        );
    }

    #[test]
    fn other_embedding_forms_are_refused_whatever_they_carry(
        bits in any::<u32>(),
        rest in any::<[u16; 5]>(),
    ) {
        let v4 = Ipv4Addr::from(bits);
        let [a, b, c, d] = v4.octets();
        let (high, low) = (u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d]));
        let [r0, r1, r2, r3, r4] = rest;

        let compatible = Ipv6Addr::new(0, 0, 0, 0, 0, 0, high, low);
        let want = match bits {
            0 => AddressClass::Unspecified,
            1 => AddressClass::Loopback,
            _ => AddressClass::Ipv4Compatible,
        };
        prop_assert_eq!(classify(IpAddr::V6(compatible)), want);

        for (addr, want) in [
            (Ipv6Addr::new(0, 0, 0, 0, 0xffff, 0, high, low), AddressClass::Ipv4Translated),
            (Ipv6Addr::new(0, 0, 0, 0, 0, 0x5efe, high, low), AddressClass::Isatap),
            (Ipv6Addr::new(0x2002, high, low, r0, r1, r2, r3, r4), AddressClass::SixToFour),
            (Ipv6Addr::new(0x2001, 0, high, low, r0, r1, r2, r3), AddressClass::Teredo),
            (Ipv6Addr::new(0x64, 0xff9b, 1, r0, r1, r2, high, low), AddressClass::Nat64LocalUse),
        ] {
            prop_assert_eq!(classify(IpAddr::V6(addr)), want, "{}", addr);
            prop_assert!(Guard::new().check("x.example", &[IpAddr::V6(addr)]).is_err());
        }
    }

    #[test]
    fn random_public_addresses_pass(v4 in public_v4(), v6 in public_v6()) {
        let guard = Guard::new();
        for ip in [
            IpAddr::V4(v4),
            IpAddr::V6(v6),
            IpAddr::V6(v4.to_ipv6_mapped()),
            IpAddr::V6(nat64(v4)),
        ] {
            prop_assert_eq!(classify(ip), AddressClass::Global, "{}", ip);
            prop_assert!(!is_forbidden(ip));
        }
        prop_assert_eq!(
            guard.check("hooks.example.com", &[IpAddr::V4(v4), IpAddr::V6(v6)]),
            Ok(())
        );
        prop_assert_eq!(guard.check(&v4.to_string(), &[IpAddr::V4(v4)]), Ok(()));
        prop_assert_eq!(guard.check(&format!("[{v6}]"), &[IpAddr::V6(v6)]), Ok(()));
    }

    #[test]
    fn an_allow_listed_block_always_passes((block, member) in block_and_member()) {
        // Through the string form, as a configuration would give it.
        let list: AllowList = block.to_string().parse().unwrap();
        prop_assert_eq!(list.entries(), &[AllowEntry::Cidr(block)][..]);
        let guard = Guard::with_allow_list(list);

        prop_assert!(block.contains(member));
        prop_assert_eq!(guard.check_address(member), Ok(()));
        prop_assert_eq!(guard.check("internal.example", &[member]), Ok(()));
        if let IpAddr::V4(v4) = member {
            prop_assert_eq!(guard.check_address(IpAddr::V6(v4.to_ipv6_mapped())), Ok(()));
        }
    }

    #[test]
    fn a_forbidden_address_is_refused_with_its_class(ip in any_ip()) {
        let class = classify(ip);
        let verdict = Guard::new().check_address(ip);
        if !class.is_forbidden() {
            prop_assert_eq!(verdict, Ok(()));
            return Ok(());
        }

        let Err(GuardError::Forbidden { address, class: named, range, embedded }) = verdict else {
            return Err(TestCaseError::fail(format!("{ip} passed as {class:?}")));
        };
        prop_assert_eq!(address, ip);
        prop_assert_eq!(named, class);
        let judged = embedded.map_or(ip, IpAddr::V4);
        prop_assert!(range.contains(judged), "{} not in {}", judged, range);
    }

    #[test]
    fn one_forbidden_address_refuses_the_answer(
        public in proptest::collection::vec(public_v4(), 0..6),
        bad in any_ip().prop_filter("forbidden", |ip| is_forbidden(*ip)),
        at in any::<prop::sample::Index>(),
    ) {
        let mut answer: Vec<IpAddr> = public.into_iter().map(IpAddr::V4).collect();
        let at = at.index(answer.len() + 1);
        answer.insert(at, bad);

        match Guard::new().check("mixed.example", &answer) {
            Err(GuardError::Forbidden { address, .. }) => prop_assert_eq!(address, bad),
            other => return Err(TestCaseError::fail(format!("{other:?}"))),
        }
        // An allow-listed name opens the whole answer.
        let guard = Guard::with_allow_list("mixed.example".parse().unwrap());
        prop_assert_eq!(guard.check("Mixed.Example.", &answer), Ok(()));
    }

    #[test]
    fn dotted_quads_are_read_exactly(bits in any::<u32>()) {
        let v4 = Ipv4Addr::from(bits);
        let host = v4.to_string();
        prop_assert_eq!(TargetHost::parse(&host), Ok(TargetHost::Ip(IpAddr::V4(v4))));
        prop_assert_eq!(
            Guard::new().check(&host, &[IpAddr::V4(v4)]),
            Guard::new().check_address(IpAddr::V4(v4))
        );
    }

    #[test]
    fn legacy_ipv4_spellings_are_refused(host in legacy_spelling()) {
        prop_assert_eq!(TargetHost::parse(&host), Err(HostError::AmbiguousIpv4), "{}", host);
        let refused = matches!(
            Guard::new().check(&host, &[IpAddr::V4(Ipv4Addr::new(8, 8, 8, 8))]),
            Err(GuardError::InvalidHost { reason: HostError::AmbiguousIpv4, .. })
        );
        prop_assert!(refused, "{}", host);
    }

    #[test]
    fn host_names_match_whatever_their_case_and_trailing_dot(
        name in host_name(),
        flips in proptest::collection::vec(any::<bool>(), 1..8),
        dot in any::<bool>(),
    ) {
        let guard = Guard::with_allow_list(name.parse().unwrap());
        let mut written = flip_case(&name, &flips);
        if dot {
            written.push('.');
        }
        let parsed = TargetHost::parse(&written).unwrap();
        prop_assert_eq!(parsed.name().map(|n| n.as_str()), Some(name.as_str()));
        prop_assert_eq!(guard.check(&written, &[IpAddr::V4(Ipv4Addr::LOCALHOST)]), Ok(()));
        let child = format!("x.{written}");
        prop_assert!(guard.check(&child, &[IpAddr::V4(Ipv4Addr::LOCALHOST)]).is_err());
    }

    #[test]
    fn blocks_print_and_parse_back((block, _) in block_and_member()) {
        prop_assert_eq!(block.to_string().parse::<Cidr>(), Ok(block));
    }

    #[test]
    fn parsers_never_panic(text in "\\PC{0,40}", bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        for input in [text.as_str(), lossy.as_str()] {
            let _ = TargetHost::parse(input);
            let _ = input.parse::<AllowEntry>();
            let _ = input.parse::<AllowList>();
            let _ = input.parse::<Cidr>();
            let _ = Guard::new().check(input, &[IpAddr::V4(Ipv4Addr::LOCALHOST)]);
        }
    }

    #[test]
    fn address_like_strings_never_panic(text in "[0-9a-fA-Fx:.\\[\\]/%]{0,45}") {
        let _ = TargetHost::parse(&text);
        let _ = text.parse::<AllowEntry>();
        if let Ok(TargetHost::Ip(ip)) = TargetHost::parse(&text) {
            // Whatever is read as a literal is checked as that address.
            prop_assert_eq!(Guard::new().check(&text, &[ip]), Guard::new().check_address(ip));
        }
    }
}
